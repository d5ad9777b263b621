import { availableParallelism } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { Transactions } from '../../database/transactions';
import { backtestSample } from '../backtest-sample';
import {
  type BacktestOptions,
  type BacktestResult,
  backtestYielding,
  type PurchaseHistory,
} from '../models/backtest';
import { backtestInThread, type ThreadBacktest } from '../models/backtest-thread';
import type { WeightedRepeatSummary } from '../models/bg-nbd';
import { priorityCheckSentence } from '../models/priority-check';
import { tierAccuracySentence } from '../models/tier-accuracy';
import { runSplitChecks, type SplitChecks } from '../run-priority-check';
import type { RunModelContext } from '../chunk-scoring';
import { CustomerSummariesRepository } from '../customer-summaries.repository';
import { ForecastAccuracyRepository } from '../forecast-accuracy.repository';
import { createScoringPolicy, ScoringPolicyOverrides, WorkspaceStats } from '../models/customer-policy';
import {
  BACKTEST_SAMPLE_TARGET,
  type BacktestInput,
  type BaseModels,
  candidateRows,
  FittedModels,
  finishRunModels,
  fitBaseModels,
  MIN_BUYERS_FOR_BGNBD,
  MIN_REPEATERS_FOR_BGNBD,
  type ModelInputs,
  RUN_BACKTEST_UNIT_DAYS,
  type RunModelOptions,
  runBacktestHorizons,
} from '../run-models';
import { LeftOutReport, leftOutReport, leftOutWarnings } from '../left-out';
import { HISTORY_SNAPSHOT_EVERY_RUNS } from '../run-report';
import {
  allocateColumns,
  columnModelInputs,
  InputColumns,
  RunStatistics,
  runStatistics,
} from '../run-statistics';
import { RunTablesRepository } from '../run-tables.repository';
import { ChunkRow, RunParams, RunRow, ScoreRunRepository } from '../score-run.repository';
import { RunLoader } from './run-loader';
import { ScoringFlows } from './scoring-flows';

const DAY_MS = 86_400_000;

/** What the fit computes from the inputs: statistics, models, and what every chunk needs of them. */
interface RunFit {
  stats: RunStatistics;
  models: FittedModels;
  context: RunModelContext;
  workspaceStats: WorkspaceStats;
  policyOverrides: ScoringPolicyOverrides;
}

/** Workspace statistics and model fits from one COPY of every chunk's inputs; then queues the scoring chunks. */
@Injectable()
export class FitStep {
  private readonly logger = new Logger(FitStep.name);

  constructor(
    private readonly loader: RunLoader,
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly summaries: CustomerSummariesRepository,
    private readonly transactions: Transactions,
    private readonly flows: ScoringFlows,
    private readonly accuracy: ForecastAccuracyRepository,
  ) {}

