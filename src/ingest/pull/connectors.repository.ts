import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';
import { PullEntity, StoredConnectorConfig } from './connector-config';
import type { HubSpotStoredConfig } from './hubspot-config';
import type { SalesforceStoredConfig } from './salesforce-config';

export type ConnectorKind = 'generic' | 'hubspot' | 'salesforce';

/** A row of crm_connectors (the auth header's value encrypted). */
export interface ConnectorRow {
  id: string;
  workspace_id: string;
  name: string;
  kind: ConnectorKind;
  source: string;
  base_url: string;
  auth_header_name: string | null;
  auth_header_value_enc: Buffer | null;
  config: StoredConnectorConfig | HubSpotStoredConfig | SalesforceStoredConfig;
  schedule_every_ms: number | null;
  enabled: boolean;
  last_run_at: Date | null;
  last_run_report: unknown;
  last_error: string | null;
}

export interface ConnectorWrite {
  kind: ConnectorKind;
  name: string;
  source: string;
  baseUrl: string;
  authHeaderName: string | null;
  authHeaderValueEnc: Buffer | null;
  config: StoredConnectorConfig | HubSpotStoredConfig | SalesforceStoredConfig;
  scheduleEveryMs: number | null;
  enabled: boolean;
}

export interface ConnectorScheduleRow {
  id: string;
  kind: ConnectorKind;
  config: StoredConnectorConfig | HubSpotStoredConfig | SalesforceStoredConfig;
  schedule_every_ms: number | null;
  enabled: boolean;
}

export interface CursorRow {
  entity: string;
  cursor: string | null;
  /** bigint counters arrive as strings */
  pages: string;
  records: string;
  updated_at: Date;
}

export interface SyncRejectRow {
  external_id: string | null;
  problems: unknown;
  digest: string;
  payload: string;
}

/**
 * Pull connectors (crm_connectors), their per-entity cursors (crm_connector_cursors, reached through a connector
 * the caller already loaded) and the records a pull rejected (crm_sync_rejects).
 */
