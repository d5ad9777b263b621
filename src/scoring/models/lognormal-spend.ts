/**
 * Log-normal spend with empirical-Bayes shrinkage (issue 13 item 4): a model of a customer's order value that
 * holds where Gamma-Gamma does not (heavy-tailed spend, where its q ends at its bound).
 *
 * Model: θ = ln(the customer's expected order value), θ ~ N(μ, τ²) across customers; the log of the mean of x
 * orders is y ~ N(θ − σ²/(2x), σ²/x), σ² the squared coefficient of variation of one order around the customer's
 * own mean (the delta method: the log of a mean of x orders has variance CV²/x and lies CV²/(2x) below the log of
 * the expected order, Jensen — without that term the single-order buyers, who dominate, pull the population
 * down; measured on CDNOW: aggregate −10 % against the own mean's −6 %). So y + σ²/(2x) ~ N(μ, τ² + σ²/x)
 * marginally: μ, τ², σ² are fitted by maximum likelihood on repeat buyers' mean repeat spend, each weighted by its
 * x through that variance (μ in closed form given the two variances). A customer's order value is the posterior
 * mean of exp(θ): exp(m + v/2) with v = 1 / (1/τ² + x/σ²) and m = v·(μ/τ² + x·y/σ² + 1/2) — the own mean as
 * x → ∞, the population's exp(μ + τ²/2) for x = 0 (and exp(μ) as τ² → 0: customers alike). Money in any unit; μ is the log in that unit. Pure;
 * docs/models-clv.md "Spend".
 */
import { repeatSpenders } from './gamma-gamma';
import { nelderMead } from './nelder-mead';
import type { FitReport } from './types';

const { exp, log, max, min, PI } = Math;

export interface LogNormalSpendParams {
  /** mean across customers of their log order value (log of the money unit) */
  mu: number;
  /** variance across customers of their log order value */
  tau2: number;
  /** variance of the log of one order's spend around the customer's own (≈ its squared CV; a mean of x: σ²/x) */
  sigma2: number;
}

/** One customer (or `weight` identical ones): x ≥ 1 repeat purchases with mean spend `mean` > 0. */
export interface LogSpendRow {
  x: number;
  mean: number;
  weight?: number;
}

/** Bounds of τ² and σ² (log-money variances: 1e-6 is "identical", 100 a spread of e^10). */
export const LOGNORMAL_VARIANCE_BOUNDS = { lower: 1e-6, upper: 100 } as const;
const BOUNDARY_LOG_TOLERANCE = 0.1;
const SMALL_SAMPLE = 30;

/** Per distinct x: Σw, Σw·y, Σw·y² (y = ln mean). */
interface Groups {
  x: Float64Array;
  w: Float64Array;
  sy: Float64Array;
  syy: Float64Array;
  total: number;
}

/** Maximum-likelihood fit on rows with x ≥ 1 and mean > 0 (others skipped, invalid ones counted in a warning). */
export function fitLogNormalSpend(rows: LogSpendRow[]): FitReport<LogNormalSpendParams> {
  const warnings: string[] = [];
  const g = groupRows(rows, warnings);
  if (g.total === 0) {
    warnings.push('no repeat buyers with positive spend: returning μ = 0, τ² = 1, σ² = 1');
    return {
      params: { mu: 0, tau2: 1, sigma2: 1 },
      logLikelihood: 0,
      converged: false,
      iterations: 0,
      atBoundary: [],
      warnings,
    };
  }
  // start from the spread of y: half between customers, half within
  let sy = 0;
  let syy = 0;
  for (let k = 0; k < g.x.length; k++) {
    sy += g.sy[k];
    syy += g.syy[k];
  }
  const spread = max(LOGNORMAL_VARIANCE_BOUNDS.lower * 10, syy / g.total - (sy / g.total) ** 2);
  const lo = log(LOGNORMAL_VARIANCE_BOUNDS.lower);
  const hi = log(LOGNORMAL_VARIANCE_BOUNDS.upper);
  const start = min(hi, max(lo, log(spread / 2)));
  const result = nelderMead(
    (u) => -profileLogLikelihood(g, exp(u[0]), exp(u[1])).ll / g.total,
    [start, start],
    {
      lower: [lo, lo],
      upper: [hi, hi],
      step: 1,
      fTol: 1e-12,
      xTol: 1e-7,
      maxIterations: 2000,
    },
  );
  const tau2 = exp(result.x[0]);
  const sigma2 = exp(result.x[1]);
  const { ll, mu } = profileLogLikelihood(g, tau2, sigma2);
  const atBoundary: string[] = [];
  (['tau2', 'sigma2'] as const).forEach((name, i) => {
    const u = result.x[i];
    const side =
      u - lo <= BOUNDARY_LOG_TOLERANCE ? 'lower' : hi - u <= BOUNDARY_LOG_TOLERANCE ? 'upper' : null;
    if (side === null) return;
    atBoundary.push(name);
    warnings.push(
      name === 'tau2' && side === 'lower'
        ? 'τ² ended at its lower bound: customers’ order values look alike, everyone gets the population’s'
        : name === 'sigma2' && side === 'lower'
          ? 'σ² ended at its lower bound: each customer’s orders look alike, everyone keeps their own mean'
          : `${name} ended at its ${side} bound: the data pin it poorly`,
    );
  });
  if (g.x.length === 1) {
    warnings.push(
      'every repeat buyer has the same number of purchases: the split of the spread between customers and orders is not identified',
    );
  }
  if (g.total < SMALL_SAMPLE) {
    warnings.push(`only ${Number(g.total.toPrecision(4))} repeat buyer(s): estimates are unreliable`);
  }
  if (!result.converged) warnings.push(`Nelder–Mead did not converge within ${result.iterations} iterations`);
  return {
    params: { mu, tau2, sigma2 },
    logLikelihood: Number.isFinite(ll) ? ll : -Number.MAX_VALUE,
    converged: result.converged && g.x.length > 1,
    iterations: result.iterations,
    atBoundary,
    warnings,
  };
}