  async fit(runId: string): Promise<{ chunks: number }> {
    const run = await this.loader.run(runId);
    if (run.status === 'scoring') return { chunks: await this.addScoringFlow(runId) };
    if (run.status !== 'preparing') return { chunks: 0 };
    const started = Date.now();
    // The orders the run leaves out need one aggregate over all of the workspace's orders (≈ 1× the GROUP BY
    // baseline: 3 s at 10M orders), whatever changed. It runs in the database while this job reads the inputs and
    // fits in JavaScript, on a core that is otherwise idle during the fit; in prepare it held up every inputs job.
    const leftOut = this.leftOut(run);
    leftOut.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    const timings: Record<string, number> = {};
    let mark = Date.now();
    const lap = (name: string) => {
      timings[name] = (Date.now() - mark) / 1000;
      mark = Date.now();
    };
    const chunks = await this.loader.chunks(runId);
    const missing = chunks.filter((c) => !c.inputs_at).length;
    if (missing > 0) throw new Error(`run ${runId}: inputs of ${missing} chunks missing`);
    // every chunk's range is built: the summaries are whole again
    if (run.model_params.summaries === 'build') await this.summaries.completeBuild(run.workspace_id);
    const cols = await this.readInputs(runId, chunks);
    lap('readInputs');
    // The self-backtest's purchase days are read by the database while this thread computes the statistics; the
    // backtest then runs in a worker thread beside the run's own BG/NBD and Gamma-Gamma fits on this one. Before,
    // the read, the backtest and the fits waited for each other (issue 16).
    const sample = backtestSampleIds(run, cols);
    let sent = () => {};
    const dispatched = new Promise<void>((resolve) => (sent = resolve));
    const historiesRead = sample ? this.backtestHistories(run, sample, sent) : Promise.resolve(undefined);
    historiesRead.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    // a few round trips (connection, BEGIN, time zone) until the statement is in the database; the statistics
    // do not give the event loop back
    if (sample) await Promise.race([dispatched, historiesRead]);
    const stats = fitStatistics(run, chunks, cols);
    lap('statistics');
    const histories = await historiesRead;
    lap('backtestHistories'); // what is left of the read once the statistics are done
    const horizons = histories ? runBacktestHorizons(histories, run.horizon_days) : [];
    const backtestOptions = {
      cutoffDay: histories?.cutoffDay ?? 0,
      horizons,
      unitDays: RUN_BACKTEST_UNIT_DAYS,
      forecastDays: run.horizon_days,
      incumbent: run.model_params.previousModels?.count ?? null,
    };
    // a view of the columns, read by the fits below (no copy)
    const inputs = columnModelInputs(cols, asOfDayOf(run));
    const backtestRun =
      histories && horizons.length
        ? this.backtest(runId, histories.histories, backtestOptions, candidateRows(inputs, stats.buyers))
        : null;
    backtestRun?.catch(() => undefined); // awaited below
    const base = fitBase(run, stats, inputs);
    lap('models');
    if (histories && backtestRun) {
      const done = await backtestRun;
      histories.result = done.result;
      histories.candidateFit = done.candidateFit;
    }
    lap('backtest'); // what is left of the backtest (and its chosen model's fit) once the fits above are done
    const fitted = fitRun(run, inputs, base, lap, histories);
    const { models } = fitted;
    if (models.backtest) await this.accuracy.save(run.workspace_id, runId, models.backtest);
    const tally = await leftOut;
    lap('leftOutWait');
    const warnings = [...tally.warnings];
    const checks = histories && models.backtest ? splitChecks(histories, models.backtest, fitted) : null;
    if (checks) {
      const check = checks.priority;
      models.report.priorityCheck = check;
      models.report.reasons.push(priorityCheckSentence(check));
      if (check.worse) warnings.push(priorityCheckSentence(check));
    }
    if (checks?.byTier) {
      models.report.tierAccuracy = checks.byTier;
      models.report.reasons.push(tierAccuracySentence(checks.byTier));
    }
    lap('priorityCheck');
    const previousRunId = run.model_params.previousRunId ?? null;
    // A backtest is not part of the live history chain (the state at a run is its latest history row before it):
    // its rows would stand in for the live ones. Its full scores are its own partition instead.
    const historyMode = run.model_params.backtest
      ? 'none'
      : previousRunId
        ? await this.historyMode(run.workspace_id)
        : 'full';
    const report = {
      customers: stats.customers,
      buyers: stats.buyers,
      repeaters: stats.repeaters,
      revenueMinor: stats.revenue,
      models: models.report,
      previousRunId,
      ...(run.model_params.backtest
        ? {
            previousRunNote:
              'a backtest: the live snapshot is of a later as-of date; no moves, no history rows',
          }
        : previousRunId === null && run.current_score_run_id
          ? { previousRunNote: 'the current snapshot is of a later as-of date: no moves, full history' }
          : {}),
      history: { mode: historyMode },
      fitSeconds: (Date.now() - started) / 1000,
      fitTimings: timings,
      leftOut: tally.leftOut,
      // the orders left out, with the priority check's
      warnings,
    };
    const params: RunParams = {
      context: fitted.context,
      policy: { ...fitted.policyOverrides, workspace: fitted.workspaceStats },
      historyMode,
    };
    await this.runs.startScoring(
      runId,
      { customers: stats.customers, chunks: chunks.length },
      params,
      report,
    );
    await this.addScoringFlow(runId);
    this.logger.log(
      `run ${runId}: ${stats.customers} customers in ${chunks.length} chunks; ${JSON.stringify(models.report.summary)}`,
    );
    return { chunks: chunks.length };
  }

