import type { ClientBase } from 'pg';

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

/** Where summarySelect finds its inputs: SQL placeholders (or expressions) of the calling statement. */
export interface SummaryPlaceholders {
  workspace: string;
  currency: string;
  /** the cutoff (timestamptz), a local midnight */
  cutoff: string;
  /** a further condition on customer_id, e.g. `AND customer_id BETWEEN $2 AND $3` */
  customers: string;
}

/**
 * The one definition of a customer summary as of a cutoff: a SELECT with the columns of `customer_summaries`, in
 * order, for the workspace's customers that pass `p.customers`. The refresh stores it; a backtest's inputs
 * (score-run.sql.ts) compute it on the fly. Run it under the workspace's time zone: days are local days, and the
 * complaint window is the 90 local days before the cutoff. Both aggregates stream in customer-id order through
 * the (customer_id, …) indexes and meet in a merge full join. A customer with neither a paid order nor an
 * interaction gets no row. The latest survey score rides in the low byte of max(epoch << 8 | score), a max()
 * instead of an ordered array_agg.
 */
export function summarySelect(p: SummaryPlaceholders): string {
  const cutoff = `${p.cutoff}::timestamptz`;
  const complaintsFrom = `((${cutoff})::date - 90)::timestamptz`;
  return `
  WITH purchases AS (
    SELECT customer_id, count(DISTINCT day) FILTER (WHERE counts)::int AS transactions,
           min(day) FILTER (WHERE counts) AS first_day, max(day) FILTER (WHERE counts) AS last_day,
           COALESCE(sum(amount) FILTER (WHERE counts), 0)::int8 AS monetary,
           COALESCE(sum(amount) FILTER (WHERE counts AND day = first_day), 0)::int8 AS first_amount,
           min(placed_at) FILTER (WHERE NOT counts) AS pending_from
    FROM (SELECT customer_id, placed_at, placed_at::date AS day, amount_minor AS amount,
                 placed_at < ${cutoff} AS counts,
                 min(placed_at::date) FILTER (WHERE placed_at < ${cutoff}) OVER (PARTITION BY customer_id) AS first_day
          FROM orders
          WHERE workspace_id = ${p.workspace} AND status = 'paid' AND deleted_at IS NULL
            AND currency = ${p.currency} ${p.customers}) o
    GROUP BY customer_id
  ), touches AS (
    SELECT customer_id, max(occurred_at) FILTER (WHERE occurred_at < ${cutoff})::date AS last_touch,
           count(*) FILTER (WHERE kind = 'complaint' AND occurred_at >= ${complaintsFrom}
                              AND occurred_at < ${cutoff})::int AS complaints_90d,
           (max((extract(epoch FROM occurred_at)::int8 << 8) | score)
              FILTER (WHERE kind = 'survey' AND score IS NOT NULL AND occurred_at < ${cutoff}) & 255)::int
             AS last_survey,
           -- the first complaint in the window leaves it once the cutoff passes the start of its day + 90
           LEAST(min(occurred_at) FILTER (WHERE occurred_at >= ${cutoff}),
                 ((min(occurred_at) FILTER (WHERE kind = 'complaint' AND occurred_at >= ${complaintsFrom}
                                              AND occurred_at < ${cutoff}))::date + 90)::timestamptz) AS recheck_at
    FROM interactions
    WHERE workspace_id = ${p.workspace} ${p.customers}
    GROUP BY customer_id
  )
  SELECT COALESCE(p.customer_id, t.customer_id) AS customer_id, ${p.workspace}::uuid AS workspace_id,
         COALESCE(p.transactions, 0) AS transactions, p.first_day, p.last_day, COALESCE(p.monetary, 0) AS monetary,
         COALESCE(p.first_amount, 0) AS first_amount, t.last_touch, COALESCE(t.complaints_90d, 0) AS complaints_90d,
         t.last_survey, LEAST(p.pending_from, t.recheck_at) AS recheck_at
  FROM purchases p FULL JOIN touches t ON t.customer_id = p.customer_id`;
}

/**
 * Stores the summaries of the customers in the temp table `summary_targets`, or of every customer in an id range.
 * $1 workspace, $2 currency, $3 cutoff; for a range $4 first id, $5 last id (null: unbounded).
 */
