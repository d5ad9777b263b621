/**
 * The COPY formats of a chunk job's rows out: its score rows (binary, writeScoreRow) and its history rows (text,
 * historyLine); its inputs come in through chunk-input-columns.ts. Building rows directly, without a
 * result object or a value array per row, keeps a 50k-customer chunk's cost and garbage small. No framework imports.
 */
import type { BinaryCopyWriter } from './binary-copy';
import type { ScoreRow } from './chunk-scoring';

const NULL = '\\N';

/** A score row in binary COPY format, SCORE_COLUMNS order and types (customer_scores; run and workspace are defaults). */
export function writeScoreRow(w: BinaryCopyWriter, r: ScoreRow): void {
  w.row(21)
    .int8(Number(r.customerId))
    .int4(r.recencyDays)
    .int4(r.frequency)
    .int8(Math.round(r.monetary))
    .int2(r.rScore)
    .int2(r.fScore)
    .int2(r.mScore)
    .text(r.rfmSegment)
    .text(r.abcClass)
    .text(r.valueTier)
    .text(r.frequencyClass)
    .text(r.lifecycle)
    .float8(r.pAlive)
    .float8(r.pBuy)
    .float8(r.expectedPurchases)
    .int8(r.expectedOrderValue)
    .int8(r.clv)
    .float8(r.churnRisk)
    .float8(r.priority)
    .jsonb(reasonsJson(r.reasons))
    .jsonb(codesJson(r.lifecycleReasons));
}

/**
 * JSON.stringify(reasons), character for character, without its generic walk over each object's properties: the
 * reasons are always { code, weight } (a ScoreRow's), their codes come from a short fixed list.
 */
export function reasonsJson(reasons: ReadonlyArray<{ code: string; weight: number }>): string {
  let json = '[';
  for (let i = 0; i < reasons.length; i++) {
    const r = reasons[i];
    json += `${i === 0 ? '' : ','}{"code":${quoted(r.code)},"weight":${jsonNumber(r.weight)}}`;
  }
  return json + ']';
}

/** JSON.stringify(codes) of an array of strings, character for character. */
export function codesJson(codes: readonly string[]): string {
  let json = '[';
  for (let i = 0; i < codes.length; i++) json += (i === 0 ? '' : ',') + quoted(codes[i]);
  return json + ']';
}

/**
 * JSON's text of a number, as JSON.stringify writes it: String(v) for finite numbers, null otherwise. A weight is
 * rounded to 0.01 (customer-rules.ts round2): when v is exactly the double of k/100 below a million, the shortest
 * decimal that reads back as v is k/100's own, printed here from the integer k (V8's shortest-round-trip search
 * for a fraction costs ~10× that); anything else goes to String().
 */
export function jsonNumber(v: number): string {
  if (v > 0 && v < 1e6) {
    const k = Math.round(v * 100);
    if (k / 100 === v) {
      const whole = Math.floor(k / 100);
      const cents = k - whole * 100;
      if (cents === 0) return String(whole);
      return cents % 10 === 0 ? `${whole}.${cents / 10}` : `${whole}.${cents < 10 ? '0' : ''}${cents}`;
    }
  }
  return Number.isFinite(v) ? String(v) : 'null';
}

/** The JSON literals of the codes seen so far (a few dozen distinct; bounded all the same). */
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 1_000;

function quoted(code: string): string {
  let q = QUOTED.get(code);
  if (q === undefined) {
    q = JSON.stringify(code);
    if (QUOTED.size < MAX_QUOTED) QUOTED.set(code, q);
  }
  return q;
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

const out = (v: number | null): string => (v === null ? NULL : String(v));

/** A history row as a COPY text line in HISTORY_COLUMNS order: one-letter codes, whole points. */
export function historyLine(runId: string, workspaceId: string, r: ScoreRow): string {
  return `${runId}\t${r.customerId}\t${workspaceId}\t${r.valueTier.charAt(0)}\t${LIFECYCLE_CODE[r.lifecycle] ?? 'c'}\t${Math.round(r.priority)}\t${out(r.clv)}\n`;
}
