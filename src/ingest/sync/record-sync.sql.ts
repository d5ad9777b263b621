/**
 * Set-based SQL of record sync: one statement per kind of change and page, rows passed as a jsonb array
 * (jsonb_to_recordset) and written in external-id order (a stable lock order between concurrent batches).
 * $1 = workspace id, $2 = source. The WHERE clauses repeat the rules of sync-rules.ts, so that a version that lost
 * the race in memory to a concurrent batch still loses in the database.
 */

import { ERASED_STAYS_ERASED_SET } from './erased-customer.sql';
import { crmDoNotCallSql, crmWins, ownedFieldSet, recordConflicts } from './field-ownership.sql';

const PARKED_COLUMNS = `p.external_id, NULLIF(p.customer_external_id, '') AS customer_external_id, p.data, p.data_at,
      encode(p.data_digest, 'hex') AS digest, p.deleted_at, p.lifecycle_at`;

/** t's stored version is older than EXCLUDED's: (updated_at, digest) compared as a pair; unversioned rows always lose. */
const NEWER = `t.source_updated_at IS NULL
  OR (EXCLUDED.source_updated_at, EXCLUDED.source_digest) > (t.source_updated_at, COALESCE(t.source_digest, '\\x'::bytea))`;

export const SYNC_SQL = {
  /**
   * $4 = owner of the `owner` field ('crm' | 'callplan' | 'newest', field-ownership.ts): a newer CRM version
   * replaces everything else, and the owner only when the CRM wins it; a refused owner is recorded as a conflict
   * in the same statement. Answers the records written and whether each refused its owner.
   */
  upsertCustomers: `
    WITH s AS (
      SELECT * FROM jsonb_to_recordset($3::jsonb) AS s(external_id text, kind text, name text, email_enc text,
        email_hash text, phone_enc text, phone_hash text, region text, country text, industry text, size text,
        source_channel text, owner_rep text, created_at timestamptz, updated_at timestamptz, digest text)
    ),
    conflicts AS (${recordConflicts(
      `
      SELECT t.id AS customer_id, 'owner' AS field, s.owner_rep AS crm_value, s.updated_at AS crm_at,
        kr.external_id AS kept_value, t.owner_set_by AS kept_source, t.owner_set_at AS kept_at
      FROM s JOIN customers t ON t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      LEFT JOIN reps r ON r.workspace_id = $1 AND r.external_id = s.owner_rep
      LEFT JOIN reps kr ON kr.id = t.owner_rep_id
      WHERE (t.source_updated_at IS NULL
             OR (s.updated_at, decode(s.digest, 'hex')) > (t.source_updated_at, COALESCE(t.source_digest, '\\x'::bytea)))
        AND NOT ${crmWins('owner', '$4', 's.updated_at')} AND r.id IS DISTINCT FROM t.owner_rep_id`,
      `'crm'`,
    )}),
    up AS (
    INSERT INTO customers AS t (workspace_id, source, external_id, kind, name, email_enc, email_hash, phone_enc,
      phone_hash, region, country, industry, size, source_channel, owner_rep_id, source_created_at, source_updated_at,
      source_digest, owner_set_by, owner_set_at)
    SELECT $1, $2, s.external_id, s.kind, s.name, decode(s.email_enc, 'hex'), decode(s.email_hash, 'hex'),
      decode(s.phone_enc, 'hex'), decode(s.phone_hash, 'hex'), s.region, s.country, s.industry, s.size,
      s.source_channel, r.id, s.created_at, s.updated_at, decode(s.digest, 'hex'),
      CASE WHEN r.id IS NOT NULL THEN 'crm' END, CASE WHEN r.id IS NOT NULL THEN s.updated_at END
    FROM s LEFT JOIN reps r ON r.workspace_id = $1 AND r.external_id = s.owner_rep
    ORDER BY s.external_id
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      kind = EXCLUDED.kind,${ERASED_STAYS_ERASED_SET},
      region = EXCLUDED.region, country = EXCLUDED.country, industry = EXCLUDED.industry, size = EXCLUDED.size,
      source_channel = EXCLUDED.source_channel,${ownedFieldSet('owner_rep_id', 'owner', '$4', 'EXCLUDED.owner_rep_id')},
      source_created_at = EXCLUDED.source_created_at, source_updated_at = EXCLUDED.source_updated_at,
      source_digest = EXCLUDED.source_digest, updated_at = now()
    WHERE ${NEWER}
    RETURNING t.id::text AS id, COALESCE(t.merged_into_id, t.id)::text AS owner_id, t.external_id,
      (t.erased_at IS NOT NULL
       OR EXISTS (SELECT 1 FROM customers w WHERE w.id = t.merged_into_id AND w.erased_at IS NOT NULL)) AS erased
    )
    SELECT up.*, (SELECT count(*) FROM conflicts)::int AS conflicts FROM up`,

  /**
   * The CRM's do-not-call flags of the customer versions just written: true adds a do-not-call suppression
   * (set_by 'crm') unless the customer has one; false lifts only the CRM's own — a rep's do-not-call is never
   * lifted, and the CRM's "callable" is then recorded as a conflict. $2 = [{customer_id, do_not_call, at}] (the
   * surviving customers); answers the conflicts recorded.
   */
  crmDoNotCall: crmDoNotCallSql(
    `SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(customer_id bigint, do_not_call boolean, at timestamptz)`,
    `'crm'`,
  ),

  /**
   * Contacts listed by the customer records just written that their new version no longer lists (contacts are keyed
   * by the record that lists them, and follow merges through customer_id). $1 = record ids, $2 = keep list.
   */
  // @crossTenant contacts reached through the customer records just written in the batch's workspace
  deleteDroppedContacts: `
    DELETE FROM contacts c
    WHERE c.origin_customer_id = ANY ($1::bigint[])
      AND NOT EXISTS (
        SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(origin_customer_id bigint, external_id text)
        WHERE k.origin_customer_id = c.origin_customer_id AND k.external_id = c.external_id)`,

  upsertContacts: `
    INSERT INTO contacts AS t (workspace_id, customer_id, origin_customer_id, external_id, name, title, email_enc,
      email_hash, phone_enc, phone_hash, is_primary)
    SELECT $1, s.customer_id, s.origin_customer_id, s.external_id, s.name, s.title, decode(s.email_enc, 'hex'),
      decode(s.email_hash, 'hex'), decode(s.phone_enc, 'hex'), decode(s.phone_hash, 'hex'), s.is_primary
    FROM jsonb_to_recordset($2::jsonb) AS s(customer_id bigint, origin_customer_id bigint, external_id text,
      name text, title text, email_enc text, email_hash text, phone_enc text, phone_hash text, is_primary boolean)
    ORDER BY s.origin_customer_id, s.external_id
    ON CONFLICT (origin_customer_id, external_id) DO UPDATE SET
      customer_id = EXCLUDED.customer_id, name = EXCLUDED.name, title = EXCLUDED.title,
      email_enc = CASE WHEN t.email_hash IS NOT DISTINCT FROM EXCLUDED.email_hash THEN t.email_enc ELSE EXCLUDED.email_enc END,
      email_hash = EXCLUDED.email_hash,
      phone_enc = CASE WHEN t.phone_hash IS NOT DISTINCT FROM EXCLUDED.phone_hash THEN t.phone_enc ELSE EXCLUDED.phone_enc END,
      phone_hash = EXCLUDED.phone_hash, is_primary = EXCLUDED.is_primary, updated_at = now()
    WHERE (t.customer_id, t.name, t.title, t.email_hash, t.phone_hash, t.is_primary)
          IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.name, EXCLUDED.title, EXCLUDED.email_hash, EXCLUDED.phone_hash,
                            EXCLUDED.is_primary)`,

  /**
   * Delete/restore of customers; a customer never seen gets a tombstone row (external id only) so that its later
   * upsert stays deleted. At the same instant a delete beats a restore. Erased customers are left alone.
   */
  customerLifecycle: `
    WITH s AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS s(external_id text, at timestamptz, deleted boolean))
    INSERT INTO customers AS t (workspace_id, source, external_id, deleted_at, lifecycle_at)
    SELECT $1, $2, s.external_id, CASE WHEN s.deleted THEN s.at END, s.at FROM s ORDER BY s.external_id
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      deleted_at = EXCLUDED.deleted_at, lifecycle_at = EXCLUDED.lifecycle_at, updated_at = now()
    WHERE t.erased_at IS NULL
      AND (t.lifecycle_at IS NULL OR EXCLUDED.lifecycle_at > t.lifecycle_at
           OR (EXCLUDED.lifecycle_at = t.lifecycle_at AND EXCLUDED.deleted_at IS NOT NULL AND t.deleted_at IS NULL))
    RETURNING t.id`,

  /** Customers referenced by a merge that were never seen: placeholders that a later upsert fills. $3 = external ids */
  ensureCustomers: `
    INSERT INTO customers (workspace_id, source, external_id)
    SELECT $1, $2, x FROM unnest($3::text[]) AS x ORDER BY x
    ON CONFLICT (workspace_id, source, external_id) DO NOTHING`,

  /** external id → surviving customer id (merges followed). $3 = external ids */
  resolveCustomers: `
    SELECT external_id, id::text AS id, COALESCE(merged_into_id, id)::text AS resolved_id
    FROM customers WHERE workspace_id = $1 AND source = $2 AND external_id = ANY ($3::text[])`,

  /**
   * Takes out everything parked for the records of this batch, and for records with a version naming a customer
   * this batch created or touched (all of such a record's entries: it is planned again as a whole). What cannot be
   * applied yet is parked again in the same transaction. $3 = entity, $4 = external ids, $5 = customer external ids
   */
  takeParked: `
    DELETE FROM crm_parked p
    WHERE p.workspace_id = $1 AND p.source = $2 AND p.entity = $3
      AND (p.external_id = ANY ($4::text[])
           OR p.external_id IN (
             SELECT r.external_id FROM crm_parked r
             WHERE r.workspace_id = $1 AND r.source = $2 AND r.entity = $3
               AND r.customer_external_id = ANY ($5::text[])))
    RETURNING ${PARKED_COLUMNS}`,

  /** The sweep's variant: every record with a version whose customer exists (missed by a concurrent batch). */
  takeReadyParked: `
    DELETE FROM crm_parked p
    WHERE p.workspace_id = $1 AND p.source = $2 AND p.entity = $3
      AND (p.external_id = ANY ($4::text[])
           OR p.external_id IN (
             SELECT r.external_id FROM crm_parked r
             JOIN customers c ON c.workspace_id = r.workspace_id AND c.source = r.source
                             AND c.external_id = r.customer_external_id
             WHERE r.workspace_id = $1 AND r.source = $2 AND r.entity = $3))
    RETURNING ${PARKED_COLUMNS}`,

  park: `
    WITH s AS (
      SELECT * FROM jsonb_to_recordset($4::jsonb) AS s(external_id text, customer_external_id text, data jsonb,
        data_at timestamptz, digest text, deleted_at timestamptz, lifecycle_at timestamptz, reason text)
    )
    INSERT INTO crm_parked AS t (workspace_id, source, entity, external_id, customer_external_id, data, data_at,
      data_digest, deleted_at, lifecycle_at, reason)
    SELECT $1, $2, $3, s.external_id, COALESCE(s.customer_external_id, ''), s.data, s.data_at, decode(s.digest, 'hex'),
      s.deleted_at, s.lifecycle_at, s.reason
    FROM s ORDER BY s.external_id, s.customer_external_id
    ON CONFLICT (workspace_id, source, entity, external_id, customer_external_id) DO UPDATE SET
      data = CASE WHEN ${parkedDataNewer()} THEN EXCLUDED.data ELSE t.data END,
      reason = CASE WHEN ${parkedDataNewer()} THEN EXCLUDED.reason ELSE t.reason END,
      data_at = CASE WHEN ${parkedDataNewer()} THEN EXCLUDED.data_at ELSE t.data_at END,
      data_digest = CASE WHEN ${parkedDataNewer()} THEN EXCLUDED.data_digest ELSE t.data_digest END,
      deleted_at = CASE WHEN ${parkedLifecycleNewer()} THEN EXCLUDED.deleted_at ELSE t.deleted_at END,
      lifecycle_at = CASE WHEN ${parkedLifecycleNewer()} THEN EXCLUDED.lifecycle_at ELSE t.lifecycle_at END,
      updated_at = now()`,

  /** Stored versions of orders. $3 = external ids */
  storedOrders: `
    SELECT external_id, source_updated_at, encode(source_digest, 'hex') AS digest, deleted_at, lifecycle_at
    FROM orders WHERE workspace_id = $1 AND source = $2 AND external_id = ANY ($3::text[])`,

  upsertOrders: `
    WITH s AS (
      SELECT * FROM jsonb_to_recordset($3::jsonb) AS s(external_id text, customer_id bigint, placed_at timestamptz,
        amount_minor bigint, currency text, status text, channel text, updated_at timestamptz, digest text,
        reversal boolean, reverses_external_id text)
    )
    INSERT INTO orders AS t (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status,
      channel, source_updated_at, source_digest, reversal, reverses_external_id)
    SELECT $1, $2, s.external_id, s.customer_id, s.placed_at, s.amount_minor, s.currency, s.status, s.channel,
      s.updated_at, decode(s.digest, 'hex'), s.reversal, s.reverses_external_id
    FROM s ORDER BY s.external_id
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      customer_id = EXCLUDED.customer_id, placed_at = EXCLUDED.placed_at, amount_minor = EXCLUDED.amount_minor,
      currency = EXCLUDED.currency, status = EXCLUDED.status, channel = EXCLUDED.channel,
      reversal = EXCLUDED.reversal, reverses_external_id = EXCLUDED.reverses_external_id,
      source_updated_at = EXCLUDED.source_updated_at, source_digest = EXCLUDED.source_digest, updated_at = now()
    WHERE ${NEWER}
    RETURNING t.id::text AS id, t.external_id`,

  /** $1 = order ids whose lines are replaced */
  // @crossTenant lines reached through the orders just written in the batch's workspace
  deleteOrderLines: `DELETE FROM order_lines WHERE order_id = ANY ($1::bigint[])`,

  insertOrderLines: `
    INSERT INTO order_lines (order_id, line_no, workspace_id, product_code, product_name, category, quantity, amount_minor)
    SELECT l.order_id, l.line_no, $1, l.product_code, l.product_name, l.category, l.quantity, l.amount_minor
    FROM jsonb_to_recordset($2::jsonb) AS l(order_id bigint, line_no int, product_code text, product_name text,
      category text, quantity numeric, amount_minor bigint)`,

  orderLifecycle: `
    UPDATE orders t SET deleted_at = CASE WHEN s.deleted THEN s.at END, lifecycle_at = s.at, updated_at = now()
    FROM jsonb_to_recordset($3::jsonb) AS s(external_id text, at timestamptz, deleted boolean)
    WHERE t.workspace_id = $1 AND t.source = $2 AND t.external_id = s.external_id
      AND (t.lifecycle_at IS NULL OR s.at > t.lifecycle_at OR (s.at = t.lifecycle_at AND s.deleted AND t.deleted_at IS NULL))
    RETURNING t.id::text AS id`,

  storedInteractions: `
    SELECT external_id, source_updated_at, encode(source_digest, 'hex') AS digest, NULL::timestamptz AS deleted_at,
      NULL::timestamptz AS lifecycle_at
    FROM interactions WHERE workspace_id = $1 AND source = $2 AND external_id = ANY ($3::text[])`,

  upsertInteractions: `
    WITH s AS (
      SELECT * FROM jsonb_to_recordset($3::jsonb) AS s(external_id text, customer_id bigint, occurred_at timestamptz,
        kind text, outcome text, score smallint, note text, rep text, updated_at timestamptz, digest text)
    )
    INSERT INTO interactions AS t (workspace_id, source, external_id, customer_id, occurred_at, kind, outcome, score,
      note, rep_id, source_updated_at, source_digest)
    SELECT $1, $2, s.external_id, s.customer_id, s.occurred_at, s.kind, s.outcome, s.score,
      CASE WHEN c.erased_at IS NULL THEN s.note END, r.id, s.updated_at, decode(s.digest, 'hex')
    FROM s JOIN customers c ON c.id = s.customer_id
    LEFT JOIN reps r ON r.workspace_id = $1 AND r.external_id = s.rep
    ORDER BY s.external_id
    ON CONFLICT (workspace_id, source, external_id) DO UPDATE SET
      customer_id = EXCLUDED.customer_id, occurred_at = EXCLUDED.occurred_at, kind = EXCLUDED.kind,
      outcome = EXCLUDED.outcome, score = EXCLUDED.score, note = EXCLUDED.note, rep_id = EXCLUDED.rep_id,
      source_updated_at = EXCLUDED.source_updated_at, source_digest = EXCLUDED.source_digest
    WHERE ${NEWER}
    RETURNING t.id::text AS id, t.external_id`,

  listParked: `
    SELECT source, entity, external_id, NULLIF(customer_external_id, '') AS customer_external_id, reason, (deleted_at IS NOT NULL) AS deleted, parked_at,
      updated_at
    FROM crm_parked WHERE workspace_id = $1 ORDER BY parked_at DESC, external_id LIMIT $2`,

  /**
   * (workspace, source) pairs with parked records whose customer has arrived since (missed by a concurrent batch);
   * $1: one workspace, or null for all (the sweep).
   */
  // @crossTenant the sweep looks at every workspace
  readyParked: `
    SELECT DISTINCT p.workspace_id, p.source FROM crm_parked p
    JOIN customers c ON c.workspace_id = p.workspace_id AND c.source = p.source AND c.external_id = p.customer_external_id
    WHERE $1::uuid IS NULL OR p.workspace_id = $1
    LIMIT 1000`,
};

function parkedDataNewer(): string {
  return `(EXCLUDED.data_at IS NOT NULL AND (t.data_at IS NULL
    OR (EXCLUDED.data_at, EXCLUDED.data_digest) > (t.data_at, COALESCE(t.data_digest, '\\x'::bytea))))`;
}

function parkedLifecycleNewer(): string {
  return `(EXCLUDED.lifecycle_at IS NOT NULL AND (t.lifecycle_at IS NULL OR EXCLUDED.lifecycle_at > t.lifecycle_at
    OR (EXCLUDED.lifecycle_at = t.lifecycle_at AND EXCLUDED.deleted_at IS NOT NULL AND t.deleted_at IS NULL)))`;
}
