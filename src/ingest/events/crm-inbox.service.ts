import { BeforeApplicationShutdown, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { parseJsonBody } from '../../common/hostile-input';
import { Transactions } from '../../database/transactions';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { QUEUES } from '../../queue/queue-factory';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { PiiCipher } from '../../customers/pii/pii';
import { DedupeJobs } from '../../customers/dedupe/dedupe.jobs';
import { RecordSyncService } from '../sync/record-sync.service';
import { ApplyReport } from '../sync/sync-events';
import { CrmInboxRepository, InboxCountRow, InboxListRow, InboxStatus } from './crm-inbox.repository';
import { MAX_EVENTS_PER_BATCH, parseEventBatch } from './crm-event.schema';
import { SignatureHeaders, verifySignature } from './webhook-signature';
import { WebhookSecretsService } from './webhook-secrets.service';
import { TenantScope } from '../../database/tenant-scope';

export type { InboxStatus } from './crm-inbox.repository';

export interface InboxRow {
  id: string;
  webhookId: string;
  status: InboxStatus;
  events: number;
  attempts: number;
  lastError: string | null;
  result: ApplyReport | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface Received {
  inboxId: string;
  events: number;
  duplicate: boolean;
}

/** Rows still pending this long after they were received get a job again (the enqueue after the 2xx was lost). */
const SWEEP_AFTER_SECONDS = 60;
const RETRYABLE = new Set(['40P01', '40001']);
/** Enqueues of concurrent requests are gathered this long, or until this many, into one addBulk. */
const ENQUEUE_DELAY_MS = 5;
const ENQUEUE_BATCH = 200;

/**
 * Inbound CRM webhooks: verify the signature over the raw body, validate, store the message in crm_inbox (encrypted)
 * and only then answer 202; a crm-sync job applies it. A crash after the 2xx loses nothing: the row waits as
 * `pending` until a job (the enqueue, the sweep or a reprocess) applies it, and applying is idempotent.
 */
@Injectable()
export class CrmInboxService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CrmInboxService.name);
  private readonly toEnqueue: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: CrmInboxRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    private readonly secrets: WebhookSecretsService,
    private readonly sync: RecordSyncService,
    private readonly dedupe: DedupeJobs,
  ) {}

  /** Verifies, validates and stores one webhook message; throws AppError (401/400/413) when it is not acceptable. */
  async receive(slug: string, body: Buffer, headers: SignatureHeaders): Promise<Received> {
    const signed = await this.verify(slug, body, headers);
    // the signature names the workspace: the rest of the request sees its rows only (row-level security)
    TenantScope.bind(signed.workspaceId);
    // The same edge as every JSON route (common/hostile-input): what the worker could not store — NUL, lone
    // surrogates, bytes that are not UTF-8 — or nesting too deep to handle is a 400 with its path, before the 202.
    const checked = parseJsonBody(body);
    if (!checked.ok) throw new AppError(checked.code, checked.message, 400, checked.details);
    const json = checked.value;
    const events = (json as { events?: unknown } | null)?.events;
    if (Array.isArray(events) && events.length > MAX_EVENTS_PER_BATCH) {
      throw new AppError(
        'too_many_events',
        `at most ${MAX_EVENTS_PER_BATCH} events per message (got ${events.length})`,
        HttpStatus.PAYLOAD_TOO_LARGE,
        { path: 'events', max: MAX_EVENTS_PER_BATCH },
      );
    }
    const parsed = parseEventBatch(json, { normalise: false });
    if (!parsed.ok)
      throw new AppError('validation_failed', 'CRM events failed validation', 400, parsed.issues);
    const id = await this.repo.insert(
      signed.workspaceId,
      signed.webhookId,
      signed.signedAt,
      parsed.events.length,
      this.pii.encrypt(body.toString('utf8').replace(/^\uFEFF/, '')), // checked UTF-8; the job parses it again
    );
    if (id === undefined) {
      // the conflicting row exists: this message was stored before
      const existing = (await this.repo.byWebhookId(signed.workspaceId, signed.webhookId))!;
      return { inboxId: existing.id, events: existing.event_count, duplicate: true };
    }
    this.enqueueSoon(id);
    return { inboxId: id, events: parsed.events.length, duplicate: false };
  }

  private async verify(slug: string, body: Buffer, headers: SignatureHeaders) {
    const keys = /^[a-z0-9][a-z0-9-]{0,62}$/.test(slug) ? await this.secrets.keysForSlug(slug) : null;
    if (!keys) {
      // Unknown workspace and workspace without a secret look the same as a forged signature from outside.
      throw new AppError('invalid_signature', 'no signature matches the workspace secret', 401);
    }
    let check = verifySignature(body, headers, keys.keys);
    if (!check.ok && check.code === 'invalid_signature' && Date.now() - keys.loadedAt > 1000) {
      const fresh = await this.secrets.keysForSlug(slug, true); // a rotation elsewhere since we cached
      if (fresh) check = verifySignature(body, headers, fresh.keys);
    }
    if (!check.ok) throw new AppError(check.code, check.message, 401);
    return { workspaceId: keys.workspaceId, webhookId: check.webhookId, signedAt: check.signedAt };
  }

  /**
   * Queues the row's job within a few milliseconds, together with those of concurrent requests (one addBulk instead
   * of one round trip per request: on the PostgreSQL queue backend that is the difference between 12k and 50k events
   * per second). The 2xx does not wait for it: the row is already durable, and a flush lost in a crash leaves it
   * pending for the sweep.
   */
  private enqueueSoon(id: string): void {
    this.toEnqueue.push(id);
    if (this.toEnqueue.length >= ENQUEUE_BATCH) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), ENQUEUE_DELAY_MS);
  }

  private async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const ids = this.toEnqueue.splice(0);
    if (ids.length > 0) await this.enqueue(ids);
  }

  /** Shutdown: queue what is waiting before the queues close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /**
   * Queues jobs for inbox rows. The job id is derived from the row (and the attempt, for reprocessing), so a
   * second enqueue of a waiting row is a no-op. A failed enqueue leaves the row pending for the sweep.
   */
  async enqueue(ids: string[], reprocessTag?: string): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      await this.queue.addBulk(
        ids.map((id) => ({
          name: 'inbox' as const,
          data: { inboxId: id },
          opts: {
            jobId: reprocessTag ? `inbox-${id}-${reprocessTag}` : `inbox-${id}`,
            attempts: 5,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: true,
            removeOnFail: 1000,
          },
        })),
      );
      return ids.length;
    } catch (e) {
      this.logger.warn(
        `could not enqueue ${ids.length} inbox row(s); the sweep will: ${(e as Error).message}`,
      );
      return 0;
    }
  }

  /** Applies one stored message, once: a processed row is skipped, a failure leaves it for a retry. */
  async process(inboxId: string): Promise<ApplyReport | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.processOnce(inboxId);
        // new or changed contact data may have made duplicates: a delayed dedupe run that batches join
        if (applied && applied.report.customersWritten > 0) await this.dedupe.afterSync(applied.workspaceId);
        return applied?.report ?? null;
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (attempt < 4 && RETRYABLE.has(code)) continue;
        const message = (e instanceof Error ? e.message : String(e)).slice(0, 500);
        await this.repo.markFailed(inboxId, message);
        throw e;
      }
    }
  }

  private processOnce(inboxId: string): Promise<{ report: ApplyReport; workspaceId: string } | null> {
    return this.transactions.run(async (tx) => {
      const row = await this.repo.lockForProcessing(inboxId, tx);
      if (!row || row.status === 'processed') return null;
      const parsed = parseEventBatch(JSON.parse(this.pii.decrypt(row.payload_enc)));
      if (!parsed.ok) {
        throw new AppError(
          'inbox_invalid',
          `stored message no longer validates: ${JSON.stringify(parsed.issues.slice(0, 3))}`,
        );
      }
      const report = await this.sync.applyBatch(row.workspace_id, parsed.source, parsed.events, tx);
      report.warnings += parsed.warnings.length;
      await this.repo.markProcessed(inboxId, report, tx);
      return { report, workspaceId: row.workspace_id };
    });
  }

  /**
   * Queues failed (and/or still pending) rows again — after a fix, or after a crash. `workspaceId` null = all
   * workspaces (CLI). Returns how many rows were queued.
   */
  async reprocess(opts: {
    workspaceId: string | null;
    statuses?: Array<'pending' | 'failed'>;
    ids?: string[];
    limit?: number;
  }): Promise<number> {
    const rows = await this.repo.toReprocess(
      opts.workspaceId,
      opts.statuses ?? ['failed', 'pending'],
      opts.ids ?? null,
      opts.limit ?? 10_000,
    );
    return this.enqueue(
      rows.map((r) => r.id),
      `r${Date.now()}`,
    );
  }

  /**
   * Applies stored messages in this process, one after the other (the CLI: no worker needed). A failure is recorded
   * on its row (`failed`, `last_error`) and reported; the others still run.
   */
  async applyNow(
    ids: string[],
  ): Promise<{ applied: number; failed: Array<{ id: string; message: string }> }> {
    let applied = 0;
    const failed: Array<{ id: string; message: string }> = [];
    for (const id of ids) {
      try {
        await this.process(id);
        applied++;
      } catch (e) {
        failed.push({ id, message: (e as Error).message });
      }
    }
    return { applied, failed };
  }

  /** Failed rows of a workspace (`ids` null: all of them), oldest first: what a replay from the rejects list takes. */
  async failedIds(workspaceId: string, ids: string[] | null): Promise<string[]> {
    const rows = await this.repo.toReprocess(workspaceId, ['failed'], ids, 10_000);
    return rows.map((r) => r.id);
  }

  /** Safety net: rows pending for more than a minute get a job again (idempotent if one is already waiting). */
  async sweep(): Promise<number> {
    const rows = await this.repo.pendingSince(SWEEP_AFTER_SECONDS);
    return this.enqueue(rows.map((r) => r.id));
  }

  /** Ids of stored messages in these statuses, oldest first; `workspaceId` null = every workspace (CLI). */
  async idsWithStatus(workspaceId: string | null, statuses: string[]): Promise<string[]> {
    return (await this.repo.idsWithStatus(workspaceId, statuses)).map((r) => r.id);
  }

  /** Messages and events per status (CLI status). */
  countsByStatus(workspaceId: string): Promise<InboxCountRow[]> {
    return this.repo.countsByStatus(workspaceId);
  }

  async list(workspaceId: string, status: InboxStatus | undefined, limit = 100): Promise<InboxRow[]> {
    const rows = await this.repo.list(workspaceId, status ?? null, limit);
    return rows.map((r: InboxListRow): InboxRow => ({
      id: r.id,
      webhookId: r.webhook_id,
      status: r.status,
      events: r.event_count,
      attempts: r.attempts,
      lastError: r.last_error ?? null,
      result: r.result ?? null,
      receivedAt: r.received_at,
      processedAt: r.processed_at ?? null,
    }));
  }
}
