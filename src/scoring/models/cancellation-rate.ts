/**
 * How much of what a customer orders they undo (issue 13 item 5): the share of their orders refunded or cancelled,
 * by count and by value, shrunk towards a prior so that a short history does not shout — one cancelled order of
 * two is a mishap, six of ten a pattern. Pure; docs/scoring.md, "Cancellation rate".
 *
 * Units: money in integer minor units of the workspace currency; rates in [0, 1].
 */

/** What a customer ordered and undid before the cutoff (customer summaries, customer-summary.sql.ts). */
export interface CancellationHistory {
  /** orders placed in the workspace currency (reversal records are no orders of their own) */
  orders: number;
  /** of them, refunded or cancelled by status, or given back in full by reversals */
  undoneOrders: number;
  /** the orders' amounts before anything was given back, minor units */
  grossMinor: number;
  /** the money given back on them, minor units (at most grossMinor) */
  undoneMinor: number;
}

/** The shrinkage and thresholds of the signal. */
export interface CancellationPolicy {
  /** the share of orders a customer is assumed to undo before their own orders say otherwise, 0..1 */
  priorRate: number;
  /** the prior's weight in orders: a customer with this many orders weighs their own share and the prior equally */
  priorOrders: number;
  /** the shrunk rate above which the signal starts, 0..1 */
  threshold: number;
  /** the shrunk rate at which the signal is full, (threshold, 1] */
  fullRate: number;
}

/**
 * Defaults: 5% of orders undone is ordinary (the UK wholesaler of the issue gives back 6.9% of its revenue); six
 * orders of prior weight keep one cancelled order of two — even the larger by far — below the 30% threshold; the
 * signal is full at 60%.
 */
export const DEFAULT_CANCELLATION_POLICY: Readonly<CancellationPolicy> = Object.freeze({
  priorRate: 0.05,
  priorOrders: 6,
  threshold: 0.3,
  fullRate: 0.6,
});

const finiteNonNeg = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);

/**
 * The shrunk cancellation rate: the larger of the count share and the value share, each as
 * (orders × own share + priorOrders × priorRate) / (orders + priorOrders). Without orders: the prior.
 */
export function cancellationRate(h: CancellationHistory, p: Readonly<CancellationPolicy>): number {
  const orders = Math.floor(finiteNonNeg(h.orders));
  const k = finiteNonNeg(p.priorOrders);
  if (orders + k === 0) return 0;
  const byCount = Math.min(finiteNonNeg(h.undoneOrders), orders) / Math.max(orders, 1);
  const gross = finiteNonNeg(h.grossMinor);
  const byValue = gross > 0 ? Math.min(finiteNonNeg(h.undoneMinor), gross) / gross : 0;
  const shrink = (share: number) => (orders * share + k * p.priorRate) / (orders + k);
  return Math.max(shrink(byCount), shrink(byValue));
}

/** The signal, 0..1: 0 up to the threshold, rising linearly to 1 at fullRate. */
export function cancellationSignal(h: CancellationHistory, p: Readonly<CancellationPolicy>): number {
  const rate = cancellationRate(h, p);
  if (!(rate > p.threshold)) return 0;
  if (rate >= p.fullRate) return 1;
  return (rate - p.threshold) / (p.fullRate - p.threshold);
}

/** Nothing ordered, nothing undone. */
export const NO_CANCELLATIONS: Readonly<CancellationHistory> = Object.freeze({
  orders: 0,
  undoneOrders: 0,
  grossMinor: 0,
  undoneMinor: 0,
});
