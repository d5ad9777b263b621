import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FlowProducer } from 'bullmq';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Queryable, returningRows } from '../database/sql';
import { flowJob } from '../queue/jobs';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { OutboxService } from '../webhooks/outbox.service';
import { ChunkInputRow, createChunkScorer, RunModelContext, ScoreRow } from './chunk-scoring';
import { BinaryCopyWriter } from './binary-copy';
import { historyLine, parseChunkLine, writeScoreRow } from './chunk-io';
import { copyIn, copyLines, copyOutLines } from '../database/copy/copy-text';
import { createScoringPolicy, ScoringPolicyOverrides, WorkspaceStats } from './models/customer-rules';
import {
  completeSummaryBuild,
  CustomerSummaryTarget,
  IdRange,
  planSummaryRefresh,
  refreshSummaryRange,
  SummaryRefreshMode,
} from './customer-summaries';
import { fitRunModels, ModelReport } from './run-models';
import {
  addToStats,
  emptyStats,
  historyChanged,
  HISTORY_SNAPSHOT_EVERY_RUNS,
  mergeStats,
  RunStats,
} from './run-report';
import { allocateColumns, columnModelInputs, InputColumns, runStatistics } from './run-statistics';
import { HISTORY_COLUMNS, SCORE_COLUMNS, SCORE_RUN_SQL as SQL } from './score-run.sql';
import {
  dateLiteral,
  dropOldPartitions,
  dropRunTables,
  inputsTable,
  scoresTable,
  uuidLiteral,
} from './score-run.tables';

/** What the fit step stores on the run for every chunk and for finalize (score_runs.model_params). */
interface RunParams {
  context?: RunModelContext;
  policy?: ScoringPolicyOverrides & { workspace?: Partial<WorkspaceStats> };
  previousRunId?: string | null;
  /** margin of the previous run (its stored CLVs carry it) */
  previousMargin?: number | null;
  /** full: every customer gets a history row; delta: only those who changed (run-report.ts historyChanged) */
  historyMode?: 'full' | 'delta';
  publishWorklists?: boolean;
  /** how the inputs jobs bring the summaries of their chunk to the run's cutoff; behind (or none, a run from
   * before the summaries): the inputs compute them from the orders and interactions */
  summaries?: SummaryRefreshMode;
}

interface RunRow {
  id: string;
  workspace_id: string;
  as_of: string;
  horizon_days: number;
  status: string;
  model_params: RunParams;
  report: Record<string, unknown>;
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

interface ChunkRow {
  chunk_no: number;
  first_customer_id: string;
  last_customer_id: string;
  customers: number;
  inputs_at: Date | null;
  done_at: Date | null;
}

const WORKER_ID = `${hostname()}-${process.pid}`;
/** Customers scored and sent to COPY at a time within a chunk. */
const COPY_BATCH = 2_000;
const DAY_MS = 86_400_000;

/** Columns of a chunk's inputs table (score-run.sql.ts chunkInputs, in order). */
const INPUT_TABLE_COLUMNS = `(customer_id bigint, kind text, transactions integer, first_day date,
  last_day date, monetary bigint, first_amount bigint, last_touch date, complaints_90d integer, last_survey integer,
  prev_clv bigint, prev_tier text, prev_lifecycle text, prev_priority double precision)`;
/** Stands for "no previous run" in the inputs statement (matches no partition). */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

/**
 * The steps of a scoring run, each idempotent so that a retried or re-delivered job does no harm:
 * prepare (chunk plan) → inputs × N (per-chunk inputs tables, set-based SQL) → fit (workspace statistics and
 * model fits from one COPY of the inputs) → chunk × N (per-customer maths, scores, history, statistics) →
 * finalize (index and attach the run's scores partition, report, atomic swap of the current snapshot).
 */
@Injectable()
export class ScoreRunSteps {
  private readonly logger = new Logger(ScoreRunSteps.name);
  private flows?: FlowProducer;
  /** per run: the scorer with its memoised BG/NBD curves, shared by the chunks this process runs */
  private readonly scorers = new Map<string, (row: ChunkInputRow) => ScoreRow>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueFactory,
    private readonly outbox: OutboxService,
    @InjectQueue(QUEUES.worklist) private readonly worklistQueue: JobQueue<'worklist'>,
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