  /**
   * The orders the run will not use, by reason, and the warning when too many are left out for a reason that
   * usually means a data problem (left-out.ts), from the workspace's running tally of its orders.
   */
  private async leftOut(
    run: RunRow,
  ): Promise<{ leftOut: LeftOutReport & { seconds: number }; warnings: string[] }> {
    const started = Date.now();
    const { rows, recounted } = await this.transactions.run((tx) =>
      this.runs.orderTally(run.workspace_id, run.currency, run.as_of, run.timezone, tx),
    );
    if (recounted) {
      this.logger.log(
        `run ${run.id}: orders tally recounted by ${run.timezone}'s days (counted by another zone's)`,
      );
    }
    const ctx = {
      currency: run.currency,
      asOf: run.as_of,
      timezone: run.timezone,
      backtest: run.model_params.backtest === true,
    };
    const report = leftOutReport(rows, ctx);
    return {
      leftOut: { ...report, seconds: (Date.now() - started) / 1000 },
      warnings: leftOutWarnings(report, ctx),
    };
  }

  /** Every chunk's inputs as columns, through one COPY … TO STDOUT (no per-row result objects). */
  private async readInputs(runId: string, chunks: ChunkRow[]): Promise<InputColumns> {
    const capacity = chunks.reduce((n, c) => n + c.customers, 0);
    const cols = allocateColumns(capacity);
    if (chunks.length === 0) return cols;
    await this.transactions.onClient(async (client) => {
      let i = 0;
      await this.tables.copyOutFitRows(
        client,
        runId,
        chunks.map((c) => c.chunk_no),
        (row) => {
          if (i >= capacity) throw new Error(`run ${runId}: more inputs than planned customers`);
          cols.customerId[i] = row.int(0);
          cols.transactions[i] = row.int(1);
          cols.firstDay[i] = row.int(2);
          cols.lastDay[i] = row.int(3);
          cols.monetary[i] = row.int(4);
          cols.firstAmount[i] = row.int(5);
          i++;
        },
      );
      cols.length = i;
    });
    return cols;
  }

  /**
   * The self-backtest in a worker thread (models/backtest-thread.ts), with its chosen model fitted on `rows`; in
   * this one, with the event loop given back between its fits (so the job's lock keeps being renewed), on a single
   * core or if the thread fails. The same result either way.
   */
  private async backtest(
    runId: string,
    histories: PurchaseHistory[],
    opts: BacktestOptions,
    rows: WeightedRepeatSummary[],
  ): Promise<ThreadBacktest> {
    // on a single core a thread only adds its start-up to the same work
    if (availableParallelism() < 2) return { result: await backtestYielding(histories, opts) };
    try {
      return await backtestInThread(histories, opts, rows);
    } catch (e) {
      this.logger.warn(`run ${runId}: the backtest thread failed (${String(e)}); running it in this one`);
      return { result: await backtestYielding(histories, opts) };
    }
  }

  /** Purchase days of the self-backtest's sample (backtestSampleIds), up to the as-of day. */
  private async backtestHistories(run: RunRow, sample: number[], sent: () => void): Promise<BacktestInput> {
    const cutoff = await this.runs.endOfDay(run.as_of, run.timezone);
    const rows = await this.transactions.onClient((client) =>
      this.accuracy.purchaseDays(
        client,
        run.workspace_id,
        {
          timezone: run.timezone,
          currency: run.currency,
          cutoff,
          customerIds: sample,
        },
        sent,
      ),
    );
    const byCustomer = new Map<
      string,
      { days: number[]; amounts: number[]; kind: 'individual' | 'business' }
    >();
    for (const r of rows) {
      const h = byCustomer.get(r.customer_id);
      if (h) {
        h.days.push(Number(r.day));
        h.amounts.push(Number(r.amount));
      } else
        byCustomer.set(r.customer_id, { days: [Number(r.day)], amounts: [Number(r.amount)], kind: r.kind });
    }
    const ordered = [...byCustomer.keys()]
      .sort((a, b) => Number(a) - Number(b))
      .map((id) => byCustomer.get(id)!);
    return {
      histories: ordered.map((h) => ({ days: h.days })),
      spend: { amounts: ordered.map((h) => h.amounts), kinds: ordered.map((h) => h.kind) },
      cutoffDay: asOfDayOf(run),
    };
  }

  /** Delta history, with a full snapshot every HISTORY_SNAPSHOT_EVERY_RUNS runs so a state is never far back. */
  private async historyMode(workspaceId: string): Promise<'full' | 'delta'> {
    const since = await this.runs.completedSinceFullHistory(workspaceId);
    return since + 1 >= HISTORY_SNAPSHOT_EVERY_RUNS ? 'full' : 'delta';
  }

  /** Adds the flow finalize ← chunk × N. */
  private async addScoringFlow(runId: string): Promise<number> {
    const chunks = await this.loader.chunks(runId);
    await this.flows.addScoringFlow(
      runId,
      chunks.map((c) => c.chunk_no),
    );
    return chunks.length;
  }
}

