import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { copyIn, CopyIn, copyLines, copyOutBinary } from '../database/copy/copy-text';
import { LIST_INPUTS_CHANNEL } from '../database/notification-channel';
import type { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import { BinaryCopyReader, type BinaryCopyRow } from './binary-copy';
import { HISTORY_COLUMNS, SCORE_COLUMNS, SCORE_RUN_SQL as SQL } from './score-run.sql';
import { dateLiteral, hexOf, inputsTable, scoresTable, uuidLiteral } from './score-run.tables';

/** Columns of a chunk's inputs table (score-run.sql.ts chunkInputs, in order). */
const INPUT_TABLE_COLUMNS = `(customer_id bigint, kind text, transactions integer, first_day date,
  last_day date, monetary bigint, first_amount bigint, last_touch date, complaints_90d integer, last_survey integer,
  refunded_orders integer, last_two_way date, orders_placed integer, orders_undone integer, gross_minor bigint,
  undone_minor bigint,
  prev_clv bigint, prev_tier text, prev_lifecycle text, prev_priority double precision)`;

/** The scores table's columns ANALYZE looks at (indexScores): all but the jsonb ones. */
const ANALYZED_SCORE_COLUMNS = [
  'run_id',
  'workspace_id',
  ...SCORE_COLUMNS.filter((c) => c !== 'reasons' && c !== 'lifecycle_reasons'),
];

/** The parameters of a chunk's inputs statement (score-run.sql.ts chunkInputs). */
export interface ChunkInputsQuery {
  workspaceId: string;
  firstCustomerId: string;
  lastCustomerId: string;
  /** end of the as-of day (timestamptz) */
  cutoff: string;
  /** the previous run, or a uuid that matches no partition */
  previousRunId: string;
  /** stored summaries, or computed from the history (a backtest) in this currency */
  summaries: 'stored' | { history: string };
}

/** Which runs keep their scores table (steps/score-retention.ts). */
export interface KeepRule {
  /** lists dated within this many days of the workspace's newest list are served: their runs stay */
  servedDays: number;
  /** the newest completed runs stay whatever refers to them */
  newestRuns: number;
}

/**
 * The per-run tables (score-run.tables.ts): each chunk's inputs table, the run's scores table that becomes its
 * partition of customer_scores, and their clean-up. COPY in and out of them runs on the caller's pooled client,
 * inside its transaction.
 */
@Injectable()
export class RunTablesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The run's partition-to-be; its defaults fill run_id and workspace_id, which the chunks' COPY leaves out. */
  createScoresTable(workspaceId: string, runId: string): Promise<void> {
    return this.exec(
      `CREATE TABLE IF NOT EXISTS ${scoresTable(runId)}
         (LIKE customer_scores INCLUDING DEFAULTS, CHECK (run_id = ${uuidLiteral(runId)}));
       ALTER TABLE ${scoresTable(runId)} ALTER COLUMN run_id SET DEFAULT ${uuidLiteral(runId)},
         ALTER COLUMN workspace_id SET DEFAULT ${uuidLiteral(workspaceId)}`,
    );
  }

  /**
   * (Re)builds a chunk's inputs table in one set-based statement, in the caller's transaction, under the
   * workspace's zone; returns the customers it holds.
   */
  async buildInputs(
    client: PoolClient,
    runId: string,
    chunkNo: number,
    timezone: string,
    q: ChunkInputsQuery,
  ): Promise<number> {
    const table = inputsTable(runId, chunkNo);
    // the local day of an instant is timestamptz::date under the workspace's zone (cheaper than AT TIME ZONE)
    await client.query(`SELECT set_config('TimeZone', $1, true)`, [timezone]);
    // Steer to the streaming plan (index order, merge joins, GroupAggregate): hash aggregates over a chunk's
    // ~400k customer-days spill or cost 2×, the previous run's partition is read by its primary key for the id
    // range only (its rows are not in id order, so the planner overrates a seq scan of all of them). (No JIT:
    // every connection has it off, data-source.ts.)
    await client.query(
      `SET LOCAL enable_hashagg = off; SET LOCAL enable_hashjoin = off;
       SET LOCAL enable_bitmapscan = off; SET LOCAL enable_nestloop = off; SET LOCAL enable_seqscan = off`,
    );
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE UNLOGGED TABLE ${table} ${INPUT_TABLE_COLUMNS}`);
    const params = [q.workspaceId, q.firstCustomerId, q.lastCustomerId, q.cutoff, q.previousRunId];
    const inserted =
      q.summaries === 'stored'
        ? await client.query(`INSERT INTO ${table} ${SQL.chunkInputs('stored')}`, params)
        : await client.query(`INSERT INTO ${table} ${SQL.chunkInputs('history')}`, [
            ...params,
            q.summaries.history,
          ]);
    return inserted.rowCount ?? 0;
  }

  /** The buyers of every listed chunk's inputs, through one COPY … TO STDOUT (score-run.sql.ts fitRows). */
  async copyOutFitRows(
    client: PoolClient,
    runId: string,
    chunkNos: number[],
    onRow: (row: BinaryCopyRow) => void,
  ): Promise<void> {
    const union = chunkNos.map((n) => SQL.fitRows(inputsTable(runId, n))).join(' UNION ALL ');
    await copyOutRows(client, union, onRow);
  }

  /** A chunk's inputs with the previous scores, as of `asOf` (score-run.sql.ts chunkRows). */
  async copyOutChunkRows(
    client: PoolClient,
    runId: string,
    chunkNo: number,
    asOf: string,
    onRow: (row: BinaryCopyRow) => void,
  ): Promise<void> {
    await copyOutRows(client, SQL.chunkRows(inputsTable(runId, chunkNo), dateLiteral(asOf)), onRow);
  }

  /** A binary COPY into the run's scores table (SCORE_COLUMNS). */
  copyScores(client: PoolClient, runId: string): CopyIn {
    return copyIn(client, scoresTable(runId), SCORE_COLUMNS, 'binary');
  }

  /**
   * History rows as COPY text (chunk-io.ts historyLine): lines, or pieces of many lines each. PostgreSQL refuses
   * COPY FROM into a table under row-level security, so they go through a temporary table of the session and one
   * INSERT … SELECT, which the policy checks.
   */
  async copyHistory(client: PoolClient, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const columns = HISTORY_COLUMNS.join(', ');
    await client.query(
      // @crossTenant the table's shape only (WITH NO DATA)
      `CREATE TEMP TABLE IF NOT EXISTS score_history_in AS SELECT ${columns} FROM score_history WITH NO DATA`,
    );
    await copyLines(client, 'pg_temp.score_history_in', HISTORY_COLUMNS, lines);
    await client.query(
      // @crossTenant the chunk's own history rows, each naming the run's workspace (the policy checks it)
      `INSERT INTO score_history (${columns}) SELECT ${columns} FROM pg_temp.score_history_in;
       TRUNCATE pg_temp.score_history_in`,
    );
  }

  /** Whether the run's scores table is attached as a partition already (a re-delivered finalize). */
  async isAttached(runId: string): Promise<boolean> {
    const [{ attached }] = await this.rows<{ attached: boolean }>(
      `SELECT COALESCE((SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)), false) AS attached`,
      [scoresTable(runId)],
    );
    return attached;
  }

  /**
   * The partition's indexes, built once over the loaded rows (in parallel), match the parent's: ATTACH adopts
   * them. Then its statistics.
   */
  async indexScores(runId: string): Promise<void> {
    const table = scoresTable(runId);
    await Promise.all([
      this.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${table}_pkey ON ${table} (run_id, customer_id)`),
      this.exec(`CREATE INDEX IF NOT EXISTS ${table}_priority ON ${table} (run_id, priority DESC)`),
    ]);
    // the parent's primary key adopts a partition's primary key constraint, not a bare unique index
    await this.exec(
      `DO $$ BEGIN
         ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY USING INDEX ${table}_pkey;
       EXCEPTION WHEN invalid_table_definition OR duplicate_object THEN NULL; END $$`,
    );
    // Statistics for the columns readers filter, join and sort on. Not the two jsonb columns (reasons,
    // lifecycle_reasons): no query filters on them, and sampling and sorting their values was ~40 % of a full
    // ANALYZE — a fixed ~0.5–1 s a night at any workspace size (ANALYZE samples 30,000 rows).
    await this.exec(`ANALYZE ${table} (${ANALYZED_SCORE_COLUMNS.join(', ')})`);
  }

  attachScores(tx: Queryable, runId: string): Promise<void> {
    return this.exec(
      `ALTER TABLE customer_scores ATTACH PARTITION ${scoresTable(runId)} FOR VALUES IN (${uuidLiteral(runId)})`,
      [],
      tx,
    );
  }

  /** Drops the run's input tables and, unless it is attached as a partition, its scores table. */
  async dropRunTables(runId: string, opts: { scores: boolean }): Promise<void> {
    const rows = await this.rows<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition
         AND (c.relname LIKE $1 OR (c.relname = $2 AND $3))`,
      [`score_inputs_r${hexOf(runId)}\\_%`, scoresTable(runId), opts.scores],
    );
    if (rows.length > 0) await this.exec(`DROP TABLE IF EXISTS ${rows.map((r) => r.relname).join(', ')}`);
  }

  /**
   * Retention: per-run tables left behind by runs that ended before `before` — chunk input tables of a worker killed
   * mid-run, a failed run's scores table never attached. Attached score partitions are not touched (which of those
   * stay is dropUnneededPartitions' rule: a served list keeps its run). With `dryRun` only names them.
   */
  async dropLeftoverTables(before: Date, dryRun: boolean): Promise<string[]> {
    const rows = await this.rows<{ relname: string }>(
      // @crossTenant a sweep over every workspace's ended runs; it names tables, reads no tenant rows
      `SELECT c.relname FROM score_runs r
       JOIN pg_class c ON c.relkind = 'r' AND NOT c.relispartition
        AND (c.relname LIKE 'score\\_inputs\\_r' || replace(r.id::text, '-', '') || '\\_%'
             OR c.relname = 'customer_scores_r' || replace(r.id::text, '-', ''))
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       WHERE r.status IN ('completed', 'failed') AND r.finished_at < $1
       ORDER BY c.relname`,
      [before],
    );
    const names = rows.map((r) => r.relname);
    if (!dryRun && names.length > 0) await this.exec(`DROP TABLE IF EXISTS ${names.join(', ')}`);
    return names;
  }

  /**
   * Drops the scores tables of the workspace's runs that nothing needs any more (score-retention.ts): kept are the
   * current run and the run it compared with, the `newestRuns` newest completed runs, and every run that a list
   * dated within `servedDays` of the workspace's newest list points at — so a published list keeps its
   * scores for as long as it is served. Returns the runs whose tables were dropped.
   */
  async dropUnneededPartitions(workspaceId: string, rule: KeepRule): Promise<string[]> {
    const keep = await this.keptRuns(workspaceId, rule);
    const old = await this.rows<{ id: string }>(
      `SELECT r.id FROM score_runs r
       WHERE r.workspace_id = $1 AND r.status IN ('completed', 'failed') AND NOT (r.id = ANY ($2::uuid[]))
         AND to_regclass('customer_scores_r' || replace(r.id::text, '-', '')) IS NOT NULL
       ORDER BY r.created_at`,
      [workspaceId, keep],
    );
    for (const { id } of old) await this.exec(`DROP TABLE IF EXISTS ${scoresTable(id)}`);
    // rows written straight into the default partition (older versions, fixtures) go the old way
    await this.exec(
      `DELETE FROM customer_scores_default WHERE workspace_id = $1 AND NOT (run_id = ANY ($2::uuid[]))`,
      [workspaceId, keep],
    );
    // neither a dropped partition nor a DELETE on the default partition itself fires customer_scores' triggers:
    // lists of those runs are no longer served (410), say so to the API processes serving pages from memory
    await this.exec(`SELECT pg_notify($1, $2)`, [LIST_INPUTS_CHANNEL, workspaceId]);
    return old.map((r) => r.id);
  }

  /** The runs whose scores stay (dropUnneededPartitions). */
  async keptRuns(workspaceId: string, rule: KeepRule): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `WITH current AS (
         SELECT r.id, r.model_params ->> 'previousRunId' AS previous
         FROM workspaces w JOIN score_runs r ON r.id = w.current_score_run_id WHERE w.id = $1
       ),
       newest AS (
         SELECT id FROM score_runs WHERE workspace_id = $1 AND status = 'completed'
         ORDER BY created_at DESC LIMIT $3
       ),
       served AS (
         SELECT DISTINCT l.score_run_id AS id FROM worklists l
         WHERE l.workspace_id = $1 AND l.score_run_id IS NOT NULL
           AND l.list_date >= (SELECT max(list_date) FROM worklists WHERE workspace_id = $1) - $2::int
       )
       SELECT id FROM current
       UNION SELECT previous::uuid FROM current WHERE previous IS NOT NULL
       UNION SELECT id FROM newest
       UNION SELECT id FROM served`,
      [workspaceId, rule.servedDays, rule.newestRuns],
    );
    return rows.map((r) => r.id);
  }
}

/** A query's rows through one binary COPY … TO STDOUT, each handed to `onRow` as it arrives. */
async function copyOutRows(
  client: PoolClient,
  query: string,
  onRow: (row: BinaryCopyRow) => void,
): Promise<void> {
  const reader = new BinaryCopyReader(onRow);
  await copyOutBinary(client, query, (piece) => reader.push(piece));
  reader.end();
}