  private async chunks(runId: string): Promise<ChunkRow[]> {
    return this.db.query(
      `SELECT chunk_no, first_customer_id, last_customer_id, customers, inputs_at, done_at
       FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
      [runId],
    );
  }

  /** Plans the chunks (once) and queues their inputs jobs under the fit job. */
  async prepare(runId: string): Promise<{ chunks: number }> {
    const run = await this.run(runId);
    if (run.status !== 'queued' && run.status !== 'preparing') return { chunks: 0 };
    await this.db.query(
      `UPDATE score_runs SET status = 'preparing', started_at = COALESCE(started_at, now()) WHERE id = $1`,
      [runId],
    );
    let chunks = await this.chunks(runId);
    // a re-delivered prepare keeps the plan (and the previous run) its inputs jobs may already have used; the
    // summaries' plan commits with the chunk plan, so a crash in between cannot leave a build half-planned
    if (chunks.length === 0) {
      const previous = await this.previousRun(run);
      await this.transaction(async (client) => {
        const summaries = await planSummaryRefresh(client, await this.summaryTarget(run));
        await client.query(
          `UPDATE score_runs SET model_params = model_params || $2::jsonb, report = report || $3::jsonb WHERE id = $1`,
          [
            runId,
            JSON.stringify({
              previousRunId: previous?.id ?? null,
              previousMargin: previous?.margin ?? null,
              summaries,
            }),
            JSON.stringify({ customerSummaries: { mode: summaries, customers: 0, seconds: 0 } }),
          ],
        );
        await client.query(SQL.planChunks, [runId, run.workspace_id, this.config.scoringChunkSize]);
      });
      chunks = await this.chunks(runId);
    }
    // the run's partition-to-be; its defaults fill run_id and workspace_id, which the chunks' COPY leaves out
    await this.db.query(
      `CREATE TABLE IF NOT EXISTS ${scoresTable(runId)}
         (LIKE customer_scores INCLUDING DEFAULTS, CHECK (run_id = ${uuidLiteral(runId)}));
       ALTER TABLE ${scoresTable(runId)} ALTER COLUMN run_id SET DEFAULT ${uuidLiteral(runId)},
         ALTER COLUMN workspace_id SET DEFAULT ${uuidLiteral(run.workspace_id)}`,
    );
    this.flows ??= this.queues.flowProducer();
    await this.flows.add(
      flowJob(
        QUEUES.scoring,
        'fit',
        { runId },
        { jobId: `score-fit-${runId}`, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
        chunks.map(({ chunk_no: n }) =>
          flowJob(
            QUEUES.scoring,
            'inputs',
            { runId, chunkNo: n },
            {
              jobId: `score-inputs-${runId}-${n}`,
              attempts: 5,
              backoff: { type: 'exponential', delay: 2_000 },
              failParentOnFailure: true,
              removeOnComplete: 1000,
            },
          ),
        ),
      ),
    );
    return { chunks: chunks.length };
  }

  /** The customer summaries a run reads: the workspace's, as of the end of its as-of day. */
  private async summaryTarget(run: RunRow): Promise<CustomerSummaryTarget> {
    const [{ cutoff }] = await this.db.query(
      `SELECT to_json((($1::date + 1)::timestamp AT TIME ZONE $2)) #>> '{}' AS cutoff`,
      [run.as_of, run.timezone],
    );
    return { workspaceId: run.workspace_id, timezone: run.timezone, currency: run.currency, cutoff };
  }

