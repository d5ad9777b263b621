/**
 * Workspace statistics of a run, computed in one pass over the customers' inputs held as columns (typed arrays):
 * counts, RFM quintile cut-offs, ABC thresholds, median purchase cycle and spend, and the model fits' input rows
 * (BG/NBD summaries compressed to distinct rows, Gamma-Gamma repeat spend). Replaces a handful of 1M-row SQL sorts
 * by one COPY of the inputs and arithmetic in the worker. Days are integers (days since 1970-01-01); money is in
 * minor units. No framework imports.
 */
import { AbcThresholds, validateAbcCuts } from './models/abc';
import { quintileCutoffs, RfmCutoffs } from './models/rfm';
import type { BgNbdRow, ModelInputs } from './run-models';

/** The run's per-customer inputs as parallel columns (one entry per customer). */
export interface InputColumns {
  length: number;
  customerId: Float64Array;
  /** distinct purchase days (0 = prospect) */
  transactions: Int32Array;
  /** days since 1970-01-01; undefined content for prospects */
  firstDay: Int32Array;
  lastDay: Int32Array;
  /** total spend, minor units */
  monetary: Float64Array;
  /** spend of the first purchase day, minor units */
  firstAmount: Float64Array;
}

export interface RunStatistics {
  customers: number;
  buyers: number;
  repeaters: number;
  revenue: number;
  /** percentile_cont(0.5) of repeat buyers' mean days between purchase days */
  medianCycleDays: number | null;
  /** percentile_cont(0.5) of buyers' total spend */
  medianMonetary: number | null;
  rfm: RfmCutoffs | null;
  abc: AbcThresholds | null;
}

/** Columns for `n` customers, to be filled by the reader. */
export function allocateColumns(n: number): InputColumns {
  return {
    length: 0,
    customerId: new Float64Array(n),
    transactions: new Int32Array(n),
    firstDay: new Int32Array(n),
    lastDay: new Int32Array(n),
    monetary: new Float64Array(n),
    firstAmount: new Float64Array(n),
  };
}

/** percentile_cont(p) of ascending `sorted` (PostgreSQL semantics: linear interpolation between neighbours). */
export function percentileCont(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const position = p * (n - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

/** Statistics of the run's buyers (days relative to `asOfDay`, days since 1970-01-01). */
export function runStatistics(
  cols: InputColumns,
  asOfDay: number,
  cuts: { abcCutA: number; abcCutB: number },
): RunStatistics {
  const n = cols.length;
  let buyers = 0;
  let repeaters = 0;
  let revenue = 0;
  for (let i = 0; i < n; i++) {
    const t = cols.transactions[i];
    if (t > 0) buyers++;
    if (t > 1) repeaters++;
    revenue += cols.monetary[i];
  }
  const recency = new Float64Array(buyers);
  const frequency = new Float64Array(buyers);
  const monetary = new Float64Array(buyers);
  const cycles = new Float64Array(repeaters);
  let b = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const t = cols.transactions[i];
    if (t <= 0) continue;
    recency[b] = asOfDay - cols.lastDay[i];
    frequency[b] = t;
    monetary[b] = cols.monetary[i];
    b++;
    if (t > 1) cycles[r++] = (cols.lastDay[i] - cols.firstDay[i]) / (t - 1);
  }
  // typed-array sorts are numeric and fast; quintileCutoffs sorts a copy again, cheap next to the SQL it replaces
  recency.sort();
  frequency.sort();
  monetary.sort();
  cycles.sort();
  return {
    customers: n,
    buyers,
    repeaters,
    revenue,
    medianCycleDays: percentileCont(cycles, 0.5),
    medianMonetary: percentileCont(monetary, 0.5),
    rfm:
      buyers > 0
        ? {
            recencyDays: sortedQuintiles(recency),
            frequency: sortedQuintiles(frequency),
            monetary: sortedQuintiles(monetary),
          }
        : null,
    abc: abcFromAscending(monetary, cuts.abcCutA, cuts.abcCutB),
  };
}

/**
 * models/abc.ts abcThresholds over already ascending spend, walked from the top without copying or re-sorting:
 * the same additions in the same order, so the same thresholds to the last bit (tested). Null without positive
 * spend.
 */
export function abcFromAscending(sorted: Float64Array, cutA: number, cutB: number): AbcThresholds | null {
  validateAbcCuts(cutA, cutB);
  let total = 0;
  let last = -1;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] > 0; i--) {
    total += sorted[i];
    last = i;
  }
  if (last < 0) return null;
  let aMin: number | null = null;
  let cumulative = 0;
  for (let i = sorted.length - 1; i >= last; i--) {
    const s = sorted[i];
    cumulative += s;
    const share = cumulative / total;
    if (aMin === null && share >= cutA) aMin = s;
    if (share >= cutB) return { aMin: aMin ?? s, bMin: s };
  }
  return { aMin: aMin ?? sorted[last], bMin: sorted[last] };
}

