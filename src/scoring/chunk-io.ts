/**
 * The COPY text format of a chunk job's rows: its inputs in (parseChunkLine), its score and history rows out
 * (scoreLine, historyLine). Building and splitting lines directly, without a result object or a value array per
 * row, keeps a 50k-customer chunk's garbage small. No framework imports.
 */
import type { ChunkInputRow, ScoreRow } from './chunk-scoring';
import type { Lifecycle, ValueTier } from './models/types';

const NULL = '\\N';

/** Unescapes a COPY text field (backslash sequences); numbers and plain text pass through untouched. */
export function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) =>
    c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'b' ? '\b' : c === 'f' ? '\f' : c === 'v' ? '\v' : c,
  );
}

/** Escapes a text value for a COPY text field. */
export function escapeCopy(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
    : value;
}

const num = (f: string): number | null => (f === NULL ? null : Number(f));

/** One line of SCORE_RUN_SQL.chunkRows (fields split on tabs) as the scorer's input row. */
export function parseChunkLine(f: string[]): ChunkInputRow {
  return {
    customer_id: f[0],
    external_id: unescapeCopy(f[1]),
    kind: f[2] === 'business' ? 'business' : 'individual',
    transactions: Number(f[3]),
    monetary: Number(f[4]),
    repeat_mean_minor: num(f[5]),
    age_days: num(f[6]),
    recency_days: num(f[7]),
    days_since_interaction: num(f[8]),
    complaints_90d: Number(f[9]),
    last_survey: num(f[10]),
    prev_clv: num(f[11]),
    prev_tier: f[12] === NULL ? null : (f[12] as ValueTier),
    prev_lifecycle: f[13] === NULL ? null : (f[13] as Lifecycle),
    prev_priority: num(f[14]),
  };
}

const out = (v: number | string | null): string => (v === null ? NULL : typeof v === 'number' ? String(v) : v);

/** A score row as a COPY text line in SCORE_COLUMNS order (score-run.sql.ts; run and workspace are defaults). */
export function scoreLine(r: ScoreRow): string {
  return (
    `${r.customerId}\t${out(r.recencyDays)}\t${r.frequency}\t${Math.round(r.monetary)}\t` +
    `${out(r.rScore)}\t${out(r.fScore)}\t${out(r.mScore)}\t${out(r.rfmSegment)}\t${out(r.abcClass)}\t` +
    `${r.valueTier}\t${r.frequencyClass}\t${r.lifecycle}\t${out(r.pAlive)}\t${out(r.expectedPurchases)}\t` +
    `${out(r.expectedOrderValue)}\t${out(r.clv)}\t${r.churnRisk}\t${r.priority}\t${escapeCopy(JSON.stringify(r.reasons))}\n`
  );
}

/** One-letter lifecycle codes of score_history. */
export const LIFECYCLE_CODE: Record<string, string> = {
  prospect: 'p',
  new: 'n',
  active: 'a',
  loyal: 'l',
  at_risk: 'r',
  churned: 'c',
};

/** A history row as a COPY text line in HISTORY_COLUMNS order: one-letter codes, whole points. */
export function historyLine(runId: string, workspaceId: string, r: ScoreRow): string {
  return `${runId}\t${r.customerId}\t${workspaceId}\t${r.valueTier.charAt(0)}\t${LIFECYCLE_CODE[r.lifecycle] ?? 'c'}\t${Math.round(r.priority)}\t${out(r.clv)}\n`;
}
