import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Runtime, RUNTIME } from '../../common/runtime';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { ImportFileStore } from './import-files';
import { ImportsRepository, UnfinishedImportRow } from './imports.repository';
import { importJobId, ImportsService } from './imports.service';
import { staleUploadReason } from './upload-files';
import { THIS_PROCESS } from './upload-storage';
import { TenantScope } from '../../database/tenant-scope';

/** How often the sweep runs; an import must look stuck on two sweeps in a row (this far apart) to be repaired. */
export const RECOVERY_EVERY_MS = 15_000;
/** An upload file untouched this long is deleted whoever wrote it (an upload in progress writes to its file). */
export const UPLOAD_MAX_IDLE_MS = 3_600_000;

/** Job states in which an import's job will still run its import. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Repairs what a crash leaves of HTTP imports, at start-up and then every RECOVERY_EVERY_MS:
 * - upload temp files in DATA_DIR/uploads whose process is gone (or untouched for UPLOAD_MAX_IDLE_MS) are deleted —
 *   they hold the customers' personal data in plain text;
 * - an import `queued`/`running` whose job is gone: when its upload was stored whole it is queued again (the import
 *   starts over, which is safe: merges are idempotent); when the process died while storing it, the import fails with
 *   `upload_interrupted` and the partial copy is deleted. A job that ended without recording a result fails the
 *   import with `import_interrupted`.
 * A row is repaired only when it looked the same on two sweeps in a row, so an upload being stored (pieces still
 * growing) or a job being queued right now is left alone. Runs in API processes (the upload files are theirs) and
 * scheduler processes; two processes doing it at once do no harm (same job id, guarded updates).
 */
@Injectable()
export class ImportsRecoveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImportsRecoveryService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** what each suspect import looked like on the previous sweep */
  private suspects = new Map<string, string>();

  constructor(
    private readonly repo: ImportsRepository,
    private readonly imports: ImportsService,
    private readonly files: ImportFileStore,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.runtime.http && !this.runtime.scheduler) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), RECOVERY_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = TenantScope.crossTenant('the recovery sweep covers every workspace', () => this.sweep())
      .catch((e: Error) => this.logger.warn(`import recovery sweep failed: ${e.message}`))
      .finally(() => (this.running = undefined));
  }

  /** One sweep: upload files (API processes), then stuck imports. */
  async sweep(): Promise<void> {
    if (this.runtime.http) await this.sweepUploadFiles();
    await this.sweepImports();
  }

  /** Deletes the upload files no live request owns (with `dryRun` only counts them); returns how many. */
  async sweepUploadFiles(opts: { dryRun?: boolean } = {}): Promise<number> {
    const dir = join(this.config.dataDir, 'uploads');
    const names = await readdir(dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      const reason = staleUploadReason(
        { name, ageMs: Date.now() - st.mtimeMs },
        THIS_PROCESS,
        pidRuns,
        UPLOAD_MAX_IDLE_MS,
      );
      if (!reason) continue;
      if (opts.dryRun) {
        removed++;
        continue;
      }
      await rm(path, { force: true });
      removed++;
      this.logger.warn(`deleted upload file ${name} (${st.size} bytes): ${reason}`);
    }
    return removed;
  }

  /** Repairs imports that looked stuck on the previous sweep too; returns what it did to each. */
  async sweepImports(): Promise<Map<string, 'requeued' | 'failed'>> {
    const done = new Map<string, 'requeued' | 'failed'>();
    const seen = new Map<string, string>();
    for (const row of await this.repo.unfinished()) {
      const state = await this.jobState(row.id);
      if (state && LIVE_STATES.has(state)) continue;
      const look = `${row.status} ${row.size_bytes} ${row.pieces} ${row.stored_bytes} ${state ?? 'none'}`;
      seen.set(row.id, look);
      if (this.suspects.get(row.id) !== look) continue;
      done.set(row.id, await this.repair(row, state));
      seen.delete(row.id);
    }
    this.suspects = seen;
    return done;
  }

  private async repair(row: UnfinishedImportRow, state: string | undefined): Promise<'requeued' | 'failed'> {
    const whole = Number(row.size_bytes) > 0 && row.stored_bytes === row.size_bytes;
    if (whole && !state) {
      await this.imports.enqueue(row.id);
      this.logger.warn(`import ${row.id} was ${row.status} with no job: queued again`);
      return 'requeued';
    }
    const error = whole
      ? {
          code: 'import_interrupted',
          message: 'the import job ended without recording a result; upload the file again',
        }
      : {
          code: 'upload_interrupted',
          message: 'the API process stopped while storing the upload; upload the file again',
        };
    if (await this.repo.failUnfinished(row.id, error)) {
      await this.files.remove(row.id, 'upload');
      this.logger.warn(`import ${row.id} was ${row.status} with no job: failed (${error.code})`);
    }
    return 'failed';
  }

  private async jobState(importId: string): Promise<string | undefined> {
    const job = await this.queue.getJob(importJobId(importId));
    return job ? await job.getState() : undefined;
  }
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // runs, owned by another user
  }
}
