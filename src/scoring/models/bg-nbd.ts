/**
 * BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
 *
 * While alive a customer buys at rate λ ~ Gamma(r, α); after each repeat purchase they drop out with
 * probability p ~ Beta(a, b). Time is in any unit (the service uses days; the CDNOW tests use weeks): α and
 * every time argument share it, r, a, b are unit-free. See docs/models-clv.md.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';

import { nelderMead } from './nelder-mead';
import type { BgNbdParams, FitReport, RepeatSummary } from './types';

// Local bindings of Math: inside Jest's vm sandbox every global `Math` lookup costs ~0.2 µs, 40× the call.
const { abs, cosh, exp, expm1, hypot, log, log1p, max, min, sinh, sqrt } = Math;
const isFiniteNumber = Number.isFinite;

/** One calibration row; weight = how many identical customers it stands for (default 1). */
export type WeightedRepeatSummary = RepeatSummary & { weight?: number };

export interface BgNbdFitOptions {
  /**
   * L2 penalty coef × (r² + α_s² + a² + b²) added to the mean negative log-likelihood, α_s in scaled time,
   * as lifetimes' penalizer_coef; default 0
   */
  penalizer?: number;
  /** Nelder–Mead iteration budget over all restarts; default 4000 */
  maxIterations?: number;
  /** start values in the caller's time unit; default r = α_s = a = b = 1 (α_s in scaled time) */
  start?: BgNbdParams;
}

/** Bounds of r, a, b and of α_s = α / timeScale (timeScale = max T / 10, as in lifetimes). */
export const BG_NBD_BOUNDS = { lower: 1e-4, upper: 1e4 } as const;

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;
/** a parameter within this log distance of a bound (a factor of 1.2) is reported as at the bound */
const BOUNDARY_LOG_TOLERANCE = 0.18;
const SMALL_SAMPLE = 30;

/** True when s is a usable summary: integer x ≥ 0, finite 0 ≤ tx ≤ T, and tx = 0 when x = 0. */
export function isValidRepeatSummary(s: RepeatSummary): boolean {
  return (
    Number.isInteger(s.x) &&
    s.x >= 0 &&
    Number.isFinite(s.tx) &&
    Number.isFinite(s.T) &&
    s.tx >= 0 &&
    s.tx <= s.T &&
    (s.x > 0 || s.tx === 0)
  );
}

/** Individual log-likelihood of one (x, tx, T), times in the unit of α (no x! term, as lifetimes). */
export function bgNbdLogLikelihood(params: BgNbdParams, s: RepeatSummary): number {
  assertParams(params);
  assertSummary(s);
  const { r, alpha, a, b } = params;
  const { x, tx, T } = s;
  const lnAT = log(alpha + T);
  let ll = r * log(alpha) - (r + x) * lnAT;
  if (x > 0) {
    ll += gammaln(r + x) - gammaln(r) + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x);
    const d = log(a) - log(b + x - 1) + (r + x) * (lnAT - log(alpha + tx));
    ll += softplus(d);
  }
  return ll;
}

/** Distinct (x, tx, T) rows with summed weights; drops rows of weight 0 and counts invalid rows it drops. */
export function compressRepeatSummaries(rows: Iterable<WeightedRepeatSummary>): {
  rows: Array<Required<WeightedRepeatSummary>>;
  dropped: number;
} {
  const index = new Map<string, number>();
  const out: Array<Required<WeightedRepeatSummary>> = [];
  let dropped = 0;
  for (const row of rows) {
    const w = row.weight ?? 1;
    if (!isValidRepeatSummary(row) || !Number.isFinite(w) || w < 0) {
      dropped++;
      continue;
    }
    if (w === 0) continue;
    const key = `${row.x}|${row.tx}|${row.T}`;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push({ x: row.x, tx: row.tx, T: row.T, weight: w });
    } else {
      out[at].weight += w;
    }
  }
  return { rows: out, dropped };
}

