/**
 * The latest follow-up of each (customer, rep) pair, as a CTE named `owner_touches`: calls, emails and visits the
 * rep logged, outcomes recorded on the rep's call list, and snoozes the rep set. Interactions the CRM sent without
 * a rep are not evidence that the owner followed up, so they do not count. `ws` and `now` are placeholders
 * ($n) of the workspace id and the moment of evaluation.
 */
export function ownerTouchesCte(ws: string, now: string): string {
  return `owner_touches AS (
    SELECT customer_id, rep_id, max(at) AS at FROM (
      SELECT i.customer_id, i.rep_id, i.occurred_at AS at FROM interactions i
      WHERE i.workspace_id = ${ws} AND i.rep_id IS NOT NULL AND i.kind IN ('call', 'email', 'visit')
        AND i.occurred_at <= ${now}::timestamptz
      UNION ALL
      SELECT o.customer_id, o.rep_id, o.occurred_at FROM worklist_outcomes o
      WHERE o.workspace_id = ${ws} AND o.rep_id IS NOT NULL AND o.occurred_at <= ${now}::timestamptz
      UNION ALL
      SELECT x.customer_id, x.created_by, x.created_at FROM contact_suppressions x
      WHERE x.workspace_id = ${ws} AND x.created_by IS NOT NULL AND x.created_at <= ${now}::timestamptz
    ) t GROUP BY customer_id, rep_id
  )`;
}
