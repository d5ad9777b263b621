import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { Metrics, statusClass } from '../metrics/metrics';
import { OutboundGuard, OutboundRefused } from '../net/outbound-guard';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { PiiCipher } from '../common/pii-cipher';
import { WEBHOOK_SECRET_CIPHER, WebhookClock } from './webhooks.providers';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { nextRetry } from './retry-schedule';
import { signedHeaders } from './webhook-signing';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

/** Bytes of a receiver's answer kept in the delivery log. */
export const RESPONSE_BODY_LOG_BYTES = 2048;

export interface AttemptResult {
  deliveryId: string;
  status: 'delivered' | 'failed' | 'dead' | 'skipped';
  httpStatus: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/**
 * Signed delivery with a Stripe/Svix-like retry schedule. The schedule lives in the database, not in BullMQ's
 * backoff: each delivery row carries `retry_step` and `next_attempt_at` (computed by retry-schedule.ts from the
 * injected clock), a delayed `deliver` job is only the wake-up call, and the outbox sweep re-enqueues whatever is
 * due, so a lost job, a Redis flush or a restart delays a retry by at most a sweep. `Retry-After` and 410 Gone need
 * the response, which BullMQ's backoff strategies do not see; and the log, replay and recover read and reset the
 * same columns.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly outboxService: OutboxService,
    private readonly webhooks: WebhooksRepository,
    private readonly guard: OutboundGuard,
    private readonly clock: WebhookClock,
    @Inject(WEBHOOK_SECRET_CIPHER) private readonly cipher: PiiCipher,
    @InjectQueue(QUEUES.webhooks) private readonly queue: JobQueue<'webhooks'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Fans pending outbox events out to matching endpoints (set-based), marks them dispatched and enqueues one
   * delivery job per due delivery. Job ids make a re-run harmless.
   */
  async dispatchPending(batch = 500): Promise<number> {
    const deliveries = await this.transactions.run(async (tx) => {
      const events = await this.outbox.claimPending(batch, tx);
      if (events.length === 0) return [];
      const ids = events.map((e) => e.id);
      const created = await this.outbox.fanOut(ids, this.clock.now(), tx);
      await this.outbox.markDispatched(ids, tx);
      return created;
    });
    await this.enqueue(deliveries.map((d) => ({ id: d.id, step: 0, delayMs: 0 })));
    return deliveries.length;
  }

  /** Enqueues the deliveries whose next attempt is due (the sweep: covers jobs that were lost). */
  async enqueueDue(limit = 1000): Promise<number> {
    const due = await this.webhooks.due(this.clock.now(), limit);
    await this.enqueue(due.map((d) => ({ id: d.id, step: d.retry_step, delayMs: 0 })));
    return due.length;
  }

  /** Attempts every due delivery in this process, a few at a time (tests with a simulated clock; the CLI). */
  async deliverDue(limit = 1000, parallel = 8): Promise<AttemptResult[]> {
    const due = await this.webhooks.due(this.clock.now(), limit);
    const results: AttemptResult[] = [];
    for (let i = 0; i < due.length; i += parallel) {
      const batch = await Promise.all(due.slice(i, i + parallel).map((d) => this.attempt(d.id)));
      results.push(...batch);
    }
    return results;
  }

  /** Schedules deliveries for an attempt now (replay, recover, test send). */
  async enqueueNow(ids: string[], step = 0): Promise<void> {
    await this.enqueue(ids.map((id) => ({ id, step, delayMs: 0 })));
  }

  /**
   * One attempt of one delivery, if it is due: a signed POST through the SSRF guard (no redirects, connection
   * pinned to the checked address). A refused URL is a failed attempt that sends nothing. A failure schedules the
   * next attempt, or ends the delivery (`dead`) when the schedule is exhausted; 410 Gone, or an endpoint whose every
   * delivery failed for WEBHOOK_DISABLE_AFTER_DAYS, disables the endpoint and records `endpoint.disabled`.
   */
  async attempt(deliveryId: string): Promise<AttemptResult> {
    const result = await this.attemptOnce(deliveryId);
    const outcome = deliveryOutcome(result);
    if (outcome) this.metrics.webhookDeliveries.inc({ outcome });
    return result;
  }

