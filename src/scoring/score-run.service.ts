import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { todayIn } from '../workspaces/workspaces.service';
import { isDay } from '../common/calendar-day';
import { RunTablesRepository } from './run-tables.repository';
import { RunScoreRow, ScoreRunRepository, ScoreRunRow } from './score-run.repository';
import { isBacktest } from './steps/score-retention';

export type RunStatus = 'queued' | 'preparing' | 'scoring' | 'finalizing' | 'completed' | 'failed';

export interface ScoreRunView {
  id: string;
  workspaceId: string;
  asOf: string;
  horizonDays: number;
  trigger: string;
  /** as of a day before the live snapshot's: kept as a run of its own, never the current snapshot */
  backtest: boolean;
  status: RunStatus;
  customersTotal: number;
  chunksTotal: number;
  chunksDone: number;
  report: Record<string, unknown>;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** How long waitFor waits after a run completed for finalize's clean-up to reach the report. */
const FINALIZE_REPORT_WAIT_MS = 10_000;

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
    // a calendar day: Date.parse takes 2026-02-30 for 2 March, and PostgreSQL then refused it with its own code
    if (!isDay(asOf)) {
      throw new AppError('invalid_as_of', `as-of must be a calendar day YYYY-MM-DD, got "${asOf}"`);
    }
    const horizonDays = input.horizonDays ?? 365;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650) {
      throw new AppError('invalid_horizon', 'horizon-days must be an integer from 1 to 3650');
    }
    await this.failIfStale(input.workspaceId);
    // Only one run is active per workspace and only a finishing live run moves the current snapshot, so the live
    // run read here is the one this run finishes against.
    const liveRow = await this.runs.liveRun(input.workspaceId);
    const live = liveRow ? { id: liveRow.id, asOf: liveRow.as_of } : null;
    const backtest = isBacktest(asOf, live);
    const runId = await this.runs.insertQueued(input.workspaceId, {
      asOf,
      horizonDays,
      trigger: input.trigger,
      modelParams: backtest
        ? { publishWorklists: false, backtest: true, liveRun: live }
        : { publishWorklists: input.publishWorklists ?? true },
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

  /**
   * A page of a run's scores, any completed run of the workspace (a backtest too), in customer id order. 409 while
   * the run is not completed, 410 once its full rows were dropped (docs/scoring-run.md, Retention).
   */
  async scores(
    workspaceId: string,
    runId: string,
    page: { after?: string; limit?: number },
  ): Promise<{
    runId: string;
    asOf: string;
    horizonDays: number;
    backtest: boolean;
    items: RunScoreView[];
    nextAfter: string | null;
  }> {
    const run = await this.get(workspaceId, runId);
    if (run.status !== 'completed') {
      throw new AppError('run_not_completed', `score run ${runId} is ${run.status}, not completed`, 409, {
        status: run.status,
      });
    }
    const after = page.after ?? '0';
    if (!/^\d{1,18}$/.test(after)) {
      throw new AppError('invalid_after', 'after must be a customer id from a previous page', 400, {
        field: 'after',
      });
    }
    if (!(await this.runs.scoresKept(workspaceId, runId))) {
      throw new AppError(
        'scores_dropped',
        `the full scores of run ${runId} are no longer kept (only the newest runs and those of served call lists are)`,
        410,
        { runId },
      );
    }
    const limit = page.limit ?? 1000;
    const rows = await this.runs.runScores(workspaceId, runId, after, limit + 1);
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(scoreView);
    return {
      runId,
      asOf: run.asOf,
      horizonDays: run.horizonDays,
      backtest: run.backtest,
      items,
      nextAfter: more ? items[items.length - 1].customerId : null,
    };
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
    let completedAt: number | null = null;
    for (;;) {
      const run = await this.get(workspaceId, runId);
      onProgress?.(run);
      if (run.status === 'failed') return run;
      if (run.status === 'completed') {
        // finalize completes the run with the swap and adds its clean-up to the report just after; wait for that
        // (briefly: a finalize that died in between is not re-run, and the run is complete all the same)
        completedAt ??= Date.now();
        if (run.report.finalizedAt !== undefined || Date.now() - completedAt > FINALIZE_REPORT_WAIT_MS)
          return run;
      }
      if (Date.now() > deadline) throw new AppError('timeout', `score run ${runId} did not finish in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** One customer's scores in a run; money in minor units of the workspace currency. */
export interface RunScoreView {
  customerId: string;
  externalId: string;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  rfmSegment: string | null;
  abcClass: string | null;
  valueTier: string;
  frequencyClass: string | null;
  lifecycle: string;
  pAlive: number | null;
  pBuy: number | null;
  expectedPurchases: number | null;
  expectedOrderValue: number | null;
  clv: number | null;
  churnRisk: number;
  priority: number;
}

function scoreView(r: RunScoreRow): RunScoreView {
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    customerId: r.customer_id,
    externalId: r.external_id,
    recencyDays: r.recency_days,
    frequency: r.frequency,
    monetary: Number(r.monetary),
    rfmSegment: r.rfm_segment,
    abcClass: r.abc_class,
    valueTier: r.value_tier,
    frequencyClass: r.frequency_class,
    lifecycle: r.lifecycle,
    pAlive: r.p_alive,
    pBuy: r.p_buy,
    expectedPurchases: r.expected_purchases,
    expectedOrderValue: num(r.expected_order_value),
    clv: num(r.clv),
    churnRisk: r.churn_risk,
    priority: r.priority,
  };
}

function toView(row: ScoreRunRow): ScoreRunView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    asOf: row.as_of,
    horizonDays: row.horizon_days,
    trigger: row.trigger,
    backtest: row.model_params?.backtest === true,
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
