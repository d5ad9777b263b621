import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/app-error';
import { audit } from '../../audit/audit-entry.repository';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { OnJob } from '../../queue/job-handlers';
import { CsvImportService, ImportProgress, ImportReport } from '../csv/csv-import.service';
import { ImportKind } from '../csv/csv-rows';
import { ImportFileStore } from './import-files';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ImportRequest {
  workspaceId: string;
  kind: ImportKind;
  fileName: string;
  /** the uploaded file on local disk; stored in the database, then deleted */
  path: string;
  map?: Record<string, string>;
  source?: string;
  createMissingCustomers?: boolean;
  actor: string;
}

export interface ImportView {
  id: string;
  kind: ImportKind;
  status: ImportStatus;
  fileName: string;
  sizeBytes: number;
  options: { map?: Record<string, string>; source?: string; createMissingCustomers?: boolean };
  /** percent: loading 0–90 by bytes read, merging 90, deduplicating 95, done 100 */
  progress: (Partial<ImportProgress> & { percent: number }) | null;
  report: Omit<ImportReport, 'rejectFile'> | null;
  error: { code: string; message: string } | null;
  /** the rejected rows (line, severity, column, reason, row) as CSV, when there are any */
  rejectsUrl: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const PROGRESS_WRITE_MS = 1000;
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
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    private readonly files: ImportFileStore,
    private readonly importer: CsvImportService,
  ) {}

  async create(req: ImportRequest): Promise<ImportView> {
    const options = {
      ...(req.map && Object.keys(req.map).length ? { map: req.map } : {}),
      ...(req.source ? { source: req.source } : {}),
      ...(req.createMissingCustomers ? { createMissingCustomers: true } : {}),
    };
    const [row] = await this.db.query(
      `INSERT INTO imports (workspace_id, kind, file_name, size_bytes, options, created_by)
       VALUES ($1, $2, $3, 0, $4, $5) RETURNING id`,
      [req.workspaceId, req.kind, req.fileName, JSON.stringify(options), req.actor],
    );
    const id: string = row.id;
    try {
      const size = await this.files.save(id, 'upload', req.path);
      await this.db.transaction(async (tx) => {
        await tx.query(`UPDATE imports SET size_bytes = $2 WHERE id = $1`, [id, size]);
        await audit(tx, {
          workspaceId: req.workspaceId,
          actor: req.actor,
          action: 'import.created',
          subject: `import:${id}`,
          details: { kind: req.kind, sizeBytes: size, ...options },
        });
      });
    } catch (e) {
      await this.db.query(`DELETE FROM imports WHERE id = $1`, [id]);
      throw e;
    }
    await this.queue.add(
      'import',
      { importId: id },
      {
        jobId: `import-${id}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    return this.get(req.workspaceId, id);
  }

  async get(workspaceId: string, id: string): Promise<ImportView> {
    const [row] = await this.db.query(
      `SELECT i.*, EXISTS (SELECT 1 FROM import_files f WHERE f.import_id = i.id AND f.part = 'rejects') AS has_rejects
       FROM imports i WHERE i.workspace_id = $1 AND i.id = $2`,
      [workspaceId, id],
    );
    if (!row) throw AppError.notFound('import');
    return toView(row);
  }

  async list(workspaceId: string, limit: number): Promise<ImportView[]> {
    const rows = await this.db.query(
      `SELECT i.*, EXISTS (SELECT 1 FROM import_files f WHERE f.import_id = i.id AND f.part = 'rejects') AS has_rejects
       FROM imports i WHERE i.workspace_id = $1 ORDER BY i.created_at DESC LIMIT $2`,
      [workspaceId, limit],
    );
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
    const [imp] = await this.db.query(`SELECT * FROM imports WHERE id = $1`, [importId]);
    if (!imp || imp.status === 'completed' || imp.status === 'failed') return null; // done or gone: nothing to redo
    await this.db.query(
      `UPDATE imports SET status = 'running', started_at = now(), progress = '{}', error = NULL WHERE id = $1`,
      [importId],
    );
    await this.purgeOldFiles();
    const rejectFile = join(tmpdir(), `callplan-import-${importId}-rejects.csv`);
    let lastWrite = 0;
    const onProgress = (p: ImportProgress) => {
      const progress = { ...p, percent: percentOf(p) };
      void job.updateProgress(progress).catch(() => undefined);
      if (Date.now() - lastWrite < PROGRESS_WRITE_MS && p.phase === 'loading') return;
      lastWrite = Date.now();
      void this.db
        .query(`UPDATE imports SET progress = $2 WHERE id = $1 AND status = 'running'`, [
          importId,
          JSON.stringify(progress),
        ])
        .catch(() => undefined);
    };
    const options = imp.options as {
      map?: Record<string, string>;
      source?: string;
      createMissingCustomers?: boolean;
    };
    try {
      const report = await this.importer.import({
        workspaceId: imp.workspace_id,
        kind: imp.kind,
        input: this.files.read(importId, 'upload'),
        totalBytes: Number(imp.size_bytes),
        name: imp.file_name,
        map: options.map,
        source: options.source,
        createMissingCustomers: options.createMissingCustomers,
        rejectFile,
        onProgress,
      });
      if (report.rejectFile) await this.files.save(importId, 'rejects', rejectFile);
      else await this.files.remove(importId, 'rejects');
      const { rejectFile: _local, ...stored } = report;
      await this.db.query(
        `UPDATE imports SET status = 'completed', report = $2, progress = $3, finished_at = now() WHERE id = $1`,
        [
          importId,
          JSON.stringify(stored),
          JSON.stringify({
            phase: 'done',
            rows: report.rows,
            percent: 100,
            bytesRead: imp.size_bytes,
            totalBytes: imp.size_bytes,
          }),
        ],
      );
      await this.files.remove(importId, 'upload');
      return stored;
    } catch (e) {
      const permanent = e instanceof AppError;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (permanent || lastAttempt) {
        const error = permanent
          ? { code: e.code, message: e.message }
          : { code: 'import_failed', message: 'the import failed; see the worker log' };
        // no row data in logs: the message of a database error can quote values
        this.logger.warn(
          `import ${importId} failed: ${permanent ? e.code : ((e as { code?: string }).code ?? 'error')}`,
        );
        await this.db.query(
          `UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
          [importId, JSON.stringify(error)],
        );
        await this.files.remove(importId, 'upload');
        if (permanent) throw new UnrecoverableError(e.message);
      }
      throw e;
    } finally {
      rmSync(rejectFile, { force: true });
    }
  }

  private async purgeOldFiles(): Promise<void> {
    await this.db.query(
      `DELETE FROM import_files f USING imports i
       WHERE f.import_id = i.id AND i.finished_at < now() - make_interval(days => $1)`,
      [REJECTS_RETENTION_DAYS],
    );
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

function toView(r: Record<string, unknown>): ImportView {
  const id = r.id as string;
  return {
    id,
    kind: r.kind as ImportKind,
    status: r.status as ImportStatus,
    fileName: r.file_name as string,
    sizeBytes: Number(r.size_bytes),
    options: r.options as ImportView['options'],
    progress: Object.keys(r.progress as object).length ? (r.progress as ImportView['progress']) : null,
    report: (r.report as ImportView['report']) ?? null,
    error: (r.error as ImportView['error']) ?? null,
    rejectsUrl: r.has_rejects ? `/v1/imports/${id}/rejects` : null,
    createdBy: r.created_by as string,
    createdAt: r.created_at as Date,
    startedAt: (r.started_at as Date) ?? null,
    finishedAt: (r.finished_at as Date) ?? null,
  };
}
