/**
 * Which way an orders or interactions import lands its rows (docs/crm-sync.md, "Bulk and incremental imports"):
 *
 * - incremental: chunk by chunk, each chunk COPY'd into the staging table and merged into the target while the
 *   next chunk is parsed (the per-chunk merge overlaps Node's parsing);
 * - bulk: every chunk COPY'd into one staging table (no indexes, no triggers), then the customer references
 *   checked in one anti-join and the rows landed by one INSERT … SELECT (one statement: one statement-level
 *   trigger firing for the customer-summary log, one plan instead of one per chunk, and a first load of a source
 *   that may keep its duplicates in the file still skips ON CONFLICT).
 *
 * Both give the same rows, rejects and summary log; the choice is about speed only.
 */
export type ImportPath = 'bulk' | 'incremental';

export interface ImportPathThresholds {
  /** below this many incoming rows an import is one or two chunks: nothing to gain from staging it whole */
  minRows: number;
  /** a workspace with at most this many rows of the kind counts as empty */
  nearlyEmpty: number;
  /** an import of at least this share of the workspace's existing rows of the kind goes bulk */
  share: number;
}

export const DEFAULT_IMPORT_PATH_THRESHOLDS: ImportPathThresholds = {
  minRows: 200_000,
  nearlyEmpty: 10_000,
  share: 0.5,
};

export interface ImportPathInput {
  /** rows the file holds, estimated from what was parsed so far (null: unknown, an upload of unknown size) */
  incomingRows: number | null;
  /** rows of the kind the workspace holds (counted up to `existingRowsCap`: more is "many") */
  existingRows: number;
}

export interface ImportPathChoice {
  path: ImportPath;
  /** one sentence for the log and the report */
  reason: string;
}

/** Bulk for a big import into an empty workspace or one at least `share` of the workspace's rows; else incremental. */
export function chooseImportPath(
  input: ImportPathInput,
  t: ImportPathThresholds = DEFAULT_IMPORT_PATH_THRESHOLDS,
): ImportPathChoice {
  const { incomingRows, existingRows } = input;
  if (incomingRows === null) return { path: 'incremental', reason: 'size of the input unknown' };
  if (incomingRows < t.minRows)
    return { path: 'incremental', reason: `about ${incomingRows} rows, fewer than ${t.minRows}` };
  if (existingRows <= t.nearlyEmpty)
    return {
      path: 'bulk',
      reason: `about ${incomingRows} rows into a workspace with ${existingRows} (at most ${t.nearlyEmpty}: empty)`,
    };
  if (incomingRows >= t.share * existingRows)
    return {
      path: 'bulk',
      reason: `about ${incomingRows} rows, at least ${Math.round(t.share * 100)} % of the ${existingRows} there`,
    };
  return {
    path: 'incremental',
    reason: `about ${incomingRows} rows, less than ${Math.round(t.share * 100)} % of the ${existingRows} there`,
  };
}

/**
 * How far the workspace's existing rows need counting for the choice: past `incomingRows / share` (and past
 * `nearlyEmpty`) the answer cannot change, so a count stops there instead of scanning a big workspace's index.
 */
export function existingRowsCap(
  incomingRows: number,
  t: ImportPathThresholds = DEFAULT_IMPORT_PATH_THRESHOLDS,
): number {
  return Math.max(t.nearlyEmpty, Math.floor(incomingRows / t.share)) + 1;
}

/**
 * The rows a file holds, from the rows and bytes parsed so far (the first chunk); null without a known size.
 * Rounded up: a file parsed to its end is exact.
 */
export function estimateRows(rowsSoFar: number, bytesSoFar: number, totalBytes: number): number | null {
  if (totalBytes <= 0 || bytesSoFar <= 0) return null;
  if (bytesSoFar >= totalBytes) return rowsSoFar;
  return Math.ceil((rowsSoFar * totalBytes) / bytesSoFar);
}