const recompute = (scope: 'targets' | 'range') => `
  INSERT INTO customer_summaries (customer_id, workspace_id, transactions, first_day, last_day, monetary,
                                  first_amount, last_touch, complaints_90d, last_survey, recheck_at)
  ${summarySelect({
    workspace: '$1',
    currency: '$2',
    cutoff: '$3',
    customers:
      scope === 'targets'
        ? 'AND customer_id IN (SELECT customer_id FROM summary_targets)'
        : 'AND customer_id >= COALESCE($4::bigint, 0) AND customer_id <= COALESCE($5::bigint, 9223372036854775807)',
  })}`;

/** The workspace's zone (local days) and no JIT, for the rest of the caller's transaction. */
async function localTime(client: ClientBase, timezone: string): Promise<void> {
  // local days are timestamptz::date, and date::timestamptz a local midnight, under the workspace's zone
  await client.query(`SELECT set_config('TimeZone', $1, true), set_config('jit', 'off', true)`, [timezone]);
}

/**
 * Decides how a run at `target.cutoff` uses the summaries and records the new state; call inside a transaction.
 * Serialised per workspace by an advisory lock. `build` also empties the workspace's summaries and log (the range
 * refreshes rebuild them); `behind` changes nothing.
 */
export async function planSummaryRefresh(
  client: ClientBase,
  target: CustomerSummaryTarget,
): Promise<SummaryRefreshMode> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('customer-summaries:' || $1, 0))`, [
    target.workspaceId,
  ]);
  await localTime(client, target.timezone);
  const {
    rows: [bounds],
  } = await client.query(`SELECT $1::timestamptz = ($1::timestamptz)::date::timestamptz AS aligned`, [
    target.cutoff,
  ]);
  if (!bounds.aligned)
    throw new Error(`summary cutoff ${target.cutoff} is not a midnight in ${target.timezone}`);
  const { rows } = await client.query(
    `SELECT timezone, currency, complete, cutoff > $2::timestamptz AS ahead
     FROM customer_summary_state WHERE workspace_id = $1`,
    [target.workspaceId, target.cutoff],
  );
  const state = rows[0] as
    { timezone: string; currency: string; complete: boolean; ahead: boolean } | undefined;
  const compatible =
    state &&
    state.complete &&
    state.timezone === target.timezone &&
    state.currency.trim() === target.currency;
  if (compatible && state.ahead) return 'behind';
  if (!compatible) {
    await client.query(`DELETE FROM customer_summary_changes WHERE workspace_id = $1`, [target.workspaceId]);
    await client.query(`DELETE FROM customer_summaries WHERE workspace_id = $1`, [target.workspaceId]);
  }
  await client.query(
    `INSERT INTO customer_summary_state (workspace_id, cutoff, timezone, currency, complete)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workspace_id) DO UPDATE
       SET cutoff = EXCLUDED.cutoff, timezone = EXCLUDED.timezone, currency = EXCLUDED.currency,
           complete = EXCLUDED.complete, refreshed_at = now()`,
    [target.workspaceId, target.cutoff, target.timezone, target.currency, Boolean(compatible)],
  );
  return compatible ? 'refresh' : 'build';
}

/** Marks a build complete once every range has been refreshed (until then the next plan builds again). */
export async function completeSummaryBuild(
  client: { query(sql: string, params: unknown[]): Promise<unknown> },
  workspaceId: string,
): Promise<void> {
  await client.query(`UPDATE customer_summary_state SET complete = true WHERE workspace_id = $1`, [
    workspaceId,
  ]);
}

/** How a range refresh with many changed customers turns into a rebuild of the range (see refreshSummaryRange). */
export interface RangeRefreshOptions {
  /** rebuild the whole range when more than this share of its customers changed (default 0.2) */
  rebuildShare?: number;
  /** customers in the range, when the caller knows (a run's chunk plan); counted otherwise */
  customers?: number;
}

const IN_RANGE = `customer_id >= COALESCE($2::bigint, 0) AND customer_id <= COALESCE($3::bigint, 9223372036854775807)`;

/** Sets planner switches for the rest of the transaction. */
async function planner(client: ClientBase, on: boolean, switches: string[]): Promise<void> {
  const value = on ? 'on' : 'off';
  await client.query(`SELECT ${switches.map((s) => `set_config('${s}', '${value}', true)`).join(', ')}`);
}

/**
 * Brings the summaries of the customers in `range` to `target.cutoff` (mode from planSummaryRefresh); call inside
 * a transaction, so that a crash leaves the log entries it took in place. Returns the customers recomputed.
 *
 * A refresh recomputes the changed customers one index lookup at a time (≈ 35 µs each); past a share of the range
 * (a bulk import, a first night after a long pause) streaming through the whole range is cheaper, and it does that.
 */
export async function refreshSummaryRange(
  client: ClientBase,
  target: CustomerSummaryTarget,
  mode: 'build' | 'refresh',
  range: IdRange,
  opts: RangeRefreshOptions = {},
): Promise<number> {
  await localTime(client, target.timezone);
  const params = [target.workspaceId, target.currency, target.cutoff];
  const rangeParams = [target.workspaceId, range.from, range.to];
  if (mode === 'build') return buildRange(client, params, range);

  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS summary_targets (customer_id bigint PRIMARY KEY) ON COMMIT DELETE ROWS`,
  );
  // only the entries this snapshot sees: one committed meanwhile stays for the next refresh
  const {
    rows: [{ n }],
  } = await client.query(
    `WITH logged AS (DELETE FROM customer_summary_changes WHERE workspace_id = $1 AND ${IN_RANGE}
                     RETURNING customer_id),
          due AS (SELECT customer_id FROM customer_summaries
                  WHERE workspace_id = $1 AND recheck_at IS NOT NULL AND recheck_at < $4 AND ${IN_RANGE}),
          added AS (INSERT INTO summary_targets SELECT customer_id FROM logged UNION SELECT customer_id FROM due
                    ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    [...rangeParams, target.cutoff],
  );
  if (n === 0) return 0;
  const customers =
    opts.customers ??
    (
      await client.query(
        `SELECT count(*)::int AS n FROM customer_summaries WHERE workspace_id = $1 AND ${IN_RANGE}`,
        rangeParams,
      )
    ).rows[0].n;
  if (n > (opts.rebuildShare ?? 0.2) * customers) {
    await client.query(`DELETE FROM summary_targets`);
    return buildRange(client, params, range);
  }
  await client.query(`ANALYZE summary_targets`);
  await client.query(
    `DELETE FROM customer_summaries s USING summary_targets t WHERE s.customer_id = t.customer_id`,
  );
  // by index, customer by customer: with a few thousand targets the planner otherwise prefers sorting all orders
  await planner(client, false, ['enable_seqscan', 'enable_bitmapscan']);
  await client.query(recompute('targets'), params);
  await planner(client, true, ['enable_seqscan', 'enable_bitmapscan']);
  await client.query(`DELETE FROM summary_targets`);
  return n;
}

/** Recomputes every summary of the range (its log entries are covered: it reads all committed before it). */
async function buildRange(client: ClientBase, params: unknown[], range: IdRange): Promise<number> {
  const rangeParams = [params[0], range.from, range.to];
  await client.query(
    `DELETE FROM customer_summary_changes WHERE workspace_id = $1 AND ${IN_RANGE}`,
    rangeParams,
  );
  await client.query(`DELETE FROM customer_summaries WHERE workspace_id = $1 AND ${IN_RANGE}`, rangeParams);
  // the streaming plan: index order, a window and GroupAggregates, a merge join; no hash table or sort
  const switches = ['enable_hashagg', 'enable_hashjoin', 'enable_seqscan', 'enable_bitmapscan'];
  await planner(client, false, switches);
  const built = await client.query(recompute('range'), [...params, range.from, range.to]);
  await planner(client, true, switches);
  return built.rowCount ?? 0;
}

/**
 * The whole workspace at once, in one transaction: plan, then one range over every id. What a run does spread
 * over its chunks; used where there are no chunks (tests, maintenance).
 */
export async function refreshCustomerSummaries(
  client: ClientBase,
  target: CustomerSummaryTarget,
  opts: RangeRefreshOptions = {},
): Promise<CustomerSummaryRefresh> {
  const started = Date.now();
  await client.query('BEGIN');
  try {
    const mode = await planSummaryRefresh(client, target);
    const customers =
      mode === 'behind' ? 0 : await refreshSummaryRange(client, target, mode, { from: null, to: null }, opts);
    if (mode === 'build') await completeSummaryBuild(client, target.workspaceId);
    await client.query('COMMIT');
    return { mode, customers, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
