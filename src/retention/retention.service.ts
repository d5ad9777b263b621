import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AuditLogRepository } from '../audit-log/audit-log.repository';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { PurgeBatch } from '../database/sql-repository';
import { Transactions } from '../database/transactions';
import { CrmInboxRepository } from '../ingest/events/crm-inbox.repository';
import { ImportsRecoveryService } from '../ingest/imports/imports-recovery.service';
import { ImportsRepository } from '../ingest/imports/imports.repository';
import { RecordSyncRepository } from '../ingest/sync/record-sync.repository';
import { RunTablesRepository } from '../scoring/run-tables.repository';
import { OutboxRepository } from '../webhooks/outbox.repository';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { appendToArchive } from './audit-archive';
import {
  cutoffOf,
  resolveRetention,
  RETENTION_KINDS,
  RetentionKind,
  RetentionSettings,
} from './retention-settings';

/** Rows per statement: short locks, and a run that dies loses at most one batch of work. */
export const BATCH_ROWS = 1000;
/** Imports per statement: each carries its stored files (1 MB pieces). */
const IMPORT_BATCH = 20;

/** What one workspace's run removed (or, dry, would remove) per kind, and the cut-offs it used. */
export interface WorkspaceRetentionReport {
  workspaceId: string;
  slug: string;
  dryRun: boolean;
  settings: RetentionSettings;
  cutoffs: Record<RetentionKind, string>;
  removed: Record<RetentionKind, number>;
  /** archive files the removed audit entries were appended to */
  archived: string[];
}

export interface RetentionReport {
  dryRun: boolean;
  workspaces: WorkspaceRetentionReport[];
  /** upload temp files in DATA_DIR/uploads left by dead processes (the import recovery sweep's rule) */
  uploadFiles: number;
  /** per-run tables left by scoring runs that ended over a day ago (inputs of killed chunks, unattached scores) */
  scoreTables: string[];
}

/** A scoring run's leftover tables go once it has been over this long (a day: nobody is looking into it any more). */
export const SCORE_TABLES_AFTER_MS = 86_400_000;

