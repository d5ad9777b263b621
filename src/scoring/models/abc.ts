/**
 * ABC (Pareto) classification by spend, applied through two spend thresholds computed once per workspace.
 *
 * Boundary rule: walk customers by spend, largest first; the customer whose cumulative share of total spend first
 * reaches cutA is still A, and so is every customer with the same spend (ties share a class, so A may carry a
 * little more than cutA). Likewise for cutB and B. Zero (or negative) spend is always C. See docs/scoring.md.
 */
import type { AbcClass } from './types';

/** Workspace spend thresholds in minor units: spend ≥ aMin is A, spend ≥ bMin is B, else C (spend ≤ 0 is C). */
export interface AbcThresholds {
  aMin: number;
  bMin: number;
}

/** Default share of total spend carried by A customers (0..1). */
export const DEFAULT_ABC_CUT_A = 0.7;
/** Default cumulative share carried by A and B customers together (0..1). */
export const DEFAULT_ABC_CUT_B = 0.9;

/** Throws RangeError unless 0 < cutA < cutB < 1 (shares of total spend). */
export function validateAbcCuts(cutA: number, cutB: number): void {
  if (!Number.isFinite(cutA) || !Number.isFinite(cutB) || !(cutA > 0 && cutA < cutB && cutB < 1)) {
    throw new RangeError(
      `ABC cut-offs must satisfy 0 < cutA < cutB < 1 (shares of total spend), got cutA=${cutA}, cutB=${cutB}`,
    );
  }
}

/**
 * Spend thresholds (minor units) from the customers' spend (minor units; expected largest first, but any order
 * works: a sorted copy is used). Cumulative shares count positive spend only. When nobody has positive spend the
 * thresholds are 0 and, since spend ≤ 0 is always C, everyone is C. Throws RangeError on bad cut-offs or a
 * non-finite spend.
 */
export function abcThresholds(
  spendDesc: number[],
  cutA: number = DEFAULT_ABC_CUT_A,
  cutB: number = DEFAULT_ABC_CUT_B,
): AbcThresholds {
  validateAbcCuts(cutA, cutB);
  const positive: number[] = [];
  for (const s of spendDesc) {
    if (!Number.isFinite(s)) throw new RangeError(`abcThresholds: spend must be finite, got ${s}`);
    if (s > 0) positive.push(s);
  }
  if (positive.length === 0) return { aMin: 0, bMin: 0 };
  positive.sort((a, b) => b - a);
  const total = positive.reduce((sum, s) => sum + s, 0);
  let aMin: number | null = null;
  let cumulative = 0;
  for (const s of positive) {
    cumulative += s;
    // division, not cut × total: k/n is correctly rounded, so an exact share of 0.7 compares equal to 0.7
    const share = cumulative / total;
    if (aMin === null && share >= cutA) aMin = s;
    if (share >= cutB) return { aMin: aMin ?? s, bMin: s };
  }
  // unreachable in exact arithmetic (the last share is 1 > cutB); kept for float safety
  const last = positive[positive.length - 1];
  return { aMin: aMin ?? last, bMin: last };
}

/** ABC class of one customer's spend (minor units) against workspace thresholds; spend ≤ 0 is always C. */
export function abcClass(spend: number, thresholds: AbcThresholds): AbcClass {
  if (!(spend > 0)) return 'C';
  if (spend >= thresholds.aMin) return 'A';
  if (spend >= thresholds.bMin) return 'B';
  return 'C';
}