/** Maximum-likelihood fit; cost per iteration ∝ distinct (x, tx, T) rows; never throws or returns NaN. */
export function fitBgNbd(rows: WeightedRepeatSummary[], opts: BgNbdFitOptions = {}): FitReport<BgNbdParams> {
  const warnings: string[] = [];
  const penalizer = opts.penalizer ?? 0;
  const { rows: distinct, dropped } = compressRepeatSummaries(rows);
  if (dropped > 0)
    warnings.push(`${dropped} invalid row(s) ignored (need integer x ≥ 0, 0 ≤ tx ≤ T, weight ≥ 0)`);
  if (!(penalizer >= 0) || !Number.isFinite(penalizer)) {
    warnings.push(`penalizer ${penalizer} is not a finite number ≥ 0; using 0`);
  }
  const data = buildData(distinct);
  const start = opts.start ?? { r: 1, alpha: data.timeScale, a: 1, b: 1 };

  if (data.totalWeight === 0) {
    warnings.push('no customers to fit: returning the start values');
    return {
      params: { ...start },
      logLikelihood: 0,
      converged: false,
      iterations: 0,
      atBoundary: [],
      warnings,
    };
  }

  const lo = log(BG_NBD_BOUNDS.lower);
  const hi = log(BG_NBD_BOUNDS.upper);
  const clampLog = (v: number): number => (Number.isFinite(log(v)) ? min(hi, max(lo, log(v))) : 0);
  const x0 = [
    clampLog(start.r),
    clampLog(start.alpha / data.timeScale),
    clampLog(start.a),
    clampLog(start.b),
  ];
  const pen = Number.isFinite(penalizer) && penalizer > 0 ? penalizer : 0;
  const lnAT = new Float64Array(data.times.length);
  const objective = (u: Float64Array): number => {
    const r = exp(u[0]);
    const alpha = exp(u[1]);
    const a = exp(u[2]);
    const b = exp(u[3]);
    const nll = -logLikelihoodOf(data, r, alpha, a, b, lnAT) / data.totalWeight;
    return pen > 0 ? nll + pen * (r * r + alpha * alpha + a * a + b * b) : nll;
  };
  const result = nelderMead(objective, x0, {
    lower: [lo, lo, lo, lo],
    upper: [hi, hi, hi, hi],
    step: 0.5,
    // 1e-6 in log-parameters = 1e-6 relative precision, far below sampling error; tighter only costs time
    fTol: 1e-11,
    xTol: 1e-6,
    maxIterations: opts.maxIterations ?? 4000,
  });

  const u = result.x;
  const scaled = { r: exp(u[0]), alpha: exp(u[1]), a: exp(u[2]), b: exp(u[3]) };
  const params: BgNbdParams = { ...scaled, alpha: scaled.alpha * data.timeScale };
  // back to the caller's time unit: each repeat purchase's rate term picks up −ln(timeScale)
  const logLikelihood =
    logLikelihoodOf(data, scaled.r, scaled.alpha, scaled.a, scaled.b, lnAT) -
    data.sumWeightedX * log(data.timeScale);

  const atBoundary = boundedParams(u, lo, hi, params, warnings);
  if (data.sumWeightedX === 0) warnings.push('no repeat purchases in the data: a and b are not identified');
  if (data.totalWeight < SMALL_SAMPLE) {
    warnings.push(`only ${fmt(data.totalWeight)} customer(s): estimates are unreliable`);
  }
  if (!result.converged) warnings.push(`Nelder–Mead did not converge within ${result.iterations} iterations`);

  return {
    params,
    logLikelihood: Number.isFinite(logLikelihood) ? logLikelihood : -Number.MAX_VALUE,
    converged: result.converged,
    iterations: result.iterations,
    atBoundary,
    warnings,
  };
}

/** The parameters the fit left on a bound (log-parameters `u` within tolerance of `lo`/`hi`), each with a warning. */
function boundedParams(
  u: ArrayLike<number>,
  lo: number,
  hi: number,
  params: BgNbdParams,
  warnings: string[],
): string[] {
  const atBoundary: string[] = [];
  for (let i = 0; i < 4; i++) {
    const side =
      u[i] - lo <= BOUNDARY_LOG_TOLERANCE ? 'lower' : hi - u[i] <= BOUNDARY_LOG_TOLERANCE ? 'upper' : null;
    if (side === null) continue;
    const name = PARAM_NAMES[i];
    atBoundary.push(name);
    warnings.push(`${name} = ${fmt(params[name])} ended at its ${side} bound: ${boundaryHint(name, side)}`);
  }
  return atBoundary;
}

