import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Queryable } from '../database/sql';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { OutboxRepository } from './outbox.repository';

export type OutboundEventType =
  | 'worklist.published'
  | 'scores.updated'
  | 'assignment.changed'
  | 'worklist.outcome_recorded'
  | 'worklist.item_inserted';

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

  /** Asks a worker to dispatch pending events now (call after the transaction commits). */
  async kick(): Promise<void> {
    await this.queue.add('dispatch', {}, { removeOnComplete: true, removeOnFail: 100 });
  }
}
