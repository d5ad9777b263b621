import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import { Role } from './api-key.entity';

/** A key as authentication sees it. */
export interface KeyAuthRow {
  id: string;
  workspace_id: string;
  role: Role;
  rep_id: string | null;
  revoked: boolean;
  expired: boolean;
  /** when the key stops working, if ever (for the verification cache to honour while it holds the key) */
  expires_at: Date | null;
  /** false when the key belongs to a rep who is deactivated (or gone) */
  rep_active: boolean;
}

/** A key as listed to admins: never the secret or its hash. */
export interface KeyListRow {
  id: string;
  name: string;
  key_prefix: string;
  role: Role;
  rep_id: string | null;
  rep_external_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  rotated_from_id: string | null;
}

const LIST_COLS = `k.id, k.name, k.key_prefix, k.role, k.rep_id, r.external_id AS rep_external_id, k.created_at,
  k.last_used_at, k.expires_at, k.revoked_at, k.rotated_from_id`;

/** API keys (stored as hashes) and the facts about their rep that authentication needs. */
@Injectable()
export class ApiKeyRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Stores a new key; returns its id. */
  async insert(
    workspaceId: string,
    key: {
      name: string;
      role: Role;
      repId: string | null;
      keyPrefix: string;
      keyHash: Buffer;
      expiresAt: Date | null;
      rotatedFromId?: string | null;
    },
    tx?: Queryable,
  ): Promise<string> {
    const row = await this.first<{ id: string }>(
      `INSERT INTO api_keys (workspace_id, name, role, rep_id, key_prefix, key_hash, expires_at, rotated_from_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        workspaceId,
        key.name,
        key.role,
        key.repId,
        key.keyPrefix,
        key.keyHash,
        key.expiresAt,
        key.rotatedFromId ?? null,
      ],
      tx,
    );
    return row!.id;
  }

  /** The key with this hash in any workspace (the key is what names the workspace), with its state. */
  byHash(keyHash: Buffer): Promise<KeyAuthRow | undefined> {
    return this.crossTenant('authentication', () =>
      this.first<KeyAuthRow>(
        // @crossTenant authentication: the presented key names its workspace, none is known yet
        `SELECT k.id, k.workspace_id, k.role, k.rep_id, k.revoked_at IS NOT NULL AS revoked,
              (k.expires_at IS NOT NULL AND k.expires_at <= now()) AS expired, k.expires_at,
              (k.rep_id IS NULL OR COALESCE(r.active, false)) AS rep_active
       FROM api_keys k LEFT JOIN reps r ON r.id = k.rep_id AND r.workspace_id = k.workspace_id
       WHERE k.key_hash = $1`,
        [keyHash],
      ),
    );
  }

  /** Whether a key of the workspace still works: not revoked, not expired, its rep (if any) active. */
  async usable(workspaceId: string, id: string): Promise<boolean> {
    const row = await this.first<{ ok: boolean }>(
      `SELECT true AS ok FROM api_keys k LEFT JOIN reps r ON r.id = k.rep_id AND r.workspace_id = k.workspace_id
       WHERE k.workspace_id = $1 AND k.id = $2 AND k.revoked_at IS NULL
         AND (k.expires_at IS NULL OR k.expires_at > now()) AND (k.rep_id IS NULL OR r.active)`,
      [workspaceId, id],
    );
    return !!row?.ok;
  }

  /** Whether a rep of the workspace exists and is active. */
  async repActive(workspaceId: string, repId: string): Promise<boolean> {
    const row = await this.first<{ active: boolean }>(
      `SELECT active FROM reps WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, repId],
    );
    return !!row?.active;
  }

  /** Records a use, at most once a minute per key whatever the number of processes (the WHERE skips the write). */
  async touch(workspaceId: string, id: string): Promise<void> {
    await this.exec(
      `UPDATE api_keys SET last_used_at = now()
       WHERE workspace_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')`,
      [workspaceId, id],
    );
  }

  /** The workspace's keys, newest first; revoked ones only when asked. */
  list(workspaceId: string, opts: { limit: number; includeRevoked: boolean }): Promise<KeyListRow[]> {
    return this.rows<KeyListRow>(
      `SELECT ${LIST_COLS}
       FROM api_keys k LEFT JOIN reps r ON r.id = k.rep_id AND r.workspace_id = k.workspace_id
       WHERE k.workspace_id = $1 AND ($2::boolean OR k.revoked_at IS NULL)
       ORDER BY k.created_at DESC, k.id LIMIT $3`,
      [workspaceId, opts.includeRevoked, opts.limit],
    );
  }

  /** One key of the workspace, locked for a change when `tx` is given. */
  byId(workspaceId: string, id: string, tx?: Queryable): Promise<KeyListRow | undefined> {
    return this.first<KeyListRow>(
      `SELECT ${LIST_COLS}
       FROM api_keys k LEFT JOIN reps r ON r.id = k.rep_id AND r.workspace_id = k.workspace_id
       WHERE k.workspace_id = $1 AND k.id = $2${tx ? ' FOR UPDATE OF k' : ''}`,
      [workspaceId, id],
      tx,
    );
  }

  /** Revokes an unrevoked key of the workspace; false when there is none. */
  async revoke(workspaceId: string, id: string, tx?: Queryable): Promise<boolean> {
    const rows = await this.returning<{ id: string }>(
      `UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL
       RETURNING id`,
      [workspaceId, id],
      tx,
    );
    return rows.length > 0;
  }

  /** Brings a key's expiry forward to `at` (never later than an expiry it already has). */
  async expireBy(workspaceId: string, id: string, at: Date, tx?: Queryable): Promise<void> {
    await this.exec(
      `UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $3), $3) WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, at],
      tx,
    );
  }
}
