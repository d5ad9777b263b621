import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { returningRows } from '../database/sql';
import { dropRunTables } from './score-run.tables';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { todayIn } from '../workspaces/workspaces.service';

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

/** Starting and watching scoring runs. The work itself is done by the scoring queue's jobs (score-run.steps.ts). */
@Injectable()
export class ScoreRunService {
  private readonly logger = new Logger(ScoreRunService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
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
    const [ws] = await this.db.query(`SELECT timezone FROM workspaces WHERE id = $1`, [input.workspaceId]);
    if (!ws) throw AppError.notFound('workspace');
    const asOf = input.asOf ?? todayIn(ws.timezone);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
      throw new AppError('invalid_as_of', `as-of must be a date YYYY-MM-DD, got "${asOf}"`);
    }
    const horizonDays = input.horizonDays ?? 365;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650) {
      throw new AppError('invalid_horizon', 'horizon-days must be an integer from 1 to 3650');
    }
    await this.failIfStale(input.workspaceId);
    const inserted = await this.db.query(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, trigger, model_params)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id) WHERE status IN ('queued', 'preparing', 'scoring', 'finalizing') DO NOTHING
       RETURNING id`,
      [
        input.workspaceId,
        asOf,
        horizonDays,
        input.trigger,
        JSON.stringify({ publishWorklists: input.publishWorklists ?? true }),
      ],
    );
    if (inserted.length === 0) {
      const active = await this.active(input.workspaceId);
      if (active) return { run: active, started: false };
      return this.start(input); // the active run finished between our two statements
    }
    const runId: string = inserted[0].id;
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
    const [run] = await this.db.query(
      `SELECT r.id, GREATEST(r.created_at, r.started_at,
                (SELECT max(GREATEST(c.inputs_at, c.started_at, c.done_at)) FROM score_run_chunks c
                 WHERE c.run_id = r.id))
                < now() - make_interval(secs => $2) AS quiet
       FROM score_runs r
       WHERE r.workspace_id = $1 AND r.status IN ('queued', 'preparing', 'scoring', 'finalizing')`,
      [workspaceId, this.config.scoringStaleRunMinutes * 60],
    );
    if (!run?.quiet) return null;
    for (const jobId of [`score-prepare-${run.id}`, `score-fit-${run.id}`, `score-finalize-${run.id}`]) {
      if (LIVE_JOB_STATES.has(await this.queue.getJobState(jobId))) return null;
    }
    const failed = await returningRows(
      this.db,
      `UPDATE score_runs SET status = 'failed', finished_at = now(),
         error = 'stale: no live queue job and no progress for ' || $2 || ' minutes; marked failed by the next start'
       WHERE id = $1 AND status IN ('queued', 'preparing', 'scoring', 'finalizing') RETURNING id`,
      [run.id, String(this.config.scoringStaleRunMinutes)],
    );
    if (failed.length === 0) return null;
    await dropRunTables(this.db, run.id as string, { scores: true });
    this.logger.warn(`score run ${run.id} of workspace ${workspaceId} was stale and is marked failed`);
    return run.id as string;
  }

  async get(workspaceId: string, runId: string): Promise<ScoreRunView> {
    const [row] = await this.db.query(`SELECT * FROM score_runs WHERE id = $1 AND workspace_id = $2`, [
      runId,
      workspaceId,
    ]);
    if (!row) throw AppError.notFound('score run');
    return toView(row);
  }

  async active(workspaceId: string): Promise<ScoreRunView | null> {
    const [row] = await this.db.query(
      `SELECT * FROM score_runs WHERE workspace_id = $1 AND status IN ('queued', 'preparing', 'scoring', 'finalizing')`,
      [workspaceId],
    );
    return row ? toView(row) : null;
  }

  async latest(workspaceId: string, limit = 20): Promise<ScoreRunView[]> {
    const rows = await this.db.query(
      `SELECT * FROM score_runs WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [workspaceId, limit],
    );
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

function toView(row: Record<string, unknown>): ScoreRunView {
  return {
    id: row.id as string,
    workspaceId: row.workspace_id as string,
    asOf: row.as_of as string,
    horizonDays: row.horizon_days as number,
    trigger: row.trigger as string,
    status: row.status as RunStatus,
    customersTotal: row.customers_total as number,
    chunksTotal: row.chunks_total as number,
    chunksDone: row.chunks_done as number,
    report: row.report as Record<string, unknown>,
    error: (row.error as string) ?? null,
    createdAt: row.created_at as Date,
    finishedAt: (row.finished_at as Date) ?? null,
  };
}
