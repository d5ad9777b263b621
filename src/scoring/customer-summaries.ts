import type { ClientBase } from 'pg';

/**
 * Per-customer summaries (migration 1764800000000): what a scoring run needs of a customer's orders and
 * interactions — transactions (distinct local purchase days), first and last day, spend and the first day's
 * spend, last touch, complaints in the last 90 days, latest survey score — as of a cutoff, the end of a
 * workspace-local day. Triggers log which customers' orders or interactions changed; a refresh recomputes only
 * those, plus the customers whose `recheck_at` the moving cutoff passes (future-dated records now in the past, a
 * complaint leaving the 90-day window). A nightly run then reads one row per customer instead of re-aggregating
 * every order and interaction (docs/scoring-run.md, "Customer summaries").
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

export interface CustomerSummaryRefresh {
  /** built: every summary of the workspace rebuilt (first run, or time zone / currency changed); refreshed: the
   * logged changes and due rechecks only; behind: the run's cutoff is before the summaries' (a backtest), which
   * it cannot use */
  mode: 'built' | 'refreshed' | 'behind';
  /** customers recomputed */
  customers: number;
  seconds: number;
  /** seconds per step */
  timings: Record<string, number>;
}

/**
 * Summaries of the workspace's customers — all of them, or those in the temp table `summary_targets`. $1 workspace,
 * $2 currency, $3 cutoff, $4 start of the complaint window (90 local days before the cutoff). Both aggregates
 * stream in customer-id order through the (customer_id, …) indexes and meet in a merge full join. A customer with
 * neither a paid order nor an interaction gets no row.
 */
const recompute = (scope: 'all' | 'targets') => {
  const only = scope === 'targets' ? 'AND customer_id IN (SELECT customer_id FROM summary_targets)' : '';
  return `
  WITH purchases AS (
    SELECT customer_id, count(DISTINCT day) FILTER (WHERE counts)::int AS transactions,
           min(day) FILTER (WHERE counts) AS first_day, max(day) FILTER (WHERE counts) AS last_day,
           COALESCE(sum(amount) FILTER (WHERE counts), 0)::int8 AS monetary,
           COALESCE(sum(amount) FILTER (WHERE counts AND day = first_day), 0)::int8 AS first_amount,
           min(placed_at) FILTER (WHERE NOT counts) AS pending_from
    FROM (SELECT customer_id, placed_at, placed_at::date AS day, amount_minor AS amount, placed_at < $3 AS counts,
                 min(placed_at::date) FILTER (WHERE placed_at < $3) OVER (PARTITION BY customer_id) AS first_day
          FROM orders
          WHERE workspace_id = $1 AND status = 'paid' AND deleted_at IS NULL AND currency = $2 ${only}) o
    GROUP BY customer_id
  ), touches AS (
    SELECT customer_id, max(occurred_at) FILTER (WHERE occurred_at < $3)::date AS last_touch,
           count(*) FILTER (WHERE kind = 'complaint' AND occurred_at >= $4 AND occurred_at < $3)::int
             AS complaints_90d,
           (max((extract(epoch FROM occurred_at)::int8 << 8) | score)
              FILTER (WHERE kind = 'survey' AND score IS NOT NULL AND occurred_at < $3) & 255)::int AS last_survey,
           -- the first complaint in the window leaves it once the cutoff passes the start of its day + 90
           LEAST(min(occurred_at) FILTER (WHERE occurred_at >= $3),
                 ((min(occurred_at) FILTER (WHERE kind = 'complaint' AND occurred_at >= $4 AND occurred_at < $3))::date
                   + 90)::timestamptz) AS recheck_at
    FROM interactions
    WHERE workspace_id = $1 ${only}
    GROUP BY customer_id
  )
  INSERT INTO customer_summaries (customer_id, workspace_id, transactions, first_day, last_day, monetary,
                                  first_amount, last_touch, complaints_90d, last_survey, recheck_at)
  SELECT COALESCE(p.customer_id, t.customer_id), $1, COALESCE(p.transactions, 0), p.first_day, p.last_day,
         COALESCE(p.monetary, 0), COALESCE(p.first_amount, 0), t.last_touch, COALESCE(t.complaints_90d, 0),
         t.last_survey, LEAST(p.pending_from, t.recheck_at)
  FROM purchases p FULL JOIN touches t ON t.customer_id = p.customer_id`;
};

