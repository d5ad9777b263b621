/**
 * The statistics of an experiment's report, pure maths (no I/O). Each arm is compared with the control arm on
 * two metrics per customer: conversion (≥ 1 paid order in the window) and revenue (minor units).
 *
 * - Conversion: Wilson score interval per arm; the difference of rates with Newcombe's hybrid score interval
 *   (method 10 of Newcombe 1998), which keeps its coverage near 0 or 1 where the Wald interval does not; the
 *   relative lift with the Katz log interval.
 * - Revenue: Welch's t interval on the difference of mean revenue per customer (unequal variances,
 *   Welch–Satterthwaite degrees of freedom). Revenue per customer is very skewed but the arms have hundreds of
 *   customers, where the t interval of a mean holds its coverage (the A/A test in the spec checks it on lognormal
 *   spends).
 * - Stopping: these fixed-horizon intervals are only valid at one look decided in advance. A report can be read
 *   every day, so the advice to stop comes from a mixture sequential probability ratio test (mSPRT, Johari,
 *   Pekelis & Walsh 2017, "Always valid inference"): its p-value and interval stay valid however often and
 *   whenever the report is read. Chosen over O'Brien–Fleming alpha spending because that needs the number and
 *   timing of looks (the information fractions) fixed in advance, which a report on demand does not have.
 *
 * Quantiles come from @stdlib (normal and Student's t), not from hand-written approximations.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** What SQL counts for one arm (or one arm within one tier). */
export interface ArmOutcome {
  customers: number;
  converted: number;
  /** sum of revenue per customer in the window, minor units */
  revenue: number;
  /** sum of squared revenue per customer, minor units² (for the variance) */
  revenueSquares: number;
}

export interface Interval {
  value: number;
  low: number;
  high: number;
}

/** z such that P(|Z| ≤ z) = level. */
export function zFor(level: number): number {
  return normalQuantile(1 - (1 - level) / 2, 0, 1);
}

/** Wilson score interval of a proportion `x / n`; null when n = 0. */
export function wilson(x: number, n: number, level = 0.95): Interval | null {
  if (n <= 0) return null;
  const z = zFor(level);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // the exact ends at 0/n and n/n (the formula lands there only up to rounding)
  return {
    value: p,
    low: x <= 0 ? 0 : Math.max(0, centre - half),
    high: x >= n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Difference of two proportions x1/n1 − x2/n2 with Newcombe's hybrid score interval (from the two Wilson
 * intervals); null when either group is empty.
 */
export function newcombeDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  level = 0.95,
): Interval | null {
  const a = wilson(x1, n1, level);
  const b = wilson(x2, n2, level);
  if (!a || !b) return null;
  const d = a.value - b.value;
  const lowGap = Math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2);
  const highGap = Math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2);
  return { value: d, low: d - lowGap, high: d + highGap };
}

/** Relative lift (rate1 / rate2 − 1) with the Katz log interval; null without conversions in either group. */
export function relativeLift(x1: number, n1: number, x2: number, n2: number, level = 0.95): Interval | null {
  if (x1 <= 0 || x2 <= 0 || n1 <= 0 || n2 <= 0) return null;
  const z = zFor(level);
  const ratio = x1 / n1 / (x2 / n2);
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  return { value: ratio - 1, low: ratio * Math.exp(-z * se) - 1, high: ratio * Math.exp(z * se) - 1 };
}

/** Mean and unbiased variance of revenue per customer from the SQL sums. */
export function revenueMoments(o: ArmOutcome): { mean: number; variance: number } {
  if (o.customers <= 0) return { mean: 0, variance: 0 };
  const mean = o.revenue / o.customers;
  if (o.customers < 2) return { mean, variance: 0 };
  // max(0, …): the textbook formula can dip below zero by rounding when every value is equal
  const variance = Math.max(0, (o.revenueSquares - o.customers * mean * mean) / (o.customers - 1));
  return { mean, variance };
}

/**
 * Welch's interval of the difference of mean revenue per customer (arm − control), minor units, with its
 * Welch–Satterthwaite degrees of freedom; null with fewer than 2 customers in either group.
 */
export function welchDifference(
  arm: ArmOutcome,
  control: ArmOutcome,
  level = 0.95,
): (Interval & { df: number }) | null {
  if (arm.customers < 2 || control.customers < 2) return null;
  const a = revenueMoments(arm);
  const c = revenueMoments(control);
  const va = a.variance / arm.customers;
  const vc = c.variance / control.customers;
  const d = a.mean - c.mean;
  const se2 = va + vc;
  if (se2 === 0) return { value: d, low: d, high: d, df: arm.customers + control.customers - 2 };
  const df = (se2 * se2) / ((va * va) / (arm.customers - 1) + (vc * vc) / (control.customers - 1));
  const half = tQuantile(1 - (1 - level) / 2, df) * Math.sqrt(se2);
  return { value: d, low: d - half, high: d + half, df };
}

/** An always-valid test of "difference = 0" on an estimate with (approximately) normal error. */
export interface SequentialTest {
  /** always-valid p-value: under no effect, P(ever ≤ α) ≤ α over any number of looks */
  pValue: number;
  /** always-valid interval of the difference at level 1 − α */
  interval: Interval;
}

/**
 * mSPRT with a normal mixing distribution N(0, τ²) over the true difference θ, for an estimate θ̂ with variance
 * V (Johari et al. 2017, eq. for the Gaussian case): Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²))), the
 * p-value is min(1, 1/Λ) and the interval is every θ for which Λ(θ̂ − θ) < 1/α. `tau` is the scale of effects the
 * test is tuned to find fastest (it stays valid for any τ); null when V is not positive.
 */