  /**
   * Brings the chunk's customer summaries to the run's cutoff, then builds its inputs table (summaries or, for a
   * backtest, purchases and touches from the history, with the previous scores) in one set-based statement.
   */
  async inputs(runId: string, chunkNo: number): Promise<{ customers: number }> {
    const run = await this.run(runId);
    if (run.status !== 'preparing') return { customers: 0 };
    const chunks = await this.chunks(runId);
    const at = chunks.findIndex((c) => c.chunk_no === chunkNo);
    const chunk = chunks[at];
    if (!chunk) throw new Error(`chunk ${chunkNo} of run ${runId} not planned`);
    if (chunk.inputs_at) return { customers: chunk.customers };
    // the chunks' summary ranges cover every id, the gaps between chunks (merged or deleted customers, whose
    // change-log entries must go too) and the ids after the last included
    const range: IdRange = {
      from: at === 0 ? null : chunk.first_customer_id,
      to: at === chunks.length - 1 ? null : String(BigInt(chunks[at + 1].first_customer_id) - 1n),
    };
    const summaries = run.model_params.summaries;
    const refresh = summaries === 'build' || summaries === 'refresh' ? summaries : null;
    const table = inputsTable(runId, chunkNo);
    const target = await this.summaryTarget(run);
    return this.transaction(async (client) => {
      // first the chunk's summaries (in this transaction: a crash leaves the change-log entries in place)
      const summaryStarted = Date.now();
      const recomputed = refresh
        ? await refreshSummaryRange(client, target, refresh, range, { customers: chunk.customers })
        : 0;
      const summarySeconds = (Date.now() - summaryStarted) / 1000;
      // the local day of an instant is timestamptz::date under the workspace's zone (cheaper than AT TIME ZONE)
      await client.query(`SELECT set_config('TimeZone', $1, true)`, [run.timezone]);
      // Steer to the streaming plan (index order, merge joins, GroupAggregate): hash aggregates over a chunk's
      // ~400k customer-days spill or cost 2×, the previous run's partition is read by its primary key for the id
      // range only (its rows are not in id order, so the planner overrates a seq scan of all of them), and JIT
      // compiles longer than these queries run.
      await client.query(
        `SET LOCAL jit = off; SET LOCAL enable_hashagg = off; SET LOCAL enable_hashjoin = off;
         SET LOCAL enable_bitmapscan = off; SET LOCAL enable_nestloop = off; SET LOCAL enable_seqscan = off`,
      );
      await client.query(`DROP TABLE IF EXISTS ${table}`);
      await client.query(`CREATE UNLOGGED TABLE ${table} ${INPUT_TABLE_COLUMNS}`);
      const params = [
        run.workspace_id,
        chunk.first_customer_id,
        chunk.last_customer_id,
        target.cutoff,
        run.model_params.previousRunId ?? NO_RUN,
      ];
      const inserted = refresh
        ? await client.query(`INSERT INTO ${table} ${SQL.chunkInputs('stored')}`, params)
        : await client.query(`INSERT INTO ${table} ${SQL.chunkInputs('history')}`, [...params, run.currency]);
      await client.query(
        `UPDATE score_run_chunks SET inputs_at = clock_timestamp(), customers = $3 WHERE run_id = $1 AND chunk_no = $2`,
        [runId, chunkNo, inserted.rowCount ?? 0],
      );
      // last, so that the other chunks' jobs wait on the run's row only for this commit
      if (refresh) {
        await client.query(
          `UPDATE score_runs SET report = jsonb_set(report, '{customerSummaries}', jsonb_build_object(
             'mode', $2::text,
             'customers', COALESCE((report #>> '{customerSummaries,customers}')::int, 0) + $3,
             'seconds', round((COALESCE((report #>> '{customerSummaries,seconds}')::numeric, 0) + $4)::numeric, 3)))
           WHERE id = $1`,
          [runId, refresh, recomputed, summarySeconds],
        );
      }
      return { customers: inserted.rowCount ?? 0 };
    });
  }

