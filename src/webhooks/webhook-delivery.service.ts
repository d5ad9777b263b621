import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { signedHeaders } from './webhook-signing';

@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.webhooks) private readonly queue: JobQueue<'webhooks'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Fans pending outbox events out to matching endpoints (set-based), marks them dispatched and enqueues one
   * delivery job per (event, endpoint). Job ids make a re-run harmless.
   */
  async dispatchPending(batch = 500): Promise<number> {
    const deliveries: Array<{ id: string }> = await this.db.transaction(async (tx) => {
      const events: Array<{ id: string }> = await tx.query(
        `SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      if (events.length === 0) return [];
      const ids = events.map((e) => e.id);
      const created = await tx.query(
        `INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id)
         SELECT e.workspace_id, e.id, w.id
           FROM outbox_events e
           JOIN webhook_endpoints w ON w.workspace_id = e.workspace_id AND w.active
                                   AND (cardinality(w.event_types) = 0 OR e.event_type = ANY (w.event_types))
          WHERE e.id = ANY ($1::bigint[])
         ON CONFLICT (outbox_event_id, endpoint_id) DO NOTHING
         RETURNING id`,
        [ids],
      );
      await tx.query(`UPDATE outbox_events SET dispatched_at = now() WHERE id = ANY ($1::bigint[])`, [ids]);
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
    const [row] = await this.db.query(
      `SELECT d.status, e.message_id, e.payload, w.url, w.secret
         FROM webhook_deliveries d
         JOIN outbox_events e ON e.id = d.outbox_event_id
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.id = $1`,
      [deliveryId],
    );
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
    await this.db.query(
      `UPDATE webhook_deliveries
          SET status = $2, attempts = $3, last_status_code = $4, last_error = $5,
              delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
        WHERE id = $1`,
      [deliveryId, outcome, attempt, status, error],
    );
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
