import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { Queryable } from '../../database/sql';
import { Tx } from '../../database/transactions';

/** 32-bit class of the per-workspace advisory lock between hash writers (shared) and the re-keying (exclusive). */
const LOCK_CLASS = 0x70686b72; // 'phkr'

const KEY_ID_SQL = `SELECT pii_hash_key_id FROM workspaces WHERE id = $1`;
const SHARED_LOCK_SQL = `SELECT pg_advisory_xact_lock_shared(${LOCK_CLASS}, hashtext($1::text))`;

/** A stored ciphertext to hash again (customers, contacts: `a` email, `b` phone; rejects: `a` payload). */
export interface RekeyRow {
  id: string;
  a: Buffer | null;
  b: Buffer | null;
}

/** The tables holding keyed hashes of a workspace, in the order the re-keying goes through them. */
export type HashedTable = 'customers' | 'contacts' | 'contact_suppressions' | 'crm_sync_rejects';

/**
 * Statements of hash-key rotation (`callplan pii rotate-hash`) and of the hash writers' side of it: the workspace
 * row says which key its hashes are under (`workspaces.pii_hash_key_id`); writers hold a shared transaction lock of
 * the workspace while they write hashes, the re-keying an exclusive one, so a workspace's hashes are all under one
 * key at every commit and comparisons between them (dedupe, wrong-number marks) keep working during a rotation.
 */
@Injectable()
export class PiiHashRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The key fingerprint of a workspace's hashes, under the shared lock (a writer's transaction). */
  async lockSharedKeyId(workspaceId: string, tx: Queryable): Promise<string | null> {
    await this.rows(SHARED_LOCK_SQL, [workspaceId], tx);
    const row = await this.first<{ pii_hash_key_id: string | null }>(KEY_ID_SQL, [workspaceId], tx);
    return row?.pii_hash_key_id ?? null;
  }

  /** The same on a raw client (the CSV import's COPY transaction). */
  async lockSharedKeyIdOnClient(workspaceId: string, client: PoolClient): Promise<string | null> {
    await client.query(SHARED_LOCK_SQL, [workspaceId]);
    const { rows } = await client.query<{ pii_hash_key_id: string | null }>(KEY_ID_SQL, [workspaceId]);
    return rows[0]?.pii_hash_key_id ?? null;
  }

  /** The exclusive lock of the re-keying; answers the workspace's key fingerprint as it is now. */
  async lockExclusiveKeyId(workspaceId: string, tx: Tx): Promise<string | null> {
    await this.rows(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext($1::text))`, [workspaceId], tx);
    const row = await this.first<{ pii_hash_key_id: string | null }>(KEY_ID_SQL, [workspaceId], tx);
    return row?.pii_hash_key_id ?? null;
  }

  /**
   * Workspaces whose hashes are not under key `keyId` yet, with how many rows hold hashes; `markedOnly`: only those
   * marked with another key (NULL counts as `keyId` when no rotation is configured).
   */
  toRekey(keyId: string, markedOnly: boolean): Promise<Array<{ id: string; slug: string; rows: number }>> {
    return this.rows(
      // @crossTenant key rotation covers every workspace
      `SELECT w.id, w.slug,
         ((SELECT count(*) FROM customers c WHERE c.workspace_id = w.id AND (c.email_hash IS NOT NULL OR c.phone_hash IS NOT NULL))
          + (SELECT count(*) FROM contacts c WHERE c.workspace_id = w.id AND (c.email_hash IS NOT NULL OR c.phone_hash IS NOT NULL))
          + (SELECT count(*) FROM contact_suppressions s WHERE s.workspace_id = w.id AND s.phone_hash IS NOT NULL)
          + (SELECT count(*) FROM crm_sync_rejects r WHERE r.workspace_id = w.id))::int AS rows
       FROM workspaces w WHERE w.pii_hash_key_id IS DISTINCT FROM $1 AND (NOT $2 OR w.pii_hash_key_id IS NOT NULL)
       ORDER BY w.created_at, w.id`,
      [keyId, markedOnly],
    );
  }

  /** The next rows of `table` after `after` (key order) whose hashes are to be computed again. */
  batch(
    table: HashedTable,
    workspaceId: string,
    after: string | null,
    limit: number,
    tx: Tx,
  ): Promise<Array<RekeyRow & { hash: Buffer | null }>> {
    const sql: Record<HashedTable, string> = {
      customers: `SELECT id::text AS id, email_enc AS a, phone_enc AS b, NULL::bytea AS hash FROM customers
        WHERE workspace_id = $1 AND (email_hash IS NOT NULL OR phone_hash IS NOT NULL)
          AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3`,
      contacts: `SELECT id::text AS id, email_enc AS a, phone_enc AS b, NULL::bytea AS hash FROM contacts
        WHERE workspace_id = $1 AND (email_hash IS NOT NULL OR phone_hash IS NOT NULL)
          AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3`,
      // a wrong-number mark holds only the hash of the number; the customer's phone is where it came from
      contact_suppressions: `SELECT s.id::text AS id, c.phone_enc AS a, NULL::bytea AS b, s.phone_hash AS hash
        FROM contact_suppressions s JOIN customers c ON c.id = s.customer_id AND c.workspace_id = $1
        WHERE s.workspace_id = $1 AND s.phone_hash IS NOT NULL AND ($2::uuid IS NULL OR s.id > $2::uuid)
        ORDER BY s.id LIMIT $3`,
      crm_sync_rejects: `SELECT id::text AS id, payload_enc AS a, NULL::bytea AS b, NULL::bytea AS hash
        FROM crm_sync_rejects WHERE workspace_id = $1 AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3`,
    };
    return this.rows(sql[table], [workspaceId, after, limit], tx);
  }

  /** Writes the new hashes of a batch (`a`: email hash / digest, `b`: phone hash, in step with `ids`). */
  async write(
    table: HashedTable,
    workspaceId: string,
    ids: string[],
    a: Array<Buffer | null>,
    b: Array<Buffer | null>,
    tx: Tx,
  ): Promise<void> {
    const sql: Record<HashedTable, string> = {
      customers: `UPDATE customers t SET email_hash = v.a, phone_hash = v.b
        FROM unnest($2::bigint[], $3::bytea[], $4::bytea[]) AS v(id, a, b) WHERE t.workspace_id = $1 AND t.id = v.id`,
      contacts: `UPDATE contacts t SET email_hash = v.a, phone_hash = v.b
        FROM unnest($2::bigint[], $3::bytea[], $4::bytea[]) AS v(id, a, b) WHERE t.workspace_id = $1 AND t.id = v.id`,
      contact_suppressions: `UPDATE contact_suppressions t SET phone_hash = v.a
        FROM unnest($2::uuid[], $3::bytea[], $4::bytea[]) AS v(id, a, b) WHERE t.workspace_id = $1 AND t.id = v.id`,
      crm_sync_rejects: `UPDATE crm_sync_rejects t SET payload_digest = v.a
        FROM unnest($2::bigint[], $3::bytea[], $4::bytea[]) AS v(id, a, b) WHERE t.workspace_id = $1 AND t.id = v.id`,
    };
    await this.exec(sql[table], [workspaceId, ids, a, b], tx);
  }

  async setKeyId(workspaceId: string, keyId: string, tx: Tx): Promise<void> {
    await this.exec(`UPDATE workspaces SET pii_hash_key_id = $2 WHERE id = $1`, [workspaceId, keyId], tx);
  }
}
