/**
 * Duplicate detection, set-based. Every customer row (including losers of earlier merges, which keep their contact
 * hashes) stands for the live customer it belongs to (its "root"); roots sharing a normalised email or phone hash
 * and the same kind form the pairs that share a key. Whether a pair is merged automatically (its names
 * corroborate the key and its emails do not contradict it) or proposed for review is decided by dedupe-plan.ts.
 * $1 is the workspace.
 */

/**
 * Contact keys shared by more than this many customers are not identities but shared or placeholder contacts
 * (a company switchboard, `info@…`, "noreply@…"): they are reported and never used to merge or propose.
 */
export const MAX_SHARED_KEY_GROUP = 5;

export const DEDUPE_SQL = {
  keys: `
    CREATE TEMP TABLE dd_keys ON COMMIT DROP AS
    SELECT r.id AS root, r.kind, k.key_kind, k.hash
    FROM customers c
    JOIN customers r ON r.id = COALESCE(c.merged_into_id, c.id)
    CROSS JOIN LATERAL (VALUES ('email', c.email_hash), ('phone', c.phone_hash)) AS k(key_kind, hash)
    WHERE c.workspace_id = $1 AND c.deleted_at IS NULL AND c.erased_at IS NULL
      AND r.workspace_id = $1 AND r.merged_into_id IS NULL AND r.deleted_at IS NULL AND r.erased_at IS NULL
      AND k.hash IS NOT NULL`,

  indexKeys: `CREATE INDEX ON dd_keys (root); ANALYZE dd_keys`,

  /** groups of roots per shared key */
  groups: `
    CREATE TEMP TABLE dd_groups ON COMMIT DROP AS
    SELECT key_kind, hash, kind, array_agg(DISTINCT root ORDER BY root) AS roots
    FROM dd_keys GROUP BY key_kind, hash, kind HAVING count(DISTINCT root) > 1`,

  /** $1 = MAX_SHARED_KEY_GROUP */
  oversized: `SELECT count(*)::int AS n FROM dd_groups WHERE cardinality(roots) > $1`,

  /**
   * Every pair of roots (a < b) sharing a key of a group no larger than $2 (MAX_SHARED_KEY_GROUP): which keys,
   * when each was born (the winner rule), the names of each (its own and those of records merged into it), and
   * whether a person already said they are different (an undone merge, a rejected candidate).
   */
  pairs: `
    WITH p AS (
      SELECT x.root AS a, y.root AS b,
             bool_or(g.key_kind = 'email') AS same_email, bool_or(g.key_kind = 'phone') AS same_phone
      FROM dd_groups g
      CROSS JOIN LATERAL unnest(g.roots) AS x(root)
      CROSS JOIN LATERAL unnest(g.roots) AS y(root)
      WHERE cardinality(g.roots) <= $2 AND x.root < y.root
      GROUP BY x.root, y.root
    )
    SELECT p.a::text AS a, p.b::text AS b, p.same_email, p.same_phone,
      (extract(epoch FROM COALESCE(ca.source_created_at, ca.created_at)) * 1000)::float8 AS born_a,
      (extract(epoch FROM COALESCE(cb.source_created_at, cb.created_at)) * 1000)::float8 AS born_b,
      ARRAY(SELECT n.name FROM customers n WHERE n.workspace_id = $1 AND (n.id = p.a OR n.merged_into_id = p.a)
              AND n.name IS NOT NULL) AS names_a,
      ARRAY(SELECT n.name FROM customers n WHERE n.workspace_id = $1 AND (n.id = p.b OR n.merged_into_id = p.b)
              AND n.name IS NOT NULL) AS names_b,
      -- both have emails and share none (were one shared, same_email would hold): evidence of two people
      (NOT p.same_email
        AND EXISTS (SELECT 1 FROM dd_keys k WHERE k.root = p.a AND k.key_kind = 'email')
        AND EXISTS (SELECT 1 FROM dd_keys k WHERE k.root = p.b AND k.key_kind = 'email')) AS emails_differ,
      EXISTS (SELECT 1 FROM customer_merges x
              WHERE x.workspace_id = $1 AND x.undone_at IS NOT NULL
                AND ((x.winner_id = p.a AND x.loser_id = p.b) OR (x.winner_id = p.b AND x.loser_id = p.a)))
      OR EXISTS (SELECT 1 FROM merge_candidates m
              WHERE m.workspace_id = $1 AND m.status = 'rejected'
                AND m.customer_a_id = p.a AND m.customer_b_id = p.b) AS blocked
    FROM p
    JOIN customers ca ON ca.id = p.a AND ca.workspace_id = $1
    JOIN customers cb ON cb.id = p.b AND cb.workspace_id = $1
    ORDER BY p.a, p.b`,

  /** Which of the planned merges ($2 winners, $3 losers, in step) a person undid or rejected before. */
  blockedAmong: `
    SELECT w::text AS winner_id, l::text AS loser_id
    FROM unnest($2::bigint[], $3::bigint[]) AS t(w, l)
    WHERE EXISTS (SELECT 1 FROM customer_merges x
                  WHERE x.workspace_id = $1 AND x.undone_at IS NOT NULL
                    AND ((x.winner_id = t.w AND x.loser_id = t.l) OR (x.winner_id = t.l AND x.loser_id = t.w)))
       OR EXISTS (SELECT 1 FROM merge_candidates m
                  WHERE m.workspace_id = $1 AND m.status = 'rejected'
                    AND m.customer_a_id = LEAST(t.w, t.l) AND m.customer_b_id = GREATEST(t.w, t.l))`,
};
