import { summarySelect } from './customer-summary.sql';

/**
 * Set-based SQL of a scoring run. Parameters are positional; every statement is scoped by run and workspace.
 * Time is at day resolution in the workspace's time zone (the statements run with `SET LOCAL TimeZone` to it, so
 * `timestamptz::date` is the local day, DST included); only paid orders in the workspace currency up to the end of
 * the as-of day count, and several orders on one day are one transaction (amounts summed).
 */
export const SCORE_RUN_SQL = {
  /**
   * $1 run, $2 workspace, $3 chunk size — chunks of about $3 live customers each, by id. Customers created after
   * the as-of date drop out later (in the inputs), so a chunk may score a few fewer than planned.
   */
  planChunks: `
    INSERT INTO score_run_chunks (run_id, chunk_no, workspace_id, first_customer_id, last_customer_id, customers)
    SELECT $1, chunk_no, $2, min(id), max(id), count(*)
    FROM (SELECT id, ((row_number() OVER (ORDER BY id) - 1) / $3)::int AS chunk_no
          FROM customers WHERE workspace_id = $2 AND merged_into_id IS NULL AND deleted_at IS NULL) s
    GROUP BY chunk_no
    ON CONFLICT (run_id, chunk_no) DO NOTHING`,

  /**
   * The SELECT filling one chunk's inputs table: the chunk's customers, their summaries and the previous run's
   * scores, merge-joined in id order. $1 workspace, $2 first id, $3 last id, $4 end of the as-of day (timestamptz),
   * $5 previous run (uuid; a run with no previous one passes a uuid that matches nothing); from the history, $6
   * currency.
   *
   * The summaries are the stored ones (`customer_summaries`; the inputs job refreshes the chunk's range to this
   * cutoff just before, in the same transaction), or — for a run before their cutoff, a backtest — the same
   * definition computed from the chunk's orders and interactions (customer-summaries.ts summarySelect).
   */
  chunkInputs: (summaries: 'stored' | 'history') => `
    SELECT c.id AS customer_id, c.kind, COALESCE(s.transactions, 0) AS transactions,
           s.first_day, s.last_day, COALESCE(s.monetary, 0) AS monetary, COALESCE(s.first_amount, 0) AS first_amount,
           s.last_touch, COALESCE(s.complaints_90d, 0) AS complaints_90d, s.last_survey,
           COALESCE(s.refunded_orders, 0) AS refunded_orders, s.last_two_way,
           COALESCE(s.orders_placed, 0) AS orders_placed, COALESCE(s.orders_undone, 0) AS orders_undone,
           COALESCE(s.gross_minor, 0) AS gross_minor, COALESCE(s.undone_minor, 0) AS undone_minor,
           prev.clv AS prev_clv, prev.value_tier AS prev_tier, prev.lifecycle AS prev_lifecycle,
           prev.priority AS prev_priority
    FROM customers c
    LEFT JOIN ${
      summaries === 'stored'
        ? 'customer_summaries'
        : `(${summarySelect({ workspace: '$1', currency: '$6', cutoff: '$4', customers: 'AND customer_id BETWEEN $2 AND $3' })})`
    } s ON s.customer_id = c.id AND s.customer_id BETWEEN $2 AND $3 AND s.workspace_id = $1
    LEFT JOIN customer_scores prev ON prev.run_id = $5 AND prev.customer_id = c.id
      AND prev.customer_id BETWEEN $2 AND $3
    WHERE c.id BETWEEN $2 AND $3 AND c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND (c.source_created_at IS NULL OR c.source_created_at < $4 OR s.transactions > 0)`,

  /**
   * Whether the workspace's order tally (migration 1769300000000) has rows counted by local days of another time
   * zone than the run's ($2): then the run recounts it (recountOrderTally). $1 workspace.
   */
  orderTallyInOtherZone: `
    SELECT EXISTS (SELECT 1 FROM order_tally WHERE workspace_id = $1 AND timezone <> $2) AS other`,

  /**
   * Folds the workspace's tally rows — the triggers append one per group and statement — into one row per group.
   * Only the rows this statement sees move: one appended by a writer committing meanwhile stays for the next fold.
   */
  foldOrderTally: `
    WITH moved AS (DELETE FROM order_tally WHERE workspace_id = $1 RETURNING *)
    INSERT INTO order_tally
    SELECT workspace_id, timezone, local_day, deleted, currency, status, original_currency, sum(orders)
    FROM moved GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(orders) <> 0`,

  /** The workspace's tally counted again from its orders, by local days in $2 (one scan, after a zone change). */
  recountOrderTally: `
    WITH cleared AS (DELETE FROM order_tally WHERE workspace_id = $1)
    INSERT INTO order_tally
    SELECT workspace_id, $2, (placed_at AT TIME ZONE $2)::date, deleted_at IS NOT NULL, currency, status,
           original_currency, count(*)
    FROM orders WHERE workspace_id = $1
    GROUP BY 1, 2, 3, 4, 5, 6, 7`,

  /**
   * The workspace's orders by what the run does with them (left-out.ts): the first reason that applies, or
   * `used`, per currency and original currency. $1 workspace, $2 workspace currency, $3 the as-of day, $4 the
   * run's time zone. The same conditions as the summaries and the chunk inputs (summarySelect, chunkInputs): an
   * order is future-dated when placed after the end of the as-of day, i.e. on a later local day.
   *
   * `every` is the running tally (folded just before, in the same transaction), a few rows per day of history;
   * `gone` finds the workspace's few deleted or merged customers by customers_gone_idx and their orders through
   * orders_customer_idx, one lookup per customer (a lateral subquery the planner cannot flatten: as a join, at 1M
   * customers it expected 260k orders of theirs — merges move them, there were none — and scanned all 10M, 1.9 s);
   * those orders are moved from the first to the second (the UNION ALL subtracts and adds them). Before the
   * tally, `every` was one aggregate over all of the workspace's orders every night: 2.7 s alone at 10M orders
   * (docs/benchmarks.md, "Eighth").
   */
  leftOutOrders: `
    WITH every AS (
      SELECT deleted AS deleted_order, currency, status, local_day > $3::date AS future, original_currency,
             sum(orders) AS orders
      FROM order_tally WHERE workspace_id = $1
      GROUP BY 1, 2, 3, 4, 5
    ), gone AS (
      SELECT o.deleted_at IS NOT NULL AS deleted_order, c.deleted_at IS NOT NULL AS deleted_customer,
             c.merged_into_id IS NOT NULL AS merged_customer, o.currency, o.status,
             (o.placed_at AT TIME ZONE $4)::date > $3::date AS future, o.original_currency, count(*) AS orders
      FROM customers c
      CROSS JOIN LATERAL (SELECT deleted_at, currency, status, placed_at, original_currency FROM orders
                          WHERE customer_id = c.id AND workspace_id = $1 OFFSET 0) o
      WHERE c.workspace_id = $1 AND (c.deleted_at IS NOT NULL OR c.merged_into_id IS NOT NULL)
      GROUP BY 1, 2, 3, 4, 5, 6, 7
    )
    SELECT CASE WHEN deleted_order THEN 'deletedOrder'
                WHEN deleted_customer THEN 'deletedCustomer'
                WHEN merged_customer THEN 'mergedCustomer'
                WHEN currency <> $2 THEN 'otherCurrency'
                WHEN status = 'cancelled' THEN 'cancelled'
                WHEN status <> 'paid' THEN 'refunded'
                WHEN future THEN 'futureDated'
                ELSE 'used' END AS reason,
           currency::text AS currency, original_currency::text AS original_currency, sum(orders) AS orders
    FROM (SELECT deleted_order, false AS deleted_customer, false AS merged_customer, currency, status, future,
                 original_currency, orders FROM every
          UNION ALL
          SELECT deleted_order, false, false, currency, status, future, original_currency, -orders FROM gone
          UNION ALL
          SELECT deleted_order, deleted_customer, merged_customer, currency, status, future, original_currency,
                 orders FROM gone) g
    GROUP BY 1, 2, 3
    HAVING sum(orders) <> 0`,

  /** What the fit step copies out of an inputs table: its buyers (days since 1970-01-01, minor units). */
  fitRows: (inputs: string) => `
    SELECT customer_id::int8, transactions::int4, (first_day - DATE '1970-01-01')::int4,
           (last_day - DATE '1970-01-01')::int4, monetary::int8, first_amount::int8
    FROM ${inputs} WHERE transactions > 0`,

  /**
   * A chunk's inputs (with the previous run's scores) for a binary COPY … TO STDOUT, which takes no parameters:
   * the caller passes a checked date literal. Column order and types are chunk-input-columns.ts's.
   */
  chunkRows: (inputs: string, asOf: string) => `
    SELECT customer_id::int8, kind, transactions::int4, monetary::int8,
           CASE WHEN transactions > 1 THEN (monetary - first_amount)::float8 / (transactions - 1) END,
           (${asOf} - first_day)::int4, (${asOf} - last_day)::int4, (${asOf} - last_touch)::int4,
           complaints_90d::int4, last_survey::int4, prev_clv::int8, prev_tier, prev_lifecycle,
           prev_priority::float8, refunded_orders::int4, (${asOf} - last_two_way)::int4, orders_placed::int4,
           orders_undone::int4, gross_minor::int8, undone_minor::int8
    FROM ${inputs}`,
};

/**
 * Columns of the chunk's COPY into the run's scores table, in order; run_id and workspace_id come from the
 * table's defaults (two uuids fewer to print and parse per row).
 */
export const SCORE_COLUMNS = [
  'customer_id',
  'recency_days',
  'frequency',
  'monetary',
  'r_score',
  'f_score',
  'm_score',
  'rfm_segment',
  'abc_class',
  'value_tier',
  'frequency_class',
  'lifecycle',
  'p_alive',
  'p_buy',
  'expected_purchases',
  'expected_order_value',
  'clv',
  'churn_risk',
  'priority',
  'reasons',
  'lifecycle_reasons',
] as const;

/** Columns of the chunk's COPY into score_history: one-letter codes and whole points keep it compact. */
export const HISTORY_COLUMNS = [
  'run_id',
  'customer_id',
  'workspace_id',
  'value_tier',
  'lifecycle',
  'priority',
  'clv',
] as const;
