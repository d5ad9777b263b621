/**
 * The field-ownership rule of field-ownership.ts (`crmValueWins`) as SQL, written once for every customer upsert
 * (the CSV import's set-based merge and record sync's per-batch upsert). Both are `INSERT INTO customers AS t …
 * ON CONFLICT … DO UPDATE`: `t` is the stored row. Provenance columns: `<field>_set_by` ('callplan' | 'crm' |
 * 'csv') and `<field>_set_at`. Callplan's own writers (assignments, outcomes) do not know about them: the trigger
 * `customers_field_provenance` stamps their changes 'callplan' and writes `customer_field_history` for every
 * change; sync writers name themselves in the transaction setting `callplan.field_writer` (FIELD_WRITER_SQL) and
 * stamp their values here.
 */

/** Sets (is_local) the writer the history trigger names for the rest of the transaction; $1 = 'crm' | 'csv' | ''. */
export const FIELD_WRITER_SQL = `SELECT set_config('callplan.field_writer', $1, true)`;

/**
 * Whether the CRM's value replaces the stored one. `mode` is the SQL text of the field's owner ('crm' | 'callplan'
 * | 'newest', a parameter), `at` the CRM version's time, `prefix` the provenance columns' prefix (`owner`).
 */
export function crmWins(prefix: string, mode: string, at: string): string {
  return `(${mode} = 'crm' OR t.${prefix}_set_by IS DISTINCT FROM 'callplan'
           OR (${mode} = 'newest' AND (t.${prefix}_set_at IS NULL OR ${at} > t.${prefix}_set_at)))`;
}

/**
 * The DO UPDATE assignments of a shared field and its provenance: the CRM value when it wins, else the stored
 * one; provenance moves only when the value changes. `incoming` is the EXCLUDED expression of the value.
 */
export function ownedFieldSet(column: string, prefix: string, mode: string, incoming: string): string {
  const wins = crmWins(prefix, mode, `EXCLUDED.${prefix}_set_at`);
  const changes = `${wins} AND ${incoming} IS DISTINCT FROM t.${column}`;
  return `
        ${column} = CASE WHEN ${wins} THEN ${incoming} ELSE t.${column} END,
        ${prefix}_set_by = CASE WHEN ${changes} THEN EXCLUDED.${prefix}_set_by ELSE t.${prefix}_set_by END,
        ${prefix}_set_at = CASE WHEN ${changes} THEN EXCLUDED.${prefix}_set_at ELSE t.${prefix}_set_at END`;
}

/** The value a shared field ends with after the DO UPDATE (for the no-op check of the WHERE clause). */
export function ownedFieldResult(column: string, prefix: string, mode: string, incoming: string): string {
  return `CASE WHEN ${crmWins(prefix, mode, `EXCLUDED.${prefix}_set_at`)} THEN ${incoming} ELSE t.${column} END`;
}

/**
 * A CTE body recording the CRM values refused because Callplan owns the field, one row per customer and field
 * (the latest refusal; `occurrences` counts them). Reads `customers` as it was before the statement (data-modifying
 * CTEs share one snapshot), so the refusals are exactly those the upsert makes. `rows` is a SELECT of
 * (customer_id, field, crm_value, crm_at, kept_value, kept_source, kept_at); $1 = workspace.
 */
export function recordConflicts(rows: string, crmSource: string): string {
  return `
    INSERT INTO customer_field_conflicts AS k (workspace_id, customer_id, field, crm_value, crm_source, crm_at,
      kept_value, kept_source, kept_at)
    SELECT $1, x.customer_id, x.field, x.crm_value, ${crmSource}, x.crm_at, x.kept_value, x.kept_source, x.kept_at
    FROM (${rows}) x
    ON CONFLICT (workspace_id, customer_id, field) DO UPDATE SET
      crm_value = EXCLUDED.crm_value, crm_source = EXCLUDED.crm_source, crm_at = EXCLUDED.crm_at,
      kept_value = EXCLUDED.kept_value, kept_source = EXCLUDED.kept_source, kept_at = EXCLUDED.kept_at,
      last_seen_at = now(), occurrences = k.occurrences + 1
    RETURNING 1`;
}

/**
 * The CRM's do-not-call flags, written once for every sync path (webhook/pull batches and the CSV import): true adds
 * a do-not-call suppression (set_by 'crm') unless the customer has one; false lifts only the CRM's own — a rep's
 * do-not-call is never lifted, and the CRM's "callable" is then recorded as a conflict. `rows` is a SELECT of
 * (customer_id, do_not_call, at) — surviving customers of this workspace, the newest flag of each wins; $1 =
 * workspace. Answers the conflicts recorded and the suppressions added and lifted.
 */
export function crmDoNotCallSql(rows: string, crmSource: string): string {
  return `
    WITH s AS (
      SELECT DISTINCT ON (customer_id) * FROM (${rows}) s
      ORDER BY customer_id, at DESC
    ),
    added AS (
      INSERT INTO contact_suppressions (workspace_id, customer_id, kind, reason, set_by)
      SELECT $1, s.customer_id, 'do_not_call', 'do not call (CRM)', 'crm' FROM s
      WHERE s.do_not_call
        AND NOT EXISTS (SELECT 1 FROM contact_suppressions x
                        WHERE x.workspace_id = $1 AND x.customer_id = s.customer_id AND x.kind = 'do_not_call')
      RETURNING 1
    ),
    lifted AS (
      DELETE FROM contact_suppressions x USING s
      WHERE x.workspace_id = $1 AND x.customer_id = s.customer_id AND NOT s.do_not_call
        AND x.kind = 'do_not_call' AND x.set_by <> 'callplan'
      RETURNING 1
    ),
    conflicts AS (${recordConflicts(
      `
      SELECT s.customer_id, 'doNotCall' AS field, 'false' AS crm_value, s.at AS crm_at, 'true' AS kept_value,
        'callplan' AS kept_source, min(x.created_at) AS kept_at
      FROM s JOIN contact_suppressions x ON x.workspace_id = $1 AND x.customer_id = s.customer_id
      WHERE NOT s.do_not_call AND x.kind = 'do_not_call' AND x.set_by = 'callplan'
      GROUP BY s.customer_id, s.at`,
      crmSource,
    )})
    SELECT (SELECT count(*) FROM conflicts)::int AS conflicts, (SELECT count(*) FROM added)::int AS added,
      (SELECT count(*) FROM lifted)::int AS lifted`;
}
