import { ERASED_STAYS_ERASED_SET, unlessErased } from '../sync/erased-customer.sql';
import {
  crmDoNotCallSql,
  crmWins,
  ownedFieldResult,
  ownedFieldSet,
  recordConflicts,
} from '../sync/field-ownership.sql';
import type { ImportKind } from './csv-rows';

/** Temporary staging tables, one per import kind; row_no is the CSV line, kept for reject reports. */
export const STAGING_DDL: Record<ImportKind, string> = {
  customers: `CREATE TEMP TABLE stage (row_no int, external_id text, name text, kind text, email_enc bytea, email_hash bytea,
    phone_enc bytea, phone_hash bytea, region text, country text, industry text, owner_rep text, created_at timestamptz,
    personality text, source_updated_at timestamptz, do_not_call boolean) ON COMMIT DROP`,
  orders: `CREATE TEMP TABLE stage (row_no int, external_id text, customer_external_id text, placed_at timestamptz,
    amount_minor bigint, currency text, status text, original_amount_minor bigint, original_currency text,
    reversal boolean, reverses_external_id text) ON COMMIT DROP`,
  interactions: `CREATE TEMP TABLE stage (row_no int, external_id text, customer_external_id text, occurred_at timestamptz,
    kind text, outcome text, score smallint, note text) ON COMMIT DROP`,
  reps: `CREATE TEMP TABLE stage (row_no int, external_id text, name text, email text, role text, team text,
    manager_external_id text, daily_capacity int, locale text) ON COMMIT DROP`,
};

// A file may hold the same external id twice: the last line wins (DISTINCT ON … ORDER BY row_no DESC), since
// INSERT … ON CONFLICT cannot touch one row twice in a statement. The importer skips this sort when the ids of
// the file were strictly increasing (then they are unique) — the usual case for exports, and 10 M rows less to sort.
const latest = `SELECT DISTINCT ON (external_id) * FROM stage ORDER BY external_id, row_no DESC`;

// Customer references resolve through merges: a loser's id points at the surviving customer. An inner join:
// rows of unknown customers were reported (ORPHANS_SQL) and are skipped.
const resolveCustomer = `JOIN customers c ON c.workspace_id = $1 AND c.source = $2 AND c.external_id = s.customer_external_id`;

/**
 * `WITH <ctes>, merged AS (<insert … RETURNING (xmax = 0) AS inserted>)` counted in the database, instead of
 * shipping one row per record to Node (that alone took a 10 M-order import to 1 GB of memory).
 */
const counted = (ctes: string, insert: string) => `
    WITH ${ctes}, merged AS (${insert})
    SELECT count(*) FILTER (WHERE inserted)::bigint AS inserted, count(*) FILTER (WHERE NOT inserted)::bigint AS updated
    FROM merged`;

/** How the staged rows reach the target: all of them, or the last of each external id. */
export interface MergeShape {
  /** the file's ids were strictly increasing: every staged row is the only one of its id */
  uniqueIds: boolean;
  /** customers: the file has a `source_updated_at` column (CRM versions per row) */
  versioned?: boolean;
}

/** A customers row's CRM version time: its `source_updated_at`, else the import's time (now()). */
const rowAt = `COALESCE(s.source_updated_at, now())`;

/** The staged row is older than the version stored for its customer (webhook/pull or an earlier import). */
const OLDER = `s.source_updated_at < t.source_updated_at`;

/**
 * Rows whose customer is unknown, set aside chunk by chunk and read back in pages at the end (a cursor cannot be
 * declared over a parameterised query); $1 workspace, $2 source.
 */
export const ORPHANS_SQL = {
  create: `CREATE TEMP TABLE orphans (row_no int, customer_external_id text, raw jsonb) ON COMMIT DROP`,
  /** after each chunk is staged */
  collect: `
    INSERT INTO orphans
    SELECT s.row_no, s.customer_external_id, to_jsonb(s) - 'row_no' FROM stage s
    WHERE NOT EXISTS (SELECT 1 FROM customers c
                      WHERE c.workspace_id = $1 AND c.source = $2 AND c.external_id = s.customer_external_id)`,
  open: `DECLARE orphan_rows NO SCROLL CURSOR FOR SELECT * FROM orphans ORDER BY row_no`,
  fetch: `FETCH 5000 FROM orphan_rows`,
  close: `CLOSE orphan_rows`,
};

const source = (shape: MergeShape) => (shape.uniqueIds ? 'SELECT * FROM stage' : latest);