  private async attemptOnce(deliveryId: string): Promise<AttemptResult> {
    const now = this.clock.now();
    const lease = new Date(now.getTime() + this.config.webhookTimeoutMs + 60_000);
    const row = await this.webhooks.claim(deliveryId, now, lease);
    if (!row) return { deliveryId, status: 'skipped', httpStatus: null, error: null, nextAttemptAt: null };
    if (!row.endpoint_active) {
      const error = 'not sent: the endpoint is disabled';
      await this.webhooks.recordAttempt(deliveryId, {
        status: 'failed',
        at: now,
        retryStep: row.retry_step,
        nextAttemptAt: null,
        httpStatus: null,
        error,
        responseBody: null,
      });
      return { deliveryId, status: 'failed', httpStatus: null, error, nextAttemptAt: null };
    }
    const timer = this.metrics.webhookAttemptDuration.startTimer();
    const sent = await this.send(row);
    timer({ result: sent.status === null ? 'network' : statusClass(sent.status) });
    const at = this.clock.now();
    if (sent.error === null) {
      await this.webhooks.recordAttempt(deliveryId, {
        status: 'delivered',
        at,
        retryStep: row.retry_step,
        nextAttemptAt: null,
        httpStatus: sent.status,
        error: null,
        responseBody: sent.body,
      });
      await this.webhooks.endpointSucceeded(row.workspace_id, row.endpoint_id);
      return { deliveryId, status: 'delivered', httpStatus: sent.status, error: null, nextAttemptAt: null };
    }
    return this.failed(row, { ...sent, error: sent.error }, at);
  }

  private async failed(
    row: ClaimedDelivery,
    sent: { status: number | null; error: string; body: string | null; retryAfter: string | null },
    at: Date,
  ): Promise<AttemptResult> {
    const decision = nextRetry(row.retry_step, this.config.webhookRetryScheduleMs, sent, at);
    let nextAttemptAt = decision.retry ? new Date(at.getTime() + decision.delayMs) : null;
    // The URL may carry credentials in its query string: log the host only.
    this.logger.warn(
      `delivery ${row.id} to ${safeHost(row.url)} failed (attempt ${row.attempts + 1}): ${sent.error}`,
    );
    const disabled = await this.transactions.run(async (tx) => {
      // the endpoint row first: concurrent failures of one endpoint queue here instead of deadlocking on each
      // other's delivery rows (disabling touches all of them)
      const streak = await this.webhooks.endpointFailed(row.workspace_id, row.endpoint_id, at, tx);
      const failingSince = streak?.failing_since ?? null;
      // disabled (or deleted) while this attempt was under way: no further attempt
      if (!streak?.active) nextAttemptAt = null;
      await this.webhooks.recordAttempt(
        row.id,
        {
          status: nextAttemptAt ? 'failed' : decision.retry ? 'failed' : 'dead',
          at,
          retryStep: decision.retry ? row.retry_step + 1 : row.retry_step,
          nextAttemptAt,
          httpStatus: sent.status,
          error: sent.error,
          responseBody: sent.body,
        },
        tx,
      );
      const days = failingSince ? (at.getTime() - failingSince.getTime()) / 86_400_000 : 0;
      const reason =
        !decision.retry && decision.reason === 'gone'
          ? 'gone'
          : days >= this.config.webhookDisableAfterDays
            ? 'failing'
            : null;
      if (!reason || !streak?.active) return false;
      const endpoint = await this.webhooks.disableAutomatically(
        row.workspace_id,
        row.endpoint_id,
        reason,
        at,
        tx,
      );
      if (!endpoint) return false;
      await this.outboxService.append(tx, row.workspace_id, 'endpoint.disabled', {
        endpointId: endpoint.id,
        url: safeUrl(endpoint.url),
        reason,
        failingSince: failingSince?.toISOString() ?? null,
        disabledAt: at.toISOString(),
      });
      return true;
    });
    if (disabled) {
      this.logger.warn(`endpoint ${row.endpoint_id} (${safeHost(row.url)}) disabled automatically`);
      await this.outboxService.kick();
      return {
        deliveryId: row.id,
        status: 'dead',
        httpStatus: sent.status,
        error: sent.error,
        nextAttemptAt: null,
      };
    }
    if (nextAttemptAt) {
      await this.enqueue([
        { id: row.id, step: row.retry_step + 1, delayMs: Math.max(0, nextAttemptAt.getTime() - Date.now()) },
      ]);
    }
    return {
      deliveryId: row.id,
      status: decision.retry ? 'failed' : 'dead',
      httpStatus: sent.status,
      error: sent.error,
      nextAttemptAt,
    };
  }

