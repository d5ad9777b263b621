import type { ClientBase } from 'pg';

/**
 * Per-customer purchase summaries (migration 1764800000000): what a scoring run needs of a customer's orders —
 * transactions (distinct local purchase days), first and last day, spend and the first day's spend — kept as of a
 * cutoff (the end of a workspace-local day). Triggers on `orders` log which customers changed; a refresh
 * recomputes only those, plus the customers whose future-dated orders the moving cutoff now passes. A nightly run
 * then reads one row per customer instead of re-aggregating every order (docs/scoring-run.md).
 */
export interface PurchaseSummaryTarget {
  workspaceId: string;
  /** IANA zone: purchase days are local days */
  timezone: string;
  /** only orders in this currency count */
  currency: string;
  /** end of the as-of day (exclusive), ISO timestamp */
  cutoff: string;
}

export interface PurchaseSummaryRefresh {
  /** built: every summary of the workspace rebuilt (first run, or time zone / currency changed); refreshed: the
   * logged changes only; behind: the run's cutoff is before the summaries' (a backtest), which it cannot use */
  mode: 'built' | 'refreshed' | 'behind';
  /** customers recomputed */
  customers: number;
  seconds: number;
  /** seconds per step */
  timings: Record<string, number>;
}

/**
 * Summaries of the workspace's customers — all of them, or those in the temp table `summary_targets`. $1 workspace,
 * $2 currency, $3 cutoff. Customers without a paid order get no row; those whose orders are all after the cutoff
 * get one with no transactions and `pending_from` set.
 */
const recompute = (scope: 'all' | 'targets') => `
  INSERT INTO purchase_summaries
    (customer_id, workspace_id, transactions, first_day, last_day, monetary, first_amount, pending_from)
  SELECT customer_id, $1, count(DISTINCT day) FILTER (WHERE counts)::int,
         min(day) FILTER (WHERE counts), max(day) FILTER (WHERE counts),
         COALESCE(sum(amount) FILTER (WHERE counts), 0)::int8,
         COALESCE(sum(amount) FILTER (WHERE counts AND day = first_day), 0)::int8,
         min(placed_at) FILTER (WHERE NOT counts)
  FROM (SELECT o.customer_id, o.placed_at, o.placed_at::date AS day, o.amount_minor AS amount,
               o.placed_at < $3 AS counts,
               min(o.placed_at::date) FILTER (WHERE o.placed_at < $3) OVER (PARTITION BY o.customer_id) AS first_day
        FROM orders o
        WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL AND o.currency = $2
          ${scope === 'targets' ? 'AND o.customer_id IN (SELECT customer_id FROM summary_targets)' : ''}) o
  GROUP BY customer_id`;

/**
 * Brings the workspace's summaries to `target.cutoff` in one transaction (serialised per workspace by an advisory
 * lock). Never moves the cutoff back: a run before it (a backtest) gets mode `behind` and must read orders.
 */
export async function refreshPurchaseSummaries(
  client: ClientBase,
  target: PurchaseSummaryTarget,
): Promise<PurchaseSummaryRefresh> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let mark = started;
  const lap = (step: string) => {
    timings[step] = (Date.now() - mark) / 1000;
    mark = Date.now();
  };
  const done = (mode: PurchaseSummaryRefresh['mode'], customers: number) => ({
    mode,
    customers,
    seconds: (Date.now() - started) / 1000,
    timings,
  });
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('purchase-summaries:' || $1, 0))`, [
      target.workspaceId,
    ]);
    // the local day of an instant is timestamptz::date under the workspace's zone
    await client.query(`SELECT set_config('TimeZone', $1, true)`, [target.timezone]);
    await client.query(`SET LOCAL jit = off`);
    const { rows } = await client.query(
      `SELECT cutoff, timezone, currency, cutoff > $2::timestamptz AS ahead
       FROM purchase_summary_state WHERE workspace_id = $1`,
      [target.workspaceId, target.cutoff],
    );
    lap('lock');
    const state = rows[0] as { timezone: string; currency: string; ahead: boolean } | undefined;
    const compatible =
      state && state.timezone === target.timezone && state.currency.trim() === target.currency;
    if (compatible && state.ahead) {
      await client.query('COMMIT');
      return done('behind', 0);
    }
    let mode: 'built' | 'refreshed';
    let customers: number;
    if (!compatible) {
      mode = 'built';
      // the log's entries are covered by the rebuild, which reads every order committed before it starts
      await client.query(`DELETE FROM purchase_summary_changes WHERE workspace_id = $1`, [
        target.workspaceId,
      ]);
      await client.query(`DELETE FROM purchase_summaries WHERE workspace_id = $1`, [target.workspaceId]);
      // streaming plan through orders (customer_id, …): one sort-free window + GroupAggregate per customer
      await client.query(`SET LOCAL enable_hashagg = off; SET LOCAL enable_seqscan = off`);
      customers = (await client.query(recompute('all'), [target.workspaceId, target.currency, target.cutoff]))
        .rowCount!;
    } else {
      mode = 'refreshed';
      await client.query(`CREATE TEMP TABLE summary_targets (customer_id bigint PRIMARY KEY) ON COMMIT DROP`);
      await client.query(
        `WITH logged AS (DELETE FROM purchase_summary_changes WHERE workspace_id = $1 RETURNING customer_id)
         INSERT INTO summary_targets
         SELECT customer_id FROM logged
         UNION
         SELECT customer_id FROM purchase_summaries
         WHERE workspace_id = $1 AND pending_from IS NOT NULL AND pending_from < $2`,
        [target.workspaceId, target.cutoff],
      );
      await client.query(`ANALYZE summary_targets`);
      lap('targets');
      await client.query(
        `DELETE FROM purchase_summaries s USING summary_targets t WHERE s.customer_id = t.customer_id`,
      );
      lap('delete');
      await client.query(recompute('targets'), [target.workspaceId, target.currency, target.cutoff]);
      customers = Number((await client.query(`SELECT count(*) FROM summary_targets`)).rows[0].count);
    }
    lap('recompute');
    await client.query(
      `INSERT INTO purchase_summary_state (workspace_id, cutoff, timezone, currency)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id) DO UPDATE
         SET cutoff = EXCLUDED.cutoff, timezone = EXCLUDED.timezone, currency = EXCLUDED.currency,
             refreshed_at = now()`,
      [target.workspaceId, target.cutoff, target.timezone, target.currency],
    );
    await client.query('COMMIT');
    lap('commit');
    return done(mode, customers);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
