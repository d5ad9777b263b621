/**
 * Per-customer summaries (migration 1764800000000): what a scoring run needs of a customer's orders and
 * interactions — transactions (distinct local purchase days), first and last day, spend and the first day's
 * spend, last touch, complaints in the last 90 days, latest survey score — as of a cutoff, the end of a
 * workspace-local day. Triggers log which customers' orders or interactions changed; a refresh recomputes only
 * those, plus the customers whose `recheck_at` the moving cutoff passes (future-dated records now in the past, a
 * complaint leaving the 90-day window). A nightly run then reads one row per customer instead of re-aggregating
 * every order and interaction (docs/scoring-run.md, "Customer summaries").
 *
 * A row computed at cutoff C stays right for any later cutoff up to its `recheck_at` unless a write is logged for
 * the customer; so a refresh is two steps: `planSummaryRefresh` (once per run: the mode, and the workspace's state)
 * and `refreshSummaryRange` over id ranges that together cover every id (in a run: one per chunk, in parallel).
 */
export interface CustomerSummaryTarget {
  workspaceId: string;
  /** IANA zone: purchase days and the complaint window are local days */
  timezone: string;
  /** only orders in this currency count */
  currency: string;
  /** end of the as-of day (exclusive): a local midnight, ISO timestamp */
  cutoff: string;
}

/**
 * build: every summary of the workspace is recomputed (first run, or the time zone or currency changed);
 * refresh: the logged changes and due rechecks only; behind: the run's cutoff is before the summaries' (a
 * backtest), which cannot use them and must read the history.
 */
export type SummaryRefreshMode = 'build' | 'refresh' | 'behind';

/** A range of customer ids (inclusive; null: unbounded). */
export interface IdRange {
  from: string | null;
  to: string | null;
}

export interface CustomerSummaryRefresh {
  mode: SummaryRefreshMode;
  /** customers recomputed */
  customers: number;
  seconds: number;
}

/** How a range refresh with many changed customers turns into a rebuild of the range (see refreshSummaryRange). */
export interface RangeRefreshOptions {
  /** rebuild the whole range when more than this share of its customers changed (default 0.2) */
  rebuildShare?: number;
  /** customers in the range, when the caller knows (a run's chunk plan); counted otherwise */
  customers?: number;
}

/**
 * The refresh itself runs SQL and lives in customer-summaries.repository.ts; these are its functions for callers
 * that hold their own pg client (tests, maintenance). A run uses CustomerSummariesRepository.
 */
export {
  completeSummaryBuild,
  planSummaryRefresh,
  refreshCustomerSummaries,
  refreshSummaryRange,
} from './customer-summaries.repository';
