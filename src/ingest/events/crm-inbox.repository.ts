import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PurgeBatch, SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';
import { ApplyReport } from '../sync/sync-events';

export type InboxStatus = 'pending' | 'processed' | 'failed';

export interface InboxEntryRow {
  id: string;
  event_count: number;
}

/** A stored message as its job loads it (locked). */
export interface InboxPayloadRow {
  workspace_id: string;
  status: InboxStatus;
  payload_enc: Buffer;
}

export interface InboxListRow {
  id: string;
  webhook_id: string;
  status: InboxStatus;
  event_count: number;
  attempts: number;
  last_error: string | null;
  result: ApplyReport | null;
  received_at: Date;
  processed_at: Date | null;
}

export interface InboxCountRow {
  status: InboxStatus;
  n: number;
  events: number;
}

/**
 * crm_inbox: inbound webhook messages, stored (encrypted) before the 2xx and applied by a job. The job's statements
 * address the row by primary key: the row was stored for a workspace verified by the message's signature.
 */
@Injectable()
export class CrmInboxRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Stores a message once per (workspace, webhook id); answers its id, or undefined for a duplicate. */
  async insert(
    workspaceId: string,
    webhookId: string,
    signedAt: Date,
    eventCount: number,
    payloadEnc: Buffer,
  ): Promise<string | undefined> {
    const row = await this.first<{ id: string }>(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, webhook_id) DO NOTHING RETURNING id::text AS id`,
      [workspaceId, webhookId, signedAt, eventCount, payloadEnc],
    );
    return row?.id;
  }

  byWebhookId(workspaceId: string, webhookId: string): Promise<InboxEntryRow | undefined> {
    return this.first(
      `SELECT id::text AS id, event_count FROM crm_inbox WHERE workspace_id = $1 AND webhook_id = $2`,
      [workspaceId, webhookId],
    );
  }

  async markFailed(id: string, message: string): Promise<void> {
    await this.exec(
      // @crossTenant the job's own row, by primary key
      `UPDATE crm_inbox SET status = 'failed', attempts = attempts + 1, last_error = $2
           WHERE id = $1 AND status <> 'processed'`,
      [id, message],
    );
  }

  /** Loads and locks the job's row for the transaction that applies it. */
  lockForProcessing(id: string, tx: Tx): Promise<InboxPayloadRow | undefined> {
    return this.first(
      // @crossTenant the job's payload is the row id
      `SELECT workspace_id, status, payload_enc FROM crm_inbox WHERE id = $1 FOR UPDATE`,
      [id],
      tx,
    );
  }

  async markProcessed(id: string, report: ApplyReport, tx: Tx): Promise<void> {
    await this.exec(
      // @crossTenant the job's own row, locked by lockForProcessing
      `UPDATE crm_inbox SET status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = NULL,
           result = $2 WHERE id = $1`,
      [id, JSON.stringify(report)],
      tx,
    );
  }

  /** Ids of rows to queue again; `workspaceId` null = every workspace (the CLI's reprocess). */
  toReprocess(
    workspaceId: string | null,
    statuses: string[],
    ids: string[] | null,
    limit: number,
  ): Promise<Array<{ id: string }>> {
    return this.rows(
      `SELECT id::text AS id FROM crm_inbox
       WHERE status = ANY ($1::text[]) AND ($2::uuid IS NULL OR workspace_id = $2)
         AND ($3::bigint[] IS NULL OR id = ANY ($3::bigint[]))
       ORDER BY id LIMIT $4`,
      [statuses, workspaceId, ids, limit],
    );
  }

  /** Ids of rows in these statuses, oldest first; `workspaceId` null = every workspace (the CLI's apply). */
  idsWithStatus(workspaceId: string | null, statuses: string[]): Promise<Array<{ id: string }>> {
    return this.rows(
      `SELECT id::text AS id FROM crm_inbox WHERE status = ANY ($1::text[]) AND ($2::uuid IS NULL OR workspace_id = $2)
           ORDER BY id`,
      [statuses, workspaceId],
    );
  }

  /** Messages and events per status of a workspace. */
  countsByStatus(workspaceId: string): Promise<InboxCountRow[]> {
    return this.rows(
      `SELECT status, count(*)::int AS n, sum(event_count)::int AS events FROM crm_inbox WHERE workspace_id = $1 GROUP BY 1 ORDER BY 1`,
      [workspaceId],
    );
  }

  /** Rows of every workspace still pending this long after they arrived (the sweep). */
  pendingSince(seconds: number): Promise<Array<{ id: string }>> {
    return this.rows(
      // @crossTenant the sweep looks at every workspace
      `SELECT id::text AS id FROM crm_inbox WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
       ORDER BY id LIMIT 5000`,
      [seconds],
    );
  }

  list(workspaceId: string, status: InboxStatus | null, limit: number): Promise<InboxListRow[]> {
    return this.rows(
      `SELECT id::text AS id, webhook_id, status, event_count, attempts, last_error, result, received_at, processed_at
       FROM crm_inbox WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY id DESC LIMIT $3`,
      [workspaceId, status, limit],
    );
  }

  /** Retention: applied messages processed before `b.before` (pending ones are never touched). */
  purgeProcessed(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM crm_inbox
           WHERE workspace_id = $1 AND status = 'processed' AND processed_at < $2`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM crm_inbox WHERE workspace_id = $1 AND id IN (
               SELECT id FROM crm_inbox WHERE workspace_id = $1 AND status = 'processed' AND processed_at < $2
               ORDER BY processed_at LIMIT $3)
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }

  /** Retention: failed messages received before `b.before` and never replayed (a replay makes them processed). */
  purgeFailed(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM crm_inbox
           WHERE workspace_id = $1 AND status = 'failed' AND received_at < $2`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM crm_inbox WHERE workspace_id = $1 AND id IN (
               SELECT id FROM crm_inbox WHERE workspace_id = $1 AND status = 'failed' AND received_at < $2
               ORDER BY id LIMIT $3)
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }
}
