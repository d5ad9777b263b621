/**
 * The SQL text of a customer summary (customer-summaries.ts): the one definition, stored by the refresh
 * (customer-summaries.repository.ts) and computed on the fly for a backtest's inputs (score-run.sql.ts).
 */
const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

/** CRM call/visit outcomes that did not reach anyone: attempts, not contacts (the worklist's frequency cap too). */
export const CRM_NON_CONTACT_OUTCOMES: readonly string[] = [
  'no_answer',
  'voicemail',
  'wrong_number',
  'cancelled',
  'rescheduled',
];

/** Call outcomes logged in Callplan (worklist_outcomes) where the rep talked to the customer. */
export const LOGGED_CONTACT_OUTCOMES: readonly string[] = [
  'reached',
  'callback_requested',
  'not_interested',
  'converted',
];

/**
 * A two-way contact among `interactions` (alias-free column names): a call or visit that reached someone, or any
 * interaction the customer answered (`replied`). Sent, opened or clicked emails, campaigns and surveys are not:
 * they say nothing about whether the customer still deals with us.
 */
export const TWO_WAY_INTERACTION = `((kind IN ('call', 'visit') AND COALESCE(outcome, '') NOT IN (${quoted(CRM_NON_CONTACT_OUTCOMES)}))
  OR outcome = 'replied')`;

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
 * interaction gets no row (a customer with only refunds gets one: refunds are counted). `last_two_way` also reads
 * the call outcomes logged in Callplan (`worklist_outcomes`). The latest survey score rides in the low byte of max(epoch << 8 | score), a max()
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
           min(placed_at) FILTER (WHERE NOT counts AND NOT refund) AS pending_from,
           count(*) FILTER (WHERE refund AND placed_at < ${cutoff})::int AS refunded_orders,
           min(placed_at) FILTER (WHERE refund AND placed_at >= ${cutoff}) AS refund_pending_from
    FROM (SELECT customer_id, placed_at, placed_at::date AS day, amount_minor AS amount,
                 status = 'refunded' AS refund,
                 placed_at < ${cutoff} AND status = 'paid' AND currency = ${p.currency} AS counts,
                 min(placed_at::date) FILTER (WHERE placed_at < ${cutoff} AND status = 'paid'
                                                AND currency = ${p.currency}) OVER (PARTITION BY customer_id) AS first_day
          FROM orders
          WHERE workspace_id = ${p.workspace} AND deleted_at IS NULL
            AND ((status = 'paid' AND currency = ${p.currency}) OR status = 'refunded') ${p.customers}) o
    GROUP BY customer_id
  ), touches AS (
    SELECT customer_id, max(occurred_at) FILTER (WHERE occurred_at < ${cutoff})::date AS last_touch,
           count(*) FILTER (WHERE kind = 'complaint' AND occurred_at >= ${complaintsFrom}
                              AND occurred_at < ${cutoff})::int AS complaints_90d,
           (max((extract(epoch FROM occurred_at)::int8 << 8) | score)
              FILTER (WHERE kind = 'survey' AND score IS NOT NULL AND occurred_at < ${cutoff}) & 255)::int
             AS last_survey,
           max(occurred_at) FILTER (WHERE occurred_at < ${cutoff} AND ${TWO_WAY_INTERACTION})::date AS last_two_way,
           -- the first complaint in the window leaves it once the cutoff passes the start of its day + 90
           LEAST(min(occurred_at) FILTER (WHERE occurred_at >= ${cutoff}),
                 ((min(occurred_at) FILTER (WHERE kind = 'complaint' AND occurred_at >= ${complaintsFrom}
                                              AND occurred_at < ${cutoff}))::date + 90)::timestamptz) AS recheck_at
    FROM interactions
    WHERE workspace_id = ${p.workspace} ${p.customers}
    GROUP BY customer_id
  ), calls AS (
    SELECT customer_id, max(occurred_at) FILTER (WHERE occurred_at < ${cutoff} AND outcome IN (${quoted(LOGGED_CONTACT_OUTCOMES)}))::date
             AS last_two_way,
           min(occurred_at) FILTER (WHERE occurred_at >= ${cutoff}) AS recheck_at
    FROM worklist_outcomes
    WHERE workspace_id = ${p.workspace} ${p.customers}
    GROUP BY customer_id
  )
  SELECT COALESCE(p.customer_id, t.customer_id, w.customer_id) AS customer_id, ${p.workspace}::uuid AS workspace_id,
         COALESCE(p.transactions, 0) AS transactions, p.first_day, p.last_day, COALESCE(p.monetary, 0) AS monetary,
         COALESCE(p.first_amount, 0) AS first_amount, t.last_touch, COALESCE(t.complaints_90d, 0) AS complaints_90d,
         t.last_survey, LEAST(p.pending_from, p.refund_pending_from, t.recheck_at, w.recheck_at) AS recheck_at,
         COALESCE(p.refunded_orders, 0) AS refunded_orders, GREATEST(t.last_two_way, w.last_two_way) AS last_two_way
  FROM purchases p FULL JOIN touches t ON t.customer_id = p.customer_id
  FULL JOIN calls w ON w.customer_id = COALESCE(p.customer_id, t.customer_id)`;
}
