/**
 * Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie,
 * "A note on deriving the Pareto/NBD model and related expressions", 2005).
 *
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); the lifetime is exponential with
 * rate μ ~ Gamma(s, β), so a customer can drop out at any moment (BG/NBD: only right after a purchase). Time in
 * any unit: α, β and every time argument share it; r and s are unit-free. See docs/models-clv.md.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';

import { isValidRepeatSummary, type WeightedRepeatSummary } from './bg-nbd';
import { type CountModelFitOptions, fitCountModel, type ScaledRows } from './count-model-fit';
import type { FitReport, RepeatSummary } from './types';

const { abs, cosh, exp, expm1, log, log1p, PI, sin, sinh, sqrt } = Math;
/** beyond this v the positive series needs more than ~800 terms: stdlib's ₂F₁ (transformations) instead */
const SERIES_MAX_V = 0.95;

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/**
 * ln of A₀ (Fader & Hardie 2005, eq. 19), i.e. (r+s+x) ∫_tx^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ, the dropout-in-
 * (tx, T] part of the likelihood. The note's closed form is a difference of two ₂F₁(r+s+x, b; r+s+x+1; z)/(m+τ)^{r+s+x}
 * terms, m = max(α, β). That ₂F₁ grows like (1−z)^−b, which overflows for b = r+x with a heavy buyer; a Pfaff
 * transformation, ₂F₁(a, b; a+1; z) = (1−z)^−b ₂F₁(1, b; a+1; z/(z−1)), leaves ₂F₁(1, b; c; w) with w ≤ 0, which is
 * E[1/(1−wu)] over u ~ Beta(b, c−b) ∈ (1/(1−w), 1]: bounded, so every factor stays in log space. −Infinity when
 * tx = T (no time to have dropped out in).
 */
export function paretoNbdLogA0(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  return logA0Of(paretoNbdDropoutTerm(params, x, tx), paretoNbdDropoutTerm(params, x, T));
}

/**
 * One of the two terms of ln A₀ (paretoNbdLogA0), at τ = t_x or τ = T: a customer's P(alive) needs the one at
 * (x, t_x) and the one at (x, T), so a forecaster memoises each (count-forecaster.ts).
 */
export function paretoNbdDropoutTerm(params: ParetoNbdParams, x: number, tau: number): number {
  const { r, alpha, s, beta } = params;
  const rsx = r + s + x;
  const m = alpha >= beta ? alpha : beta;
  const n = alpha >= beta ? beta : alpha;
  const b = alpha >= beta ? s + 1 : r + x;
  return dropoutTerm(m, n, b, rsx, tau);
}

/** ln A₀ from its terms at t_x (`first`) and at T (`second`). */
function logA0Of(first: number, second: number): number {
  const d = second - first;
  if (!(d < 0)) return -Infinity;
  return first + log(-expm1(d));
}

/** ln[₂F₁(rsx, b; rsx+1; (m−n)/(m+τ)) / (m+τ)^rsx], through the Pfaff-transformed ₂F₁(1, b; rsx+1; w ≤ 0). */
function dropoutTerm(m: number, n: number, b: number, rsx: number, tau: number): number {
  const lnM = log(m + tau);
  if (m === n) return -rsx * lnM;
  const w = -(m - n) / (n + tau);
  return b * (lnM - log(n + tau)) - rsx * lnM + log(boundedF(b, rsx + 1, w));
}

/**
 * ₂F₁(1, b; c; w) for w ≤ 0, c > b > 0. Mostly by the series of (1−w)^−1 ₂F₁(1, c−b; c; v), v = w/(w−1) ∈ [0, 1)
 * (positive terms, ratio < v); beyond v = 0.95 by the 1/w expansion (k = −w ≥ 50) or Gauss's continued fraction;
 * each result is checked against the exact range (1/(1−w), 1], with stdlib's ₂F₁ and quadrature as fallbacks.
 */