/**
 * Ids of a sample of the buyers (seeded with workspace and as-of date: the same data on the same date gives the
 * same sample), for the self-backtest; null when BG/NBD will not be fitted anyway.
 */
function backtestSampleIds(run: RunRow, cols: InputColumns): number[] | null {
  let buyers = 0;
  let repeaters = 0;
  for (let i = 0; i < cols.length; i++) {
    if (cols.transactions[i] > 0) buyers++;
    if (cols.transactions[i] > 1) repeaters++;
  }
  if (buyers < MIN_BUYERS_FOR_BGNBD || repeaters < MIN_REPEATERS_FOR_BGNBD) return null;
  const ids: number[] = [];
  for (let i = 0; i < cols.length; i++) if (cols.transactions[i] > 0) ids.push(cols.customerId[i]);
  return backtestSample(ids, { workspaceId: run.workspace_id, asOf: run.as_of }, BACKTEST_SAMPLE_TARGET);
}

/** The run's as-of date as a day number (days since 1970-01-01), the unit of the input columns' days. */
function asOfDayOf(run: RunRow): number {
  return Date.parse(`${run.as_of}T00:00:00Z`) / DAY_MS;
}

/** The run's statistics from its input columns. */
function fitStatistics(run: RunRow, chunks: ChunkRow[], cols: InputColumns): RunStatistics {
  const settings = run.settings?.scoring ?? {};
  const stats = runStatistics(cols, asOfDayOf(run), {
    abcCutA: settings.abcCutA ?? 0.7,
    abcCutB: settings.abcCutB ?? 0.9,
  });
  // the columns hold the buyers; the chunks counted everyone, prospects included
  stats.customers = chunks.reduce((n, c) => n + c.customers, 0);
  return stats;
}

/** What fitBase computes: the fits that need no backtest, with the statistics they were fitted from. */
interface BaseFit {
  stats: RunStatistics;
  base: BaseModels;
  options: RunModelOptions;
}

/** The fits of fitBaseModels from the run's input columns. */
function fitBase(run: RunRow, stats: RunStatistics, inputs: ModelInputs): BaseFit {
  const settings = run.settings?.scoring ?? {};
  const options: RunModelOptions = {
    horizonDays: run.horizon_days,
    buyers: stats.buyers,
    repeaters: stats.repeaters,
    discountRateAnnual: settings.discountRateAnnual ?? 0.1,
    previousModels: run.model_params.previousModels ?? null,
  };
  const base = fitBaseModels(inputs, options);
  return { stats, base, options };
}

/**
 * The rest of the run's models (the choice by the self-backtest, spend, high-CLV cut-off) and the scoring policy
 * they make (validated here, before any chunk runs). `lap` times the phases.
 */
function fitRun(
  run: RunRow,
  inputs: ModelInputs,
  { stats, base, options }: BaseFit,
  lap: (phase: string) => void,
  histories?: BacktestInput,
): RunFit {
  const settings = run.settings?.scoring ?? {};
  const { discountRateAnnual } = options;
  const models = finishRunModels(base, inputs, options, histories);
  lap('choice');
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
    forecast: models.forecast,
    spend: models.spend,
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
  return { stats, models, context, workspaceStats, policyOverrides };
}

/**
 * The checks at the self-backtest's longest horizon, with the run's scorer (run-priority-check.ts): the priority's
 * revenue capture and the chosen model's accuracy per value tier; null without the sample's spend or a horizon.
 */
function splitChecks(histories: BacktestInput, result: BacktestResult, fitted: RunFit): SplitChecks | null {
  const horizon = result.horizons[result.horizons.length - 1];
  if (!histories.spend || horizon === undefined) return null;
  const candidate = result.candidates.find((c) => c.model === result.chosen);
  const last = candidate?.horizons[candidate.horizons.length - 1];
  const amounts = histories.spend.amounts;
  return runSplitChecks(
    histories.histories.map((h, i) => ({ days: h.days, amounts: amounts[i] })),
    histories.spend.kinds,
    {
      cutoffDay: histories.cutoffDay,
      horizonDays: horizon,
      fit: candidate && last ? { model: candidate.model, params: last.params, horizon: last.horizon } : null,
      context: fitted.context,
      policy: createScoringPolicy(fitted.workspaceStats, fitted.policyOverrides),
    },
  );
}
