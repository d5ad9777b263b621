import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { PurgeBatch, SqlRepository } from '../database/sql-repository';

export interface OutboxEventIdRow {
  id: string;
}

export interface DeliveryIdRow {
  id: string;
}

/** The transactional outbox (`outbox_events`) and its fan-out into `webhook_deliveries`. */
@Injectable()
export class OutboxRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Appends one event; `tx` is the transaction of the change it describes (any module's). */
  async insert(
    workspaceId: string,
    event: { messageId: string; type: string; payload: string },
    tx: Queryable,
  ): Promise<void> {
    await this.exec(
      `INSERT INTO outbox_events (workspace_id, message_id, event_type, payload) VALUES ($1, $2, $3, $4)`,
      [workspaceId, event.messageId, event.type, event.payload],
      tx,
    );
  }

  /** Several events in one statement, their ids in the order given (the dispatcher sends in id order). */
  async insertMany(
    workspaceId: string,
    events: ReadonlyArray<{ messageId: string; type: string; payload: string }>,
    tx: Queryable,
  ): Promise<void> {
    if (events.length === 0) return;
    await this.exec(
      `INSERT INTO outbox_events (workspace_id, message_id, event_type, payload)
         SELECT $1, e.message_id, e.event_type, e.payload::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(message_id, event_type, payload, n)
         ORDER BY e.n`,
      [workspaceId, events.map((e) => e.messageId), events.map((e) => e.type), events.map((e) => e.payload)],
      tx,
    );
  }

  /** Locks up to `batch` undispatched events, oldest first; concurrent dispatchers skip each other's rows. */
  claimPending(batch: number, tx: Queryable): Promise<OutboxEventIdRow[]> {
    return this.rows<OutboxEventIdRow>(
      // @crossTenant the dispatcher drains the outbox of every workspace
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batch],
      tx,
    );
  }

  /**
   * One delivery per (event, endpoint of the event's workspace that wants its type); re-runs add none. Active
   * endpoints get a delivery due now; endpoints disabled automatically (failing, gone) get a `failed` one without
   * a next attempt, so that `recover` after re-enabling replays what they missed. Returns the due deliveries.
   */
  async fanOut(eventIds: string[], now: Date, tx: Queryable): Promise<DeliveryIdRow[]> {
    const rows = await this.rows<DeliveryIdRow & { active: boolean }>(
      `INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id, status, next_attempt_at, last_error)
         SELECT e.workspace_id, e.id, w.id,
                CASE WHEN w.active THEN 'pending' ELSE 'failed' END,
                CASE WHEN w.active THEN $2::timestamptz END,
                CASE WHEN w.active THEN NULL ELSE 'not sent: the endpoint was disabled' END
           FROM outbox_events e
           JOIN webhook_endpoints w ON w.workspace_id = e.workspace_id
                                   AND (w.active OR w.disabled_reason IN ('failing', 'gone'))
                                   AND (cardinality(w.event_types) = 0 OR e.event_type = ANY (w.event_types))
          WHERE e.id = ANY ($1::bigint[])
         ON CONFLICT (outbox_event_id, endpoint_id) DO NOTHING
         RETURNING id, status = 'pending' AS active`,
      [eventIds, now],
      tx,
    );
    return rows.filter((r) => r.active).map((r) => ({ id: r.id }));
  }

  async markDispatched(eventIds: string[], tx: Queryable): Promise<void> {
    await this.exec(
      // @crossTenant the events were claimed by id (claimPending), across workspaces
      `UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY ($1::bigint[])`,
      [eventIds],
      tx,
    );
  }

  /** CRM external ids of these customers (erasure keeps them: later imports must resolve to the erased record). */
  async externalIdsOf(workspaceId: string, customerIds: string[], tx: Queryable): Promise<string[]> {
    const rows = await this.rows<{ external_id: string }>(
      `SELECT external_id FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[])`,
      [workspaceId, customerIds],
      tx,
    );
    return rows.map((r) => r.external_id);
  }

  /** Stored events of the workspace whose payload holds one of these strings anywhere (locked for the scrub). */
  eventsMentioning(
    workspaceId: string,
    values: string[],
    tx: Queryable,
  ): Promise<Array<{ id: string; payload: unknown }>> {
    return this.rows<{ id: string; payload: unknown }>(
      `SELECT id, payload FROM outbox_events
        WHERE workspace_id = $1
          AND EXISTS (SELECT 1 FROM unnest($2::text[]) v
                       WHERE jsonb_path_exists(payload, 'strict $.** ? (@ == $v)', jsonb_build_object('v', v)))
        ORDER BY id FOR UPDATE`,
      [workspaceId, values],
      tx,
    );
  }

  /** Replaces a scrubbed payload and forgets what receivers answered to it (a response may echo the payload). */
  async replacePayload(workspaceId: string, eventId: string, payload: unknown, tx: Queryable): Promise<void> {
    await this.exec(
      `UPDATE outbox_events SET payload = $3 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, eventId, JSON.stringify(payload)],
      tx,
    );
    await this.exec(
      `UPDATE webhook_deliveries SET last_response_body = NULL
        WHERE workspace_id = $1 AND outbox_event_id = $2 AND last_response_body IS NOT NULL`,
      [workspaceId, eventId],
      tx,
    );
  }

  /**
   * Retention: outbox events dispatched before `b.before` that no delivery refers to any more (run after the
   * delivery log's purge; an event with a delivery still open stays, as it cascades to its deliveries).
   */
  purgeDispatched(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM outbox_events e
           WHERE e.workspace_id = $1 AND e.dispatched_at < $2
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                             WHERE d.outbox_event_id = e.id AND NOT (d.next_attempt_at IS NULL
                               AND d.status <> 'pending' AND d.created_at < $2))`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM outbox_events WHERE workspace_id = $1 AND id IN (
               SELECT e.id FROM outbox_events e
               WHERE e.workspace_id = $1 AND e.dispatched_at < $2
                 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.outbox_event_id = e.id)
               ORDER BY e.id LIMIT $3)
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }
}