/** Orders/interactions: a plain INSERT when the workspace has none from this source yet (`fresh`), else an upsert. */
const insertOrUpsert = (shape: MergeShape & { fresh: boolean }, insert: string, onConflict: string) =>
  shape.fresh
    ? `WITH s AS (${source(shape)})\n${insert}`
    : counted(`s AS (${source(shape)})`, `${insert}${onConflict}`);

/**
 * The set-based merges of the staging table into the target, one statement each, answering one row
 * { inserted, updated } (the `fresh` INSERTs answer their row count instead). $1 workspace, $2 source.
 */
export const MERGE_SQL = {
  /**
   * $3/$4 = owner of the `owner` / `personality` field ('crm' | 'callplan' | 'newest', field-ownership.ts). A CSV
   * row counts as of its `source_updated_at`, or of the import (now()) without one. In a versioned file a row older
   * than the customer's stored version is skipped whole (counted as `older`); a newer one becomes the stored
   * version. Answers inserted, updated, older and the conflicts (CRM values refused because Callplan owns the
   * field) — all in one statement.
   */
  customers: (shape: MergeShape) => {
    const owner = ownedFieldResult('owner_rep_id', 'owner', '$3', 'EXCLUDED.owner_rep_id');
    const personality = ownedFieldResult(
      'personality',
      'personality',
      '$4',
      unlessErased('COALESCE(EXCLUDED.personality, t.personality)'),
    );
    const rows = shape.versioned
      ? `staged AS (${source(shape)}),
    older AS (
      SELECT s.row_no FROM staged s JOIN customers t ON t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      WHERE ${OLDER}
    ),
    s AS (SELECT * FROM staged WHERE row_no NOT IN (SELECT row_no FROM older))`
      : `s AS (${source(shape)})`;
    const version = shape.versioned
      ? `
        source_updated_at = COALESCE(EXCLUDED.source_updated_at, t.source_updated_at),
        source_digest = CASE WHEN EXCLUDED.source_updated_at IS NULL THEN t.source_digest END,`
      : '';
    const versionChanged = shape.versioned
      ? ` OR COALESCE(EXCLUDED.source_updated_at, t.source_updated_at) IS DISTINCT FROM t.source_updated_at`
      : '';
    return `
    WITH ${rows},
    conflicts AS (${recordConflicts(
      `
      SELECT t.id AS customer_id, 'owner' AS field, s.owner_rep AS crm_value, ${rowAt} AS crm_at,
        kr.external_id AS kept_value, t.owner_set_by AS kept_source, t.owner_set_at AS kept_at
      FROM s JOIN customers t ON t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      LEFT JOIN reps r ON r.workspace_id = $1 AND r.external_id = s.owner_rep
      LEFT JOIN reps kr ON kr.id = t.owner_rep_id
      WHERE NOT ${crmWins('owner', '$3', rowAt)} AND r.id IS DISTINCT FROM t.owner_rep_id
      UNION ALL
      SELECT t.id, 'personality', s.personality, ${rowAt}, t.personality, t.personality_set_by, t.personality_set_at
      FROM s JOIN customers t ON t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      WHERE NOT ${crmWins('personality', '$4', rowAt)} AND t.erased_at IS NULL
        AND s.personality IS NOT NULL AND s.personality IS DISTINCT FROM t.personality`,
      `'csv'`,
    )}),
    merged AS (
      INSERT INTO customers AS t (workspace_id, source, external_id, name, kind, email_enc, email_hash, phone_enc, phone_hash,
        region, country, industry, owner_rep_id, personality, source_created_at,
        owner_set_by, owner_set_at, personality_set_by, personality_set_at, source_updated_at)
      SELECT $1, $2, s.external_id, s.name, s.kind, s.email_enc, s.email_hash, s.phone_enc, s.phone_hash,
        s.region, s.country, s.industry, r.id, s.personality, s.created_at,
        CASE WHEN r.id IS NOT NULL THEN 'csv' END, CASE WHEN r.id IS NOT NULL THEN ${rowAt} END,
        CASE WHEN s.personality IS NOT NULL THEN 'csv' END, CASE WHEN s.personality IS NOT NULL THEN ${rowAt} END,
        s.source_updated_at
      FROM s LEFT JOIN reps r ON r.workspace_id = $1 AND r.external_id = s.owner_rep
      ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET${ERASED_STAYS_ERASED_SET},
        kind = EXCLUDED.kind, region = EXCLUDED.region, country = EXCLUDED.country, industry = EXCLUDED.industry,
        ${ownedFieldSet('owner_rep_id', 'owner', '$3', 'EXCLUDED.owner_rep_id')},
        ${ownedFieldSet('personality', 'personality', '$4', unlessErased('COALESCE(EXCLUDED.personality, t.personality)'))},
        source_created_at = EXCLUDED.source_created_at,${version} updated_at = now()
      WHERE (t.name, t.kind, t.email_hash, t.phone_hash, t.region, t.country, t.industry, t.owner_rep_id, t.personality,
             t.source_created_at)
            IS DISTINCT FROM
            (${unlessErased('EXCLUDED.name')}, EXCLUDED.kind,
             ${unlessErased('EXCLUDED.email_hash')}, ${unlessErased('EXCLUDED.phone_hash')},
             EXCLUDED.region, EXCLUDED.country, EXCLUDED.industry, ${owner}, ${personality}, EXCLUDED.source_created_at)${versionChanged}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::bigint AS inserted, count(*) FILTER (WHERE NOT inserted)::bigint AS updated,
      (SELECT count(*) FROM conflicts)::bigint AS conflicts,
      ${shape.versioned ? '(SELECT count(*) FROM older)' : '0'}::bigint AS older
    FROM merged`;
  },

  /**
   * customers, after the merge: the staged `do_not_call` flags of the rows applied (not skipped as older), on the
   * surviving customer, through the same rule as the CRM's events (crmDoNotCallSql); $1 workspace, $2 source.
   */
  customersDoNotCall: (shape: MergeShape) =>
    crmDoNotCallSql(
      `
      SELECT COALESCE(t.merged_into_id, t.id) AS customer_id, s.do_not_call, ${rowAt} AS at
      FROM (${source(shape)}) s
      JOIN customers t ON t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      WHERE s.do_not_call IS NOT NULL AND NOT COALESCE(${OLDER}, false)`,
      `'csv'`,
    ),

  orders: (shape: MergeShape & { fresh: boolean }) =>
    insertOrUpsert(
      shape,
      `
    INSERT INTO orders AS t (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status,
      original_amount_minor, original_currency, reversal, reverses_external_id)
    SELECT $1, $2, s.external_id, COALESCE(c.merged_into_id, c.id), s.placed_at, s.amount_minor, s.currency, s.status,
      s.original_amount_minor, s.original_currency, s.reversal, s.reverses_external_id
    FROM s ${resolveCustomer}`,
      `
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      customer_id = EXCLUDED.customer_id, placed_at = EXCLUDED.placed_at, amount_minor = EXCLUDED.amount_minor,
      currency = EXCLUDED.currency, status = EXCLUDED.status, original_amount_minor = EXCLUDED.original_amount_minor,
      original_currency = EXCLUDED.original_currency, reversal = EXCLUDED.reversal,
      reverses_external_id = EXCLUDED.reverses_external_id, updated_at = now()
    WHERE (t.customer_id, t.placed_at, t.amount_minor, t.currency, t.status, t.original_amount_minor, t.original_currency,
           t.reversal, t.reverses_external_id)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.placed_at, EXCLUDED.amount_minor, EXCLUDED.currency, EXCLUDED.status,
                            EXCLUDED.original_amount_minor, EXCLUDED.original_currency, EXCLUDED.reversal,
                            EXCLUDED.reverses_external_id)
    RETURNING (xmax = 0) AS inserted`,
    ),

  interactions: (shape: MergeShape & { fresh: boolean }) =>
    insertOrUpsert(
      shape,
      `
    INSERT INTO interactions AS t (workspace_id, source, external_id, customer_id, occurred_at, kind, outcome, score, note)
    SELECT $1, $2, s.external_id, COALESCE(c.merged_into_id, c.id), s.occurred_at, s.kind, s.outcome, s.score,
      -- an erased customer's interactions keep no free text
      CASE WHEN c.erased_at IS NULL THEN s.note END
    FROM s ${resolveCustomer}`,
      `
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      customer_id = EXCLUDED.customer_id, occurred_at = EXCLUDED.occurred_at, kind = EXCLUDED.kind,
      outcome = EXCLUDED.outcome, score = EXCLUDED.score, note = EXCLUDED.note
    WHERE (t.customer_id, t.occurred_at, t.kind, t.outcome, t.score, t.note)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.occurred_at, EXCLUDED.kind, EXCLUDED.outcome, EXCLUDED.score, EXCLUDED.note)
    RETURNING (xmax = 0) AS inserted`,
    ),

  reps: (shape: MergeShape) =>
    counted(
      `teams_in AS (
      INSERT INTO teams (workspace_id, external_id, name)
      SELECT DISTINCT $1::uuid, team, team FROM stage WHERE team IS NOT NULL
      ON CONFLICT (workspace_id, external_id) DO UPDATE SET name = teams.name
      RETURNING id, external_id
    ), s AS (${source(shape)})`,
      `
    INSERT INTO reps AS t (workspace_id, external_id, name, email, role, team_id, daily_capacity, locale)
    SELECT $1, s.external_id, s.name, s.email, s.role, ti.id, s.daily_capacity, s.locale
    FROM s LEFT JOIN teams_in ti ON ti.external_id = s.team
    ON CONFLICT (workspace_id, external_id) DO UPDATE SET
      name = EXCLUDED.name, email = EXCLUDED.email, role = EXCLUDED.role, team_id = EXCLUDED.team_id,
      daily_capacity = EXCLUDED.daily_capacity, locale = EXCLUDED.locale, updated_at = now()
    WHERE (t.name, t.email, t.role, t.team_id, t.daily_capacity, t.locale)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.role, EXCLUDED.team_id, EXCLUDED.daily_capacity, EXCLUDED.locale)
    RETURNING (xmax = 0) AS inserted`,
    ),

  /** whether the workspace already has records of this kind from this source (else a load can skip ON CONFLICT) */
  hasAny: {
    orders: `SELECT EXISTS (SELECT 1 FROM orders WHERE workspace_id = $1 AND source = $2) AS any`,
    interactions: `SELECT EXISTS (SELECT 1 FROM interactions WHERE workspace_id = $1 AND source = $2) AS any`,
  },

  /** the workspace's rows of the kind, every source, counted up to $2 (import-path.ts: existingRowsCap) */
  existingRows: {
    orders: `SELECT count(*)::int AS n FROM (SELECT 1 FROM orders WHERE workspace_id = $1 LIMIT $2) x`,
    interactions: `SELECT count(*)::int AS n FROM (SELECT 1 FROM interactions WHERE workspace_id = $1 LIMIT $2) x`,
  },

  /** an owner named by email or display name → the one rep it names (external ids win: they are not touched) */
  resolveOwners: `
    WITH named AS (
      SELECT o.owner_rep, min(r.external_id) AS external_id, count(*) AS n
      FROM (SELECT DISTINCT owner_rep FROM stage WHERE owner_rep IS NOT NULL) o
      JOIN reps r ON r.workspace_id = $1 AND (lower(r.email) = lower(o.owner_rep) OR lower(r.name) = lower(o.owner_rep))
      WHERE NOT EXISTS (SELECT 1 FROM reps x WHERE x.workspace_id = $1 AND x.external_id = o.owner_rep)
      GROUP BY o.owner_rep
    )
    UPDATE stage s SET owner_rep = named.external_id FROM named WHERE s.owner_rep = named.owner_rep AND named.n = 1`,

  /** rows whose owner names several reps: reported with the candidates and imported without an owner */
  ambiguousOwners: `
    WITH named AS (
      SELECT o.owner_rep, array_agg(r.external_id || ' ' || r.name ORDER BY r.external_id) AS candidates
      FROM (SELECT DISTINCT owner_rep FROM stage WHERE owner_rep IS NOT NULL) o
      JOIN reps r ON r.workspace_id = $1 AND (lower(r.email) = lower(o.owner_rep) OR lower(r.name) = lower(o.owner_rep))
      WHERE NOT EXISTS (SELECT 1 FROM reps x WHERE x.workspace_id = $1 AND x.external_id = o.owner_rep)
      GROUP BY o.owner_rep HAVING count(*) > 1
    ), cleared AS (
      UPDATE stage s SET owner_rep = NULL FROM named WHERE s.owner_rep = named.owner_rep
      RETURNING s.row_no, named.owner_rep, named.candidates
    )
    SELECT row_no, owner_rep, candidates FROM cleared ORDER BY row_no`,

  unknownOwners: `
    SELECT s.row_no, s.owner_rep FROM stage s
    WHERE s.owner_rep IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.workspace_id = $1 AND r.external_id = s.owner_rep)
    ORDER BY s.row_no`,

  placeholderCustomers: `
    INSERT INTO customers (workspace_id, source, external_id)
    SELECT DISTINCT $1::uuid, $2::text, s.customer_external_id FROM stage s
    ON CONFLICT (workspace_id, source, external_id) DO NOTHING`,

  repManagers: `
    UPDATE reps r SET manager_id = m.id
    FROM stage s JOIN reps m ON m.workspace_id = $1 AND m.external_id = s.manager_external_id
    WHERE r.workspace_id = $1 AND r.external_id = s.external_id AND r.manager_id IS DISTINCT FROM m.id`,
};
