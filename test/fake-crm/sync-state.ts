import { DataSource } from 'typeorm';
import { PiiCipher } from '../../src/customers/pii/pii';

/**
 * The synced picture of one workspace as plain data, with ids replaced by external ids and ciphertexts decrypted,
 * so that two workspaces (or two runs) can be compared with toEqual. Row metadata (created/updated_at) is left out.
 */
export async function syncState(sql: DataSource, workspaceId: string, pii: PiiCipher) {
  const dec = (b: Buffer | null) => (b === null ? null : pii.decrypt(b));
  const customers = await sql.query(
    `SELECT c.external_id, c.kind, c.name, c.email_enc, c.phone_enc, c.region, c.country, c.industry, c.size,
       c.source_channel, c.source_created_at, c.source_updated_at, encode(c.source_digest, 'hex') AS digest,
       c.deleted_at, c.lifecycle_at, w.external_id AS merged_into
     FROM customers c LEFT JOIN customers w ON w.id = c.merged_into_id
     WHERE c.workspace_id = $1 ORDER BY c.external_id`,
    [workspaceId],
  );
  const contacts = await sql.query(
    `SELECT o.external_id AS listed_by, c.external_id AS belongs_to, p.external_id, p.name, p.title, p.email_enc,
       p.phone_enc, p.is_primary
     FROM contacts p JOIN customers o ON o.id = p.origin_customer_id JOIN customers c ON c.id = p.customer_id
     WHERE p.workspace_id = $1 ORDER BY o.external_id, p.external_id`,
    [workspaceId],
  );
  const orders = await sql.query(
    `SELECT o.external_id, c.external_id AS customer, o.placed_at, o.amount_minor, o.currency, o.status, o.channel,
       o.source_updated_at, o.deleted_at, o.lifecycle_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(l.line_no, l.product_code, l.product_name, l.category,
                 l.quantity, l.amount_minor) ORDER BY l.line_no), '[]') FROM order_lines l WHERE l.order_id = o.id) AS lines
     FROM orders o JOIN customers c ON c.id = o.customer_id
     WHERE o.workspace_id = $1 ORDER BY o.external_id`,
    [workspaceId],
  );
  const interactions = await sql.query(
    `SELECT i.external_id, c.external_id AS customer, i.occurred_at, i.kind, i.outcome, i.score, i.note,
       i.source_updated_at
     FROM interactions i JOIN customers c ON c.id = i.customer_id
     WHERE i.workspace_id = $1 ORDER BY i.external_id`,
    [workspaceId],
  );
  const parked = await sql.query(
    `SELECT entity, external_id, customer_external_id, data, data_at, encode(data_digest, 'hex') AS digest,
       deleted_at, lifecycle_at, reason
     FROM crm_parked WHERE workspace_id = $1 ORDER BY entity, external_id, customer_external_id`,
    [workspaceId],
  );
  return {
    customers: customers.map((c: Record<string, unknown>) => ({
      ...c,
      email_enc: undefined,
      phone_enc: undefined,
      email: dec(c.email_enc as Buffer | null),
      phone: dec(c.phone_enc as Buffer | null),
    })),
    contacts: contacts.map((c: Record<string, unknown>) => ({
      ...c,
      email_enc: undefined,
      phone_enc: undefined,
      email: dec(c.email_enc as Buffer | null),
      phone: dec(c.phone_enc as Buffer | null),
    })),
    orders,
    interactions,
    parked,
  };
}