/**
 * Brings the workspace's summaries to `target.cutoff` in one transaction (serialised per workspace by an advisory
 * lock). Never moves the cutoff back: a run before it (a backtest) gets mode `behind` and must read the history.
 */
export async function refreshCustomerSummaries(
  client: ClientBase,
  target: CustomerSummaryTarget,
): Promise<CustomerSummaryRefresh> {
  const started = Date.now();
  const timings: Record<string, number> = {};
  let mark = started;
  const lap = (step: string) => {
    timings[step] = (Date.now() - mark) / 1000;
    mark = Date.now();
  };
  const done = (mode: CustomerSummaryRefresh['mode'], customers: number) => ({
    mode,
    customers,
    seconds: (Date.now() - started) / 1000,
    timings,
  });
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('customer-summaries:' || $1, 0))`, [
      target.workspaceId,
    ]);
    // local days are timestamptz::date, and date::timestamptz a local midnight, under the workspace's zone
    await client.query(`SELECT set_config('TimeZone', $1, true)`, [target.timezone]);
    await client.query(`SET LOCAL jit = off`);
    const {
      rows: [bounds],
    } = await client.query(
      `SELECT $1::timestamptz = ($1::timestamptz)::date::timestamptz AS aligned,
              to_json((($1::timestamptz)::date - 90)::timestamptz) #>> '{}' AS complaints_from`,
      [target.cutoff],
    );
    if (!bounds.aligned) {
      throw new Error(`summary cutoff ${target.cutoff} is not a midnight in ${target.timezone}`);
    }
    const params = [target.workspaceId, target.currency, target.cutoff, bounds.complaints_from];
    const { rows } = await client.query(
      `SELECT timezone, currency, cutoff > $2::timestamptz AS ahead
       FROM customer_summary_state WHERE workspace_id = $1`,
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
      // the log's entries are covered by the rebuild, which reads everything committed before it starts
      await client.query(`DELETE FROM customer_summary_changes WHERE workspace_id = $1`, [
        target.workspaceId,
      ]);
      await client.query(`DELETE FROM customer_summaries WHERE workspace_id = $1`, [target.workspaceId]);
      lap('delete');
      // the streaming plan: index order, a window and GroupAggregates, a merge join; no hash table or sort
      await client.query(
        `SET LOCAL enable_hashagg = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_seqscan = off;
         SET LOCAL enable_bitmapscan = off`,
      );
      customers = (await client.query(recompute('all'), params)).rowCount!;
    } else {
      mode = 'refreshed';
      await client.query(`CREATE TEMP TABLE summary_targets (customer_id bigint PRIMARY KEY) ON COMMIT DROP`);
      await client.query(
        `WITH logged AS (DELETE FROM customer_summary_changes WHERE workspace_id = $1 RETURNING customer_id)
         INSERT INTO summary_targets
         SELECT customer_id FROM logged
         UNION
         SELECT customer_id FROM customer_summaries
         WHERE workspace_id = $1 AND recheck_at IS NOT NULL AND recheck_at < $2`,
        [target.workspaceId, target.cutoff],
      );
      await client.query(`ANALYZE summary_targets`);
      lap('targets');
      await client.query(
        `DELETE FROM customer_summaries s USING summary_targets t WHERE s.customer_id = t.customer_id`,
      );
      lap('delete');
      await client.query(recompute('targets'), params);
      customers = Number((await client.query(`SELECT count(*) FROM summary_targets`)).rows[0].count);
    }
    lap('recompute');
    await client.query(
      `INSERT INTO customer_summary_state (workspace_id, cutoff, timezone, currency)
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