  /** Workspace statistics and model fits from one COPY of every chunk's inputs; then queues the scoring chunks. */
  async fit(runId: string): Promise<{ chunks: number }> {
    const run = await this.run(runId);
    if (run.status === 'scoring') return { chunks: await this.addScoringFlow(runId) };
    if (run.status !== 'preparing') return { chunks: 0 };
    const started = Date.now();
    const timings: Record<string, number> = {};
    let mark = Date.now();
    const lap = (name: string) => {
      timings[name] = (Date.now() - mark) / 1000;
      mark = Date.now();
    };
    const chunks = await this.chunks(runId);
    const missing = chunks.filter((c) => !c.inputs_at).length;
    if (missing > 0) throw new Error(`run ${runId}: inputs of ${missing} chunks missing`);
    // every chunk's range is built: the summaries are whole again
    if (run.model_params.summaries === 'build') await completeSummaryBuild(this.db, run.workspace_id);
    const cols = await this.readInputs(runId, chunks);
    lap('readInputs');
    const asOfDay = Date.parse(`${run.as_of}T00:00:00Z`) / DAY_MS;
    const settings = run.settings?.scoring ?? {};
    const stats = runStatistics(cols, asOfDay, {
      abcCutA: settings.abcCutA ?? 0.7,
      abcCutB: settings.abcCutB ?? 0.9,
    });
    // the columns hold the buyers; the chunks counted everyone, prospects included
    stats.customers = chunks.reduce((n, c) => n + c.customers, 0);
    lap('statistics');
    const discountRateAnnual = settings.discountRateAnnual ?? 0.1;
    const models = fitRunModels(columnModelInputs(cols, asOfDay), {
      horizonDays: run.horizon_days,
      buyers: stats.buyers,
      repeaters: stats.repeaters,
      discountRateAnnual,
    });
    lap('models');
    const previousRunId = run.model_params.previousRunId ?? null;
    const context: RunModelContext = {
      asOf: run.as_of,
      horizonDays: run.horizon_days,
      bgNbd: models.bgNbd,
      gammaGamma: models.gammaGamma,
      rfm: stats.rfm,
      abc: stats.abc,
      discountRateAnnual,
      margin: settings.margin ?? 1,
      previousMargin: run.model_params.previousMargin ?? undefined,
    };
    const workspaceStats: WorkspaceStats = {
      medianCycleDays: stats.medianCycleDays,
      referenceValue: stats.medianMonetary,
      highClvMin: models.highClvMin,
    };
    const { discountRateAnnual: _d, margin: _m, abcCutA: _a, abcCutB: _b, ...workspaceOverrides } = settings;
    // CLV and expected purchases are computed over the run's horizon; the rules must compare on the same one.
    const policyOverrides = { ...workspaceOverrides, clvHorizonDays: run.horizon_days };
    createScoringPolicy(workspaceStats, policyOverrides); // validates the workspace settings before any chunk runs
    const historyMode = previousRunId ? await this.historyMode(run.workspace_id) : 'full';
    const report = {
      customers: stats.customers,
      buyers: stats.buyers,
      repeaters: stats.repeaters,
      revenueMinor: stats.revenue,
      models: models.report,
      previousRunId,
      ...(previousRunId === null && run.current_score_run_id
        ? { previousRunNote: 'the current snapshot is of a later as-of date: no moves, full history' }
        : {}),
      history: { mode: historyMode },
      fitSeconds: (Date.now() - started) / 1000,
      fitTimings: timings,
    };
    const params: RunParams = {
      context,
      policy: { ...policyOverrides, workspace: workspaceStats },
      historyMode,
    };
    await this.db.query(
      `UPDATE score_runs SET status = 'scoring', customers_total = $2, chunks_total = $3,
         model_params = model_params || $4::jsonb, report = report || $5::jsonb WHERE id = $1`,
      [runId, stats.customers, chunks.length, JSON.stringify(params), JSON.stringify(report)],
    );
    await this.addScoringFlow(runId);
    this.logger.log(
      `run ${runId}: ${stats.customers} customers in ${chunks.length} chunks; ${JSON.stringify(models.report.summary)}`,
    );
    return { chunks: chunks.length };
  }

  /** Every chunk's inputs as columns, through one COPY … TO STDOUT (no per-row result objects). */
  private async readInputs(runId: string, chunks: ChunkRow[]): Promise<InputColumns> {
    const capacity = chunks.reduce((n, c) => n + c.customers, 0);
    const cols = allocateColumns(capacity);
    const union = chunks.map((c) => SQL.fitRows(inputsTable(runId, c.chunk_no))).join(' UNION ALL ');
    if (chunks.length === 0) return cols;
    await this.transaction(async (client) => {
      let i = 0;
      await copyOutLines(client, union, (f) => {
        if (i >= capacity) throw new Error(`run ${runId}: more inputs than planned customers`);
        cols.customerId[i] = Number(f[0]);
        cols.transactions[i] = Number(f[1]);
        cols.firstDay[i] = Number(f[2]);
        cols.lastDay[i] = Number(f[3]);
        cols.monetary[i] = Number(f[4]);
        cols.firstAmount[i] = Number(f[5]);
        i++;
      });
      cols.length = i;
    });
    return cols;
  }

