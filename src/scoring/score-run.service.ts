import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { todayIn } from '../workspaces/workspaces.service';
import { RunTablesRepository } from './run-tables.repository';
import { ScoreRunRepository, ScoreRunRow } from './score-run.repository';

export type RunStatus = 'queued' | 'preparing' | 'scoring' | 'finalizing' | 'completed' | 'failed';

export interface ScoreRunView {
  id: string;
  workspaceId: string;
  asOf: string;
  horizonDays: number;
  trigger: string;
  status: RunStatus;
  customersTotal: number;
  chunksTotal: number;
  chunksDone: number;
  report: Record<string, unknown>;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** Queue states in which a job will still run (or is running): a run with such a job is alive. */
const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Starting and watching scoring runs. The work itself is done by the scoring queue's jobs (steps/*.step.ts). */
@Injectable()
export class ScoreRunService {
  private readonly logger = new Logger(ScoreRunService.name);

  constructor(
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    @InjectQueue(QUEUES.scoring) private readonly queue: JobQueue<'scoring'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts a run, or returns the run already in progress for this workspace: the partial unique index
   * `score_runs_one_active` makes five simultaneous triggers produce one run.
   */
  async start(input: {
    workspaceId: string;
    asOf?: string;
    horizonDays?: number;
    trigger: string;
    publishWorklists?: boolean;
  }): Promise<{ run: ScoreRunView; started: boolean }> {
    const timezone = await this.runs.workspaceTimezone(input.workspaceId);
    if (timezone === undefined) throw AppError.notFound('workspace');
    const asOf = input.asOf ?? todayIn(timezone);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
      throw new AppError('invalid_as_of', `as-of must be a date YYYY-MM-DD, got "${asOf}"`);
    }
    const horizonDays = input.horizonDays ?? 365;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650) {
      throw new AppError('invalid_horizon', 'horizon-days must be an integer from 1 to 3650');
    }
    await this.failIfStale(input.workspaceId);
    const runId = await this.runs.insertQueued(input.workspaceId, {
      asOf,
      horizonDays,
      trigger: input.trigger,
      modelParams: { publishWorklists: input.publishWorklists ?? true },
    });
    if (runId === undefined) {
      const active = await this.active(input.workspaceId);
      if (active) return { run: active, started: false };
      return this.start(input); // the active run finished between our two statements
    }
    await this.queue.add(
      'prepare',
      { runId },
      {
        jobId: `score-prepare-${runId}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: 100,
      },
    );
    return { run: await this.get(input.workspaceId, runId), started: true };
  }

  /**
   * The stale-run guard. A run left active by a crashed deployment (its queue jobs lost with a flushed Redis, a
   * process killed between the insert and the enqueue, a chunk that stalled past BullMQ's retry limit) would
   * block the workspace for ever through `score_runs_one_active`. Such a run — none of its prepare/finalize jobs
   * is waiting, active or delayed, and neither the run nor any chunk has made progress for
   * SCORING_STALE_RUN_MINUTES — is marked failed (its per-run tables dropped) so that this start can proceed.
   * Returns the failed run's id.
   */
  async failIfStale(workspaceId: string): Promise<string | null> {
    const run = await this.runs.activeRunQuiet(workspaceId, this.config.scoringStaleRunMinutes * 60);
    if (!run?.quiet) return null;
    for (const jobId of [`score-prepare-${run.id}`, `score-fit-${run.id}`, `score-finalize-${run.id}`]) {
      if (LIVE_JOB_STATES.has(await this.queue.getJobState(jobId))) return null;
    }
    if (!(await this.runs.markStale(run.id, this.config.scoringStaleRunMinutes))) return null;
    await this.tables.dropRunTables(run.id, { scores: true });
    this.logger.warn(`score run ${run.id} of workspace ${workspaceId} was stale and is marked failed`);
    return run.id;
  }

  async get(workspaceId: string, runId: string): Promise<ScoreRunView> {
    const row = await this.runs.get(workspaceId, runId);
    if (!row) throw AppError.notFound('score run');
    return toView(row);
  }

  async active(workspaceId: string): Promise<ScoreRunView | null> {
    const row = await this.runs.active(workspaceId);
    return row ? toView(row) : null;
  }

  async latest(workspaceId: string, limit = 20): Promise<ScoreRunView[]> {
    const rows = await this.runs.latest(workspaceId, limit);
    return rows.map(toView);
  }

  /** Polls the run until it completes or fails, reporting progress; resolves with the final view. */
  async waitFor(
    workspaceId: string,
    runId: string,
    onProgress?: (run: ScoreRunView) => void,
    timeoutMs = 3_600_000,
  ): Promise<ScoreRunView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.get(workspaceId, runId);
      onProgress?.(run);
      if (run.status === 'completed' || run.status === 'failed') return run;
      if (Date.now() > deadline) throw new AppError('timeout', `score run ${runId} did not finish in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function toView(row: ScoreRunRow): ScoreRunView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    asOf: row.as_of,
    horizonDays: row.horizon_days,
    trigger: row.trigger,
    status: row.status as RunStatus,
    customersTotal: row.customers_total,
    chunksTotal: row.chunks_total,
    chunksDone: row.chunks_done,
    report: row.report,
    error: row.error ?? null,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? null,
  };
}
