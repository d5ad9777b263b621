/**
 * MBG/NBD (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for customer base
 * analysis"): BG/NBD where a customer may also drop out right after the first purchase, so a customer who never
 * repeated is not certainly alive (BG/NBD gives every one-time buyer P(alive) = 1). Same parameters and units as
 * BG/NBD (r, α: purchase rate; a, b: dropout). The conditional expectation is BG/NBD's ₂F₁ curve with b + 1,
 * which `aliveExpectation` (bg-nbd.ts) evaluates without lifetimes' singularities.
 */
import gammaln from '@stdlib/math-base-special-gammaln';

import { aliveExpectation, isValidRepeatSummary, type WeightedRepeatSummary } from './bg-nbd';
import { type CountModelFitOptions, fitCountModel, type ScaledRows } from './count-model-fit';
import type { BgNbdParams, FitReport, RepeatSummary } from './types';

const { exp, log, log1p } = Math;

export type MbgNbdParams = BgNbdParams;

/** Individual log-likelihood of one (x, tx, T) (no x! term, as lifetimes' ModifiedBetaGeoFitter). */
export function mbgNbdLogLikelihood(params: MbgNbdParams, summary: RepeatSummary): number {
  assertParams(params);
  assertSummary(summary);
  return rowLogLikelihood(params, summary.x, summary.tx, summary.T);
}

function rowLogLikelihood(p: MbgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const lnAT = log(alpha + T);
  const a1 = gammaln(r + x) - gammaln(r) + r * log(alpha);
  const a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1);
  const a3 = -(r + x) * lnAT;
  const a4 = log(a) - log(b + x) + (r + x) * (lnAT - log(alpha + tx));
  return a1 + a2 + a3 + softplus(a4);
}

function softplus(d: number): number {
  if (d > 37) return d;
  return d > 0 ? d + log1p(exp(-d)) : log1p(exp(d));
}

const SPEC = {
  names: ['r', 'alpha', 'a', 'b'] as const,
  timeParams: ['alpha'] as const,
  logLikelihood(p: MbgNbdParams, rows: ScaledRows): number {
    const { r, alpha, a, b } = p;
    const lnA = log(a);
    const base = -gammaln(r) + r * log(alpha) + gammaln(a + b) - gammaln(b);
    // ln(α + τ) once per distinct time, not twice per row (the same doubles: the sum is unchanged to the bit)
    const { times, tIndex, txIndex } = rows;
    const lnAt = new Float64Array(times.length);
    for (let j = 0; j < times.length; j++) lnAt[j] = log(alpha + times[j]);
    let ll = 0;
    let lastX = -1;
    let lnGammas = 0;
    let lnBx = 0;
    for (let i = 0; i < rows.weight.length; i++) {
      const x = rows.x[i];
      if (x !== lastX) {
        // rows are sorted by x: the ln Γ terms once per distinct x
        lnGammas = gammaln(r + x) + gammaln(b + x + 1) - gammaln(a + b + x + 1);
        lnBx = log(b + x);
        lastX = x;
      }
      const lnAT = lnAt[tIndex[i]];
      const a4 = lnA - lnBx + (r + x) * (lnAT - lnAt[txIndex[i]]);
      ll += rows.weight[i] * (base + lnGammas - (r + x) * lnAT + softplus(a4));
    }
    return ll;
  },
  boundaryHint(name: keyof MbgNbdParams, side: 'lower' | 'upper'): string {
    if ((name === 'a' && side === 'lower') || (name === 'b' && side === 'upper'))
      return 'almost nobody seems to drop out';
    if (name === 'r' && side === 'lower')
      return 'purchase rates look extremely heterogeneous, or hardly anyone repeats';
    if ((name === 'r' || name === 'alpha') && side === 'upper')
      return 'purchase rates look homogeneous (the gamma mixing degenerates)';
    return 'customers seem to drop out after very few purchases';
  },
};

/** Maximum-likelihood fit (bounded Nelder–Mead over log-parameters); never throws or returns NaN. */
export function fitMbgNbd(
  rows: WeightedRepeatSummary[],
  opts: CountModelFitOptions<MbgNbdParams> = {},
): FitReport<MbgNbdParams> {
  return fitCountModel(SPEC, rows, opts);
}

/** P(alive at T) = 1 / (1 + a/(b+x) · ((α+T)/(α+tx))^(r+x)), for every x (x = 0 included). */
export function mbgNbdPAlive(params: MbgNbdParams, summary: RepeatSummary): number {
  assertParams(params);
  assertSummary(summary);
  const { r, alpha, a, b } = params;
  const { x, tx, T } = summary;
  const lnOdds = log(a) - log(b + x) + (r + x) * log1p((T - tx) / (alpha + tx));
  return 1 / (1 + exp(lnOdds));
}

/** Expected repeat purchases in (T, T + t]: P(alive) · H(r+x, a, b+x+1, t/(α+T)). */
export function mbgNbdExpectedPurchases(params: MbgNbdParams, t: number, summary: RepeatSummary): number {
  assertHorizon(t);
  const { r, alpha, a, b } = params;
  return (
    mbgNbdPAlive(params, summary) *
    aliveExpectation(r + summary.x, a, b + summary.x + 1, t / (alpha + summary.T))
  );
}

/** Unconditional E[X(t)] of a customer acquired at 0: b/(a+b) · H(r, a, b+1, t/α) (lifetimes' formula). */
export function mbgNbdExpectedPurchasesNewCustomer(params: MbgNbdParams, t: number): number {
  assertParams(params);
  assertHorizon(t);
  const { r, alpha, a, b } = params;
  return (b / (a + b)) * aliveExpectation(r, a, b + 1, t / alpha);
}

function assertParams(p: MbgNbdParams): void {
  if (!(p.r > 0 && p.alpha > 0 && p.a > 0 && p.b > 0) || !Number.isFinite(p.r + p.alpha + p.a + p.b)) {
    throw new RangeError(`MBG/NBD parameters must be finite and > 0, got ${JSON.stringify(p)}`);
  }
}

function assertSummary(s: RepeatSummary): void {
  if (!isValidRepeatSummary(s)) throw new RangeError(`invalid repeat summary ${JSON.stringify(s)}`);
}

function assertHorizon(t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
}
