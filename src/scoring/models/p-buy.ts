/**
 * P(X(t) > 0 | x, tx, T): the probability that a customer buys at least once in (T, T + t], per count model. This
 * is the score for "will this customer buy again in the horizon" (the AUC of the holdout), where E[X(t)] answers
 * "how many": a heavy buyer likely dead can have the larger E[X] and the smaller chance of any purchase.
 * Pure; see docs/models-clv.md "P(buy) — the score for AUC".
 *
 * `rateScale` multiplies every purchase rate λ (a correction scale or a seasonal factor applied to the forecast):
 * λ·k ~ Gamma(r+x, (α+T)/k), so it enters as α+T → (α+T)/k in the alive part. 1: the model as fitted.
 */
import { pAlive } from './bg-nbd';
import { mbgNbdPAlive } from './mbg-nbd';
import { paretoNbdPAlive, type ParetoNbdParams } from './pareto-nbd';
import type { BgNbdParams, RepeatSummary } from './types';

const { abs, exp, log, log1p } = Math;

/**
 * P(no purchase in (T, T+t] | alive at T) for a purchase rate λ ~ Gamma(n, A) (n = r+x, A = α+T), when nothing
 * else can end the customer in that time: E[e^{−λt}] = (A/(A+t))^n. True for BG/NBD and MBG/NBD, where dropout
 * happens only right after a purchase: an alive customer with no purchase in the horizon cannot have dropped out.
 */
function noPurchaseWhileAlive(n: number, A: number, t: number): number {
  return exp(-n * log1p(t / A));
}

/** BG/NBD: 1 − [1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x)]. */
export function bgNbdPBuy(params: BgNbdParams, t: number, s: RepeatSummary, rateScale = 1): number {
  assertHorizon(t, rateScale);
  if (t === 0) return 0;
  return pAlive(params, s) * bgNbdBuyIfAlive(params, t, s.x, s.T, rateScale);
}

/** MBG/NBD: the same, with its P(alive) (which already holds the dropout at time 0). */
export function mbgNbdPBuy(params: BgNbdParams, t: number, s: RepeatSummary, rateScale = 1): number {
  assertHorizon(t, rateScale);
  if (t === 0) return 0;
  return mbgNbdPAlive(params, s) * bgNbdBuyIfAlive(params, t, s.x, s.T, rateScale);
}

/** Pareto/NBD: P(alive) · (1 − paretoNbdNoPurchaseIfAlive). */
export function paretoNbdPBuy(params: ParetoNbdParams, t: number, s: RepeatSummary, rateScale = 1): number {
  assertHorizon(t, rateScale);
  if (t === 0) return 0;
  return paretoNbdPAlive(params, s) * paretoNbdBuyIfAlive(params, t, s.x, s.T, rateScale);
}

/**
 * P(buy) / P(alive) of the BG/NBD family: 1 − ((α+T)/k / ((α+T)/k + t))^(r+x). Depends on (x, T) only, not on
 * t_x, so a chunk computes it once per distinct (x, T) (count-forecaster.ts).
 */
export function bgNbdBuyIfAlive(params: BgNbdParams, t: number, x: number, T: number, rateScale = 1): number {
  assertHorizon(t, rateScale);
  if (t === 0) return 0;
  return 1 - noPurchaseWhileAlive(params.r + x, (params.alpha + T) / rateScale, t);
}

/** P(buy) / P(alive) of Pareto/NBD (the quadrature): depends on (x, T) only, as for the BG/NBD family. */
export function paretoNbdBuyIfAlive(
  params: ParetoNbdParams,
  t: number,
  x: number,
  T: number,
  rateScale = 1,
): number {
  assertHorizon(t, rateScale);
  if (t === 0) return 0;
  const q = paretoNbdNoPurchaseIfAlive(
    params.r + x,
    (params.alpha + T) / rateScale,
    params.s,
    params.beta + T,
    t,
  );
  return 1 - Math.min(1, q);
}

/**
 * Pareto/NBD, alive at T: λ ~ Gamma(n, A) and μ ~ Gamma(s, B) independently (n = r+x, A = α+T, B = β+T), the
 * remaining lifetime τ ~ Exp(μ), and no purchase in (T, T+t] has probability E[exp(−λ·min(τ, t))]. Over λ that is
 * g(u) = (A/(A+u))^n at u = min(τ, t); over μ, τ is Lomax: P(τ > t) = (B/(B+t))^s, density s/B·(B/(B+u))^(s+1). So
 *   q = (B/(B+t))^s · g(t) + ∫₀ᵗ s/B · (B/(B+u))^(s+1) · g(u) du.
 * The integral is a ₂F₁ in closed form; here it is an adaptive Simpson rule on the smooth, decreasing integrand
 * (absolute error ≤ 1e-10, checked against the A = B closed form s/(s+n)·(1 − (A/(A+t))^(s+n)) in the spec).
 */
export function paretoNbdNoPurchaseIfAlive(n: number, A: number, s: number, B: number, t: number): number {
  if (!(t > 0)) return 1;
  const lnStay = -s * log1p(t / B) - n * log1p(t / A);
  const f = (u: number) => exp(log(s / B) - (s + 1) * log1p(u / B) - n * log1p(u / A));
  return exp(lnStay) + adaptiveSimpson(f, 0, t, 1e-10);
}

/** Adaptive Simpson quadrature of f on [a, b] to absolute tolerance `tol` (depth-capped: always terminates). */
function adaptiveSimpson(f: (u: number) => number, a: number, b: number, tol: number): number {
  const fa = f(a);
  const fb = f(b);
  const m = (a + b) / 2;
  const fm = f(m);
  const whole = ((b - a) / 6) * (fa + 4 * fm + fb);
  return refine(f, a, b, fa, fm, fb, whole, tol, 48);
}

function refine(
  f: (u: number) => number,
  a: number,
  b: number,
  fa: number,
  fm: number,
  fb: number,
  whole: number,
  tol: number,
  depth: number,
): number {
  const m = (a + b) / 2;
  const lm = (a + m) / 2;
  const rm = (m + b) / 2;
  const flm = f(lm);
  const frm = f(rm);
  const left = ((m - a) / 6) * (fa + 4 * flm + fm);
  const right = ((b - m) / 6) * (fm + 4 * frm + fb);
  const delta = left + right - whole;
  if (depth <= 0 || abs(delta) <= 15 * tol) return left + right + delta / 15;
  return (
    refine(f, a, m, fa, flm, fm, left, tol / 2, depth - 1) +
    refine(f, m, b, fm, frm, fb, right, tol / 2, depth - 1)
  );
}

function assertHorizon(t: number, rateScale: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
  if (!(rateScale > 0) || !Number.isFinite(rateScale))
    throw new RangeError(`rateScale must be finite and > 0, got ${rateScale}`);
}