export function msprt(estimate: number, variance: number, tau: number, alpha = 0.05): SequentialTest | null {
  if (!(variance > 0) || !(tau > 0)) return null;
  const t2 = tau * tau;
  const logLambda =
    0.5 * Math.log(variance / (variance + t2)) +
    (t2 * estimate * estimate) / (2 * variance * (variance + t2));
  const pValue = Math.min(1, Math.exp(-logLambda));
  const half = Math.sqrt(
    ((2 * variance * (variance + t2)) / t2) *
      (Math.log(1 / alpha) + 0.5 * Math.log((variance + t2) / variance)),
  );
  return { pValue, interval: { value: estimate, low: estimate - half, high: estimate + half } };
}

export type StopAdvice = 'keep_running' | 'stop_arm_wins' | 'stop_arm_loses' | 'stop_no_effect_detected';

/** Settings of the comparison: the confidence level, the sequential α and the effect scale the mSPRT is tuned to. */
export interface CompareOptions {
  level: number;
  /** family-wise α of the sequential test; split over the comparisons with the control (Bonferroni) */
  alpha: number;
  comparisons: number;
  /** relative effect the mSPRT is tuned to (τ = this × the pooled rate or mean), e.g. 0.1 for 10 % */
  relativeEffect: number;
  /** the experiment's last day has passed: no more data will come */
  ended: boolean;
  /** fewer customers than this per arm: never advise to stop */
  minCustomersPerArm: number;
}

export const DEFAULT_COMPARE: CompareOptions = {
  level: 0.95,
  alpha: 0.05,
  comparisons: 1,
  relativeEffect: 0.1,
  ended: false,
  minCustomersPerArm: 100,
};

export interface ArmSummary {
  customers: number;
  converted: number;
  /** conversion rate with its Wilson interval; null without customers */
  conversion: Interval | null;
  /** revenue in the window, minor units */
  revenue: number;
  revenuePerCustomer: number;
}

export interface ArmComparison {
  /** conversion-rate difference arm − control, Newcombe interval */
  conversionDifference: Interval | null;
  /** relative conversion lift arm / control − 1, Katz interval */
  conversionLift: Interval | null;
  /** difference of mean revenue per customer, minor units, Welch interval */
  revenueDifference: (Interval & { df: number }) | null;
  /** relative revenue lift (difference / control mean) with the Welch interval scaled by the control mean */
  revenueLift: Interval | null;
  /** conversion difference: always-valid (mSPRT) p-value and interval */
  sequential: SequentialTest | null;
  /** fixed-horizon interval of the conversion difference excludes 0 (valid for one pre-planned look only) */
  significant: boolean;
  advice: StopAdvice;
}

export function summarizeArm(o: ArmOutcome, level = 0.95): ArmSummary {
  return {
    customers: o.customers,
    converted: o.converted,
    conversion: wilson(o.converted, o.customers, level),
    revenue: o.revenue,
    revenuePerCustomer: o.customers > 0 ? o.revenue / o.customers : 0,
  };
}

/** Compares one arm with the control on conversion and revenue, with the advice whether to stop. */
export function compareArms(
  arm: ArmOutcome,
  control: ArmOutcome,
  opts: CompareOptions = DEFAULT_COMPARE,
): ArmComparison {
  const conversionDifference = newcombeDifference(
    arm.converted,
    arm.customers,
    control.converted,
    control.customers,
    opts.level,
  );
  const revenueDifference = welchDifference(arm, control, opts.level);
  const controlMean = control.customers > 0 ? control.revenue / control.customers : 0;
  const revenueLift =
    revenueDifference && controlMean > 0
      ? {
          value: revenueDifference.value / controlMean,
          low: revenueDifference.low / controlMean,
          high: revenueDifference.high / controlMean,
        }
      : null;
  const sequential = sequentialConversion(arm, control, opts);
  const significant =
    conversionDifference !== null && (conversionDifference.low > 0 || conversionDifference.high < 0);
  return {
    conversionDifference,
    conversionLift: relativeLift(
      arm.converted,
      arm.customers,
      control.converted,
      control.customers,
      opts.level,
    ),
    revenueDifference,
    revenueLift,
    sequential,
    significant,
    advice: advise(arm, control, sequential, opts),
  };
}

/** The mSPRT on the conversion difference, at α split over the comparisons, variance from the pooled rate. */
function sequentialConversion(
  arm: ArmOutcome,
  control: ArmOutcome,
  opts: CompareOptions,
): SequentialTest | null {
  if (arm.customers <= 0 || control.customers <= 0) return null;
  const pooled = (arm.converted + control.converted) / (arm.customers + control.customers);
  // pooled rate under "no difference", so that V does not shrink to 0 when one arm has no conversion yet
  const variance = pooled * (1 - pooled) * (1 / arm.customers + 1 / control.customers);
  const estimate = arm.converted / arm.customers - control.converted / control.customers;
  const tau = Math.max(opts.relativeEffect * pooled, 1e-3);
  return msprt(estimate, variance, tau, opts.alpha / Math.max(1, opts.comparisons));
}

function advise(
  arm: ArmOutcome,
  control: ArmOutcome,
  sequential: SequentialTest | null,
  opts: CompareOptions,
): StopAdvice {
  const alpha = opts.alpha / Math.max(1, opts.comparisons);
  const enough = Math.min(arm.customers, control.customers) >= opts.minCustomersPerArm;
  if (sequential && enough && sequential.pValue <= alpha)
    return sequential.interval.value > 0 ? 'stop_arm_wins' : 'stop_arm_loses';
  return opts.ended ? 'stop_no_effect_detected' : 'keep_running';
}
