/**
 * Seasonality of repeat purchases (issue 13 item 3), covariate-free: month-of-year indices from the workspace's own
 * history, by ratio to a centred 12-month moving average (which takes out the cohort's trend), averaged over the
 * years seen and shrunk towards 1 by empirical Bayes (each month's Poisson noise against the spread between
 * months), so that a short or thin history gives indices near 1. The count models assume a constant purchase rate
 * in time; a customer's rate is fitted on the calendar days they were observed, so a forecast window gets the
 * factor (mean index over the window) / (mean index over the customer's observed days). Needs 24 complete months
 * of history; without them there is no index and the models stay as they are. Pure; days are day numbers
 * (days since 1970-01-01, UTC calendar).
 */
import type { PurchaseHistory } from './backtest';

/** Months of complete history needed: every month of the year gets at least one ratio to a centred average. */
export const SEASONALITY_MIN_MONTHS = 24;

export interface SeasonalIndex {
  /** January … December, mean 1 */
  months: number[];
  /** complete months of history the index was estimated from */
  historyMonths: number;
  /** per month of the year: the weight of its own estimate against 1 (0: all shrunk away) */
  weights: number[];
}

const DAY_MS = 86_400_000;

/** Month number (year × 12 + month) of a day. */
function monthOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** First day of a month number. */
function monthStart(month: number): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS;
}

/**
 * Month-of-year indices of the repeat purchases (every purchase day after a customer's first) made on or before
 * `cutoffDay`, from the complete months between the first purchase and the cutoff; null (and why) when there are
 * fewer than SEASONALITY_MIN_MONTHS of them or too few purchases.
 */
export function estimateSeasonality(
  histories: PurchaseHistory[],
  cutoffDay: number,
): { index: SeasonalIndex | null; reason: string } {
  let first = Infinity;
  for (const h of histories) if (h.days.length && h.days[0] <= cutoffDay) first = Math.min(first, h.days[0]);
  if (!Number.isFinite(first)) return { index: null, reason: 'no purchases' };
  // complete months only: from the month after the first purchase to the last month that ended by the cutoff
  const from = monthOf(first) + 1;
  const to = monthOf(cutoffDay + 1) - 1;
  const months = to - from + 1;
  if (months < SEASONALITY_MIN_MONTHS)
    return {
      index: null,
      reason: `${Math.max(0, months)} complete months of history; seasonality needs ${SEASONALITY_MIN_MONTHS}`,
    };
  const counts = new Float64Array(months);
  for (const h of histories)
    for (let i = 1; i < h.days.length; i++) {
      const d = h.days[i];
      if (d > cutoffDay) break;
      const m = monthOf(d) - from;
      if (m >= 0 && m < months) counts[m]++;
    }
  // purchases per day: February is not a quiet month for having 28 days
  const rates = counts.map((c, m) => c / (monthStart(from + m + 1) - monthStart(from + m)));
  const dayCounts = counts.map((_, m) => monthStart(from + m + 1) - monthStart(from + m));
  const ratios: number[][] = Array.from({ length: 12 }, () => []);
  const noise: number[][] = Array.from({ length: 12 }, () => []);
  for (let t = 6; t + 6 < months; t++) {
    let ma = (rates[t - 6] + rates[t + 6]) / 2;
    for (let j = t - 5; j <= t + 5; j++) ma += rates[j];
    ma /= 12;
    if (!(ma > 0)) continue;
    const k = (from + t) % 12;
    ratios[k].push(rates[t] / ma);
    // Poisson: var(rate/ma) ≈ count / (days · ma)² (at least one purchase's worth)
    noise[k].push(Math.max(counts[t], 1) / (dayCounts[t] * ma) ** 2);
  }
  if (ratios.some((r) => r.length === 0))
    return { index: null, reason: 'too few repeat purchases to compare every month with its year' };
  const raw = ratios.map((r) => r.reduce((s, v) => s + v, 0) / r.length);
  const variance = noise.map((v, k) => v.reduce((s, x) => s + x, 0) / (ratios[k].length * ratios[k].length));
  const rawMean = raw.reduce((s, v) => s + v, 0) / 12;
  const normalised = raw.map((v) => v / rawMean);
  const spread = normalised.reduce((s, v) => s + (v - 1) ** 2, 0) / 11;
  const meanNoise = variance.reduce((s, v) => s + v, 0) / 12 / (rawMean * rawMean);
  const tau2 = Math.max(0, spread - meanNoise);
  const weights = variance.map((v) => (tau2 > 0 ? tau2 / (tau2 + v / (rawMean * rawMean)) : 0));
  const shrunk = normalised.map((v, k) => 1 + weights[k] * (v - 1));
  const mean = shrunk.reduce((s, v) => s + v, 0) / 12;
  return {
    index: { months: shrunk.map((v) => v / mean), historyMonths: months, weights },
    reason:
      tau2 > 0
        ? `month indices from ${months} months (${shrunk.map((v) => (v / mean).toFixed(2)).join(' ')})`
        : `${months} months show no seasonality beyond noise (indices shrunk to 1)`,
  };
}

/** Mean index over the days (fromDay, toDay] (the index of fromDay + 1 when the range is empty). */
export function meanIndex(index: Pick<SeasonalIndex, 'months'>, fromDay: number, toDay: number): number {
  if (!(toDay > fromDay)) return index.months[monthOf(fromDay + 1) % 12];
  let sum = 0;
  let day = fromDay + 1;
  while (day <= toDay) {
    const m = monthOf(day);
    const end = Math.min(toDay, monthStart(m + 1) - 1);
    sum += (end - day + 1) * index.months[m % 12];
    day = end + 1;
  }
  return sum / (toDay - fromDay);
}

/**
 * The factor on a customer's expected purchases in (cutoffDay + start, cutoffDay + end] (days after the cutoff),
 * for a customer first seen `T` days before the cutoff: window mean over observed mean (at least the last 7 days).
 */
export function seasonalFactor(
  index: Pick<SeasonalIndex, 'months'>,
  cutoffDay: number,
  T: number,
  start: number,
  end: number,
): number {
  const observed = meanIndex(index, cutoffDay - Math.max(T, 7), cutoffDay);
  return meanIndex(index, cutoffDay + start, cutoffDay + end) / observed;
}
