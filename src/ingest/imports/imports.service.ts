import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { AppError } from '../../common/app-error';
import { audit } from '../../audit/audit-entry.repository';
import { Transactions } from '../../database/transactions';
import { Metrics } from '../../metrics/metrics';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { OnJob } from '../../queue/job-handlers';
import { CsvImportService, ImportProgress, ImportReport } from '../csv/csv-import.service';
import { ImportKind } from '../csv/csv-rows';
import { ImportFileStore } from './import-files';
import {
  ImportListRow,
  ImportOptionsRow,
  ImportRow,
  ImportsRepository,
  ImportStatus,
} from './imports.repository';

export type { ImportStatus } from './imports.repository';

export interface ImportRequest {
  workspaceId: string;
  kind: ImportKind;
  fileName: string;
  /** the uploaded file on local disk; stored in the database, then deleted */
  path: string;
  map?: Record<string, string>;
  source?: string;
  createMissingCustomers?: boolean;
  encoding?: ImportOptionsRow['encoding'];
  dateFormat?: string;
  preset?: ImportOptionsRow['preset'];
  ignoreUnknownColumns?: boolean;
  actor: string;
}

export interface ImportView {
  id: string;
  kind: ImportKind;
  status: ImportStatus;
  fileName: string;
  sizeBytes: number;
  options: ImportOptionsRow;
  /** percent: loading 0–90 by bytes read, merging 90, deduplicating 95, done 100 */
  progress: (Partial<ImportProgress> & { percent: number }) | null;
  report: Omit<ImportReport, 'rejectFile'> | null;
  /** why a failed import failed; `details` says where (line, column) when the file itself was refused */
  error: { code: string; message: string; details?: unknown } | null;
  /** the rejected rows (line, severity, column, reason, row) as CSV, when there are any */
  rejectsUrl: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const PROGRESS_WRITE_MS = 1000;

const IMPORT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The crm-sync job of an import. */
export function importJobId(importId: string): string {
  return `import-${importId}`;
}
/** uploads are deleted once imported; reject reports (they quote rows, personal data included) after this */
const REJECTS_RETENTION_DAYS = 7;

/**
 * HTTP imports: an upload becomes an `imports` row plus its stored file and a crm-sync job that runs the same
 * CsvImportService as the CLI, reporting progress on the job and on the row.
 */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    private readonly repo: ImportsRepository,
    private readonly transactions: Transactions,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    private readonly files: ImportFileStore,
    private readonly importer: CsvImportService,
    private readonly metrics: Metrics,
  ) {}

  async create(req: ImportRequest): Promise<ImportView> {
    const options = {
      ...(req.map && Object.keys(req.map).length ? { map: req.map } : {}),
      ...(req.source ? { source: req.source } : {}),
      ...(req.createMissingCustomers ? { createMissingCustomers: true } : {}),
      ...(req.encoding ? { encoding: req.encoding } : {}),
      ...(req.dateFormat ? { dateFormat: req.dateFormat } : {}),
      ...(req.preset ? { preset: req.preset } : {}),
      ...(req.ignoreUnknownColumns ? { ignoreUnknownColumns: true } : {}),
    };
    const id = await this.repo.create(req.workspaceId, req.kind, req.fileName, options, req.actor);
    try {
      const size = await this.files.save(id, 'upload', req.path);
      await this.transactions.run(async (tx) => {
        await this.repo.setSize(id, size, tx);
        await audit(tx, {
          workspaceId: req.workspaceId,
          actor: req.actor,
          action: 'import.created',
          subject: `import:${id}`,
          details: { kind: req.kind, sizeBytes: size, ...options },
        });
      });
    } catch (e) {
      await this.repo.remove(id);
      throw e;
    }
    await this.enqueue(id);
    return this.get(req.workspaceId, id);
  }

  /** Queues the job of a stored import (idempotent: the job id is the import's). */
  async enqueue(importId: string): Promise<void> {
    await this.queue.add('import', { importId }, { jobId: importJobId(importId), ...IMPORT_JOB_OPTIONS });
  }

  async get(workspaceId: string, id: string): Promise<ImportView> {
    const row = await this.repo.get(workspaceId, id);
    if (!row) throw AppError.notFound('import');
    return toView(row);
  }

  async list(workspaceId: string, limit: number): Promise<ImportView[]> {
    const rows = await this.repo.list(workspaceId, limit);
    return rows.map(toView);
  }

  /** The rejects report of an import, streamed from the database. */
  async rejects(workspaceId: string, id: string): Promise<AsyncGenerator<Buffer>> {
    await this.get(workspaceId, id);
    if (!(await this.files.exists(id, 'rejects')))
      throw new AppError('no_rejects', 'this import rejected nothing', 404);
    return this.files.read(id, 'rejects');
  }

  /** The job: imports the stored upload, then stores the rejects report. A retry after a crash starts over. */
  @OnJob(QUEUES.crmSync, 'import')
  async run({ importId }: { importId: string }, job: Job): Promise<Omit<ImportReport, 'rejectFile'> | null> {
    const imp = await this.repo.forJob(importId);
    if (!imp || imp.status === 'completed' || imp.status === 'failed') return null; // done or gone: nothing to redo
    await this.repo.markRunning(importId);
    await this.purgeOldFiles();
    const rejectFile = join(tmpdir(), `callplan-import-${importId}-rejects.csv`);
    try {
      return await this.importUpload(imp, job, rejectFile);
    } catch (e) {
      await this.recordFailure(importId, job, e, imp.kind);
      throw e;
    } finally {
      rmSync(rejectFile, { force: true });
    }
  }

  /** Runs the importer over the stored upload, then stores the rejects report and the result on the row. */
  private async importUpload(
    imp: ImportRow,
    job: Job,
    rejectFile: string,
  ): Promise<Omit<ImportReport, 'rejectFile'>> {
    const importId = imp.id;
    const options = imp.options;
    const report = await this.importer.import({
      workspaceId: imp.workspace_id,
      kind: imp.kind,
      input: this.files.read(importId, 'upload'),
      totalBytes: Number(imp.size_bytes),
      name: imp.file_name,
      map: options.map,
      source: options.source,
      createMissingCustomers: options.createMissingCustomers,
      encoding: options.encoding,
      dateFormat: options.dateFormat,
      preset: options.preset,
      ignoreUnknownColumns: options.ignoreUnknownColumns,
      rejectFile,
      onProgress: this.progressReporter(importId, job),
    });
    if (report.rejectFile) await this.files.save(importId, 'rejects', rejectFile);
    else await this.files.remove(importId, 'rejects');
    const { rejectFile: _local, ...stored } = report;
    await this.repo.complete(importId, stored, {
      phase: 'done',
      rows: report.rows,
      percent: 100,
      bytesRead: Number(imp.size_bytes),
      totalBytes: Number(imp.size_bytes),
    });
    this.metrics.imports.inc({ kind: imp.kind, outcome: 'completed' });
    await this.files.remove(importId, 'upload');
    return stored;
  }

  /** Progress goes to the job at once, and to the row at most once a second while loading. */
  private progressReporter(importId: string, job: Job): (p: ImportProgress) => void {
    let lastWrite = 0;
    return (p) => {
      const progress = { ...p, percent: percentOf(p) };
      void job.updateProgress(progress).catch(() => undefined);
      if (Date.now() - lastWrite < PROGRESS_WRITE_MS && p.phase === 'loading') return;
      lastWrite = Date.now();
      void this.repo.setProgress(importId, progress).catch(() => undefined);
    };
  }

  /**
   * A permanent failure (AppError), or the last attempt, marks the row failed and drops the upload; the caller
   * rethrows (as UnrecoverableError when permanent, so BullMQ does not retry).
   */
  private async recordFailure(importId: string, job: Job, e: unknown, kind: ImportKind): Promise<void> {
    const permanent = e instanceof AppError;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!permanent && !lastAttempt) return;
    const error = permanent
      ? { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) }
      : { code: 'import_failed', message: 'the import failed; see the worker log' };
    // no row data in logs: the message of a database error can quote values
    this.logger.warn(
      `import ${importId} failed: ${permanent ? e.code : ((e as { code?: string }).code ?? 'error')}`,
    );
    await this.repo.fail(importId, error);
    this.metrics.imports.inc({ kind, outcome: 'failed' });
    await this.files.remove(importId, 'upload');
    if (permanent) throw new UnrecoverableError(e.message);
  }

  private async purgeOldFiles(): Promise<void> {
    await this.repo.purgeFilesOlderThan(REJECTS_RETENTION_DAYS);
  }
}

function percentOf(p: ImportProgress): number {
  switch (p.phase) {
    case 'loading':
      return p.totalBytes > 0 ? Math.min(90, Math.floor((90 * p.bytesRead) / p.totalBytes)) : 0;
    case 'merging':
      return 90;
    case 'deduplicating':
      return 95;
    case 'done':
      return 100;
  }
}

function toView(r: ImportListRow): ImportView {
  const id = r.id;
  return {
    id,
    kind: r.kind,
    status: r.status,
    fileName: r.file_name,
    sizeBytes: Number(r.size_bytes),
    options: r.options,
    // jsonb as the job wrote it: a progress report, a report without the local reject file
    progress: Object.keys(r.progress).length ? (r.progress as ImportView['progress']) : null,
    report: (r.report as ImportView['report']) ?? null,
    error: r.error ?? null,
    rejectsUrl: r.has_rejects ? `/v1/imports/${id}/rejects` : null,
    createdBy: r.created_by,
    createdAt: r.created_at,
    startedAt: r.started_at ?? null,
    finishedAt: r.finished_at ?? null,
  };
}