  private async send(row: ClaimedDelivery): Promise<{
    status: number | null;
    error: string | null;
    body: string | null;
    retryAfter: string | null;
  }> {
    const body = JSON.stringify(row.payload);
    const previous =
      row.previous_secret_enc && row.previous_secret_expires_at && row.previous_secret_expires_at > new Date()
        ? this.cipher.decrypt(row.previous_secret_enc)
        : null;
    const secret = row.secret_enc ? this.cipher.decrypt(row.secret_enc) : (row.legacy_secret as string);
    try {
      const res = await this.guard.fetch(row.url, {
        method: 'POST',
        headers: signedHeaders(secret, row.message_id, body, new Date(), previous),
        body,
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      });
      const text = await readCapped(res.body, RESPONSE_BODY_LOG_BYTES);
      const ok = res.status >= 200 && res.status < 300;
      return {
        status: res.status,
        error: ok ? null : `HTTP ${res.status}`,
        body: text,
        retryAfter: res.headers.get('retry-after'),
      };
    } catch (e) {
      if (e instanceof OutboundRefused)
        return { status: null, error: `url_not_allowed: ${e.message}`, body: null, retryAfter: null };
      const err = e as Error & { cause?: Error & { code?: string } };
      const message =
        err.name === 'TimeoutError'
          ? `timed out after ${this.config.webhookTimeoutMs} ms`
          : err.cause?.code === 'ERR_OUTBOUND_REFUSED'
            ? `url_not_allowed: ${err.cause.message}`
            : `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
      return { status: null, error: message, body: null, retryAfter: null };
    }
  }

  private async enqueue(items: Array<{ id: string; step: number; delayMs: number }>): Promise<void> {
    if (items.length === 0) return;
    await this.queue.addBulk(
      items.map((d) => ({
        name: 'deliver' as const,
        data: { deliveryId: d.id },
        opts: {
          jobId: `deliver-${d.id}-${d.step}`,
          delay: d.delayMs,
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }
}

/** The delivery-metric outcome of an attempt; null for one that did not happen (claimed elsewhere, not due). */
function deliveryOutcome(r: AttemptResult): string | null {
  if (r.status === 'skipped') return null;
  if (r.status === 'delivered') return 'delivered';
  if (r.status === 'dead') return 'dead';
  if (r.nextAttemptAt) return 'retrying';
  return r.httpStatus === null && r.error?.startsWith('not sent') ? 'not_sent' : 'dead';
}

/** The first `max` bytes of a body as text (the rest is discarded unread), without a replacement character. */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<string | null> {
  if (!body) return null;
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (size === 0) return null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks).subarray(0, max));
  // a cut multi-byte character (or a binary body) would decode to U+FFFD: drop those rather than store them
  return text
    .replace(/\uFFFD/g, '')
    .split(String.fromCharCode(0))
    .join('');
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** Scheme, host and path: a query string may carry a token. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
