import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Queryable } from '../database/sql';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { OutboundEventType } from './event-types';
import { OutboxRepository } from './outbox.repository';
import { scrubCustomers } from './payload-scrub';

export type { OutboundEventType } from './event-types';

/**
 * Transactional outbox: events are written in the same transaction as the change they describe, then
 * dispatched to endpoints by a job. A crash between commit and dispatch delays delivery, never loses it
 * (the periodic sweep picks up anything left undispatched).
 */
@Injectable()
export class OutboxService {
  constructor(
    @InjectQueue(QUEUES.webhooks) private readonly queue: JobQueue<'webhooks'>,
    private readonly events: OutboxRepository,
  ) {}

  async append(tx: Queryable, workspaceId: string, type: OutboundEventType, data: unknown): Promise<string> {
    const messageId = `msg_${randomUUID().replace(/-/g, '')}`;
    const payload = { type, timestamp: new Date().toISOString(), data };
    await this.events.insert(workspaceId, { messageId, type, payload: JSON.stringify(payload) }, tx);
    return messageId;
  }

  /** Appends several events in one statement, in the order given (a publish: one per new list). */
  async appendMany(
    tx: Queryable,
    workspaceId: string,
    events: ReadonlyArray<{ type: OutboundEventType; data: unknown }>,
  ): Promise<string[]> {
    const timestamp = new Date().toISOString();
    const rows = events.map(({ type, data }) => ({
      messageId: `msg_${randomUUID().replace(/-/g, '')}`,
      type,
      payload: JSON.stringify({ type, timestamp, data }),
    }));
    await this.events.insertMany(workspaceId, rows, tx);
    return rows.map((r) => r.messageId);
  }

  /** Asks a worker to dispatch pending events now (call after the transaction commits). */
  async kick(): Promise<void> {
    await this.queue.add('dispatch', {}, { removeOnComplete: true, removeOnFail: 100 });
  }

  /**
   * Erasure: removes these customers from every stored event payload of the workspace (pending or already sent,
   * so retries, replays and recovers cannot send them again) and clears the receivers' answers logged for those
   * events. Runs in the erasure's transaction; returns the number of events changed.
   */
  async scrubCustomers(tx: Queryable, workspaceId: string, customerIds: string[]): Promise<number> {
    const externalIds = await this.events.externalIdsOf(workspaceId, customerIds, tx);
    if (externalIds.length === 0) return 0;
    const ids = new Set(externalIds);
    let changed = 0;
    for (const e of await this.events.eventsMentioning(workspaceId, externalIds, tx)) {
      const r = scrubCustomers(e.payload, ids);
      if (!r.changed) continue;
      await this.events.replacePayload(workspaceId, e.id, r.payload, tx);
      changed++;
    }
    return changed;
  }
}