@Injectable()
export class ConnectorsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Creates or replaces (by name) a connector; answers its id. */
  async upsert(workspaceId: string, c: ConnectorWrite, tx: Tx): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `INSERT INTO crm_connectors AS t (workspace_id, name, source, base_url, auth_header_name, auth_header_value_enc,
           config, schedule_every_ms, enabled, kind)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (workspace_id, name) DO UPDATE SET kind = EXCLUDED.kind, source = EXCLUDED.source,
           base_url = EXCLUDED.base_url,
           auth_header_name = EXCLUDED.auth_header_name, auth_header_value_enc = EXCLUDED.auth_header_value_enc,
           config = EXCLUDED.config, schedule_every_ms = EXCLUDED.schedule_every_ms, enabled = EXCLUDED.enabled,
           updated_at = now()
         RETURNING id`,
      [
        workspaceId,
        c.name,
        c.source,
        c.baseUrl,
        c.authHeaderName,
        c.authHeaderValueEnc,
        JSON.stringify(c.config),
        c.scheduleEveryMs,
        c.enabled,
        c.kind,
      ],
      tx,
    );
    return row.id;
  }

  /** Every workspace's connectors with their schedules (start-up registration). */
  schedules(): Promise<ConnectorScheduleRow[]> {
    // @crossTenant the scheduler registers every workspace's schedules
    return this.rows(`SELECT id, kind, config, schedule_every_ms, enabled FROM crm_connectors`);
  }

  async ids(workspaceId: string): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT id FROM crm_connectors WHERE workspace_id = $1 ORDER BY name`,
      [workspaceId],
    );
    return rows.map((r) => r.id);
  }

  async idByName(workspaceId: string, name: string): Promise<string | undefined> {
    const row = await this.first<{ id: string }>(
      `SELECT id FROM crm_connectors WHERE workspace_id = $1 AND name = $2`,
      [workspaceId, name],
    );
    return row?.id;
  }

  get(workspaceId: string, id: string): Promise<ConnectorRow | undefined> {
    return this.first(`SELECT * FROM crm_connectors WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
  }

  /** The cursors of a connector loaded by get(), in the order the entities are pulled. */
  cursors(connectorId: string, entityOrder: readonly string[]): Promise<CursorRow[]> {
    return this.rows(
      `SELECT entity, cursor, pages, records, updated_at FROM crm_connector_cursors WHERE connector_id = $1
       ORDER BY array_position($2::text[], entity)`,
      [connectorId, entityOrder],
    );
  }

  /** Deletes a connector the caller loaded with get() for its workspace. */
  async remove(id: string, tx: Tx): Promise<void> {
    // @crossTenant checked by get(workspaceId, id) just before
    await this.exec(`DELETE FROM crm_connectors WHERE id = $1`, [id], tx);
  }

  /** The pull job loads its connector by primary key. */
  forRun(id: string): Promise<ConnectorRow | undefined> {
    // @crossTenant the job's payload is the connector id
    return this.first(`SELECT * FROM crm_connectors WHERE id = $1`, [id]);
  }

  /** Keeps renewed OAuth tokens (encrypted) of the run's own connector. */
  async updateSecret(connectorId: string, enc: Buffer): Promise<void> {
    await this.exec(
      // @crossTenant the run's own connector, by primary key
      `UPDATE crm_connectors SET auth_header_value_enc = $2 WHERE id = $1`,
      [connectorId, enc],
    );
  }

  async recordRun(connectorId: string, report: unknown, error: string | null): Promise<void> {
    await this.exec(
      // @crossTenant the pull job's own connector, by primary key
      `UPDATE crm_connectors SET last_run_at = now(), last_run_report = $2, last_error = $3 WHERE id = $1`,
      [connectorId, JSON.stringify(report), error],
    );
  }

  async ensureCursor(connectorId: string, entity: PullEntity): Promise<void> {
    await this.exec(
      `INSERT INTO crm_connector_cursors (connector_id, entity) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [connectorId, entity],
    );
  }

  async cursor(connectorId: string, entity: PullEntity): Promise<string | null> {
    const [{ cursor }] = await this.rows<{ cursor: string | null }>(
      `SELECT cursor FROM crm_connector_cursors WHERE connector_id = $1 AND entity = $2`,
      [connectorId, entity],
    );
    return cursor;
  }

  /** Locks the cursor for the page's transaction; undefined when the row is gone. */
  lockCursor(
    connectorId: string,
    entity: PullEntity,
    tx: Tx,
  ): Promise<{ cursor: string | null } | undefined> {
    return this.first(
      `SELECT cursor FROM crm_connector_cursors WHERE connector_id = $1 AND entity = $2 FOR UPDATE`,
      [connectorId, entity],
      tx,
    );
  }

  async advanceCursor(
    connectorId: string,
    entity: PullEntity,
    next: string | null,
    records: number,
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      `UPDATE crm_connector_cursors SET cursor = $3, pages = pages + 1, records = records + $4, updated_at = now()
           WHERE connector_id = $1 AND entity = $2`,
      [connectorId, entity, next, records],
      tx,
    );
  }

  /** Records rejected by sync, per origin (`pull:<connector>`), of a workspace. */
  rejectCounts(workspaceId: string): Promise<Array<{ origin: string; n: number }>> {
    return this.rows(
      `SELECT origin, count(*)::int AS n FROM crm_sync_rejects WHERE workspace_id = $1 GROUP BY 1 ORDER BY 1`,
      [workspaceId],
    );
  }

  /** Keeps a pull's invalid records; a replayed page adds nothing (same payload digest). */
  async storeRejects(
    workspaceId: string,
    source: string,
    origin: string,
    entity: PullEntity,
    rows: SyncRejectRow[],
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      `INSERT INTO crm_sync_rejects (workspace_id, source, origin, entity, external_id, problems, payload_digest, payload_enc)
       SELECT $1, $2, $3, $4, s.external_id, s.problems, decode(s.digest, 'hex'), decode(s.payload, 'hex')
       FROM jsonb_to_recordset($5::jsonb) AS s(external_id text, problems jsonb, digest text, payload text)
       ON CONFLICT (workspace_id, origin, entity, payload_digest) DO UPDATE SET last_seen_at = now()`,
      [workspaceId, source, origin, entity, JSON.stringify(rows)],
      tx,
    );
  }

  /** Stored invalid records of a workspace to try again (`ids` null: all), oldest first. */
  rejectsToReplay(
    workspaceId: string,
    ids: string[] | null,
    limit: number,
  ): Promise<Array<{ id: string; source: string; origin: string; entity: PullEntity; payload_enc: Buffer }>> {
    return this.rows(
      `SELECT id::text AS id, source, origin, entity, payload_enc FROM crm_sync_rejects
       WHERE workspace_id = $1 AND ($2::bigint[] IS NULL OR id = ANY ($2::bigint[])) ORDER BY id LIMIT $3`,
      [workspaceId, ids, limit],
    );
  }

  /** A replayed record that now applied: its reject goes. */
  async removeReject(workspaceId: string, id: string, tx: Tx): Promise<void> {
    await this.exec(
      `DELETE FROM crm_sync_rejects WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
      tx,
    );
  }

  /** A replayed record still invalid: its current reasons. */
  async updateRejectProblems(workspaceId: string, id: string, problems: unknown): Promise<void> {
    await this.exec(
      `UPDATE crm_sync_rejects SET problems = $3, last_seen_at = now() WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, JSON.stringify(problems)],
    );
  }
}