/** Probability that a customer with summary s is still alive at T (1 when x = 0, a property of BG/NBD). */
export function pAlive(params: BgNbdParams, s: RepeatSummary): number {
  assertParams(params);
  assertSummary(s);
  if (s.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = (r + s.x) * log1p((s.T - s.tx) / (alpha + s.tx)) + log(a / (b + s.x - 1));
  return 1 / (1 + exp(logOdds));
}

/** Expected repeat purchases in (T, T + t] for a customer with summary s; t in the time unit of α. */
export function expectedPurchases(params: BgNbdParams, t: number, s: RepeatSummary): number {
  assertParams(params);
  assertSummary(s);
  assertHorizon(t);
  const { r, alpha, a, b } = params;
  return pAlive(params, s) * aliveExpectation(r + s.x, a, b + s.x, t / (alpha + s.T));
}

/** Unconditional E[X(t)]: repeat purchases in (0, t] of a customer acquired at 0; t in the unit of α. */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  assertParams(params);
  assertHorizon(t);
  return aliveExpectation(params.r, params.a, params.b, t / params.alpha);
}

/**
 * E[(1 − (1 + p·s)^−k) / p] for p ~ Beta(a, β): the expected purchases of a customer alive now, whose rate
 * posterior is Gamma(k, α + T), over the next s·(α + T) time units (count, unit-free s).
 *
 * This equals lifetimes' (a+β−1)/(a−1)·[1 − (1−z)^k ₂F₁(k, β; a+β−1; z)], z = s/(1+s), but is evaluated in a
 * form without the removable singularity at a = 1 (two Pfaff transformations):
 *   H = c·L·φ((1−a)L) − (1+s)^(1−a) Σ_{n≥1} (c−k)_n (a)_{n−1} / ((a+β)_{n−1} n!) zⁿ,
 *   c = a+β−1, L = ln(1+s), φ(y) = (eʸ−1)/y.
 * When that series would need too many terms (s large) or cancels (r ≫ a+b), a sinh-mapped trapezoid rule
 * over logit(p) is used instead (see integrateOverDropout). Relative accuracy ≈ 1e-9, checked against mpmath.
 */
export function aliveExpectation(k: number, a: number, beta: number, s: number): number {
  if (!(s > 0)) return 0;
  const ks = k * s;
  // two Taylor terms in s are exact to double precision here (the next is ~((k+2)s)²/6 relative)
  if ((k + 2) * s < 1e-8) return ks * (1 - ((k + 1) * s * a) / (2 * (a + beta)));
  let h = Number.NaN;
  if (s <= SERIES_MAX_S && a + beta - 1 - k > -SERIES_MAX_NEGATIVE_SHIFT) h = seriesInZ(k, a, beta, s);
  if (Number.isNaN(h)) h = integrateOverDropout(k, a, beta, s);
  // 0 ≤ (1 − (1+ps)^−k)/p ≤ k·s for every p, so the expectation is too; clamping only trims rounding
  return min(ks, max(0, h));
}

// ---------------------------------------------------------------------------------------------------------

const EPSILON = 2.220446049250313e-16;
/** beyond this s = t/(α+T) the z-series needs thousands of terms: use quadrature */
const SERIES_MAX_S = 50;
/** c − k = a + b − 1 − r below −this means an alternating series with huge terms: use quadrature */
const SERIES_MAX_NEGATIVE_SHIFT = 30;
const SERIES_MAX_TERMS = 4000;
const SERIES_MAX_RELATIVE_ERROR = 1e-10;