function boundedF(b: number, c: number, w: number): number {
  const lowerBound = 1 / (1 - w);
  if (w > -1e-12) return 1 + (b / c) * w; // two series terms, exact to double precision
  const v = w / (w - 1);
  if (v <= SERIES_MAX_V) {
    let term = 1;
    let sum = 1;
    for (let n = 0; n < 2000; n++) {
      term *= ((c - b + n) / (c + n)) * v;
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    return sum * lowerBound;
  }
  const k = -w;
  if (k >= LARGE_K && abs(sin(PI * b)) > 1e-3) {
    const t = inverseArgument(b, c, k);
    if (t > 0 && t <= 1 && t >= lowerBound * (1 - 1e-12)) return t;
  }
  const f = gaussContinuedFraction(b, c, w);
  if (f > 0 && f <= 1 && f >= lowerBound * (1 - 1e-12)) return f;
  const h = hyp2f1(1, b, c, w);
  if (h > 0 && h <= 1 && h >= lowerBound * (1 - 1e-12)) return h;
  return betaMeanOfInverse(b, c - b, -w);
}

/** from this k = −w on, the 1/w expansion (two fast series) replaces the continued fraction */
const LARGE_K = 50;

/**
 * ₂F₁(1, b; c; −k) for large k by DLMF 15.8.2 (argument 1/w): (c−1)/(b−1)·k⁻¹·₂F₁(1, 2−c; 2−b; −1/k) +
 * π/(sin(πb)·B(b, c−b))·k^−b·(1 + 1/k)^(c−b−1). Both series converge like k^−n; the caller keeps b away from the
 * integers, where the two terms' poles cancel.
 */
function inverseArgument(b: number, c: number, k: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 200; n++) {
    term *= ((2 - c + n) / (2 - b + n)) * (-1 / k);
    sum += term;
    if (abs(term) <= 1e-17 * abs(sum)) break;
  }
  const first = ((c - 1) / (b - 1)) * (sum / k);
  const lnSecond = -(gammaln(b) + gammaln(c - b) - gammaln(c)) - b * log(k) + (c - b - 1) * log1p(1 / k);
  return first + (PI / sin(PI * b)) * exp(lnSecond);
}

/**
 * ₂F₁(1, b; c; w), w < 0, by Gauss's continued fraction (from the contiguous relations; for w < 0 every partial
 * numerator is positive, a Stieltjes fraction), modified Lentz. Converges in O(√|w|) terms; NaN if it did not.
 */
function gaussContinuedFraction(b: number, c: number, w: number): number {
  const a = b;
  const cc = c - 1;
  const tiny = 1e-300;
  let f = 1;
  let C = 1;
  let D = 0;
  for (let n = 1; n < 20_000; n++) {
    const m = n >> 1;
    const kn =
      n % 2 === 1
        ? ((a + m) * (cc + m)) / ((cc + 2 * m) * (cc + 2 * m + 1))
        : (m * (cc - a + m)) / ((cc + 2 * m - 1) * (cc + 2 * m));
    const d = -kn * w;
    D = 1 + d * D;
    if (abs(D) < tiny) D = tiny;
    C = 1 + d / C;
    if (abs(C) < tiny) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (abs(delta - 1) < 1e-15) return 1 / f;
  }
  return Number.NaN;
}

/**
 * E[1/(1+k·u)] over u ~ Beta(p, q), by Gauss–Legendre on logit(u) (a fallback for the rare w where stdlib's
 * ₂F₁ leaves its exact range; checked against the series in the spec).
 */
function betaMeanOfInverse(p: number, q: number, k: number): number {
  const lnB = gammaln(p) + gammaln(q) - gammaln(p + q);
  const mu = log((p + 0.5) / (q + 0.5));
  const sigma = 1.5 * sqrt(1 / (p + 0.5) + 1 / (q + 0.5)) + 1;
  // trapezoid on y = mu + sigma·sinh(t): double-exponential decay of the Beta tails
  const h = 1 / 16;
  let sum = 0;
  let norm = 0;
  for (let j = -400; j <= 400; j++) {
    const t = j * h;
    const y = mu + sigma * sinh(t);
    const e = exp(-abs(y));
    const lnu = y >= 0 ? -log1p(e) : y - log1p(e);
    const ln1u = y >= 0 ? -y - log1p(e) : -log1p(e);
    const dens = exp(p * lnu + q * ln1u - lnB) * sigma * cosh(t);
    if (!Number.isFinite(dens)) continue;
    sum += dens / (1 + k * exp(lnu));
    norm += dens;
  }
  return norm > 0 ? sum / norm : 1 / (1 + k);
}

