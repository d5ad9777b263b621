import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { DeliveryIdRow, OutboxRepository } from './outbox.repository';
import { signedHeaders } from './webhook-signing';
import { WebhooksRepository } from './webhooks.repository';

@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly webhooks: WebhooksRepository,
    @InjectQueue(QUEUES.webhooks) private readonly queue: JobQueue<'webhooks'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Fans pending outbox events out to matching endpoints (set-based), marks them dispatched and enqueues one
   * delivery job per (event, endpoint). Job ids make a re-run harmless.
   */
  async dispatchPending(batch = 500): Promise<number> {
    const deliveries: DeliveryIdRow[] = await this.transactions.run(async (tx) => {
      const events = await this.outbox.claimPending(batch, tx);
      if (events.length === 0) return [];
      const ids = events.map((e) => e.id);
      const created = await this.outbox.fanOut(ids, tx);
      await this.outbox.markDispatched(ids, tx);
      return created;
    });
    if (deliveries.length > 0) {
      await this.queue.addBulk(
        deliveries.map((d) => ({
          name: 'deliver',
          data: { deliveryId: d.id },
          opts: {
            jobId: `deliver-${d.id}`,
            attempts: this.config.webhookMaxAttempts,
            backoff: { type: 'exponential', delay: 2_000 },
            removeOnComplete: 1000,
            removeOnFail: 5000,
          },
        })),
      );
    }
    return deliveries.length;
  }

  /** Sends one signed delivery; throws on a non-2xx answer so BullMQ retries with backoff. */
  async deliver(deliveryId: string, attempt: number, finalAttempt: boolean): Promise<void> {
    const row = await this.webhooks.delivery(deliveryId);
    if (!row || row.status === 'delivered') return;
    const body = JSON.stringify(row.payload);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: signedHeaders(row.secret, row.message_id, body),
        body,
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
        redirect: 'manual',
      });
      status = res.status;
      await res.body?.cancel();
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const outcome = error === null ? 'delivered' : finalAttempt ? 'dead' : 'failed';
    await this.webhooks.recordAttempt(deliveryId, {
      status: outcome,
      number: attempt,
      httpStatus: status,
      error,
    });
    if (error !== null) {
      // The URL may carry credentials in its query string: log the host only.
      this.logger.warn(
        `delivery ${deliveryId} to ${safeHost(row.url)} failed (attempt ${attempt}): ${error}`,
      );
      throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
