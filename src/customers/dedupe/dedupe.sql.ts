/**
 * Duplicate detection, set-based. Every customer row (including losers of earlier merges, which keep their contact
 * hashes) stands for the live customer it belongs to (its "root"); roots sharing a normalised email or phone hash
 * and the same kind are linked; linked roots form groups (connected components, by label propagation); the oldest
 * root of a group wins and every other root of the group is a merge candidate. $1 is the workspace.
 */

/**
 * Contact keys shared by more than this many customers are not identities but shared or placeholder contacts
 * (a company switchboard, "noreply@…"): they are reported and never used to merge.
 */
export const MAX_SHARED_KEY_GROUP = 20;

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

  /** star edges: each member of a group to the group's smallest root; $1 = MAX_SHARED_KEY_GROUP */
  edges: `
    CREATE TEMP TABLE dd_edges ON COMMIT DROP AS
    SELECT g.roots[1] AS a, m.root AS b
    FROM dd_groups g CROSS JOIN LATERAL unnest(g.roots[2:]) AS m(root)
    WHERE cardinality(g.roots) <= $1`,

  labels: `
    CREATE TEMP TABLE dd_labels ON COMMIT DROP AS
    SELECT node, min(label) AS label FROM (
      SELECT a AS node, a AS label FROM dd_edges UNION ALL SELECT b, a FROM dd_edges
    ) x GROUP BY node`,

  indexLabels: `
    ALTER TABLE dd_labels ADD PRIMARY KEY (node);
    CREATE INDEX ON dd_edges (a);
    CREATE INDEX ON dd_edges (b);
    ANALYZE dd_edges;
    ANALYZE dd_labels`,

  /** one round of label propagation; repeated until it changes nothing */
  propagate: `
    UPDATE dd_labels t SET label = m.label
    FROM (
      SELECT node, min(label) AS label FROM (
        SELECT e.b AS node, l.label FROM dd_edges e JOIN dd_labels l ON l.node = e.a
        UNION ALL
        SELECT e.a, l.label FROM dd_edges e JOIN dd_labels l ON l.node = e.b
      ) n GROUP BY node
    ) m
    WHERE m.node = t.node AND m.label < t.label`,

  /**
   * Winner per group: the oldest record (source created date, else when we first saw it; then the smaller id).
   * Pairs already merged and undone by a person are never proposed again.
   */
  candidates: `
    WITH members AS (
      SELECT l.label, c.id, COALESCE(c.source_created_at, c.created_at) AS born
      FROM dd_labels l JOIN customers c ON c.id = l.node
    ), winners AS (
      SELECT DISTINCT ON (label) label, id AS winner_id FROM members ORDER BY label, born, id
    ), pairs AS (
      SELECT w.winner_id, m.id AS loser_id FROM members m JOIN winners w USING (label) WHERE m.id <> w.winner_id
    )
    SELECT p.winner_id::text AS winner_id, p.loser_id::text AS loser_id,
      EXISTS (SELECT 1 FROM dd_keys a JOIN dd_keys b USING (key_kind, hash)
              WHERE a.root = p.winner_id AND b.root = p.loser_id AND a.key_kind = 'email') AS same_email,
      EXISTS (SELECT 1 FROM dd_keys a JOIN dd_keys b USING (key_kind, hash)
              WHERE a.root = p.winner_id AND b.root = p.loser_id AND a.key_kind = 'phone') AS same_phone,
      EXISTS (SELECT 1 FROM customer_merges x
              WHERE x.workspace_id = $1 AND x.undone_at IS NOT NULL
                AND ((x.winner_id = p.winner_id AND x.loser_id = p.loser_id)
                  OR (x.winner_id = p.loser_id AND x.loser_id = p.winner_id))) AS blocked
    FROM pairs p ORDER BY p.winner_id, p.loser_id`,
};
