/**
 * Per-run tables. A run's inputs live in one UNLOGGED table per chunk (`score_inputs_r<run>_<chunk>`, built with
 * CREATE TABLE AS: bulk writes, no index, dropped when the run ends) and its scores in a table of its own
 * (`customer_scores_r<run>`) that finalize indexes and attaches to the partitioned `customer_scores` as the
 * run's partition — so a million rows are loaded without index maintenance, appear in one ATTACH, and disappear
 * with one DROP instead of a million-row DELETE. Names come from the run's uuid only (hex), never from input.
 * RunTablesRepository (run-tables.repository.ts) creates, fills and drops them.
 */
export function hexOf(runId: string): string {
  const h = runId.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(h)) throw new Error(`not a run id: ${runId}`);
  return h;
}

export const inputsTable = (runId: string, chunkNo: number): string => {
  if (!Number.isInteger(chunkNo) || chunkNo < 0) throw new Error(`not a chunk number: ${chunkNo}`);
  return `score_inputs_r${hexOf(runId)}_${chunkNo}`;
};

export const scoresTable = (runId: string): string => `customer_scores_r${hexOf(runId)}`;

/** A uuid as a SQL literal (checked: hex and dashes only), for DDL that takes no parameters. */
export const uuidLiteral = (runId: string): string => {
  hexOf(runId);
  return `'${runId}'`;
};

/** A date (YYYY-MM-DD, checked) as a SQL literal. */
export const dateLiteral = (date: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  return `DATE '${date}'`;
};