/**
 * The retention job (docs/operations.md#retention): per workspace and kind, deletes what is older than the
 * workspace's `settings.retention` in batches of BATCH_ROWS rows, each its own statement and commit — so it holds no
 * long lock, and a run that stops is resumed by the next (every statement is "delete what is old", idempotent).
 * Audit entries are appended to an archive file first. Each workspace's run writes a `retention.run` audit entry
 * with the counts. The SQL is in each room's repository; this service only orders the calls.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly inbox: CrmInboxRepository,
    private readonly sync: RecordSyncRepository,
    private readonly imports: ImportsRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly outbox: OutboxRepository,
    private readonly auditLog: AuditLogRepository,
    private readonly uploads: ImportsRecoveryService,
    private readonly runTables: RunTablesRepository,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The archive folder of audit entries. */
  get archiveDir(): string {
    return join(this.config.dataDir, 'archive', 'audit');
  }

  /** Every workspace, then what belongs to none: upload files and scoring runs' leftover tables. */
  async runAll(opts: { dryRun?: boolean; now?: Date } = {}): Promise<RetentionReport> {
    const dryRun = opts.dryRun ?? false;
    const reports: WorkspaceRetentionReport[] = [];
    for (const ws of await this.workspaces.all()) reports.push(await this.run(ws.id, opts));
    const uploadFiles = await this.uploads.sweepUploadFiles({ dryRun });
    const now = opts.now ?? new Date();
    const scoreTables = await this.runTables.dropLeftoverTables(
      new Date(now.getTime() - SCORE_TABLES_AFTER_MS),
      dryRun,
    );
    if (!dryRun && scoreTables.length > 0)
      this.logger.log(`retention: dropped ${scoreTables.length} leftover scoring tables`);
    return { dryRun, workspaces: reports, uploadFiles, scoreTables };
  }

  /** One workspace's run. */
  async run(
    workspaceId: string,
    opts: { dryRun?: boolean; now?: Date } = {},
  ): Promise<WorkspaceRetentionReport> {
    const dryRun = opts.dryRun ?? false;
    const now = opts.now ?? new Date();
    const ws = await this.workspaces.byId(workspaceId);
    const settings = this.settingsOf(ws.settings);
    const cutoffs = {} as Record<RetentionKind, string>;
    const removed = {} as Record<RetentionKind, number>;
    const archived = new Set<string>();
    const purge: Record<Exclude<RetentionKind, 'audit'>, (b: PurgeBatch) => Promise<number>> = {
      inboxProcessed: (b) => this.inbox.purgeProcessed(workspaceId, b),
      inboxFailed: (b) => this.inbox.purgeFailed(workspaceId, b),
      parked: (b) => this.sync.purgeParked(workspaceId, b),
      tombstones: (b) => this.sync.purgeTombstones(workspaceId, b),
      deliveries: (b) => this.webhooks.purgeDeliveries(workspaceId, b),
      outboxEvents: (b) => this.outbox.purgeDispatched(workspaceId, b),
      imports: (b) => this.imports.purgeFinished(workspaceId, b),
    };
    for (const kind of RETENTION_KINDS) {
      const before = cutoffOf(settings, kind, now);
      cutoffs[kind] = before.toISOString();
      removed[kind] =
        kind === 'audit'
          ? await this.purgeAudit(workspaceId, before, dryRun, archived)
          : await drain(purge[kind], before, dryRun, kind === 'imports' ? IMPORT_BATCH : BATCH_ROWS);
    }
    const report = {
      workspaceId,
      slug: ws.slug,
      dryRun,
      settings,
      cutoffs,
      removed,
      archived: [...archived],
    };
    if (!dryRun) {
      await this.transactions.run((tx) =>
        audit(tx, {
          workspaceId,
          actor: 'system:retention',
          action: 'retention.run',
          details: { removed, cutoffs, archived: report.archived.length },
        }),
      );
      const total = Object.values(removed).reduce((a, b) => a + b, 0);
      if (total > 0) this.logger.log(`retention ${ws.slug}: removed ${JSON.stringify(removed)}`);
    }
    return report;
  }

  /** The workspace's effective settings; a stored section that no longer validates falls back to the defaults. */
  settingsOf(stored: Record<string, unknown>): RetentionSettings {
    try {
      return resolveRetention(stored.retention);
    } catch (e) {
      this.logger.warn(`invalid settings.retention, using the defaults: ${(e as Error).message}`);
      return resolveRetention(undefined);
    }
  }

  /** The newest `retention.run` entry of a workspace: when retention last ran and what it removed. */
  async lastRun(workspaceId: string): Promise<{ at: Date; details: unknown } | null> {
    const [row] = await this.auditLog.page(workspaceId, { limit: 1, action: 'retention.run', repIds: null });
    return row ? { at: row.created_at, details: row.details } : null;
  }

  /** Archives, then deletes, audit entries older than `before`, a batch per transaction. */
  private async purgeAudit(
    workspaceId: string,
    before: Date,
    dryRun: boolean,
    archived: Set<string>,
  ): Promise<number> {
    if (dryRun) return this.auditLog.countOlder(workspaceId, before);
    let total = 0;
    for (;;) {
      const n = await this.transactions.run(async (tx) => {
        const rows = await this.auditLog.takeForArchive(workspaceId, before, BATCH_ROWS, tx);
        if (rows.length === 0) return 0;
        for (const f of await appendToArchive(this.archiveDir, workspaceId, rows)) archived.add(f);
        await this.auditLog.deleteArchived(
          workspaceId,
          rows.map((r) => r.id),
          tx,
        );
        return rows.length;
      });
      total += n;
      if (n < BATCH_ROWS) return total;
    }
  }
}

/** Repeats a purge until a batch comes back short; a dry run counts once. */
async function drain(
  purge: (b: PurgeBatch) => Promise<number>,
  before: Date,
  dryRun: boolean,
  limit: number,
): Promise<number> {
  if (dryRun) return purge({ before, limit, dryRun });
  let total = 0;
  for (;;) {
    const n = await purge({ before, limit, dryRun });
    total += n;
    if (n < limit) return total;
  }
}
