import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';

/** What was accepted and then not applied: a failed webhook message, a parked record, a pull's invalid record. */
export type SyncRejectKind = 'inbox' | 'parked' | 'pull';
export const SYNC_REJECT_KINDS: readonly SyncRejectKind[] = ['inbox', 'parked', 'pull'];

export interface SyncRejectListRow {
  kind: SyncRejectKind;
  /** inbox row id, pull reject id, or the parked record's key as JSON [source, entity, externalId, customerExternalId] */
  key: string;
  source: string | null;
  /** `webhook:<webhook-id>`, `pull:<connector>`, or the parked record's source */
  origin: string;
  entity: string | null;
  external_id: string | null;
  reason: string;
  message: string | null;
  /** pull: the validation problems `[{path, code, message}]` */
  problems: Array<{ path: string; code: string; message: string }> | null;
  customer_external_id: string | null;
  attempts: number;
  first_at: Date;
  last_at: Date;
}

/**
 * The parts of the three sync tables that wait for a fix, as one list (`GET /v1/sync/rejects`): failed `crm_inbox`
 * messages, `crm_parked` orders and interactions waiting for their customer (tombstones of records never seen,
 * reason `not_yet_created`, wait for nothing and are left out), and `crm_sync_rejects`. Never record contents.
 */
const REJECTS_SQL = `
  SELECT * FROM (
    SELECT 'inbox' AS kind, i.id::text AS key, NULL::text AS source, 'webhook:' || i.webhook_id AS origin,
      NULL::text AS entity, NULL::text AS external_id, 'apply_failed' AS reason, i.last_error AS message,
      NULL::jsonb AS problems, NULL::text AS customer_external_id, i.attempts, i.received_at AS first_at,
      COALESCE(i.processed_at, i.received_at) AS last_at
    FROM crm_inbox i WHERE i.workspace_id = $1 AND i.status = 'failed' AND ($2::text IS NULL OR $2 = 'inbox')
    UNION ALL
    SELECT 'parked', jsonb_build_array(p.source, p.entity, p.external_id, p.customer_external_id)::text, p.source,
      p.source, p.entity, p.external_id, p.reason, NULL, NULL, p.customer_external_id, 0, p.parked_at, p.updated_at
    FROM crm_parked p WHERE p.workspace_id = $1 AND p.reason <> 'not_yet_created' AND ($2::text IS NULL OR $2 = 'parked')
    UNION ALL
    SELECT 'pull', r.id::text, r.source, r.origin, r.entity, r.external_id, 'validation_failed', NULL, r.problems,
      NULL, 0, r.first_seen_at, r.last_seen_at
    FROM crm_sync_rejects r WHERE r.workspace_id = $1 AND ($2::text IS NULL OR $2 = 'pull')
  ) x
  ORDER BY last_at DESC, kind, key
  LIMIT $3`;

@Injectable()
export class SyncRejectsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Newest first; `kind` narrows to one kind. */
  list(workspaceId: string, kind: SyncRejectKind | null, limit: number): Promise<SyncRejectListRow[]> {
    return this.rows(REJECTS_SQL, [workspaceId, kind, limit]);
  }

  /** How many of each kind wait (all of them, not only the page). */
  async counts(workspaceId: string): Promise<Record<SyncRejectKind, number>> {
    const [row] = await this.rows<Record<SyncRejectKind, number>>(
      `SELECT
         (SELECT count(*)::int FROM crm_inbox WHERE workspace_id = $1 AND status = 'failed') AS inbox,
         (SELECT count(*)::int FROM crm_parked WHERE workspace_id = $1 AND reason <> 'not_yet_created') AS parked,
         (SELECT count(*)::int FROM crm_sync_rejects WHERE workspace_id = $1) AS pull`,
      [workspaceId],
    );
    return row;
  }
}