/** quintileCutoffs (percentile_disc at 0.2 … 0.8) of already ascending values, without copying them. */
function sortedQuintiles(sorted: Float64Array): number[] {
  const n = sorted.length;
  if (n <= 5) return quintileCutoffs(Array.from(sorted));
  const cuts: number[] = [];
  for (let k = 1; k <= 4; k++) cuts.push(sorted[Math.max(1, Math.ceil((k * n) / 5)) - 1]);
  return cuts;
}

/**
 * The model fits' inputs from the columns, with the grouping the fits expect: BG/NBD rows compressed to distinct
 * (x, t_x, T) in days or whole weeks, Gamma-Gamma rows of every `modulus`-th repeat buyer, CLV sample rows.
 */
export function columnModelInputs(cols: InputColumns, asOfDay: number): ModelInputs {
  return {
    bgNbdRows(resolution, limit, modulus = 1) {
      const unit = resolution === 'day' ? 1 : 7;
      const rows = new Map<number | string, BgNbdRow>();
      for (let i = 0; i < cols.length; i++) {
        const t = cols.transactions[i];
        if (t <= 0 || cols.customerId[i] % modulus !== 0) continue;
        const x = t - 1;
        const tx = Math.round((cols.lastDay[i] - cols.firstDay[i]) / unit);
        const T = Math.round((asOfDay - cols.firstDay[i]) / unit);
        const key = x < 2048 && T < 1 << 21 ? x * 2 ** 42 + tx * 2 ** 21 + T : `${x}|${tx}|${T}`;
        const row = rows.get(key);
        if (row) row.weight++;
        else {
          if (limit !== undefined && rows.size >= limit) break;
          rows.set(key, { x, tx, t: T, weight: 1 });
        }
      }
      // in value order, not in the order COPY delivered the chunks: the fit sums in this order, and the same
      // data must give the same parameters to the last bit (issue 13 item 7)
      return [...rows.values()].sort((p, q) => p.x - q.x || p.tx - q.tx || p.t - q.t);
    },
    gammaGammaRows(modulus = 1) {
      const out: Array<{ x: number; mean: number; weight: number }> = [];
      for (let i = 0; i < cols.length; i++) {
        const t = cols.transactions[i];
        if (t <= 1 || cols.customerId[i] % modulus !== 0) continue;
        const mean = (cols.monetary[i] - cols.firstAmount[i]) / (t - 1);
        if (mean > 0) out.push({ x: t - 1, mean, weight: 1 });
      }
      // value order: the fit's sums must not depend on the order the chunks arrived in
      return out.sort((p, q) => p.x - q.x || p.mean - q.mean);
    },
    clvSample(modulus) {
      const out: ReturnType<ModelInputs['clvSample']> = [];
      for (let i = 0; i < cols.length; i++) {
        const t = cols.transactions[i];
        if (t <= 0 || cols.customerId[i] % modulus !== 0) continue;
        out.push({
          x: t - 1,
          tx: cols.lastDay[i] - cols.firstDay[i],
          t: asOfDay - cols.firstDay[i],
          repeatMean: t > 1 ? (cols.monetary[i] - cols.firstAmount[i]) / (t - 1) : null,
          monetary: cols.monetary[i],
          transactions: t,
        });
      }
      return out;
    },
  };
}
