import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';

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

  /** Locks up to `batch` undispatched events, oldest first; concurrent dispatchers skip each other's rows. */
  claimPending(batch: number, tx: Queryable): Promise<OutboxEventIdRow[]> {
    return this.rows<OutboxEventIdRow>(
      // @crossTenant the dispatcher drains the outbox of every workspace
      `SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batch],
      tx,
    );
  }

  /** One delivery per (event, active endpoint of the event's workspace that wants its type); re-runs add none. */
  fanOut(eventIds: string[], tx: Queryable): Promise<DeliveryIdRow[]> {
    return this.rows<DeliveryIdRow>(
      `INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id)
         SELECT e.workspace_id, e.id, w.id
           FROM outbox_events e
           JOIN webhook_endpoints w ON w.workspace_id = e.workspace_id AND w.active
                                   AND (cardinality(w.event_types) = 0 OR e.event_type = ANY (w.event_types))
          WHERE e.id = ANY ($1::bigint[])
         ON CONFLICT (outbox_event_id, endpoint_id) DO NOTHING
         RETURNING id`,
      [eventIds],
      tx,
    );
  }

  async markDispatched(eventIds: string[], tx: Queryable): Promise<void> {
    await this.exec(
      // @crossTenant the events were claimed by id (claimPending), across workspaces
      `UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY ($1::bigint[])`,
      [eventIds],
      tx,
    );
  }
}
