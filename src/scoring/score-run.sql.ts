/**
 * Set-based SQL of a scoring run. Parameters are positional; every statement is scoped by run and workspace.
 * Time is at day resolution in the workspace's time zone; only paid orders in the workspace currency up to the
 * end of the as-of day count, and several orders on one day are one transaction (amounts summed).
 */
const tierRank = (t: string) => `CASE ${t}.value_tier WHEN 'core' THEN 3 WHEN 'potential' THEN 2 ELSE 1 END`;

export const SCORE_RUN_SQL = {
  /** $1 run, $2 workspace, $3 as_of date, $4 time zone, $5 currency */
  buildInputs: `
    INSERT INTO score_inputs (run_id, customer_id, workspace_id, transactions, first_day, last_day, monetary,
                              repeat_mean_minor, last_order_minor)
    WITH days AS (
      SELECT o.customer_id, (o.placed_at AT TIME ZONE $4)::date AS day, sum(o.amount_minor) AS amount
      FROM orders o
      WHERE o.workspace_id = $2 AND o.status = 'paid' AND o.deleted_at IS NULL AND o.currency = $5
        AND o.placed_at < (($3::date + 1)::timestamp AT TIME ZONE $4)
      GROUP BY 1, 2
    ), agg AS (
      -- min/max over [day, amount] pairs pick the first and last day's amounts without a window sort
      SELECT customer_id, count(*)::int AS txns, min(day) AS first_day, max(day) AS last_day, sum(amount) AS monetary,
             (min(ARRAY[day - DATE '2000-01-01', amount]))[2] AS first_amount,
             (max(ARRAY[day - DATE '2000-01-01', amount]))[2] AS last_amount
      FROM days GROUP BY customer_id
    )
    SELECT $1, c.id, $2, COALESCE(a.txns, 0), a.first_day, a.last_day, COALESCE(a.monetary, 0),
           CASE WHEN a.txns > 1 THEN (a.monetary - a.first_amount)::float8 / (a.txns - 1) END, a.last_amount
    FROM customers c LEFT JOIN agg a ON a.customer_id = c.id
    WHERE c.workspace_id = $2 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND (c.source_created_at IS NULL OR c.source_created_at < (($3::date + 1)::timestamp AT TIME ZONE $4)
           OR a.txns IS NOT NULL)`,

  /** $1 run, $2 as_of — counts and workspace statistics for the rules */
  stats: `
    SELECT count(*)::int AS customers,
           count(*) FILTER (WHERE transactions > 0)::int AS buyers,
           count(*) FILTER (WHERE transactions > 1)::int AS repeaters,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY (last_day - first_day)::float8 / (transactions - 1))
             FILTER (WHERE transactions > 1) AS median_cycle_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY monetary) FILTER (WHERE transactions > 0) AS median_monetary,
           percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY $2::date - last_day)
             FILTER (WHERE transactions > 0) AS recency_cuts,
           percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY transactions)
             FILTER (WHERE transactions > 0) AS frequency_cuts,
           percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary)
             FILTER (WHERE transactions > 0) AS monetary_cuts,
           COALESCE(sum(monetary), 0)::bigint AS revenue
    FROM score_inputs WHERE run_id = $1`,

  /** $1 run, $2 cut share (0.7 for A, 0.9 for B): spend of the customer whose cumulative share first reaches it */
  abcThreshold: `
    SELECT monetary FROM (
      SELECT monetary, sum(monetary) OVER (ORDER BY monetary DESC, customer_id) AS cum, sum(monetary) OVER () AS total
      FROM score_inputs WHERE run_id = $1 AND monetary > 0
    ) s WHERE cum >= total * $2 ORDER BY cum LIMIT 1`,

  /** $1 run, $2 as_of — BG/NBD calibration rows compressed to distinct (x, t_x, T) with weights, in days */
  bgNbdRows: `
    SELECT transactions - 1 AS x, (last_day - first_day) AS tx, ($2::date - first_day) AS t, count(*)::int AS weight
    FROM score_inputs WHERE run_id = $1 AND transactions > 0
    GROUP BY 1, 2, 3`,

  /** $1 run — Gamma-Gamma rows: repeat buyers' number of repeats and mean repeat spend */
  gammaGammaRows: `
    SELECT transactions - 1 AS x, repeat_mean_minor AS mean, count(*)::int AS weight
    FROM score_inputs WHERE run_id = $1 AND transactions > 1 AND repeat_mean_minor > 0
    GROUP BY 1, 2`,

  /** $1 run, $2 as_of, $3 modulus — a deterministic sample of buyers (every customer when $3 = 1) */
  clvSample: `
    SELECT transactions - 1 AS x, (last_day - first_day) AS tx, ($2::date - first_day) AS t, repeat_mean_minor,
           monetary, transactions
    FROM score_inputs WHERE run_id = $1 AND transactions > 0 AND customer_id % $3 = 0`,

  /** $1 run, $2 workspace, $3 chunk size — customer-id ranges of about $3 customers each */
  planChunks: `
    INSERT INTO score_run_chunks (run_id, chunk_no, workspace_id, first_customer_id, last_customer_id, customers)
    SELECT $1, chunk_no, $2, min(customer_id), max(customer_id), count(*)
    FROM (SELECT customer_id, ((row_number() OVER (ORDER BY customer_id) - 1) / $3)::int AS chunk_no
          FROM score_inputs WHERE run_id = $1) s
    GROUP BY chunk_no
    ON CONFLICT (run_id, chunk_no) DO NOTHING
    RETURNING chunk_no`,

  /** $1 run, $2 first id, $3 last id, $4 previous run (nullable), $5 as_of, $6 time zone, $7 workspace */
  chunkInputs: `
    WITH ia AS (
      SELECT i.customer_id,
             max(i.occurred_at) AS last_interaction,
             count(*) FILTER (WHERE i.kind = 'complaint'
                              AND i.occurred_at >= (($5::date - 89)::timestamp AT TIME ZONE $6))::int AS complaints_90d,
             (array_agg(i.score ORDER BY i.occurred_at DESC) FILTER (WHERE i.kind = 'survey' AND i.score IS NOT NULL))[1]
               AS last_survey
      FROM interactions i
      WHERE i.workspace_id = $7 AND i.customer_id BETWEEN $2 AND $3
        AND i.occurred_at < (($5::date + 1)::timestamp AT TIME ZONE $6)
      GROUP BY i.customer_id
    )
    SELECT si.customer_id, c.kind, si.transactions, si.first_day, si.last_day, si.monetary::float8 AS monetary,
           si.repeat_mean_minor, $5::date - si.first_day AS age_days, $5::date - si.last_day AS recency_days,
           $5::date - (ia.last_interaction AT TIME ZONE $6)::date AS days_since_interaction,
           COALESCE(ia.complaints_90d, 0) AS complaints_90d, ia.last_survey,
           p.clv::float8 AS prev_clv, p.value_tier AS prev_tier, p.lifecycle AS prev_lifecycle
    FROM score_inputs si
    JOIN customers c ON c.id = si.customer_id
    LEFT JOIN ia ON ia.customer_id = si.customer_id
    LEFT JOIN customer_scores p ON p.run_id = $4 AND p.customer_id = si.customer_id
    WHERE si.run_id = $1 AND si.customer_id BETWEEN $2 AND $3
    ORDER BY si.customer_id`,

  /** $1 run, $2 workspace, then one array per column — idempotent: a re-run chunk overwrites its own rows */
  writeScores: `
    INSERT INTO customer_scores (run_id, workspace_id, customer_id, recency_days, frequency, monetary, r_score, f_score,
      m_score, rfm_segment, abc_class, value_tier, frequency_class, lifecycle, p_alive, expected_purchases,
      expected_order_value, clv, churn_risk, priority, reasons)
    SELECT $1, $2, * FROM unnest($3::bigint[], $4::int[], $5::int[], $6::bigint[], $7::smallint[], $8::smallint[],
      $9::smallint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::float8[], $16::float8[],
      $17::bigint[], $18::bigint[], $19::float8[], $20::float8[], $21::jsonb[])
    ON CONFLICT (run_id, customer_id) DO UPDATE SET
      recency_days = EXCLUDED.recency_days, frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
      r_score = EXCLUDED.r_score, f_score = EXCLUDED.f_score, m_score = EXCLUDED.m_score,
      rfm_segment = EXCLUDED.rfm_segment, abc_class = EXCLUDED.abc_class, value_tier = EXCLUDED.value_tier,
      frequency_class = EXCLUDED.frequency_class, lifecycle = EXCLUDED.lifecycle, p_alive = EXCLUDED.p_alive,
      expected_purchases = EXCLUDED.expected_purchases, expected_order_value = EXCLUDED.expected_order_value,
      clv = EXCLUDED.clv, churn_risk = EXCLUDED.churn_risk, priority = EXCLUDED.priority, reasons = EXCLUDED.reasons`,

  /** $1 run — tier and lifecycle counts of the run */
  counts: `
    SELECT 'tier' AS dim, value_tier AS key, count(*)::int AS n FROM customer_scores WHERE run_id = $1 GROUP BY 2
    UNION ALL
    SELECT 'lifecycle', lifecycle, count(*)::int FROM customer_scores WHERE run_id = $1 GROUP BY 2
    UNION ALL
    SELECT 'frequency', frequency_class, count(*)::int FROM customer_scores WHERE run_id = $1 GROUP BY 2
    UNION ALL
    SELECT 'abc', COALESCE(abc_class, '-'), count(*)::int FROM customer_scores WHERE run_id = $1 GROUP BY 2`,

  /** $1 run, $2 previous run — who moved since the last run */
  moves: `
    SELECT
      count(*) FILTER (WHERE ${tierRank('n')} > ${tierRank('p')})::int AS promotions,
      count(*) FILTER (WHERE ${tierRank('n')} < ${tierRank('p')})::int AS demotions,
      count(*) FILTER (WHERE n.lifecycle = 'at_risk' AND p.lifecycle <> 'at_risk')::int AS newly_at_risk,
      count(*) FILTER (WHERE n.lifecycle = 'churned' AND p.lifecycle <> 'churned')::int AS newly_churned
    FROM customer_scores n
    JOIN customer_scores p ON p.run_id = $2 AND p.customer_id = n.customer_id
    WHERE n.run_id = $1`,

  /** $1 run, $2 workspace */
  history: `
    INSERT INTO score_history (run_id, customer_id, workspace_id, value_tier, lifecycle, priority, clv)
    SELECT run_id, customer_id, $2, left(value_tier, 1),
           CASE lifecycle WHEN 'prospect' THEN 'p' WHEN 'new' THEN 'n' WHEN 'active' THEN 'a' WHEN 'loyal' THEN 'l'
                          WHEN 'at_risk' THEN 'r' ELSE 'c' END,
           round(priority)::smallint, clv
    FROM customer_scores WHERE run_id = $1
    ON CONFLICT DO NOTHING`,
};
