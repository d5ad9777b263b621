/**
 * Candidate selection for the daily lists, in one set-based statement: each active rep's owned customers from the
 * current score snapshot, minus do-not-call and snoozed customers, ranked by priority, cut at the rep's capacity.
 * $1 workspace, $2 run, $3 list date, $4 time zone.
 */
export const CANDIDATES_SQL = `
  WITH ranked AS (
    SELECT c.owner_rep_id AS rep_id, s.customer_id, s.priority, s.reasons, s.value_tier, s.lifecycle, s.rfm_segment,
           s.recency_days, s.frequency,
           row_number() OVER (PARTITION BY c.owner_rep_id ORDER BY s.priority DESC, s.customer_id) AS rn
    FROM customer_scores s
    JOIN customers c ON c.id = s.customer_id
    WHERE s.run_id = $2 AND c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL
      AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM contact_suppressions x
        WHERE x.workspace_id = $1 AND x.customer_id = c.id AND (x.kind = 'do_not_call' OR x.until > $3::date))
  )
  SELECT k.rep_id, k.customer_id, k.rn::int AS rank, k.priority, k.reasons, k.value_tier, k.lifecycle, k.rfm_segment,
         k.recency_days, k.frequency, c.name AS customer_name, c.external_id AS customer_external_id, c.personality,
         lo.amount_minor AS last_order_minor, lo.currency AS last_order_currency,
         fo.first_day, lc.occurred_at AS last_complaint_at, lc.note AS last_complaint_note
  FROM ranked k
  JOIN reps r ON r.id = k.rep_id AND r.active
  JOIN customers c ON c.id = k.customer_id
  LEFT JOIN LATERAL (
    SELECT amount_minor, currency FROM orders o
    WHERE o.customer_id = k.customer_id AND o.status = 'paid' AND o.deleted_at IS NULL
      AND o.placed_at < (($3::date + 1)::timestamp AT TIME ZONE $4)
    ORDER BY o.placed_at DESC LIMIT 1) lo ON true
  LEFT JOIN LATERAL (
    SELECT (min(o.placed_at) AT TIME ZONE $4)::date AS first_day FROM orders o
    WHERE o.customer_id = k.customer_id AND o.status = 'paid' AND o.deleted_at IS NULL) fo ON true
  LEFT JOIN LATERAL (
    SELECT occurred_at, note FROM interactions i
    WHERE i.customer_id = k.customer_id AND i.kind = 'complaint' AND i.occurred_at >= (($3::date - 90)::timestamp AT TIME ZONE $4)
    ORDER BY i.occurred_at DESC LIMIT 1) lc ON true
  WHERE k.rn <= r.daily_capacity
  ORDER BY k.rep_id, k.rn`;

/** $1 workspace, then parallel arrays: insert all items of the new lists at once. */
export const INSERT_ITEMS_SQL = `
  INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, reasons, personality, talk_track, offer_code)
  SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::int[], $5::float8[], $6::jsonb[], $7::text[], $8::text[], $9::text[])`;
