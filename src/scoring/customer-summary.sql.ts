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
  'offer_accepted',
  'redeemed',
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
 * the (customer_id, …) indexes and meet in a merge full join; the orders are read once (purchases and refunded
 * orders are filtered aggregates of one pass). A customer with neither a paid order nor an
 * interaction gets no row (a customer with only refunds gets one: refunds are counted). `last_two_way` also reads
 * the call outcomes logged in Callplan (`worklist_outcomes`). The latest survey score rides in the low byte of max(epoch << 8 | score), a max()
 * instead of an ordered array_agg.
 *
 * The orders' and interactions' columns read here are all in `orders_customer_idx` / `interactions_customer_idx`
 * (migration 1769500000000), so a customer's history comes from the index alone: a column read here that the
 * index lacks sends every order back to the heap, one page each (test/scoring/summary-index-only.test.ts).
 *
 * A build's cost is per order (≈ 500k per chunk of 50k customers), and most of it is evaluating expressions: the
 * amounts stay bigint (one numeric operand made every order's arithmetic and sums numeric, 16 % of the build), each
 * per-order column is computed once, and what only the rare orders need (money given back, an order undone) is an
 * aggregate's argument behind its FILTER. The first purchase day's spend comes from a window over the orders as
 * they stream by (2 % of the build); looking that day's orders up again by index cost 10 % more
 * (docs/benchmarks.md, "Fifth session").
 *
 * Refunds and cancellations booked as records of their own (`orders.reversal`, migration 1767600000000) are
 * netted before anything is counted: each reversal placed before the cutoff gives its amount back on the paid
 * order it names (`reverses_external_id`), or else on the customer's latest paid order at or before it that is at
 * least as large; an order given back in full is no purchase (no purchase day, no spend); a reversal that matches
 * no order comes off the customer's spend. A refunded or cancelled order that is not a reversal is the order
 * itself undone and is left out, as before. docs/scoring-run.md, "Refunds and cancellations".
 *
 * What the customer undid feeds the cancellation rate (models/cancellation-rate.ts): `orders_placed` and
 * `gross_minor` over the orders in the currency before the cutoff (reversal records are no orders of their own),
 * `orders_undone` those refunded or cancelled by status or given back in full, `undone_minor` the money given back
 * (capped at `gross_minor`). Over the whole history, so a row stays right until a write.
 */
export function summarySelect(p: SummaryPlaceholders): string {
  const cutoff = `${p.cutoff}::timestamptz`;
  const complaintsFrom = `((${cutoff})::date - 90)::timestamptz`;
  return `
  WITH ${reversalsSql(p)}, unmatched AS (
    -- reversals of no order found: netted against the customer's spend; a later one is a recheck
    SELECT customer_id, COALESCE(sum(amount) FILTER (WHERE counts AND order_id IS NULL), 0) AS amount,
           min(placed_at) FILTER (WHERE NOT counts) AS pending_from
    FROM reversals GROUP BY customer_id
  ), purchases AS (
    -- one pass over the customer's orders for two aggregates: the purchases (orders of the currency that are no
    -- reversal records, net of what was given back on them; one given back in full is not a purchase; orders
    -- undone by their status are read for the cancellation rate only) and the refunded orders of any currency,
    -- reversal records among them (a customer whose only rows are refunds is no prospect but a lapsed buyer; a
    -- later one is a recheck). bought: the customer has orders of the first kind.
    -- Per order, the cost is the expressions: each column below is computed once, and an aggregate's FILTER is
    -- checked before its argument is (so the rare cases, money given back or an order undone, are filtered, not
    -- summed as zeros for every order).
    SELECT customer_id,
           count(*) FILTER (WHERE eligible AND past) > 0 OR min(placed_at) FILTER (WHERE eligible AND NOT past) IS NOT NULL
             AS bought,
           count(DISTINCT day) FILTER (WHERE counts)::int AS transactions,
           min(day) FILTER (WHERE counts) AS first_day, max(day) FILTER (WHERE counts) AS last_day,
           -- an order that counts got less back than its amount
           COALESCE(sum(gross - COALESCE(given_back, 0)) FILTER (WHERE counts), 0)::int8 AS monetary,
           COALESCE(sum(gross - COALESCE(given_back, 0)) FILTER (WHERE counts AND day = first_day), 0)::int8
             AS first_amount,
           min(placed_at) FILTER (WHERE eligible AND NOT past) AS pending_from,
           -- more given back than the order's amount (two refunds matched to one order): off the spend
           COALESCE(sum(given_back - gross) FILTER (WHERE eligible AND given_back > gross), 0) AS excess,
           count(*) FILTER (WHERE eligible AND past)::int AS orders_placed,
           -- undone: refunded or cancelled by status, or given back in full (no purchase)
           count(*) FILTER (WHERE eligible AND past AND NOT counts)::int AS orders_undone,
           COALESCE(sum(gross) FILTER (WHERE eligible AND past), 0)::int8 AS gross_minor,
           -- what was given back: all of an order undone by its status, else what the reversals gave back on it
           COALESCE(sum(CASE WHEN paid THEN LEAST(given_back, gross) ELSE gross END)
                      FILTER (WHERE eligible AND past AND (given_back IS NOT NULL OR NOT paid)), 0)::int8
             AS undone_minor,
           count(*) FILTER (WHERE refunded AND past)::int AS refunded_orders,
           min(placed_at) FILTER (WHERE refunded AND NOT past) AS refund_pending_from
    FROM (SELECT customer_id, placed_at, day, eligible, counts, past, paid, gross, given_back, refunded,
                 -- the first purchase day, for its spend: a window over the customer's orders as they stream by
                 -- (a second lookup of that day's orders by index cost more: docs/benchmarks.md, fifth session)
                 min(day) FILTER (WHERE counts) OVER (PARTITION BY customer_id) AS first_day
          FROM (SELECT o.customer_id, o.placed_at, o.placed_at::date AS day,
                       NOT o.reversal AND o.currency = ${p.currency} AS eligible, o.status = 'refunded' AS refunded,
                       NOT o.reversal AND o.currency = ${p.currency} AND o.status = 'paid'
                         AND o.placed_at < ${cutoff} AND (n.amount IS NULL OR n.amount < o.amount_minor) AS counts,
                       o.placed_at < ${cutoff} AS past, o.status = 'paid' AS paid, o.amount_minor AS gross,
                       n.amount AS given_back
                FROM orders o LEFT JOIN reversed n ON n.order_customer_id = o.customer_id AND n.order_id = o.id
                WHERE o.workspace_id = ${p.workspace} AND o.deleted_at IS NULL
                  AND ((NOT o.reversal AND o.currency = ${p.currency}) OR o.status = 'refunded')
                  ${p.customers}) net) o
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
         COALESCE(p.transactions, 0) AS transactions, p.first_day, p.last_day,
         GREATEST(COALESCE(p.monetary, 0) - COALESCE(p.excess, 0) - COALESCE(u.amount, 0), 0)::int8 AS monetary,
         COALESCE(p.first_amount, 0) AS first_amount, t.last_touch, COALESCE(t.complaints_90d, 0) AS complaints_90d,
         t.last_survey, LEAST(p.pending_from, u.pending_from, p.refund_pending_from, t.recheck_at, w.recheck_at)
           AS recheck_at,
         COALESCE(p.refunded_orders, 0) AS refunded_orders, GREATEST(t.last_two_way, w.last_two_way) AS last_two_way,
         COALESCE(p.orders_placed, 0) AS orders_placed, COALESCE(p.orders_undone, 0) AS orders_undone,
         COALESCE(p.gross_minor, 0) AS gross_minor,
         -- money given back, never more than was ordered (unmatched reversals and excess included)
         LEAST(COALESCE(p.undone_minor, 0) + COALESCE(p.excess, 0) + COALESCE(u.amount, 0),
               COALESCE(p.gross_minor, 0))::int8 AS undone_minor
  FROM purchases p FULL JOIN touches t ON t.customer_id = p.customer_id
  FULL JOIN calls w ON w.customer_id = COALESCE(p.customer_id, t.customer_id)
  -- a customer's unmatched reversals count against purchases only: one with none has no spend to net them from
  LEFT JOIN unmatched u ON u.customer_id = p.customer_id AND p.bought`;
}

/**
 * Two CTEs, `reversals` (every reversal of the customers that pass `p.customers`: customer_id, amount, placed_at,
 * counts = before the cutoff, order_id = the paid order it is matched to or null) and `reversed` (order_customer_id,
 * order_id, amount given back on it before the cutoff, bigint), for a WITH clause. Run under the workspace's time zone.
 */
export function reversalsSql(p: SummaryPlaceholders): string {
  const cutoff = `${p.cutoff}::timestamptz`;
  return `reversals AS (
    -- refund and cancellation records (orders.reversal), each matched to the paid order it gives money back on:
    -- the order it names, else the latest paid order at or before it that is at least as large
    -- (two lookups, one of which runs per reversal: the named order by the source's unique key; else a walk back
    -- through the customer's orders that orders_customer_idx answers alone. One lookup with both conditions in a
    -- CASE walked back through every order of the customer to the heap for source and external id: 115 buffers a
    -- reversal, in arrival order one page per order — docs/benchmarks.md, "Eleventh")
    SELECT r.customer_id, r.amount_minor AS amount, r.placed_at, r.placed_at < ${cutoff} AS counts,
           COALESCE(named.id, latest.id) AS order_id
    FROM orders r
    LEFT JOIN LATERAL (
      SELECT o.id FROM orders o
      WHERE r.reverses_external_id IS NOT NULL AND o.workspace_id = r.workspace_id AND o.source = r.source
        AND o.external_id = r.reverses_external_id AND o.customer_id = r.customer_id AND o.status = 'paid'
        AND o.deleted_at IS NULL AND o.currency = r.currency
    ) named ON true
    LEFT JOIN LATERAL (
      SELECT o.id FROM orders o
      WHERE r.reverses_external_id IS NULL AND o.workspace_id = r.workspace_id AND o.customer_id = r.customer_id
        AND o.status = 'paid' AND o.deleted_at IS NULL AND o.currency = r.currency
        AND o.placed_at <= r.placed_at AND o.amount_minor >= r.amount_minor
      ORDER BY o.placed_at DESC, o.id DESC LIMIT 1
    ) latest ON true
    WHERE r.workspace_id = ${p.workspace} AND r.reversal AND r.deleted_at IS NULL
      AND r.currency = ${p.currency} ${p.customers}
  ), reversed AS (
    -- bigint like the orders' amounts (bounded at import, MAX_ORDER_AMOUNT_MAJOR): a numeric sum here made every
    -- order's arithmetic in the summaries numeric. By customer, then order: an order and its reversals belong to
    -- one customer, and the summaries join them on both, in the customer order their index scans stream in
    SELECT customer_id AS order_customer_id, order_id, sum(amount)::int8 AS amount
    FROM reversals WHERE counts AND order_id IS NOT NULL GROUP BY customer_id, order_id
  )`;
}
