import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import type { RunModelContext } from './chunk-scoring';
import type { SummaryRefreshMode } from './customer-summaries';
import type { ScoringPolicyOverrides, WorkspaceStats } from './models/customer-policy';
import type { OrderTallyRow } from './left-out';
import { type PreviousModels, readPreviousModels } from './run-models';
import type { RunStats } from './run-report';
import { SCORE_RUN_SQL as SQL } from './score-run.sql';

/** What the fit step stores on the run for every chunk and for finalize (score_runs.model_params). */
export interface RunParams {
  context?: RunModelContext;
  policy?: ScoringPolicyOverrides & { workspace?: Partial<WorkspaceStats> };
  previousRunId?: string | null;
  /** margin of the previous run (its stored CLVs carry it) */
  previousMargin?: number | null;
  /** the models the previous run's scores used: kept through a night's noise (models/incumbent.ts) */
  previousModels?: PreviousModels | null;
  /** full: every customer gets a history row; delta: only those who changed (run-report.ts historyChanged) */
  historyMode?: 'full' | 'delta' | 'none';
  publishWorklists?: boolean;
  /** as of a day before the live snapshot's: never current, drops nothing, publishes nothing (score-retention.ts) */
  backtest?: boolean;
  /** the live snapshot when a backtest started */
  liveRun?: { id: string; asOf: string } | null;
  /** how the inputs jobs bring the summaries of their chunk to the run's cutoff; behind (or none, a run from
   * before the summaries): the inputs compute them from the orders and interactions */
  summaries?: SummaryRefreshMode;
}

/** A run that just ended: how long it took from creation, seconds, and whether it was a backtest. */
export interface FinishedRun {
  seconds: number;
  backtest: boolean;
}

/** A run with the workspace settings its steps read. */
export interface RunRow {
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

export interface ChunkRow {
  chunk_no: number;
  first_customer_id: string;
  last_customer_id: string;
  customers: number;
  inputs_at: Date | null;
  done_at: Date | null;
}

/** What finalize reads of each done chunk. */
export interface ChunkOutcomeRow {
  worker: string | null;
  attempts: number;
  stats: RunStats | null;
}

/** Seconds of the phases of a run, from its chunks' time stamps. */
export interface RunPhasesRow {
  inputs: number | null;
  fit: number | null;
  chunks: number | null;
}

/** A row of score_runs, as the API shows it (score-run.service.ts toView). */
export interface ScoreRunRow {
  id: string;
  workspace_id: string;
  as_of: string;
  horizon_days: number;
  trigger: string;
  status: string;
  customers_total: number;
  chunks_total: number;
  chunks_done: number;
  report: Record<string, unknown>;
  model_params: RunParams;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/** One customer's scores in a run (GET /v1/score-runs/:id/scores); bigint and numeric columns as text. */
export interface RunScoreRow {
  customer_id: string;
  external_id: string;
  recency_days: number | null;
  frequency: number;
  monetary: string;
  rfm_segment: string | null;
  abc_class: string | null;
  value_tier: string;
  frequency_class: string | null;
  lifecycle: string;
  p_alive: number | null;
  p_buy: number | null;
  expected_purchases: number | null;
  expected_order_value: string | null;
  clv: string | null;
  churn_risk: number;
  priority: number;
}

/** A workspace's active run and whether it has been quiet for longer than the stale limit. */
export interface ActiveRunQuietRow {
  id: string;
  quiet: boolean | null;
}

/** The statements on score_runs and score_run_chunks: starting and listing runs, and the steps' bookkeeping. */
@Injectable()
export class ScoreRunRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  // --- the API side: starting, watching and listing runs

  async workspaceTimezone(workspaceId: string): Promise<string | undefined> {
    const row = await this.first<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [
      workspaceId,
    ]);
    return row?.timezone;
  }

