/**
 * RFM scoring: quintile cut-offs computed once per workspace, scores 1–5 by cut-off, and the named segment grid.
 *
 * Tie rule (consistent for the whole workspace): a score is a function of the value and the workspace cut-offs
 * only, so two customers with the same value always get the same score, whichever chunk job scores them. A value
 * equal to a cut point belongs to the quintile that ends at that cut point (the lower quintile in ascending order).
 * See docs/scoring.md.
 */
import type { RfmSegment } from './types';

/** An RFM score, 1 (worst) to 5 (best). */
export type RfmScore = 1 | 2 | 3 | 4 | 5;

/** Workspace cut-offs for the three RFM dimensions (4 ascending cut points each, see quintileCutoffs). */
export interface RfmCutoffs {
  /** cut points of recency in days (lower is better) */
  recencyDays: number[];
  /** cut points of frequency, distinct purchase days */
  frequency: number[];
  /** cut points of monetary, total spend in minor units */
  monetary: number[];
}

/** The three RFM scores of one buyer. */
export interface RfmScores {
  r: RfmScore;
  f: RfmScore;
  m: RfmScore;
}

/**
 * The 4 quintile cut points of `values` (any unit), PostgreSQL `percentile_disc(ARRAY[0.2,0.4,0.6,0.8])` semantics:
 * cut point k is the first value in ascending order whose cumulative position i/n reaches k/5, i.e. the value at
 * 1-based position ceil(k·n/5). Every cut point is an observed value; with ties several cut points may be equal.
 * Returns [] for an empty input (the SQL aggregate returns NULL). Throws RangeError on a non-finite value.
 */
export function quintileCutoffs(values: number[]): number[] {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`quintileCutoffs: values must be finite numbers, got ${v}`);
  }
  const n = values.length;
  if (n === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let k = 1; k <= 4; k++) {
    // integer arithmetic: k·n/5 is exact when it is an integer, so ceil() never overshoots by float error
    const position = Math.max(1, Math.ceil((k * n) / 5));
    cuts.push(sorted[position - 1]);
  }
  return cuts;
}

/**
 * Score 1–5 of `value` against 4 ascending `cutoffs` (same unit as the value). The ascending quintile is
 * q = 1 + (number of cut points strictly below the value), so a value equal to a cut point stays in the lower
 * quintile; the score is q when `higherIsBetter` (frequency, monetary) and 6 − q otherwise (recency in days).
 * Throws RangeError on a non-finite value or cut-offs that are not 4 finite ascending numbers.
 */
export function scoreByCutoffs(value: number, cutoffs: readonly number[], higherIsBetter: boolean): RfmScore {
  if (!Number.isFinite(value)) throw new RangeError(`scoreByCutoffs: value must be finite, got ${value}`);
  if (cutoffs.length !== 4) {
    throw new RangeError(`scoreByCutoffs: expected 4 cut points, got ${cutoffs.length}`);
  }
  let below = 0;
  for (let i = 0; i < 4; i++) {
    const c = cutoffs[i];
    if (!Number.isFinite(c) || (i > 0 && c < cutoffs[i - 1])) {
      throw new RangeError(
        `scoreByCutoffs: cut points must be finite and ascending, got [${cutoffs.join(', ')}]`,
      );
    }
    if (c < value) below++;
  }
  const q = 1 + below;
  return (higherIsBetter ? q : 6 - q) as RfmScore;
}

/** R, F and M scores of one buyer from workspace cut-offs: recency in days, frequency in purchase days, monetary in minor units. */
export function scoreRfm(
  recencyDays: number,
  frequency: number,
  monetary: number,
  cutoffs: RfmCutoffs,
): RfmScores {
  return {
    r: scoreByCutoffs(recencyDays, cutoffs.recencyDays, false),
    f: scoreByCutoffs(frequency, cutoffs.frequency, true),
    m: scoreByCutoffs(monetary, cutoffs.monetary, true),
  };
}

/**
 * Segment grid: row = R score (5 … 1), column = FM score 1 … 5, where FM = floor((F + M) / 2).
 * Kept as data so the doc table and the code cannot drift: docs/scoring.md prints the same grid.
 */
export const RFM_SEGMENT_GRID: Readonly<Record<RfmScore, readonly RfmSegment[]>> = {
  5: ['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
  4: ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'loyal'],
  3: ['about_to_sleep', 'about_to_sleep', 'needs_attention', 'loyal', 'loyal'],
  2: ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cant_lose'],
  1: ['lost', 'lost', 'at_risk', 'at_risk', 'cant_lose'],
};

/**
 * Named RFM segment of a buyer from integer scores 1–5 (R on recency, FM = floor of the F and M average), per
 * RFM_SEGMENT_GRID. Prospects (no purchase) have no segment: the caller handles them. Throws RangeError on a
 * score that is not an integer in 1..5.
 */
export function rfmSegment(r: number, f: number, m: number): RfmSegment {
  for (const [name, s] of [
    ['r', r],
    ['f', f],
    ['m', m],
  ] as const) {
    if (!Number.isInteger(s) || s < 1 || s > 5) {
      throw new RangeError(`rfmSegment: ${name} must be an integer score 1..5, got ${s}`);
    }
  }
  const fm = Math.floor((f + m) / 2);
  return RFM_SEGMENT_GRID[r as RfmScore][fm - 1];
}