/** Individual log-likelihood of one (x, tx, T) (no x! term, as the note and lifetimes). */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, summary: RepeatSummary): number {
  assertParams(params);
  assertSummary(summary);
  return rowLogLikelihood(params, summary.x, summary.tx, summary.T);
}

function rowLogLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  return gammaln(r + x) - gammaln(r) + r * log(alpha) + s * log(beta) + mixtureTerm(p, x, tx, T);
}

/** ln[(α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀]: alive at T, or dropped out in (tx, T]. */
function mixtureTerm(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const alive = -(r + x) * log(alpha + T) - s * log(beta + T);
  const lnA0 = paretoNbdLogA0(p, x, tx, T);
  const dropped = log(s) - log(r + s + x) + lnA0;
  return logAddExp(alive, dropped);
}

function logAddExp(u: number, v: number): number {
  if (v === -Infinity) return u;
  if (u === -Infinity) return v;
  return u > v ? u + log1p(exp(v - u)) : v + log1p(exp(u - v));
}

const SPEC = {
  names: ['r', 'alpha', 's', 'beta'] as const,
  timeParams: ['alpha', 'beta'] as const,
  logLikelihood(p: ParetoNbdParams, rows: ScaledRows): number {
    const { r, alpha, s, beta } = p;
    const base = -gammaln(r) + r * log(alpha) + s * log(beta);
    const lnS = log(s);
    const m = alpha >= beta ? alpha : beta;
    const n = alpha >= beta ? beta : alpha;
    // Every term below is a function of (x, a distinct time): computed once per pair it is needed for, from the
    // same doubles as per row, so the sum is the same to the bit. dropoutTerm (a ₂F₁ series) is most of the cost.
    const { times, tIndex, txIndex } = rows;
    const nt = times.length;
    const lnAlphaT = new Float64Array(nt);
    const lnBetaT = new Float64Array(nt);
    for (let j = 0; j < nt; j++) {
      lnAlphaT[j] = log(alpha + times[j]);
      lnBetaT[j] = log(beta + times[j]);
    }
    const dropout = new Float64Array(nt);
    // dropout[j] holds the current x's term when stamp[j] = group (x groups numbered from 1)
    const stamp = new Int32Array(nt);
    let group = 0;
    let ll = 0;
    let lastX = -1;
    let lastT = -1;
    let lnGammaRx = 0;
    let rsx = 0;
    let lnDropShare = 0;
    let b = 0;
    let aliveT = 0;
    const dropoutAt = (j: number): number => {
      if (stamp[j] !== group) {
        dropout[j] = dropoutTerm(m, n, b, rsx, times[j]);
        stamp[j] = group;
      }
      return dropout[j];
    };
    // rows are sorted by x, then T: ln Γ(r+x) once per x, the T-dependent terms once per (x, T)
    for (let i = 0; i < rows.weight.length; i++) {
      const x = rows.x[i];
      const jT = tIndex[i];
      if (x !== lastX) {
        lnGammaRx = gammaln(r + x);
        rsx = r + s + x;
        lnDropShare = lnS - log(rsx);
        b = alpha >= beta ? s + 1 : r + x;
        lastX = x;
        lastT = -1;
        group++;
      }
      if (jT !== lastT) {
        aliveT = -(r + x) * lnAlphaT[jT] - s * lnBetaT[jT];
        lastT = jT;
      }
      const atT = dropoutAt(jT);
      const atTx = dropoutAt(txIndex[i]);
      const d = atT - atTx;
      const dropped = d < 0 ? lnDropShare + atTx + log(-expm1(d)) : -Infinity;
      ll += rows.weight[i] * (base + lnGammaRx + logAddExp(aliveT, dropped));
    }
    return ll;
  },
  boundaryHint(name: keyof ParetoNbdParams, side: 'lower' | 'upper'): string {
    if ((name === 's' && side === 'lower') || (name === 'beta' && side === 'upper'))
      return 'almost nobody seems to drop out';
    if (name === 'r' && side === 'lower')
      return 'purchase rates look extremely heterogeneous, or hardly anyone repeats';
    if ((name === 'r' || name === 'alpha') && side === 'upper')
      return 'purchase rates look homogeneous (the gamma mixing degenerates)';
    if (name === 's' && side === 'upper') return 'dropout rates look homogeneous';
    return 'rates look extreme for this observation window';
  },
};

