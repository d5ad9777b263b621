/**
 * Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
 * value").
 *
 * Each spend of a customer is Gamma(p, ν); ν varies across customers as Gamma(q, v). Fitted on repeat buyers'
 * mean repeat spend. Money in any unit (the service: integer minor units); v and every mean share it.
 */
import gammaln from '@stdlib/math-base-special-gammaln';

import { nelderMead } from './nelder-mead';
import type { FitReport, GammaGammaParams } from './types';

// Local bindings of Math: inside Jest's vm sandbox every global `Math` lookup costs ~0.2 µs, 40× the call.
const { exp, log } = Math;

/** One customer (or weight identical ones): x repeat purchases with mean spend `mean` (money). */
export interface SpendSummary {
  x: number;
  mean: number;
  weight?: number;
}

export interface GammaGammaFitOptions {
  /** L2 penalty coef × (p² + q² + v_s²) added to the mean negative log-likelihood, v_s = v / mean spend */
  penalizer?: number;
  /** Nelder–Mead iteration budget over all restarts; default 3000 */
  maxIterations?: number;
}

/** Bounds of p, of q − 1 (q > 1 keeps the population mean spend finite) and of v / (weighted mean spend). */
export const GAMMA_GAMMA_BOUNDS = { lower: 1e-4, upper: 1e4 } as const;

const PARAM_NAMES = ['p', 'q', 'v'] as const;
const BOUNDARY_LOG_TOLERANCE = 0.18;
const SMALL_SAMPLE = 30;

/** Log-likelihood of one repeat buyer's mean spend (x ≥ 1 purchases, mean > 0, money unit as v). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, x: number, mean: number): number {
  assertParams(params);
  if (!(Number.isInteger(x) && x >= 1 && mean > 0 && Number.isFinite(mean))) {
    throw new RangeError(`need integer x ≥ 1 and finite mean > 0, got x=${x}, mean=${mean}`);
  }
  const { p, q, v } = params;
  const px = p * x;
  return (
    gammaln(px + q) -
    gammaln(px) -
    gammaln(q) +
    q * log(v) +
    (px - 1) * log(mean) +
    px * log(x) -
    (px + q) * log(x * mean + v)
  );
}

/** Maximum-likelihood fit on rows with x > 0 (x = 0 rows are skipped); never throws or returns NaN. */
export function fitGammaGamma(
  rows: SpendSummary[],
  opts: GammaGammaFitOptions = {},
): FitReport<GammaGammaParams> {
  const warnings: string[] = [];
  const used = repeatSpenders(rows, warnings);
  const penalizer = opts.penalizer ?? 0;
  if (!(penalizer >= 0) || !Number.isFinite(penalizer)) {
    warnings.push(`penalizer ${penalizer} is not a finite number ≥ 0; using 0`);
  }
  const pen = Number.isFinite(penalizer) && penalizer > 0 ? penalizer : 0;

  const data = buildData(used);
  if (data.totalWeight === 0) {
    warnings.push('no repeat buyers with positive spend: returning p = 1, q = 2, v = 1');
    return {
      params: { p: 1, q: 2, v: 1 },
      logLikelihood: 0,
      converged: false,
      iterations: 0,
      atBoundary: [],
      warnings,
    };
  }

  const lo = log(GAMMA_GAMMA_BOUNDS.lower);
  const hi = log(GAMMA_GAMMA_BOUNDS.upper);
  const unpack = (u: Float64Array): GammaGammaParams => ({
    p: exp(u[0]),
    q: 1 + exp(u[1]),
    v: exp(u[2]),
  });
  const objective = (u: Float64Array): number => {
    const s = unpack(u);
    const nll = -logLikelihoodOf(data, s.p, s.q, s.v) / data.totalWeight;
    return pen > 0 ? nll + pen * (s.p * s.p + s.q * s.q + s.v * s.v) : nll;
  };
  const result = nelderMead(objective, [0, 0, 0], {
    lower: [lo, lo, lo],
    upper: [hi, hi, hi],
    step: 0.5,
    fTol: 1e-11,
    xTol: 1e-6,
    maxIterations: opts.maxIterations ?? 3000,
  });
  const scaled = unpack(result.x);
  const params: GammaGammaParams = { ...scaled, v: scaled.v * data.moneyScale };
  // each row's density of the mean picks up −ln(moneyScale) when money goes back to the caller's unit
  const logLikelihood =
    logLikelihoodOf(data, scaled.p, scaled.q, scaled.v) - data.totalWeight * log(data.moneyScale);

  const atBoundary = boundedParams(result.x, lo, hi, params, warnings);
  if (data.totalWeight < SMALL_SAMPLE) {
    warnings.push(
      `only ${Number(data.totalWeight.toPrecision(4))} repeat buyer(s): estimates are unreliable`,
    );
  }
  if (!result.converged) warnings.push(`Nelder–Mead did not converge within ${result.iterations} iterations`);

  return {
    params,
    logLikelihood: Number.isFinite(logLikelihood) ? logLikelihood : -Number.MAX_VALUE,
    converged: result.converged,
    iterations: result.iterations,
    atBoundary,
    warnings,
  };
}

/**
 * The rows with repeat purchases and a positive mean spend; invalid rows are counted in a warning. Every spend
 * model fits on these (lognormal-spend.ts too).
 */
