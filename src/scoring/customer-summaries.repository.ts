import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ClientBase } from 'pg';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import type {
  CustomerSummaryRefresh,
  CustomerSummaryTarget,
  IdRange,
  RangeRefreshOptions,
  SummaryRefreshMode,
} from './customer-summaries';
import { summarySelect } from './customer-summary.sql';

/**
 * Stores the summaries of the customers in the temp table `summary_targets`, or of every customer in an id range.
 * $1 workspace, $2 currency, $3 cutoff; for a range $4 first id, $5 last id (null: unbounded).
 */
const recompute = (scope: 'targets' | 'range') => `
  INSERT INTO customer_summaries (customer_id, workspace_id, transactions, first_day, last_day, monetary,
                                  first_amount, last_touch, complaints_90d, last_survey, recheck_at,
                                  refunded_orders, last_two_way, orders_placed, orders_undone, gross_minor,
                                  undone_minor)
  ${summarySelect({
    workspace: '$1',
    currency: '$2',
    cutoff: '$3',
    customers:
      scope === 'targets'
        ? 'AND customer_id IN (SELECT customer_id FROM summary_targets)'
        : 'AND customer_id >= COALESCE($4::bigint, 0) AND customer_id <= COALESCE($5::bigint, 9223372036854775807)',
  })}`;

/** The workspace's summaries: as of which cutoff, zone and currency, and whether every range is built. */
interface SummaryStateRow {
  timezone: string;
  currency: string;
  complete: boolean;
  /** the summaries' cutoff is after the run's */
  ahead: boolean;
}

/** The workspace's zone (local days), for the rest of the caller's transaction. */
async function localTime(client: ClientBase, timezone: string): Promise<void> {
  // local days are timestamptz::date, and date::timestamptz a local midnight, under the workspace's zone
  await client.query(`SELECT set_config('TimeZone', $1, true)`, [timezone]);
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
  } = await client.query<{ aligned: boolean }>(
    `SELECT $1::timestamptz = ($1::timestamptz)::date::timestamptz AS aligned`,
    [target.cutoff],
  );
  if (!bounds.aligned)
    throw new Error(`summary cutoff ${target.cutoff} is not a midnight in ${target.timezone}`);
  const {
    rows: [state],
  } = await client.query<SummaryStateRow>(
    `SELECT timezone, currency, complete, cutoff > $2::timestamptz AS ahead
     FROM customer_summary_state WHERE workspace_id = $1`,
    [target.workspaceId, target.cutoff],
  );
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
 * A refresh recomputes the changed customers one index lookup at a time (≈ 35 µs each, quiet); past a share of the range
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
  } = await client.query<{ n: number }>(
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
      await client.query<{ n: number }>(
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
    // @crossTenant the targets were taken from this workspace's change log and summaries just above
    `DELETE FROM customer_summaries s USING summary_targets t WHERE s.customer_id = t.customer_id`,
  );
  // by index, customer by customer: with a few thousand targets the planner otherwise prefers sorting all orders,
  // or merge-joining the targets with orders_customer_idx read from the workspace's first customer on (every
  // order before the range's last target, ≈ 2× the CPU at 300k customers and growing with the chunk's position)
  const byIndex = ['enable_seqscan', 'enable_bitmapscan', 'enable_mergejoin'];
  await planner(client, false, byIndex);
  await client.query(recompute('targets'), params);
  await planner(client, true, byIndex);
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

/**
 * The summaries as a scoring run's steps use them: plan and range refresh on the step's pooled client, inside its
 * transaction (prepare, inputs); the build marked complete once every range is done (fit).
 */
@Injectable()
export class CustomerSummariesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  plan(client: ClientBase, target: CustomerSummaryTarget): Promise<SummaryRefreshMode> {
    return planSummaryRefresh(client, target);
  }

  refreshRange(
    client: ClientBase,
    target: CustomerSummaryTarget,
    mode: 'build' | 'refresh',
    range: IdRange,
    opts: RangeRefreshOptions = {},
  ): Promise<number> {
    return refreshSummaryRange(client, target, mode, range, opts);
  }

  completeBuild(workspaceId: string): Promise<void> {
    return completeSummaryBuild(this.db, workspaceId);
  }
}
