/**
 * Small generalised linear models for the learned correction (issue 13 item 2): Poisson regression of counts and
 * logistic regression of 0/1 outcomes, each with a per-row offset, fitted by penalised IRLS (Newton) with a ridge
 * penalty on the standardised slopes (never on the intercept). Deterministic: no randomness, fixed iteration
 * order, a Cholesky solve. Pure; docs/models-clv.md "Learned correction".
 */

const { abs, exp, log, max, min, sqrt } = Math;

export type GlmFamily = 'poisson' | 'logistic';

export interface GlmOptions {
  /** ridge penalty λ on the slopes of the standardised features (0: none) */
  ridge?: number;
  /**
   * Earlier coefficients (intercept first, on the features as given) the slopes are also pulled toward, with a
   * penalty of `weight` × the data's own information on the intercept (Σ of the start's IRLS weights) per
   * standardised slope: weight 4 lets the earlier fit count four times as much as these rows. A discounted
   * Bayesian update when the rows are a new sample of the same population (learned-correction.ts).
   */
  prior?: { coefficients: ArrayLike<number>; weight: number };
  maxIterations?: number;
  /** stop when no standardised coefficient moves by more than this */
  tolerance?: number;
}

export interface GlmFit {
  family: GlmFamily;
  /** intercept, then one slope per feature, on the features as given (not standardised) */
  coefficients: number[];
  converged: boolean;
  iterations: number;
  /** penalised deviance at the end (for the record) */
  deviance: number;
}

/** η is kept within ±ETA_LIMIT so that exp never overflows on wild data. */
const ETA_LIMIT = 30;
const MIN_WEIGHT = 1e-10;

/**
 * Fits `family` to y with linear predictor offset + β₀ + Σ βⱼ·xⱼ. `rows[i]` are the features of row i (same length
 * for every row); `offset` defaults to 0. A constant feature gets slope 0.
 */
export function fitGlm(
  family: GlmFamily,
  rows: ReadonlyArray<ArrayLike<number>>,
  y: ArrayLike<number>,
  offset?: ArrayLike<number>,
  opts: GlmOptions = {},
): GlmFit {
  const n = rows.length;
  if (y.length !== n || (offset && offset.length !== n))
    throw new RangeError('rows, y and offset differ in length');
  if (n === 0) throw new RangeError('no rows to fit');
  const p = rows[0].length;
  for (const r of rows) if (r.length !== p) throw new RangeError('rows differ in their number of features');
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v) || v < 0 || (family === 'logistic' && v > 1))
      throw new RangeError(`y[${i}] = ${v} is not a valid ${family} outcome`);
  }
  const ridge = opts.ridge ?? 1;
  const maxIterations = opts.maxIterations ?? 50;
  const tolerance = opts.tolerance ?? 1e-9;
  const off = (i: number) => (offset ? offset[i] : 0);

  // standardise: column means and standard deviations (a constant column keeps sd 1 and, centred, is all zeros)
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  for (const r of rows) for (let j = 0; j < p; j++) mean[j] += r[j] / n;
  for (const r of rows) for (let j = 0; j < p; j++) sd[j] += (r[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < p; j++) sd[j] = sd[j] > 1e-24 ? sqrt(sd[j]) : 1;
  const d = p + 1;
  const z = rows.map((r) => {
    const out = new Float64Array(d);
    out[0] = 1;
    for (let j = 0; j < p; j++) out[j + 1] = (r[j] - mean[j]) / sd[j];
    return out;
  });

  // start: intercept only, matching the mean outcome
  let sy = 0;
  let so = 0;
  for (let i = 0; i < n; i++) {
    sy += y[i];
    so += family === 'poisson' ? exp(clampEta(off(i))) : off(i);
  }
  const beta = new Float64Array(d);
  if (family === 'poisson') beta[0] = sy > 0 && so > 0 ? log(sy / so) : 0;
  else {
    const m = min(1 - 1e-6, max(1e-6, sy / n));
    beta[0] = log(m / (1 - m)) - so / n;
  }
  // the prior's slopes on the standardised features (βⱼ·sdⱼ) and its penalty
  const priorSlopes = new Float64Array(d);
  let priorPenalty = 0;
  if (opts.prior) {
    const { coefficients: c, weight } = opts.prior;
    if (c.length !== d) throw new RangeError(`prior has ${c.length} coefficients for ${p} features`);
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`prior weight ${weight}`);
    for (let j = 1; j < d; j++) priorSlopes[j] = Number.isFinite(c[j]) ? c[j] * sd[j - 1] : 0;
    let information = 0;
    for (let i = 0; i < n; i++) information += meanAndWeight(family, clampEta(off(i) + beta[0])).w;
    priorPenalty = weight * information;
  }

  const eta = (b: Float64Array, i: number) => {
    let e = off(i);
    const zi = z[i];
    for (let j = 0; j < d; j++) e += b[j] * zi[j];
    return clampEta(e);
  };
  const penalisedDeviance = (b: Float64Array) => {
    let dev = 0;
    for (let i = 0; i < n; i++) dev += unitDeviance(family, y[i], eta(b, i));
    let pen = 0;
    let away = 0;
    for (let j = 1; j < d; j++) {
      pen += b[j] * b[j];
      away += (b[j] - priorSlopes[j]) ** 2;
    }
    return dev + ridge * pen + priorPenalty * away;
  };

  let deviance = penalisedDeviance(beta);
  let converged = false;
  let iterations = 0;
  const A = new Float64Array(d * d);
  const g = new Float64Array(d);
  for (; iterations < maxIterations && !converged; iterations++) {
    // Newton step on the penalised deviance / 2: (ZᵀWZ + (λ + π)I')·Δ = Zᵀ(y − μ) − λI'β − πI'(β − β_prior)
    A.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const { mu, w } = meanAndWeight(family, eta(beta, i));
      const r = y[i] - mu;
      const zi = z[i];
      for (let j = 0; j < d; j++) {
        g[j] += zi[j] * r;
        const wz = w * zi[j];
        for (let k = 0; k <= j; k++) A[j * d + k] += wz * zi[k];
      }
    }
    for (let j = 1; j < d; j++) {
      A[j * d + j] += ridge + priorPenalty;
      g[j] -= ridge * beta[j] + priorPenalty * (beta[j] - priorSlopes[j]);
    }
    for (let j = 0; j < d; j++) for (let k = j + 1; k < d; k++) A[j * d + k] = A[k * d + j];
    const step = choleskySolve(A, g, d);
    // step-halving keeps every iteration downhill (IRLS can overshoot where the data separate)
    let t = 1;
    let next = beta;
    let nextDeviance = deviance;
    for (let halving = 0; halving < 30; halving++, t /= 2) {
      const trial = beta.map((b, j) => b + t * step[j]);
      const dev = penalisedDeviance(trial);
      if (dev <= deviance + 1e-12 * abs(deviance)) {
        next = trial;
        nextDeviance = dev;
        break;
      }
    }
    let moved = 0;
    for (let j = 0; j < d; j++) moved = max(moved, abs(next[j] - beta[j]));
    beta.set(next);
    deviance = nextDeviance;
    if (moved < tolerance) converged = true;
  }

  // back to the features as given: βⱼ/sdⱼ, and the intercept absorbs the centring
  const coefficients = new Array<number>(d);
  coefficients[0] = beta[0];
  for (let j = 0; j < p; j++) {
    coefficients[j + 1] = beta[j + 1] / sd[j];
    coefficients[0] -= (beta[j + 1] * mean[j]) / sd[j];
  }
  return { family, coefficients, converged, iterations, deviance };
}

