import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FlowProducer, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { InjectQueue } from '../queue/queue.module';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { OutboxService } from '../webhooks/outbox.service';
import { ChunkInputRow, RunModelContext, scoreChunkRow, ScoreRow } from './chunk-scoring';
import { createScoringPolicy, ScoringPolicyOverrides } from './models/customer-rules';
import { returningRows } from '../database/sql';
import { SCORE_RUN_SQL as SQL } from './score-run.sql';
import { fitRunModels, ModelReport } from './run-models';

interface RunRow {
  id: string;
  workspace_id: string;
  as_of: string;
  horizon_days: number;
  status: string;
  model_params: {
    context?: RunModelContext;
    policy?: ScoringPolicyOverrides & { workspace?: object };
    previousRunId?: string | null;
    publishWorklists?: boolean;
  };
  timezone: string;
  currency: string;
  settings: {
    scoring?: ScoringPolicyOverrides & {
      discountRateAnnual?: number;
      margin?: number;
      abcCutA?: number;
      abcCutB?: number;
    };
  };
  current_score_run_id: string | null;
}

const WORKER_ID = `${hostname()}-${process.pid}`;

/**
 * The three steps of a scoring run, each idempotent so that a retried or re-delivered job does no harm:
 * prepare (inputs, workspace statistics, model fits, chunk plan) → chunk × N (per-customer maths) → finalize
 * (report, history, atomic swap of the current snapshot).
 */
