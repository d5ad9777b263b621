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
   * The SELECT of one chunk's inputs table (CREATE TABLE … AS). $1 workspace, $2 first id, $3 last id, $4 end of
   * the as-of day (timestamptz), $5 currency, $6 start of the 90-day complaint window (timestamptz).
   *
   * Every input streams in customer-id order through the (customer_id, …) indexes: orders → a window for the first
   * purchase day → one GroupAggregate per customer; interactions → one GroupAggregate; both merge-joined to
   * customers. No hash table, no sort of the chunk, memory independent of its size (see docs/scoring-run.md).
   * The latest survey score rides in the low byte of max(epoch << 8 | score), a max() instead of an ordered
   * array_agg.
   */
  chunkInputs: `
    WITH purchases AS (
      SELECT customer_id, count(DISTINCT day)::int AS transactions, min(day) AS first_day, max(day) AS last_day,
             sum(amount)::int8 AS monetary, sum(amount) FILTER (WHERE day = first_day)::int8 AS first_amount
      FROM (SELECT o.customer_id, o.placed_at::date AS day, o.amount_minor AS amount,
                   min(o.placed_at::date) OVER (PARTITION BY o.customer_id) AS first_day
            FROM orders o
            WHERE o.customer_id BETWEEN $2 AND $3 AND o.workspace_id = $1 AND o.status = 'paid'
              AND o.deleted_at IS NULL AND o.currency = $5 AND o.placed_at < $4) o
      GROUP BY customer_id
    ), touches AS (
      SELECT i.customer_id, max(i.occurred_at)::date AS last_touch,
             count(*) FILTER (WHERE i.kind = 'complaint' AND i.occurred_at >= $6)::int AS complaints_90d,
             (max((extract(epoch FROM i.occurred_at)::int8 << 8) | i.score)
                FILTER (WHERE i.kind = 'survey' AND i.score IS NOT NULL) & 255)::int AS last_survey
      FROM interactions i
      WHERE i.customer_id BETWEEN $2 AND $3 AND i.workspace_id = $1 AND i.occurred_at < $4
      GROUP BY i.customer_id
    )
    SELECT c.id AS customer_id, c.external_id, c.kind, COALESCE(p.transactions, 0) AS transactions,
           p.first_day, p.last_day, COALESCE(p.monetary, 0) AS monetary, COALESCE(p.first_amount, 0) AS first_amount,
           t.last_touch, COALESCE(t.complaints_90d, 0) AS complaints_90d, t.last_survey
    FROM customers c
    LEFT JOIN purchases p ON p.customer_id = c.id
    LEFT JOIN touches t ON t.customer_id = c.id
    WHERE c.id BETWEEN $2 AND $3 AND c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND (c.source_created_at IS NULL OR c.source_created_at < $4 OR p.transactions IS NOT NULL)`,

  /** Columns the fit step copies out of every inputs table (days since 1970-01-01, minor units). */
  fitColumns: `customer_id, transactions, COALESCE(first_day - DATE '1970-01-01', 0),
    COALESCE(last_day - DATE '1970-01-01', 0), monetary, first_amount`,

  /**
   * A chunk's inputs with the customer's scores of the previous run, for COPY … TO STDOUT (which takes no
   * parameters: the caller passes checked literals). Column order is chunk-io.ts parseChunkLine's.
   */
  chunkRows: (inputs: string, previousRun: string, asOf: string) => `
    SELECT si.customer_id, si.external_id, si.kind, si.transactions, si.monetary,
           CASE WHEN si.transactions > 1 THEN (si.monetary - si.first_amount)::float8 / (si.transactions - 1) END,
           ${asOf} - si.first_day, ${asOf} - si.last_day, ${asOf} - si.last_touch, si.complaints_90d,
           si.last_survey, p.clv, p.value_tier, p.lifecycle, p.priority
    FROM ${inputs} si
    LEFT JOIN customer_scores p ON p.run_id = ${previousRun} AND p.customer_id = si.customer_id`,
};

/** Columns of the chunk's COPY into the run's scores table, in order. */
export const SCORE_COLUMNS = [
  'run_id',
  'workspace_id',
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
  'expected_purchases',
  'expected_order_value',
  'clv',
  'churn_risk',
  'priority',
  'reasons',
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