/** Maximum-likelihood fit (bounded Nelder–Mead over log-parameters); never throws or returns NaN. */
export function fitParetoNbd(
  rows: WeightedRepeatSummary[],
  opts: CountModelFitOptions<ParetoNbdParams> = {},
): FitReport<ParetoNbdParams> {
  return fitCountModel(SPEC, rows, opts);
}

/** P(alive at T | x, tx, T). Unlike BG/NBD, below 1 also for customers without a repeat purchase. */
export function paretoNbdPAlive(params: ParetoNbdParams, summary: RepeatSummary): number {
  assertParams(params);
  assertSummary(summary);
  const { x, tx, T } = summary;
  return paretoNbdPAliveOf(
    paretoNbdOddsHead(params, x, T),
    paretoNbdDropoutTerm(params, x, tx),
    paretoNbdDropoutTerm(params, x, T),
  );
}

/** The part of ln(odds of having dropped out) that depends on (x, T) only: ln s − ln(r+s+x) + (r+x) ln(α+T) + s ln(β+T). */
export function paretoNbdOddsHead(params: ParetoNbdParams, x: number, T: number): number {
  assertParams(params);
  const { r, alpha, s, beta } = params;
  return log(s) - log(r + s + x) + (r + x) * log(alpha + T) + s * log(beta + T);
}

/**
 * P(alive) from its parts — paretoNbdOddsHead(x, T) and paretoNbdDropoutTerm at t_x and at T — in the arithmetic
 * of paretoNbdPAlive (which calls it), so that a forecaster memoising the parts gets the same bits.
 */
export function paretoNbdPAliveOf(head: number, atTx: number, atT: number): number {
  const lnA0 = logA0Of(atTx, atT);
  if (lnA0 === -Infinity) return 1;
  return 1 / (1 + exp(head + lnA0));
}

/**
 * Expected repeat purchases in (T, T + t]: P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)],
 * evaluated as (r+x)/(α+T) · (β+T) · L · φ(−(s−1)L), L = ln(1 + t/(β+T)), φ(y) = (1−e^−y)/y → finite at s = 1.
 */
export function paretoNbdExpectedPurchases(
  params: ParetoNbdParams,
  t: number,
  summary: RepeatSummary,
): number {
  assertHorizon(t);
  if (t === 0) return 0;
  const { r, alpha, s, beta } = params;
  const { x, T } = summary;
  return paretoNbdPAlive(params, summary) * ((r + x) / (alpha + T)) * survivalIntegral(s, beta + T, t);
}

/** Unconditional E[X(t)] of a customer acquired at 0: r/α · ∫₀ᵗ (β/(β+τ))^s dτ. */
export function paretoNbdExpectedPurchasesNewCustomer(params: ParetoNbdParams, t: number): number {
  assertParams(params);
  assertHorizon(t);
  return (params.r / params.alpha) * survivalIntegral(params.s, params.beta, t);
}

/** ∫₀ᵗ (B/(B+τ))^s dτ = B/(s−1) · [1 − (B/(B+t))^(s−1)], stable through s = 1. */
function survivalIntegral(s: number, B: number, t: number): number {
  const L = log1p(t / B);
  const y = (s - 1) * L;
  return B * L * (abs(y) < 1e-12 ? 1 - y / 2 : -expm1(-y) / y);
}

function assertParams(p: ParetoNbdParams): void {
  if (!(p.r > 0 && p.alpha > 0 && p.s > 0 && p.beta > 0) || !Number.isFinite(p.r + p.alpha + p.s + p.beta)) {
    throw new RangeError(`Pareto/NBD parameters must be finite and > 0, got ${JSON.stringify(p)}`);
  }
}

function assertSummary(s: RepeatSummary): void {
  if (!isValidRepeatSummary(s)) throw new RangeError(`invalid repeat summary ${JSON.stringify(s)}`);
}

function assertHorizon(t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
}