@Injectable()
export class ScoreRunSteps {
  private readonly logger = new Logger(ScoreRunSteps.name);
  private flows?: FlowProducer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueFactory,
    private readonly outbox: OutboxService,
    @InjectQueue(QUEUES.worklist) private readonly worklistQueue: Queue,
  ) {}

  private async run(runId: string): Promise<RunRow> {
    const [row] = await this.db.query(
      `SELECT r.*, w.timezone, w.currency, w.settings, w.current_score_run_id
       FROM score_runs r JOIN workspaces w ON w.id = r.workspace_id WHERE r.id = $1`,
      [runId],
    );
    if (!row) throw new Error(`score run ${runId} not found`);
    return row;
  }

  async prepare(runId: string): Promise<{ chunks: number }> {
    const run = await this.run(runId);
    if (run.status === 'completed' || run.status === 'failed') return { chunks: 0 };
    const started = Date.now();
    const timings: Record<string, number> = {};
    let mark = Date.now();
    const lap = (name: string) => {
      timings[name] = (Date.now() - mark) / 1000;
      mark = Date.now();
    };
    await this.db.query(
      `UPDATE score_runs SET status = 'preparing', started_at = COALESCE(started_at, now()) WHERE id = $1`,
      [runId],
    );
    // A retried prepare starts from a clean slate for this run.
    await this.db.query(`DELETE FROM score_inputs WHERE run_id = $1`, [runId]);
    await this.db.query(SQL.buildInputs, [runId, run.workspace_id, run.as_of, run.timezone, run.currency]);
    await this.db.query(`ANALYZE score_inputs`);
    lap('inputs');
    const [stats] = await this.db.query(SQL.stats, [runId, run.as_of]);
    const settings = run.settings?.scoring ?? {};
    const cutA = settings.abcCutA ?? 0.7;
    const cutB = settings.abcCutB ?? 0.9;
    const [aMin] = await this.db.query(SQL.abcThreshold, [runId, cutA]);
    const [bMin] = await this.db.query(SQL.abcThreshold, [runId, cutB]);
    lap('statistics');
    const models = await fitRunModels(this.db, {
      runId,
      asOf: run.as_of,
      horizonDays: run.horizon_days,
      buyers: stats.buyers,
      repeaters: stats.repeaters,
      discountRateAnnual: settings.discountRateAnnual ?? 0.1,
    });
    lap('models');
    const context: RunModelContext = {
      asOf: run.as_of,
      horizonDays: run.horizon_days,
      bgNbd: models.bgNbd,
      gammaGamma: models.gammaGamma,
      rfm:
        stats.buyers > 0
          ? {
              recencyDays: stats.recency_cuts.map(Number),
              frequency: stats.frequency_cuts.map(Number),
              monetary: stats.monetary_cuts.map(Number),
            }
          : null,
      abc: aMin && bMin ? { aMin: Number(aMin.monetary), bMin: Number(bMin.monetary) } : null,
      discountRateAnnual: settings.discountRateAnnual ?? 0.1,
      margin: settings.margin ?? 1,
    };
    const workspaceStats = {
      medianCycleDays: stats.median_cycle_days === null ? null : Number(stats.median_cycle_days),
      referenceValue: stats.median_monetary === null ? null : Number(stats.median_monetary),
      highClvMin: models.highClvMin,
    };
    const { discountRateAnnual: _d, margin: _m, abcCutA: _a, abcCutB: _b, ...workspaceOverrides } = settings;
    // CLV and expected purchases are computed over the run's horizon; the rules must compare on the same one.
    const policyOverrides = { ...workspaceOverrides, clvHorizonDays: run.horizon_days };
    createScoringPolicy(workspaceStats, policyOverrides); // validates the workspace settings before any chunk runs
    const chunks = await this.db.query(SQL.planChunks, [
      runId,
      run.workspace_id,
      this.config.scoringChunkSize,
    ]);
    lap('plan');
    const [{ n: chunksTotal }] = await this.db.query(
      `SELECT count(*)::int AS n FROM score_run_chunks WHERE run_id = $1`,
      [runId],
    );
    const report = {
      customers: stats.customers,
      buyers: stats.buyers,
      repeaters: stats.repeaters,
      revenueMinor: Number(stats.revenue),
      models: models.report,
      prepareSeconds: (Date.now() - started) / 1000,
      prepareTimings: timings,
    };
    await this.db.query(
      `UPDATE score_runs SET status = 'scoring', customers_total = $2, chunks_total = $3,
         model_params = model_params || $4::jsonb, report = $5 WHERE id = $1`,
      [
        runId,
        stats.customers,
        chunksTotal,
        JSON.stringify({
          context,
          policy: { ...policyOverrides, workspace: workspaceStats },
          previousRunId: run.current_score_run_id,
        }),
        JSON.stringify(report),
      ],
    );
    this.flows ??= this.queues.flowProducer();
    const chunkNos: number[] = Array.from({ length: chunksTotal }, (_, i) => i);
    await this.flows.add({
      name: 'finalize',
      queueName: QUEUES.scoring,
      data: { runId },
      opts: { jobId: `score-finalize-${runId}`, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
      children: chunkNos.map((n) => ({
        name: 'chunk',
        queueName: QUEUES.scoring,
        data: { runId, chunkNo: n },
        opts: {
          jobId: `score-chunk-${runId}-${n}`,
          attempts: 5,
          backoff: { type: 'exponential', delay: 2_000 },
          failParentOnFailure: true,
          removeOnComplete: 1000,
        },
      })),
    });
    this.logger.log(
      `run ${runId}: ${stats.customers} customers in ${chunks.length || chunksTotal} chunks; ${JSON.stringify(models.report.summary)}`,
    );
    return { chunks: chunksTotal };
  }

  async chunk(runId: string, chunkNo: number): Promise<{ customers: number }> {
    const run = await this.run(runId);
    const [chunk] = await this.db.query(
      `SELECT * FROM score_run_chunks WHERE run_id = $1 AND chunk_no = $2`,
      [runId, chunkNo],
    );
    if (!chunk) throw new Error(`chunk ${chunkNo} of run ${runId} not planned`);
    const params = run.model_params;
    const context = params.context as RunModelContext;
    const { workspace, ...overrides } = params.policy ?? {};
    const policy = createScoringPolicy(workspace ?? {}, overrides);
    const rows: ChunkInputRow[] = await this.db.query(SQL.chunkInputs, [
      runId,
      chunk.first_customer_id,
      chunk.last_customer_id,
      params.previousRunId ?? null,
      run.as_of,
      run.timezone,
      run.workspace_id,
    ]);
    const scores = rows.map((r) => scoreChunkRow(normaliseRow(r), context, policy));
    await this.db.transaction(async (tx) => {
      await tx.query(SQL.writeScores, [runId, run.workspace_id, ...columns(scores)]);
      const done = await returningRows(
        tx,
        `UPDATE score_run_chunks SET done_at = now(), worker = $3 WHERE run_id = $1 AND chunk_no = $2 AND done_at IS NULL RETURNING 1`,
        [runId, chunkNo, WORKER_ID],
      );
      if (done.length > 0) {
        await tx.query(`UPDATE score_runs SET chunks_done = chunks_done + 1 WHERE id = $1`, [runId]);
      }
    });
    return { customers: rows.length };
  }

  async finalize(runId: string): Promise<Record<string, unknown>> {
    const run = await this.run(runId);
    if (run.status === 'completed') return {};
    await this.db.query(`UPDATE score_runs SET status = 'finalizing' WHERE id = $1`, [runId]);
    const previousRunId = run.model_params.previousRunId ?? null;
    const report = await this.db.transaction(async (tx) => {
      const [{ missing }] = await tx.query(
        `SELECT count(*)::int AS missing FROM score_run_chunks WHERE run_id = $1 AND done_at IS NULL`,
        [runId],
      );
      if (missing > 0) throw new Error(`run ${runId}: ${missing} chunks not done`);
      const counts: Array<{ dim: string; key: string; n: number }> = await tx.query(SQL.counts, [runId]);
      const byDim = (dim: string) =>
        Object.fromEntries(counts.filter((c) => c.dim === dim).map((c) => [c.key, c.n]));
      const moves = previousRunId ? (await tx.query(SQL.moves, [runId, previousRunId]))[0] : null;
      const workers: Array<{ worker: string; chunks: number }> = await tx.query(
        `SELECT worker, count(*)::int AS chunks FROM score_run_chunks WHERE run_id = $1 GROUP BY worker ORDER BY worker`,
        [runId],
      );
      await tx.query(SQL.history, [runId, run.workspace_id]);
      // The swap: readers follow current_score_run_id, so the new snapshot appears in one statement.
      await tx.query(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [
        run.workspace_id,
        runId,
      ]);
      await tx.query(
        `DELETE FROM customer_scores WHERE workspace_id = $1 AND run_id <> $2 AND run_id IS DISTINCT FROM $3`,
        [run.workspace_id, runId, previousRunId],
      );
      await tx.query(`DELETE FROM score_inputs WHERE run_id = $1`, [runId]);
      const summary = {
        tiers: byDim('tier'),
        lifecycles: byDim('lifecycle'),
        frequencyClasses: byDim('frequency'),
        abc: byDim('abc'),
        moves,
        previousRunId,
        workers,
      };
      await tx.query(
        `UPDATE score_runs SET status = 'completed', finished_at = now(), report = report || $2::jsonb WHERE id = $1`,
        [runId, JSON.stringify(summary)],
      );
      await this.outbox.append(tx, run.workspace_id, 'scores.updated', {
        runId,
        asOf: run.as_of,
        ...summary,
      });
      return summary;
    });
    await this.outbox.kick();
    if (run.model_params.publishWorklists !== false) {
      await this.worklistQueue.add(
        'publish',
        { workspaceId: run.workspace_id, listDate: run.as_of, runId },
        {
          jobId: `worklist-publish-${run.workspace_id}-${run.as_of}-${runId}`,
          attempts: 3,
          removeOnComplete: 100,
        },
      );
    }
    return report;
  }

  async fail(runId: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE score_runs SET status = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND status NOT IN ('completed', 'failed')`,
      [runId, error.slice(0, 2000)],
    );
  }
}

function normaliseRow(r: ChunkInputRow): ChunkInputRow {
  return {
    ...r,
    transactions: Number(r.transactions),
    monetary: Number(r.monetary),
    repeat_mean_minor: r.repeat_mean_minor === null ? null : Number(r.repeat_mean_minor),
    prev_clv: r.prev_clv === null ? null : Number(r.prev_clv),
  };
}

/** Column arrays for the unnest() insert, in SCORE_RUN_SQL.writeScores order. */
function columns(rows: ScoreRow[]): unknown[] {
  return [
    rows.map((r) => r.customerId),
    rows.map((r) => r.recencyDays),
    rows.map((r) => r.frequency),
    rows.map((r) => Math.round(r.monetary)),
    rows.map((r) => r.rScore),
    rows.map((r) => r.fScore),
    rows.map((r) => r.mScore),
    rows.map((r) => r.rfmSegment),
    rows.map((r) => r.abcClass),
    rows.map((r) => r.valueTier),
    rows.map((r) => r.frequencyClass),
    rows.map((r) => r.lifecycle),
    rows.map((r) => r.pAlive),
    rows.map((r) => r.expectedPurchases),
    rows.map((r) => r.expectedOrderValue),
    rows.map((r) => r.clv),
    rows.map((r) => r.churnRisk),
    rows.map((r) => r.priority),
    rows.map((r) => JSON.stringify(r.reasons)),
  ];
}

export type { ModelReport };