  /**
   * The run this one compares with (moves, CLV trend, history deltas): the workspace's current snapshot, unless
   * that is of a later date (a backtest after the nightly run compares with nothing rather than with the future).
   */
  private async previousRun(run: RunRow): Promise<{ id: string; margin: number | undefined } | null> {
    if (!run.current_score_run_id) return null;
    const [row] = await this.db.query(
      `SELECT id, model_params #> '{context,margin}' AS margin FROM score_runs
       WHERE id = $1 AND status = 'completed' AND as_of <= $2`,
      [run.current_score_run_id, run.as_of],
    );
    return row ? { id: row.id, margin: row.margin === null ? undefined : Number(row.margin) } : null;
  }

  /** Delta history, with a full snapshot every HISTORY_SNAPSHOT_EVERY_RUNS runs so a state is never far back. */
  private async historyMode(workspaceId: string): Promise<'full' | 'delta'> {
    const [{ since }] = await this.db.query(
      `SELECT count(*)::int AS since FROM score_runs
       WHERE workspace_id = $1 AND status = 'completed'
         AND created_at > COALESCE((SELECT max(created_at) FROM score_runs WHERE workspace_id = $1
                                    AND status = 'completed' AND report #>> '{history,mode}' = 'full'), '-infinity')`,
      [workspaceId],
    );
    return since + 1 >= HISTORY_SNAPSHOT_EVERY_RUNS ? 'full' : 'delta';
  }

