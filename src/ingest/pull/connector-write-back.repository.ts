import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';

export interface WriteBackStateRow {
  after_event_id: string;
  /** bigint counters arrive as strings */
  events: string;
  customers: string;
  calls: string;
  last_push_at: Date | null;
  last_report: unknown;
  last_error: string | null;
  failures: number;
}

export interface PendingEventRow {
  id: string;
  data: unknown;
}

export interface WriteBackFailure {
  externalId: string;
  code: string;
  message: string;
}

export interface WriteBackFailureRow {
  external_id: string;
  outbox_event_id: string;
  code: string;
  message: string;
  failed_at: Date;
}

/**
 * A CRM-shaped connector's write-back: its position in the workspace's `customer.scores_changed` events (the
 * outbox the write-back diff fills; src/write-back), the events after it, and the records the CRM refused.
 */
@Injectable()
export class ConnectorWriteBackRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async ensureState(workspaceId: string, connectorId: string, tx: Tx): Promise<void> {
    await this.exec(
      `INSERT INTO crm_connector_write_back (connector_id, workspace_id) VALUES ($2, $1) ON CONFLICT DO NOTHING`,
      [workspaceId, connectorId],
      tx,
    );
  }

  state(workspaceId: string, connectorId: string): Promise<WriteBackStateRow | undefined> {
    return this.first(
      `SELECT s.after_event_id::text, s.events, s.customers, s.calls, s.last_push_at, s.last_report, s.last_error,
              (SELECT count(*)::int FROM crm_write_back_failures f
                WHERE f.workspace_id = $1 AND f.connector_id = $2) AS failures
         FROM crm_connector_write_back s WHERE s.workspace_id = $1 AND s.connector_id = $2`,
      [workspaceId, connectorId],
    );
  }

  /** Locks the position for a push's window; two pushes of one connector take turns. */
  async lockPosition(workspaceId: string, connectorId: string, tx: Tx): Promise<string | null> {
    const row = await this.first<{ after: string }>(
      `SELECT after_event_id::text AS after FROM crm_connector_write_back
        WHERE workspace_id = $1 AND connector_id = $2 FOR UPDATE`,
      [workspaceId, connectorId],
      tx,
    );
    return row?.after ?? null;
  }

  /** The workspace's `customer.scores_changed` events after a position, oldest first. */
  pendingEvents(workspaceId: string, afterId: string, limit: number, tx: Tx): Promise<PendingEventRow[]> {
    return this.rows(
      // ORDER BY the bigint column (e.id), not the text alias: '1000' sorts before '999'
      `SELECT e.id::text AS id, e.payload -> 'data' AS data FROM outbox_events e
        WHERE e.workspace_id = $1 AND e.event_type = 'customer.scores_changed' AND e.id > $2::bigint
        ORDER BY e.id LIMIT $3`,
      [workspaceId, afterId, limit],
      tx,
    );
  }

  /** Moves the position past a pushed window and counts it. */
  async advance(
    workspaceId: string,
    connectorId: string,
    eventId: string,
    counts: { events: number; customers: number; calls: number },
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      `UPDATE crm_connector_write_back
          SET after_event_id = $3::bigint, events = events + $4, customers = customers + $5, calls = calls + $6
        WHERE workspace_id = $1 AND connector_id = $2`,
      [workspaceId, connectorId, eventId, counts.events, counts.customers, counts.calls],
      tx,
    );
  }

  /** Keeps the latest refusal per record; records written successfully since are cleared. */
  async recordOutcomes(
    workspaceId: string,
    connectorId: string,
    eventId: string,
    failed: WriteBackFailure[],
    succeeded: string[],
    tx: Tx,
  ): Promise<void> {
    if (succeeded.length) {
      await this.exec(
        `DELETE FROM crm_write_back_failures
          WHERE workspace_id = $1 AND connector_id = $2 AND external_id = ANY ($3::text[])`,
        [workspaceId, connectorId, succeeded],
        tx,
      );
    }
    if (failed.length === 0) return;
    await this.exec(
      `INSERT INTO crm_write_back_failures (connector_id, workspace_id, external_id, outbox_event_id, code, message)
       SELECT $2, $1, f.external_id, $3::bigint, f.code, f.message
         FROM jsonb_to_recordset($4::jsonb) AS f(external_id text, code text, message text)
       ON CONFLICT (connector_id, external_id) DO UPDATE
         SET outbox_event_id = EXCLUDED.outbox_event_id, code = EXCLUDED.code, message = EXCLUDED.message,
             failed_at = now()`,
      [
        workspaceId,
        connectorId,
        eventId,
        JSON.stringify(failed.map((f) => ({ external_id: f.externalId, code: f.code, message: f.message }))),
      ],
      tx,
    );
  }

  async recordPush(
    workspaceId: string,
    connectorId: string,
    report: unknown,
    error: string | null,
  ): Promise<void> {
    await this.exec(
      `UPDATE crm_connector_write_back SET last_push_at = now(), last_report = $3, last_error = $4
        WHERE workspace_id = $1 AND connector_id = $2`,
      [workspaceId, connectorId, JSON.stringify(report), error],
    );
  }

  failures(workspaceId: string, connectorId: string, limit: number): Promise<WriteBackFailureRow[]> {
    return this.rows(
      `SELECT external_id, outbox_event_id::text, code, message, failed_at FROM crm_write_back_failures
        WHERE workspace_id = $1 AND connector_id = $2 ORDER BY failed_at DESC, external_id LIMIT $3`,
      [workspaceId, connectorId, limit],
    );
  }

  /** The workspace's enabled connectors that write back (a write-back pass queues their push). */
  async writingBack(workspaceId: string): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT c.id FROM crm_connectors c JOIN crm_connector_write_back s ON s.connector_id = c.id
        WHERE c.workspace_id = $1 AND s.workspace_id = $1 AND c.enabled
          AND COALESCE((c.config -> 'writeBack' ->> 'enabled')::boolean, false)`,
      [workspaceId],
    );
    return rows.map((r) => r.id);
  }
}