/**
 * Expected order value of a customer with x purchases of mean spend `mean` (money, the fit's unit): exp(m + v/2)
 * of the posterior N(m, v) of their log order value. x = 0 or no positive mean: the population's exp(μ + τ²/2).
 */
export function logNormalOrderValue(params: LogNormalSpendParams, x: number, mean: number): number {
  const { mu, tau2, sigma2 } = params;
  if (!(x > 0) || !(mean > 0) || !Number.isFinite(mean)) return exp(mu + tau2 / 2);
  const precision = 1 / tau2 + x / sigma2;
  const v = 1 / precision;
  // x·(y + σ²/(2x))/σ² = x·y/σ² + 1/2: the observation corrected for the log of a mean lying below the mean's log
  const m = v * (mu / tau2 + (x * log(mean)) / sigma2 + 0.5);
  return exp(m + v / 2);
}

/**
 * Σ weight × ln N(y + σ²/(2x); μ̂, τ² + σ²/x) with μ̂ the precision-weighted mean of the corrected y (closed form
 * given τ², σ²).
 */
function profileLogLikelihood(g: Groups, tau2: number, sigma2: number): { ll: number; mu: number } {
  let a = 0;
  let b = 0;
  for (let k = 0; k < g.x.length; k++) {
    const prec = 1 / (tau2 + sigma2 / g.x[k]);
    a += prec * g.w[k];
    b += prec * (g.sy[k] + (g.w[k] * sigma2) / (2 * g.x[k]));
  }
  const mu = b / a;
  let ll = 0;
  for (let k = 0; k < g.x.length; k++) {
    const variance = tau2 + sigma2 / g.x[k];
    // Σw(y + c − μ)² from the group's sums, c = σ²/(2x)
    const shift = sigma2 / (2 * g.x[k]) - mu;
    const squares = g.syy[k] + 2 * shift * g.sy[k] + shift * shift * g.w[k];
    ll -= 0.5 * (g.w[k] * log(2 * PI * variance) + squares / variance);
  }
  return { ll, mu };
}

/**
 * Rows grouped by x, in ascending x. The sums follow the rows' order (to the last bit): callers pass rows in value
 * order, so the same data gives the same fit (issue 13 item 7).
 */
function groupRows(rows: LogSpendRow[], warnings: string[]): Groups {
  const byX = new Map<number, { w: number; sy: number; syy: number }>();
  let total = 0;
  for (const row of repeatSpenders(rows, warnings)) {
    const w = row.weight;
    const y = log(row.mean);
    const s = byX.get(row.x) ?? { w: 0, sy: 0, syy: 0 };
    s.w += w;
    s.sy += w * y;
    s.syy += w * y * y;
    byX.set(row.x, s);
    total += w;
  }
  const xs = [...byX.keys()].sort((p, q) => p - q);
  return {
    x: Float64Array.from(xs),
    w: Float64Array.from(xs, (x) => byX.get(x)!.w),
    sy: Float64Array.from(xs, (x) => byX.get(x)!.sy),
    syy: Float64Array.from(xs, (x) => byX.get(x)!.syy),
    total,
  };
}