export function repeatSpenders(rows: SpendSummary[], warnings: string[]): Array<Required<SpendSummary>> {
  const used: Array<Required<SpendSummary>> = [];
  let invalid = 0;
  for (const row of rows) {
    const w = row.weight ?? 1;
    if (!Number.isInteger(row.x) || row.x < 0 || !Number.isFinite(w) || w < 0) {
      invalid++;
      continue;
    }
    if (row.x === 0 || w === 0) continue;
    if (!(row.mean > 0) || !Number.isFinite(row.mean)) {
      invalid++;
      continue;
    }
    used.push({ x: row.x, mean: row.mean, weight: w });
  }
  if (invalid > 0)
    warnings.push(`${invalid} invalid row(s) ignored (need integer x ≥ 0, mean > 0, weight ≥ 0)`);
  return used;
}

/** The parameters the fit left on a bound (log-parameters `x` within tolerance of `lo`/`hi`), each with a warning. */
function boundedParams(
  x: ArrayLike<number>,
  lo: number,
  hi: number,
  params: GammaGammaParams,
  warnings: string[],
): string[] {
  const atBoundary: string[] = [];
  for (let i = 0; i < 3; i++) {
    const u = x[i];
    const side =
      u - lo <= BOUNDARY_LOG_TOLERANCE ? 'lower' : hi - u <= BOUNDARY_LOG_TOLERANCE ? 'upper' : null;
    if (side === null) continue;
    const name = PARAM_NAMES[i];
    atBoundary.push(name);
    const hint =
      name === 'q' && side === 'lower'
        ? 'spend is so heavy-tailed that the population mean is barely finite; expected values are unreliable'
        : name === 'q' && side === 'upper'
          ? 'customers’ typical spend looks identical (the gamma mixing degenerates)'
          : name === 'p' && side === 'upper'
            ? 'each customer spends almost the same amount every time'
            : 'the data pin this parameter poorly';
    warnings.push(`${name} = ${Number(params[name].toPrecision(4))} ended at its ${side} bound: ${hint}`);
  }
  return atBoundary;
}

/**
 * Conditional expected spend per future transaction (money, unit of v and mean): a credibility-weighted mix
 * of the population mean p·v/(q−1) and the customer's observed mean. For x = 0 it is the population mean,
 * which is +Infinity when q ≤ 1 (fits keep q > 1, so only hand-made parameters get there).
 */
export function expectedOrderValue(params: GammaGammaParams, x: number, mean: number): number {
  assertParams(params);
  if (!(Number.isInteger(x) && x >= 0)) throw new RangeError(`x must be an integer ≥ 0, got ${x}`);
  const { p, q, v } = params;
  if (x === 0) return q > 1 ? (p * v) / (q - 1) : Number.POSITIVE_INFINITY;
  if (!(mean >= 0) || !Number.isFinite(mean))
    throw new RangeError(`mean must be finite and ≥ 0, got ${mean}`);
  const denominator = p * x + q - 1;
  return denominator > 0 ? (p * (v + x * mean)) / denominator : Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------------------

interface FitData {
  moneyScale: number;
  totalWeight: number;
  /** distinct x values; per x: Σw, Σw·ln(mean) (scaled), row range */
  xs: Float64Array;
  groupWeight: Float64Array;
  groupLogMean: Float64Array;
  groupStart: Int32Array;
  /** rows grouped by x: weight and scaled mean */
  weight: Float64Array;
  mean: Float64Array;
}

function buildData(rows: Array<Required<SpendSummary>>): FitData {
  let totalWeight = 0;
  let weightedSpend = 0;
  for (const row of rows) {
    totalWeight += row.weight;
    weightedSpend += row.weight * row.mean;
  }
  const moneyScale = totalWeight > 0 && weightedSpend > 0 ? weightedSpend / totalWeight : 1;
  const sorted = [...rows].sort((a, b) => a.x - b.x);
  const n = sorted.length;
  const weight = new Float64Array(n);
  const mean = new Float64Array(n);
  const xs: number[] = [];
  const groupWeight: number[] = [];
  const groupLogMean: number[] = [];
  const groupStart: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = sorted[i];
    if (i === 0 || row.x !== sorted[i - 1].x) {
      xs.push(row.x);
      groupWeight.push(0);
      groupLogMean.push(0);
      groupStart.push(i);
    }
    const g = xs.length - 1;
    weight[i] = row.weight;
    mean[i] = row.mean / moneyScale;
    groupWeight[g] += row.weight;
    groupLogMean[g] += row.weight * log(mean[i]);
  }
  groupStart.push(n);
  return {
    moneyScale,
    totalWeight,
    xs: Float64Array.from(xs),
    groupWeight: Float64Array.from(groupWeight),
    groupLogMean: Float64Array.from(groupLogMean),
    groupStart: Int32Array.from(groupStart),
    weight,
    mean,
  };
}

/** Σ weight × gammaGammaLogLikelihood over the data, money scaled by moneyScale. */
function logLikelihoodOf(d: FitData, p: number, q: number, v: number): number {
  const lnGammaQ = gammaln(q);
  const qLnV = q * log(v);
  let ll = 0;
  for (let g = 0; g < d.xs.length; g++) {
    const x = d.xs[g];
    const px = p * x;
    ll +=
      d.groupWeight[g] * (gammaln(px + q) - gammaln(px) - lnGammaQ + qLnV + px * log(x)) +
      (px - 1) * d.groupLogMean[g];
    let acc = 0;
    for (let i = d.groupStart[g]; i < d.groupStart[g + 1]; i++) acc += d.weight[i] * log(x * d.mean[i] + v);
    ll -= (px + q) * acc;
  }
  return ll;
}

function assertParams(params: GammaGammaParams): void {
  const { p, q, v } = params;
  if (!(p > 0 && q > 0 && v > 0) || !Number.isFinite(p + q + v)) {
    throw new RangeError(`Gamma-Gamma parameters must be finite and > 0, got ${JSON.stringify(params)}`);
  }
}
