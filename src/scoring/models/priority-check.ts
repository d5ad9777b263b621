/**
 * Is the priority worth more than a naive rule? (issue 13 item 8). Split each sampled customer's purchase history
 * at (cutoff − h), score every customer on what was known at the split, and measure which share of the revenue
 * of the h days that followed the top 10 % of each ranking brought: the priority's beside recency's (most recent
 * buyer first), frequency's (most purchase days first) and spend's (most spent first). A priority that captures
 * less than the best naive rule is a warning: the call list would do better sorted by that rule. Pure.
 */

/** One customer's purchase days (ascending day numbers) and the net spend of each day (minor units). */
export interface SpendHistory {
  days: ArrayLike<number>;
  amounts: ArrayLike<number>;
}

/** What is known of a customer at the split (days, minor units): the inputs a priority is computed from. */
export interface SplitCustomer {
  index: number;
  transactions: number;
  monetary: number;
  /** mean spend of the repeat purchase days (null: no repeat) */
  repeatMean: number | null;
  /** days from the first purchase day to the split */
  ageDays: number;
  /** days from the last purchase day to the split */
  recencyDays: number;
}

export const NAIVE_RANKINGS = ['recency', 'frequency', 'monetary'] as const;
export type NaiveRanking = (typeof NAIVE_RANKINGS)[number];

export interface PriorityCheck {
  horizonDays: number;
  /** customers who had bought by the split */
  customers: number;
  /** their net spend in the h days after the split, minor units */
  holdoutRevenue: number;
  /** share of holdout revenue brought by the top 10 % of each ranking (null: no holdout revenue) */
  capture: { priority: number | null } & Record<NaiveRanking, number | null>;
  /** the naive rule with the highest capture */
  bestNaive: NaiveRanking;
  /** the priority captured less than the best naive rule */
  worse: boolean;
}

/** The share of the top `share` of customers by score (descending, ties in input order) in the total value. */
export function topShareCapture(
  score: ArrayLike<number>,
  value: ArrayLike<number>,
  share = 0.1,
): number | null {
  const n = score.length;
  if (value.length !== n) throw new RangeError('score and value differ in length');
  let total = 0;
  for (let i = 0; i < n; i++) total += value[i];
  if (!(total > 0)) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => score[q] - score[p] || p - q);
  const k = Math.ceil(n * share);
  let top = 0;
  for (let i = 0; i < k; i++) top += value[order[i]];
  return top / total;
}

/** Customers at `splitDay` (those who had bought by then) and their net spend in (splitDay, endDay]. */
export function splitSpend(
  histories: SpendHistory[],
  splitDay: number,
  endDay: number,
): { customers: SplitCustomer[]; holdout: Float64Array } {
  const customers: SplitCustomer[] = [];
  const holdout: number[] = [];
  histories.forEach((h, index) => {
    const { days, amounts } = h;
    if (days.length === 0 || days[0] > splitDay) return;
    let monetary = 0;
    let last = -1;
    let later = 0;
    for (let i = 0; i < days.length; i++) {
      if (days[i] <= splitDay) {
        monetary += amounts[i];
        last = i;
      } else if (days[i] <= endDay) later += amounts[i];
    }
    const transactions = last + 1;
    customers.push({
      index,
      transactions,
      monetary,
      repeatMean: transactions > 1 ? (monetary - amounts[0]) / (transactions - 1) : null,
      ageDays: splitDay - days[0],
      recencyDays: splitDay - days[last],
    });
    holdout.push(later);
  });
  return { customers, holdout: Float64Array.from(holdout) };
}

/** The check at one split: `priorityOf` scores a customer as the run would have at the split. */
export function priorityCheck(
  histories: SpendHistory[],
  opts: { cutoffDay: number; horizonDays: number; priorityOf: (c: SplitCustomer) => number },
): PriorityCheck {
  const splitDay = opts.cutoffDay - opts.horizonDays;
  const { customers, holdout } = splitSpend(histories, splitDay, opts.cutoffDay);
  const rank = (f: (c: SplitCustomer) => number) => topShareCapture(Float64Array.from(customers, f), holdout);
  const capture = {
    priority: rank(opts.priorityOf),
    recency: rank((c) => -c.recencyDays),
    frequency: rank((c) => c.transactions),
    monetary: rank((c) => c.monetary),
  };
  const bestNaive = NAIVE_RANKINGS.reduce((best, r) =>
    (capture[r] ?? -1) > (capture[best] ?? -1) ? r : best,
  );
  return {
    horizonDays: opts.horizonDays,
    customers: customers.length,
    holdoutRevenue: holdout.reduce((s, v) => s + v, 0),
    capture,
    bestNaive,
    worse: capture.priority !== null && capture[bestNaive] !== null && capture.priority < capture[bestNaive],
  };
}

/** The sentence a run's report gives the check. */
export function priorityCheckSentence(c: PriorityCheck): string {
  const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
  const figures = `priority ${pct(c.capture.priority)}, recency ${pct(c.capture.recency)}, frequency ${pct(c.capture.frequency)}, spend ${pct(c.capture.monetary)}`;
  return c.worse
    ? `the priority ranks worse than a naive rule: over the last ${c.horizonDays} days its top 10 % of ${c.customers} sampled buyers brought less of their revenue than the top 10 % by ${c.bestNaive} (${figures}); check the priority weights (scoring settings)`
    : `priority check over the last ${c.horizonDays} days, top 10 % of ${c.customers} sampled buyers, share of their revenue: ${figures}`;
}
