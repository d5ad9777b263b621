import type { Queryable } from '../database/sql';

/**
 * Per-run tables. A run's inputs live in one UNLOGGED table per chunk (`score_inputs_r<run>_<chunk>`, built with
 * CREATE TABLE AS: bulk writes, no index, dropped when the run ends) and its scores in a table of its own
 * (`customer_scores_r<run>`) that finalize indexes and attaches to the partitioned `customer_scores` as the
 * run's partition — so a million rows are loaded without index maintenance, appear in one ATTACH, and disappear
 * with one DROP instead of a million-row DELETE. Names come from the run's uuid only (hex), never from input.
 */
function hex(runId: string): string {
  const h = runId.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) throw new Error(`not a run id: ${runId}`);
  return h;
}

export const inputsTable = (runId: string, chunkNo: number): string => {
  if (!Number.isInteger(chunkNo) || chunkNo < 0) throw new Error(`not a chunk number: ${chunkNo}`);
  return `score_inputs_r${hex(runId)}_${chunkNo}`;
};

export const scoresTable = (runId: string): string => `customer_scores_r${hex(runId)}`;

/** A uuid as a SQL literal (checked: hex and dashes only), for DDL that takes no parameters. */
export const uuidLiteral = (runId: string): string => {
  hex(runId);
  return `'${runId}'`;
};

/** A date (YYYY-MM-DD, checked) as a SQL literal. */
export const dateLiteral = (date: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  return `DATE '${date}'`;
};

/** Drops the run's input tables and, unless it is attached as a partition, its scores table. */
export async function dropRunTables(db: Queryable, runId: string, opts: { scores: boolean }): Promise<void> {
  const rows: Array<{ relname: string }> = await db.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition
       AND (c.relname LIKE $1 OR (c.relname = $2 AND $3))`,
    [`score_inputs_r${hex(runId)}\\_%`, scoresTable(runId), opts.scores],
  );
  if (rows.length > 0) await db.query(`DROP TABLE IF EXISTS ${rows.map((r) => r.relname).join(', ')}`);
}

/** Detaches and drops the partitions of runs that are neither `keep` (the current and the previous run). */
export async function dropOldPartitions(db: Queryable, workspaceId: string, keep: string[]): Promise<number> {
  const old: Array<{ id: string }> = await db.query(
    `SELECT r.id FROM score_runs r
     WHERE r.workspace_id = $1 AND r.status IN ('completed', 'failed') AND NOT (r.id = ANY ($2::uuid[]))
       AND to_regclass('customer_scores_r' || replace(r.id::text, '-', '')) IS NOT NULL`,
    [workspaceId, keep],
  );
  for (const { id } of old) await db.query(`DROP TABLE IF EXISTS ${scoresTable(id)}`);
  // rows written straight into the default partition (older versions, fixtures) go the old way
  await db.query(
    `DELETE FROM customer_scores_default WHERE workspace_id = $1 AND NOT (run_id = ANY ($2::uuid[]))`,
    [workspaceId, keep],
  );
  return old.length;
}