/** H by the z-series; NaN when it did not converge or its rounding error estimate exceeds the target. */
function seriesInZ(k: number, a: number, beta: number, s: number): number {
  const L = log1p(s);
  const z = s / (1 + s);
  const e = (1 - a) * L;
  const c = a + beta - 1;
  const first = c * L * (e === 0 ? 1 : expm1(e) / e);
  const scale = exp(e);
  let term = (c - k) * z;
  let sum = term;
  let absSum = abs(term);
  for (let n = 1; n < SERIES_MAX_TERMS; n++) {
    const ratio = (((c - k + n) * (a + n - 1)) / ((a + beta + n - 1) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    absSum += abs(term);
    const h = first - scale * sum;
    const q = abs(ratio);
    // the remaining terms are bounded by a geometric tail once the ratio is below 1
    if (q < 1 && scale * abs(term) * (q / (1 - q)) <= 1e-17 * abs(h)) {
      const roundingError = (EPSILON * (abs(first) + scale * absSum)) / abs(h);
      return h > 0 && roundingError <= SERIES_MAX_RELATIVE_ERROR && Number.isFinite(h) ? h : Number.NaN;
    }
  }
  return Number.NaN;
}

/**
 * H by quadrature: y = logit(p) = μ + σ·sinh(τ), trapezoid in τ. The endpoint behaviour is subtracted first,
 * ℓ(p) = k·s·(1−p)^M + g(1)·p with M = max(1, k·s), whose Beta expectation is closed-form, so that the
 * remainder vanishes at p = 0 and p = 1 (tiny a or β put mass below the smallest double otherwise) and the
 * big k·s plateau near p = 0 does not cancel. The step is small enough to resolve the drop of g at
 * p ≈ 1/(k·s) as well as the Beta peak.
 */
function integrateOverDropout(k: number, a: number, beta: number, s: number): number {
  const ks = k * s;
  const g1 = -expm1(-k * log1p(s));
  const lnB = betaln(a, beta);
  const M = max(1, ks);
  const expectedL = ks * exp(betaln(a, beta + M) - lnB) + g1 * (a / (a + beta));
  const mu = log((a + 1) / (beta + 1));
  const sigma = sqrt(1 / (a + 1) + 1 / (beta + 1));
  const step = ks > 1 ? min(1 / 6, 0.3 / hypot(sigma, -log(ks) - mu)) : 1 / 6;

  const integrand = (tau: number): number => {
    const y = mu + sigma * sinh(tau);
    const w = exp(-abs(y));
    // ln p and ln(1−p) without cancellation on either side
    const lnp = y >= 0 ? -log1p(w) : y - log1p(w);
    const lnq = y >= 0 ? -y - log1p(w) : -log1p(w);
    const p = exp(lnp);
    const g = p === 0 ? ks : -expm1(-k * log1p(p * s)) / p;
    const remainder = g - ks * exp(M * lnq) - g1 * p;
    // Beta density in y includes the Jacobian dp/dy = p(1−p)
    return remainder * exp(a * lnp + beta * lnq - lnB) * sigma * cosh(tau);
  };

  let sum = integrand(0);
  for (const direction of [1, -1]) {
    let negligible = 0;
    for (let j = 1; j < 200000; j++) {
      const v = integrand(direction * j * step);
      if (!isFiniteNumber(v)) break;
      sum += v;
      negligible = abs(v) <= 1e-18 * abs(sum) ? negligible + 1 : 0;
      if (negligible >= 3) break;
    }
  }
  return expectedL + sum * step;
}

interface FitData {
  timeScale: number;
  totalWeight: number;
  sumWeightedX: number;
  /** distinct T and tx values, scaled */
  times: Float64Array;
  /** distinct x values, ascending, and the weight and row range of each */
  xs: Float64Array;
  groupWeight: Float64Array;
  groupStart: Int32Array;
  /** per distinct row, grouped by x: weight and indices into times */
  weight: Float64Array;
  tIndex: Int32Array;
  txIndex: Int32Array;
}

/**
 * The distinct times of a fit's rows, scaled (v / timeScale), each once: `indexOf(v)` is v's index in `times`,
 * added on first sight. The likelihoods compute their per-time terms (ln(α + t), …) once per distinct time.
 */
export function scaledTimeIndex(timeScale: number): { indexOf: (v: number) => number; times: number[] } {
  const timeIndex = new Map<number, number>();
  const times: number[] = [];
  const indexOf = (v: number): number => {
    let i = timeIndex.get(v);
    if (i === undefined) {
      i = times.length;
      timeIndex.set(v, i);
      times.push(v / timeScale);
    }
    return i;
  };
  return { indexOf, times };
}

function buildData(rows: Array<Required<WeightedRepeatSummary>>): FitData {
  let maxT = 0;
  let totalWeight = 0;
  let sumWeightedX = 0;
  for (const row of rows) {
    maxT = max(maxT, row.T);
    totalWeight += row.weight;
    sumWeightedX += row.weight * row.x;
  }
  const timeScale = maxT > 0 ? maxT / 10 : 1;
  const sorted = [...rows].sort((p, q) => p.x - q.x);

  const { indexOf, times } = scaledTimeIndex(timeScale);
  const n = sorted.length;
  const weight = new Float64Array(n);
  const tIndex = new Int32Array(n);
  const txIndex = new Int32Array(n);
  const xs: number[] = [];
  const groupWeight: number[] = [];
  const groupStart: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = sorted[i];
    if (i === 0 || row.x !== sorted[i - 1].x) {
      xs.push(row.x);
      groupWeight.push(0);
      groupStart.push(i);
    }
    groupWeight[groupWeight.length - 1] += row.weight;
    weight[i] = row.weight;
    tIndex[i] = indexOf(row.T);
    txIndex[i] = indexOf(row.tx);
  }
  groupStart.push(n);
  return {
    timeScale,
    totalWeight,
    sumWeightedX,
    times: Float64Array.from(times),
    xs: Float64Array.from(xs),
    groupWeight: Float64Array.from(groupWeight),
    groupStart: Int32Array.from(groupStart),
    weight,
    tIndex,
    txIndex,
  };
}

/** Σ weight × individual log-likelihood over the compressed data (scaled time); lnAT is scratch space. */
function logLikelihoodOf(
  d: FitData,
  r: number,
  alpha: number,
  a: number,
  b: number,
  lnAT: Float64Array,
): number {
  const { times, weight, tIndex, txIndex } = d;
  for (let j = 0; j < times.length; j++) lnAT[j] = log(alpha + times[j]);
  let ll = d.totalWeight * r * log(alpha);
  const lnGammaR = gammaln(r);
  const lnGammaB = gammaln(b);
  const lnGammaAB = gammaln(a + b);
  const lnA = log(a);
  for (let g = 0; g < d.xs.length; g++) {
    const x = d.xs[g];
    const end = d.groupStart[g + 1];
    const rx = r + x;
    if (x === 0) {
      let acc = 0;
      for (let i = d.groupStart[g]; i < end; i++) acc += weight[i] * lnAT[tIndex[i]];
      ll -= r * acc;
      continue;
    }
    ll +=
      d.groupWeight[g] *
      (gammaln(rx) - lnGammaR + gammaln(b + x) - lnGammaB + lnGammaAB - gammaln(a + b + x));
    const lnDrop = lnA - log(b + x - 1);
    let acc = 0;
    for (let i = d.groupStart[g]; i < end; i++) {
      const lnT = lnAT[tIndex[i]];
      acc += weight[i] * (softplus(lnDrop + rx * (lnT - lnAT[txIndex[i]])) - rx * lnT);
    }
    ll += acc;
  }
  return ll;
}

/** ln(1 + eᵈ) without overflow; beyond |d| = 37 the correction is below double precision and skipped */
function softplus(d: number): number {
  if (d > 37) return d;
  return d > 0 ? d + log1p(exp(-d)) : log1p(exp(d));
}

function boundaryHint(name: (typeof PARAM_NAMES)[number], side: 'lower' | 'upper'): string {
  switch (`${name}:${side}`) {
    case 'r:lower':
      return 'purchase rates look extremely heterogeneous, or hardly anyone repeats';
    case 'r:upper':
      return 'purchase rates look homogeneous (the gamma mixing degenerates)';
    case 'alpha:upper':
      return 'purchase rates look homogeneous, or tiny for this observation window';
    case 'alpha:lower':
      return 'purchase rates look huge for this observation window';
    case 'a:lower':
    case 'b:upper':
      return 'almost nobody seems to drop out';
    default:
      return 'customers seem to drop out after very few purchases';
  }
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function assertParams(p: BgNbdParams): void {
  if (!(p.r > 0 && p.alpha > 0 && p.a > 0 && p.b > 0) || !Number.isFinite(p.r + p.alpha + p.a + p.b)) {
    throw new RangeError(`BG/NBD parameters must be finite and > 0, got ${JSON.stringify(p)}`);
  }
}

function assertSummary(s: RepeatSummary): void {
  if (!isValidRepeatSummary(s)) throw new RangeError(`invalid repeat summary ${JSON.stringify(s)}`);
}

function assertHorizon(t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
}