  /** Inserts a queued run unless the workspace has an active one (`score_runs_one_active`); its id, or none. */
  async insertQueued(
    workspaceId: string,
    run: { asOf: string; horizonDays: number; trigger: string; modelParams: RunParams },
  ): Promise<string | undefined> {
    const row = await this.first<{ id: string }>(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, trigger, model_params)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id) WHERE status IN ('queued', 'preparing', 'scoring', 'finalizing') DO NOTHING
       RETURNING id`,
      [workspaceId, run.asOf, run.horizonDays, run.trigger, JSON.stringify(run.modelParams)],
    );
    return row?.id;
  }

  /** The workspace's active run, quiet when neither it nor a chunk has made progress for `staleSeconds`. */
  activeRunQuiet(workspaceId: string, staleSeconds: number): Promise<ActiveRunQuietRow | undefined> {
    return this.first<ActiveRunQuietRow>(
      `SELECT r.id, GREATEST(r.created_at, r.started_at,
                (SELECT max(GREATEST(c.inputs_at, c.started_at, c.done_at)) FROM score_run_chunks c
                 WHERE c.run_id = r.id))
                < now() - make_interval(secs => $2) AS quiet
       FROM score_runs r
       WHERE r.workspace_id = $1 AND r.status IN ('queued', 'preparing', 'scoring', 'finalizing')`,
      [workspaceId, staleSeconds],
    );
  }

  /** Marks a still-active run failed as stale; false when it finished meanwhile. */
  async markStale(runId: string, staleMinutes: number): Promise<boolean> {
    const failed = await this.returning<{ id: string }>(
      // @crossTenant the run was just found among the workspace's active runs (activeRunQuiet)
      `UPDATE score_runs SET status = 'failed', finished_at = now(),
         error = 'stale: no live queue job and no progress for ' || $2 || ' minutes; marked failed by the next start'
       WHERE id = $1 AND status IN ('queued', 'preparing', 'scoring', 'finalizing') RETURNING id`,
      [runId, String(staleMinutes)],
    );
    return failed.length > 0;
  }

  get(workspaceId: string, runId: string): Promise<ScoreRunRow | undefined> {
    return this.first<ScoreRunRow>(`SELECT * FROM score_runs WHERE id = $1 AND workspace_id = $2`, [
      runId,
      workspaceId,
    ]);
  }

  active(workspaceId: string): Promise<ScoreRunRow | undefined> {
    return this.first<ScoreRunRow>(
      `SELECT * FROM score_runs WHERE workspace_id = $1 AND status IN ('queued', 'preparing', 'scoring', 'finalizing')`,
      [workspaceId],
    );
  }

  /** The workspace's current snapshot (the live run) and its as-of day, if it has one. */
  liveRun(workspaceId: string): Promise<{ id: string; as_of: string } | undefined> {
    return this.first<{ id: string; as_of: string }>(
      `SELECT r.id, r.as_of::text AS as_of FROM workspaces w JOIN score_runs r ON r.id = w.current_score_run_id
       WHERE w.id = $1 AND r.workspace_id = $1`,
      [workspaceId],
    );
  }

  /** Whether the run's full score rows are still there (a partition of customer_scores, or default rows). */
  async scoresKept(workspaceId: string, runId: string): Promise<boolean> {
    const [{ kept }] = await this.rows<{ kept: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM customer_scores WHERE run_id = $2 AND workspace_id = $1) AS kept`,
      [workspaceId, runId],
    );
    return kept;
  }

  /** A page of a run's scores in customer id order after `after` (keyset), with the customers' CRM ids. */
  runScores(workspaceId: string, runId: string, after: string, limit: number): Promise<RunScoreRow[]> {
    return this.rows<RunScoreRow>(
      `SELECT s.customer_id::text AS customer_id, c.external_id, s.recency_days, s.frequency, s.monetary::text AS monetary,
              s.rfm_segment, s.abc_class, s.value_tier, s.frequency_class, s.lifecycle, s.p_alive,
              s.p_buy, s.expected_purchases, s.expected_order_value::text AS expected_order_value, s.clv::text AS clv,
              s.churn_risk, s.priority
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id AND c.workspace_id = $1
       WHERE s.run_id = $2 AND s.workspace_id = $1 AND s.customer_id > $3::bigint
       ORDER BY s.customer_id LIMIT $4`,
      [workspaceId, runId, after, limit],
    );
  }

  /** The lists of `date` published from runs other than `runId`: how many, and from which runs. */
  async listsPublishedBefore(
    workspaceId: string,
    date: string,
    runId: string,
  ): Promise<{ lists: number; runIds: string[] }> {
    const [row] = await this.rows<{ lists: number; run_ids: string[] | null }>(
      `SELECT count(*)::int AS lists, array_agg(DISTINCT score_run_id::text) FILTER (WHERE score_run_id IS NOT NULL) AS run_ids
       FROM worklists WHERE workspace_id = $1 AND list_date = $2 AND score_run_id IS DISTINCT FROM $3`,
      [workspaceId, date, runId],
    );
    return { lists: row.lists, runIds: row.run_ids ?? [] };
  }

  latest(workspaceId: string, limit: number): Promise<ScoreRunRow[]> {
    return this.rows<ScoreRunRow>(
      `SELECT * FROM score_runs WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [workspaceId, limit],
    );
  }

  // --- the steps: a job names its run by id only

  load(runId: string): Promise<RunRow | undefined> {
    return this.first<RunRow>(
      // @crossTenant a job loads its run by primary key; the run names its workspace
      `SELECT r.*, w.timezone, w.currency, w.settings, w.current_score_run_id
       FROM score_runs r JOIN workspaces w ON w.id = r.workspace_id WHERE r.id = $1`,
      [runId],
    );
  }

  chunks(runId: string): Promise<ChunkRow[]> {
    return this.rows<ChunkRow>(
      // @crossTenant the chunks of a run already loaded by its id
      `SELECT chunk_no, first_customer_id, last_customer_id, customers, inputs_at, done_at
       FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
      [runId],
    );
  }

  markPreparing(runId: string): Promise<void> {
    return this.exec(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET status = 'preparing', started_at = COALESCE(started_at, now()) WHERE id = $1`,
      [runId],
    );
  }

  /** The end of the as-of day in the workspace's zone (ISO timestamp). */
  async endOfDay(asOf: string, timezone: string): Promise<string> {
    const [{ cutoff }] = await this.rows<{ cutoff: string }>(
      `SELECT to_json((($1::date + 1)::timestamp AT TIME ZONE $2)) #>> '{}' AS cutoff`,
      [asOf, timezone],
    );
    return cutoff;
  }

  /**
   * A completed run no later than `asOf`, with the margin its CLVs carry and the models the next run starts from:
   * the ones it used, or — when it is of the same date, so the new run re-scores that date — the ones it was given
   * itself, so that a re-run chooses as the first run of the date did (same data, same scores: a re-run that took
   * the first run's own choices as its incumbents could switch the learned correction on, or refit it toward
   * itself, and move every CLV).
   */
  async completedRun(
    runId: string,
    asOf: string,
  ): Promise<{ id: string; margin: number | null; models: PreviousModels } | undefined> {
    const row = await this.first<{
      id: string;
      margin: number | null;
      same_date: boolean;
      given: Record<string, unknown> | null;
      count_model: string | null;
      spend_model: string | null;
      correction: unknown;
      supported: unknown;
    }>(
      // @crossTenant the workspace's current snapshot, named by the workspace's own row
      `SELECT id, model_params #> '{context,margin}' AS margin, as_of = $2::date AS same_date,
              model_params -> 'previousModels' AS given,
              report #>> '{models,choice,chosen}' AS count_model, report #>> '{models,spendChoice,chosen}' AS spend_model,
              model_params #> '{context,forecast,correction}' AS correction,
              report #> '{models,correction,supported}' AS supported
       FROM score_runs WHERE id = $1 AND status = 'completed' AND as_of <= $2`,
      [runId, asOf],
    );
    if (!row) return undefined;
    const models = row.same_date
      ? readPreviousModels(row.given ?? {})
      : readPreviousModels({
          count: row.count_model,
          spend: row.spend_model,
          correction: row.correction,
          correctionSupported: row.supported,
        });
    return { id: row.id, margin: row.margin, models };
  }

  /** Completed runs of the workspace since its latest full history snapshot. */
  async completedSinceFullHistory(workspaceId: string): Promise<number> {
    const [{ since }] = await this.rows<{ since: number }>(
      `SELECT count(*)::int AS since FROM score_runs
       WHERE workspace_id = $1 AND status = 'completed' AND report #>> '{history,mode}' IS DISTINCT FROM 'none'
         AND created_at > COALESCE((SELECT max(created_at) FROM score_runs WHERE workspace_id = $1
                                    AND status = 'completed' AND report #>> '{history,mode}' = 'full'), '-infinity')`,
      [workspaceId],
    );
    return since;
  }

  /**
   * The workspace's orders grouped by what a run as of `asOf` in `timezone` does with them (score-run.sql.ts
   * leftOutOrders), from the running tally: folded first, or recounted from the orders when some of it was counted
   * by another zone's days. In the caller's transaction, under a per-workspace lock: a fold and a recount side by
   * side would count the folded rows twice.
   */
  async orderTally(
    workspaceId: string,
    currency: string,
    asOf: string,
    timezone: string,
    tx: Queryable,
  ): Promise<{ rows: OrderTallyRow[]; recounted: boolean }> {
    await this.exec(
      `SELECT pg_advisory_xact_lock(hashtextextended('order_tally:' || $1, 0))`,
      [workspaceId],
      tx,
    );
    const [{ other }] = await this.rows<{ other: boolean }>(
      SQL.orderTallyInOtherZone,
      [workspaceId, timezone],
      tx,
    );
    await this.exec(
      other ? SQL.recountOrderTally : SQL.foldOrderTally,
      other ? [workspaceId, timezone] : [workspaceId],
      tx,
    );
    const rows = await this.rows<OrderTallyRow>(
      SQL.leftOutOrders,
      [workspaceId, currency, asOf, timezone],
      tx,
    );
    return { rows, recounted: other };
  }

  /** Stores the plan's parameters and report (prepare), in the plan's transaction. */
  async recordPlan(
    client: PoolClient,
    runId: string,
    params: RunParams,
    report: Record<string, unknown>,
  ): Promise<void> {
    await client.query(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET model_params = model_params || $2::jsonb, report = report || $3::jsonb WHERE id = $1`,
      [runId, JSON.stringify(params), JSON.stringify(report)],
    );
  }

  /** Plans chunks of about `chunkSize` live customers each (score-run.sql.ts planChunks). */
  async planChunks(client: PoolClient, workspaceId: string, runId: string, chunkSize: number): Promise<void> {
    await client.query(SQL.planChunks, [runId, workspaceId, chunkSize]);
  }

  async markInputsBuilt(
    client: PoolClient,
    runId: string,
    chunkNo: number,
    customers: number,
  ): Promise<void> {
    await client.query(
      // @crossTenant a chunk of a run loaded by its id
      `UPDATE score_run_chunks SET inputs_at = clock_timestamp(), customers = $3 WHERE run_id = $1 AND chunk_no = $2`,
      [runId, chunkNo, customers],
    );
  }

  /** Adds a chunk's summary refresh to the run's report (customers recomputed, seconds). */
  async addSummaryRefresh(
    client: PoolClient,
    runId: string,
    mode: 'build' | 'refresh',
    customers: number,
    seconds: number,
  ): Promise<void> {
    await client.query(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET report = jsonb_set(report, '{customerSummaries}', jsonb_build_object(
         'mode', $2::text,
         'customers', COALESCE((report #>> '{customerSummaries,customers}')::int, 0) + $3,
         'seconds', round((COALESCE((report #>> '{customerSummaries,seconds}')::numeric, 0) + $4)::numeric, 3)))
       WHERE id = $1`,
      [runId, mode, customers, seconds],
    );
  }

  /** The fit's results; the run moves on to its chunks. */
  startScoring(
    runId: string,
    totals: { customers: number; chunks: number },
    params: RunParams,
    report: Record<string, unknown>,
  ): Promise<void> {
    return this.exec(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET status = 'scoring', customers_total = $2, chunks_total = $3,
         model_params = model_params || $4::jsonb, report = report || $5::jsonb WHERE id = $1`,
      [runId, totals.customers, totals.chunks, JSON.stringify(params), JSON.stringify(report)],
    );
  }

  /** Counts an attempt at a chunk that is not done; false when it is done (or not planned). */
  /** Counts an attempt at a chunk not done yet: its planned customers, or null when it is done (or not planned). */
  async startChunk(runId: string, chunkNo: number): Promise<{ customers: number } | null> {
    const started = await this.returning<{ customers: number }>(
      // @crossTenant a chunk of a run loaded by its id
      `UPDATE score_run_chunks SET attempts = attempts + 1, started_at = now()
       WHERE run_id = $1 AND chunk_no = $2 AND done_at IS NULL RETURNING customers`,
      [runId, chunkNo],
    );
    return started[0] ?? null;
  }

  async isChunkPlanned(runId: string, chunkNo: number): Promise<boolean> {
    const planned = await this.first<unknown>(
      // @crossTenant a chunk of a run loaded by its id
      `SELECT 1 FROM score_run_chunks WHERE run_id = $1 AND chunk_no = $2`,
      [runId, chunkNo],
    );
    return Boolean(planned);
  }

  /** Marks a chunk done with its statistics, in the chunk's transaction; false if another worker did first. */
  async markChunkDone(
    client: PoolClient,
    runId: string,
    chunkNo: number,
    worker: string,
    stats: RunStats,
  ): Promise<boolean> {
    const done = await client.query(
      // @crossTenant a chunk of a run loaded by its id
      `UPDATE score_run_chunks SET done_at = clock_timestamp(), worker = $3, stats = $4
       WHERE run_id = $1 AND chunk_no = $2 AND done_at IS NULL`,
      [runId, chunkNo, worker, JSON.stringify(stats)],
    );
    return (done.rowCount ?? 0) > 0;
  }

  async countChunkDone(client: PoolClient, runId: string): Promise<void> {
    // @crossTenant a job's run by primary key
    await client.query(`UPDATE score_runs SET chunks_done = chunks_done + 1 WHERE id = $1`, [runId]);
  }

  markFinalizing(runId: string): Promise<void> {
    // @crossTenant a job's run by primary key
    return this.exec(`UPDATE score_runs SET status = 'finalizing' WHERE id = $1`, [runId]);
  }

  chunkOutcomes(tx: Queryable, runId: string): Promise<ChunkOutcomeRow[]> {
    return this.rows<ChunkOutcomeRow>(
      // @crossTenant the chunks of a run loaded by its id
      `SELECT worker, attempts, stats FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
      [runId],
      tx,
    );
  }

  /** The swap: readers follow current_score_run_id, so the new snapshot appears in one statement. */
  setCurrentRun(tx: Queryable, workspaceId: string, runId: string): Promise<void> {
    return this.exec(
      `UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`,
      [workspaceId, runId],
      tx,
    );
  }

  phases(tx: Queryable, runId: string): Promise<RunPhasesRow | undefined> {
    return this.first<RunPhasesRow>(
      // @crossTenant a job's run by primary key, with its chunks
      `SELECT round(extract(epoch FROM max(c.inputs_at) - r.started_at)::numeric, 3)::float8 AS inputs,
              round(extract(epoch FROM min(c.started_at) - max(c.inputs_at))::numeric, 3)::float8 AS fit,
              round(extract(epoch FROM max(c.done_at) - min(c.started_at))::numeric, 3)::float8 AS chunks
       FROM score_runs r JOIN score_run_chunks c ON c.run_id = r.id WHERE r.id = $1 GROUP BY r.started_at`,
      [runId],
      tx,
    );
  }

  complete(tx: Queryable, runId: string, report: Record<string, unknown>): Promise<void> {
    return this.exec(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET status = 'completed', finished_at = now(), report = report || $2::jsonb WHERE id = $1`,
      [runId, JSON.stringify(report)],
      tx,
    );
  }

  addToReport(runId: string, report: Record<string, unknown>): Promise<void> {
    // @crossTenant a job's run by primary key
    return this.exec(`UPDATE score_runs SET report = report || $2::jsonb WHERE id = $1`, [
      runId,
      JSON.stringify(report),
    ]);
  }

  /** Fails a run that has not finished; false when it had (completed or failed already). */
  async markFailed(runId: string, error: string): Promise<FinishedRun | null> {
    const failed = await this.returning<FinishedRun>(
      // @crossTenant a job's run by primary key
      `UPDATE score_runs SET status = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND status NOT IN ('completed', 'failed')
       RETURNING EXTRACT(EPOCH FROM finished_at - created_at)::float8 AS seconds,
                 coalesce(model_params->>'backtest', 'false') = 'true' AS backtest`,
      [runId, error],
    );
    return failed[0] ?? null;
  }

  /** Seconds from a run's creation to its end (to now while it runs), for the run-duration metric. */
  async durationSeconds(runId: string): Promise<number> {
    const row = await this.first<{ seconds: number }>(
      // @crossTenant a job's run by primary key
      `SELECT EXTRACT(EPOCH FROM coalesce(finished_at, now()) - created_at)::float8 AS seconds
       FROM score_runs WHERE id = $1`,
      [runId],
    );
    return row?.seconds ?? 0;
  }

  /** The CRM ids of a few customers (a report's top movers). */
  externalIds(tx: Queryable, customerIds: string[]): Promise<Array<{ id: string; external_id: string }>> {
    return this.rows<{ id: string; external_id: string }>(
      // @crossTenant customer ids from the run's own chunk statistics
      `SELECT id::text, external_id FROM customers WHERE id = ANY ($1::bigint[])`,
      [customerIds],
      tx,
    );
  }
}