  /** Adds the flow finalize ← chunk × N (idempotent job ids; BullMQ ignores ids that exist). */
  private async addScoringFlow(runId: string): Promise<number> {
    const chunks = await this.chunks(runId);
    this.flows ??= this.queues.flowProducer();
    await this.flows.add(
      flowJob(
        QUEUES.scoring,
        'finalize',
        { runId },
        { jobId: `score-finalize-${runId}`, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
        chunks.map(({ chunk_no: n }) =>
          flowJob(
            QUEUES.scoring,
            'chunk',
            { runId, chunkNo: n },
            {
              jobId: `score-chunk-${runId}-${n}`,
              attempts: 5,
              backoff: { type: 'exponential', delay: 2_000 },
              failParentOnFailure: true,
              removeOnComplete: 1000,
            },
          ),
        ),
      ),
    );
    return chunks.length;
  }

  /** Scores one chunk: its inputs and previous scores in, score rows, history rows and statistics out. */
  async chunk(runId: string, chunkNo: number): Promise<{ customers: number }> {
    const run = await this.run(runId);
    if (run.status !== 'scoring') return { customers: 0 };
    // scores and "done" are committed together, so a done chunk has its rows and a chunk not done has none
    const started = await returningRows(
      this.db,
      `UPDATE score_run_chunks SET attempts = attempts + 1, started_at = now()
       WHERE run_id = $1 AND chunk_no = $2 AND done_at IS NULL RETURNING chunk_no`,
      [runId, chunkNo],
    );
    if (started.length === 0) {
      const [planned] = await this.db.query(
        `SELECT 1 FROM score_run_chunks WHERE run_id = $1 AND chunk_no = $2`,
        [runId, chunkNo],
      );
      if (!planned) throw new Error(`chunk ${chunkNo} of run ${runId} not planned`);
      return { customers: 0 }; // done already (a re-delivered job)
    }
    const params = run.model_params;
    const score = this.scorer(runId, params);
    const seconds = { read: 0, score: 0, write: 0 };
    const stats = emptyStats();
    let customers = 0;
    // One transaction: read the chunk's inputs, then score and stream the rows into COPY batch by batch (so a
    // chunk's lines never pile up in memory), mark it done, commit. A worker killed anywhere in it leaves nothing.
    await this.transaction(async (client) => {
      let t = Date.now();
      const rows: ChunkInputRow[] = [];
      await copyOutLines(client, SQL.chunkRows(inputsTable(runId, chunkNo), dateLiteral(run.as_of)), (f) =>
        rows.push(parseChunkLine(f)),
      );
      customers = rows.length;
      seconds.read = (Date.now() - t) / 1000;
      const historyLines: string[] = [];
      const fullHistory = params.historyMode !== 'delta';
      const copy = copyIn(client, scoresTable(runId), SCORE_COLUMNS, 'binary');
      const writer = new BinaryCopyWriter().header();
      for (let i = 0; i < rows.length; i += COPY_BATCH) {
        t = Date.now();
        for (const input of rows.slice(i, i + COPY_BATCH)) {
          const s = score(input);
          addToStats(stats, input, s);
          writeScoreRow(writer, s);
          if (fullHistory || historyChanged(input, s))
            historyLines.push(historyLine(runId, run.workspace_id, s));
        }
        seconds.score += (Date.now() - t) / 1000;
        t = Date.now();
        await copy.write(writer.take());
        seconds.write += (Date.now() - t) / 1000;
      }
      t = Date.now();
      await copy.write(writer.trailer().take());
      await copy.end();
      await copyLines(client, 'score_history', HISTORY_COLUMNS, historyLines);
      seconds.write += (Date.now() - t) / 1000;
      stats.historyRows = historyLines.length;
      stats.seconds = seconds;
      if (this.config.scoringChunkDelayMs > 0) {
        await new Promise((r) => setTimeout(r, this.config.scoringChunkDelayMs));
      }
      const done = await client.query(
        `UPDATE score_run_chunks SET done_at = clock_timestamp(), worker = $3, stats = $4
         WHERE run_id = $1 AND chunk_no = $2 AND done_at IS NULL`,
        [runId, chunkNo, WORKER_ID, JSON.stringify(stats)],
      );
      // a concurrent duplicate already committed this chunk: roll ours back rather than write the rows twice
      if ((done.rowCount ?? 0) === 0) throw new DuplicateChunk();
      await client.query(`UPDATE score_runs SET chunks_done = chunks_done + 1 WHERE id = $1`, [runId]);
    }).catch((e: unknown) => {
      if (!(e instanceof DuplicateChunk)) throw e;
    });
    return { customers };
  }

  private scorer(runId: string, params: RunParams): (row: ChunkInputRow) => ScoreRow {
    let scorer = this.scorers.get(runId);
    if (!scorer) {
      const { workspace, ...overrides } = params.policy ?? {};
      scorer = createChunkScorer(
        params.context as RunModelContext,
        createScoringPolicy(workspace ?? {}, overrides),
      );
      // a worker serves a few workspaces at a time; keep the latest runs' memos only
      if (this.scorers.size >= 4) this.scorers.delete(this.scorers.keys().next().value as string);
      this.scorers.set(runId, scorer);
    }
    return scorer;
  }

  async finalize(runId: string): Promise<Record<string, unknown>> {
    const run = await this.run(runId);
    if (run.status === 'completed') return {};
    if (run.status === 'failed') return { skipped: 'the run failed before finalize' };
    this.scorers.delete(runId);
    await this.db.query(`UPDATE score_runs SET status = 'finalizing' WHERE id = $1`, [runId]);
    const previousRunId = run.model_params.previousRunId ?? null;
    const started = Date.now();
    const table = scoresTable(runId);
    const [{ attached }] = await this.db.query(
      `SELECT COALESCE((SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)), false) AS attached`,
      [table],
    );
    if (!attached) {
      // the partition's indexes, built once over the loaded rows (in parallel), match the parent's: ATTACH adopts them
      await Promise.all([
        this.db.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${table}_pkey ON ${table} (run_id, customer_id)`),
        this.db.query(`CREATE INDEX IF NOT EXISTS ${table}_priority ON ${table} (run_id, priority DESC)`),
      ]);
      // the parent's primary key adopts a partition's primary key constraint, not a bare unique index
      await this.db.query(
        `DO $$ BEGIN
           ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY USING INDEX ${table}_pkey;
         EXCEPTION WHEN invalid_table_definition OR duplicate_object THEN NULL; END $$`,
      );
      await this.db.query(`ANALYZE ${table}`);
    }
    const indexed = Date.now();
    const summary = await this.db.transaction(async (tx) => {
      const chunks: Array<{ worker: string | null; attempts: number; stats: RunStats | null }> =
        await tx.query(
          `SELECT worker, attempts, stats FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
          [runId],
        );
      const missing = chunks.filter((c) => c.stats === null).length;
      if (missing > 0) throw new Error(`run ${runId}: ${missing} chunks not done`);
      const stats = mergeStats(chunks.map((c) => c.stats as RunStats));
      await this.addExternalIds(tx, stats);
      const workers: Record<string, number> = {};
      for (const c of chunks) workers[c.worker ?? '?'] = (workers[c.worker ?? '?'] ?? 0) + 1;
      if (!attached) {
        await tx.query(
          `ALTER TABLE customer_scores ATTACH PARTITION ${table} FOR VALUES IN (${uuidLiteral(runId)})`,
        );
      }
      // The swap: readers follow current_score_run_id, so the new snapshot appears in one statement.
      await tx.query(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [
        run.workspace_id,
        runId,
      ]);
      const [phases] = await tx.query(
        `SELECT round(extract(epoch FROM max(c.inputs_at) - r.started_at)::numeric, 3)::float8 AS inputs,
                round(extract(epoch FROM min(c.started_at) - max(c.inputs_at))::numeric, 3)::float8 AS fit,
                round(extract(epoch FROM max(c.done_at) - min(c.started_at))::numeric, 3)::float8 AS chunks
         FROM score_runs r JOIN score_run_chunks c ON c.run_id = r.id WHERE r.id = $1 GROUP BY r.started_at`,
        [runId],
      );
      const result = {
        phases: phases ?? null,
        chunkSeconds: stats.seconds ?? null,
        scored: stats.customers,
        tiers: stats.tiers,
        lifecycles: stats.lifecycles,
        frequencyClasses: stats.frequencyClasses,
        abc: stats.abc,
        moves: previousRunId ? { ...stats.moves, top: stats.topMoves } : null,
        previousRunId,
        history: { mode: run.model_params.historyMode ?? 'full', rows: stats.historyRows },
        workers: Object.entries(workers).map(([worker, n]) => ({ worker, chunks: n })),
        chunkAttempts: chunks.reduce((n, c) => n + c.attempts, 0),
      };
      await tx.query(
        `UPDATE score_runs SET status = 'completed', finished_at = now(), report = report || $2::jsonb WHERE id = $1`,
        [runId, JSON.stringify(result)],
      );
      await this.outbox.append(tx, run.workspace_id, 'scores.updated', {
        runId,
        asOf: run.as_of,
        tiers: result.tiers,
        lifecycles: result.lifecycles,
        moves: previousRunId ? stats.moves : null,
        previousRunId,
      });
      return result;
    });
    const swapped = Date.now();
    // Clean-up after the swap (readers already follow the new run): full rows are kept for this run and the
    // previous one only; older runs live on in score_history.
    await dropRunTables(this.db, runId, { scores: false });
    const dropped = await dropOldPartitions(
      this.db,
      run.workspace_id,
      previousRunId ? [runId, previousRunId] : [runId],
    );
    await this.db.query(`UPDATE score_runs SET report = report || $2::jsonb WHERE id = $1`, [
      runId,
      JSON.stringify({
        finalizeSeconds: (Date.now() - started) / 1000,
        finalizeTimings: {
          indexes: (indexed - started) / 1000,
          swap: (swapped - indexed) / 1000,
          cleanup: (Date.now() - swapped) / 1000,
        },
        droppedPartitions: dropped,
        finalizedAt: new Date().toISOString(),
      }),
    ]);
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
    return summary;
  }

  /** The CRM ids of the few movers the report lists (the chunks carry internal ids only). */
  private async addExternalIds(tx: Queryable, stats: RunStats): Promise<void> {
    const listed = Object.values(stats.topMoves).flat();
    if (listed.length === 0) return;
    const rows: Array<{ id: string; external_id: string }> = await tx.query(
      `SELECT id::text, external_id FROM customers WHERE id = ANY ($1::bigint[])`,
      [listed.map((m) => m.customerId)],
    );
    const byId = new Map(rows.map((r) => [r.id, r.external_id]));
    for (const m of listed) m.externalId = byId.get(m.customerId) ?? null;
  }

  async fail(runId: string, error: string): Promise<void> {
    this.scorers.delete(runId);
    const failed = await returningRows(
      this.db,
      `UPDATE score_runs SET status = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND status NOT IN ('completed', 'failed') RETURNING id`,
      [runId, error.slice(0, 2000)],
    );
    if (failed.length > 0) await dropRunTables(this.db, runId, { scores: true });
  }

  /** Runs `fn` on one pooled connection inside a transaction (COPY needs the raw client). */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const qr = this.db.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }
}

class DuplicateChunk extends Error {}

export type { ModelReport };