/** β₀ + Σ βⱼ·xⱼ (no offset). */
export function linearPredictor(coefficients: ArrayLike<number>, features: ArrayLike<number>): number {
  if (coefficients.length !== features.length + 1)
    throw new RangeError(`${coefficients.length} coefficients for ${features.length} features`);
  let e = coefficients[0];
  for (let j = 0; j < features.length; j++) e += coefficients[j + 1] * features[j];
  return e;
}

export function sigmoid(e: number): number {
  return e >= 0 ? 1 / (1 + exp(-e)) : exp(e) / (1 + exp(e));
}

/** The family's mean at linear predictor `e` and its IRLS weight (the variance, floored). */
function meanAndWeight(family: GlmFamily, e: number): { mu: number; w: number } {
  const mu = family === 'poisson' ? exp(e) : 1 / (1 + exp(-e));
  return { mu, w: max(MIN_WEIGHT, family === 'poisson' ? mu : mu * (1 - mu)) };
}

function clampEta(e: number): number {
  return min(ETA_LIMIT, max(-ETA_LIMIT, e));
}

/** Deviance of one observation (up to terms that do not depend on η). */
function unitDeviance(family: GlmFamily, y: number, e: number): number {
  if (family === 'poisson') return 2 * (exp(e) - y * e);
  // −2·[y·ln μ + (1 − y)·ln(1 − μ)] with ln μ = −softplus(−η), ln(1 − μ) = −softplus(η)
  return 2 * (y * softplus(-e) + (1 - y) * softplus(e));
}

function softplus(e: number): number {
  return e > 0 ? e + Math.log1p(exp(-e)) : Math.log1p(exp(e));
}

/**
 * Solves A·x = b for a symmetric positive-definite d×d A (row-major; the ridge keeps it so). A pivot that is not
 * positive (a column with no information and no penalty) gives that component 0.
 */
export function choleskySolve(A: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= L[j * d + k] ** 2;
    const pivot = s > 1e-300 ? sqrt(s) : 0;
    L[j * d + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = pivot > 0 ? t / pivot : 0;
    }
  }
  const yv = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * d + k] * yv[k];
    yv[i] = L[i * d + i] > 0 ? s / L[i * d + i] : 0;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = yv[i];
    for (let k = i + 1; k < d; k++) s -= L[k * d + i] * x[k];
    x[i] = L[i * d + i] > 0 ? s / L[i * d + i] : 0;
  }
  return x;
}
