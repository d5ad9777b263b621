/**
 * Bounded Nelder–Mead minimiser (derivative-free), used to fit the CLV models over log-parameters.
 *
 * Bounds are enforced by projecting every trial point onto the box, the usual treatment in NLopt and
 * SciPy. Coefficients are the dimension-adaptive ones of Gao & Han (2012). After the simplex collapses the
 * search restarts from the best point with a fresh simplex, until a restart no longer improves the value:
 * this guards against the well-known premature collapse of Nelder–Mead.
 */

// Local bindings of Math: inside Jest's vm sandbox every global `Math` lookup costs ~0.2 µs, 40× the call.
const { abs, max, min } = Math;

/** Function to minimise; NaN or ±Infinity is treated as +Infinity (an infeasible point). */
export type Objective = (x: Float64Array) => number;

export interface NelderMeadOptions {
  /** lower bound of each coordinate */
  lower: ArrayLike<number>;
  /** upper bound of each coordinate */
  upper: ArrayLike<number>;
  /** initial simplex edge, one value or one per coordinate (default 0.5, capped at the box width) */
  step?: number | ArrayLike<number>;
  /** convergence when the simplex's value spread is ≤ fTol·max(1, |f_best|) (default 1e-12) */
  fTol?: number;
  /** and every vertex is within xTol of the best in every coordinate (default 1e-9) */
  xTol?: number;
  /** iteration budget over all restarts (default 2000 × dimension) */
  maxIterations?: number;
  /** restarts after the first convergence (default 10) */
  maxRestarts?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  fx: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  restarts: number;
}

/** Minimises f over the box [lower, upper] from x0 (clamped into it); never throws on a bad objective. */
export function nelderMead(
  f: Objective,
  x0: ArrayLike<number>,
  options: NelderMeadOptions,
): NelderMeadResult {
  const n = x0.length;
  const { lower, upper, step } = boxOf(n, options);
  const fTol = options.fTol ?? 1e-12;
  const xTol = options.xTol ?? 1e-9;
  const maxIterations = options.maxIterations ?? 2000 * n;
  const maxRestarts = options.maxRestarts ?? 10;
  const simplex = new Simplex(f, n, lower, upper);

  const best = Float64Array.from(x0);
  simplex.project(best);
  let bestValue = simplex.evaluate(best);
  let iterations = 0;
  let restarts = 0;
  let converged = false;

  for (;;) {
    simplex.build(best, bestValue, step);
    let collapsed = false;
    while (iterations < maxIterations) {
      simplex.sort();
      if (isCollapsed(simplex.vertices, simplex.values, simplex.order, fTol, xTol)) {
        collapsed = true;
        break;
      }
      iterations++;
      simplex.iterate();
    }

    const { values, vertices } = simplex;
    let lo = 0;
    for (let j = 1; j <= n; j++) if (values[j] < values[lo]) lo = j;
    const improvement = bestValue - values[lo];
    const improved = values[lo] < bestValue;
    if (improved) {
      best.set(vertices[lo]);
      bestValue = values[lo];
    }
    if (!collapsed) break; // iteration budget exhausted
    if (restarts > 0 && !(improvement > fTol * max(1, abs(bestValue)))) {
      converged = true;
      break;
    }
    if (restarts >= maxRestarts) {
      converged = true; // collapsed every time; the last restart still moved a little
      break;
    }
    restarts++;
  }

  return { x: best, fx: bestValue, iterations, evaluations: simplex.evaluations, converged, restarts };
}

/** The checked box and the initial simplex edge per coordinate (capped at the box width). */
function boxOf(
  n: number,
  options: NelderMeadOptions,
): { lower: Float64Array; upper: Float64Array; step: Float64Array } {
  const lower = Float64Array.from(options.lower);
  const upper = Float64Array.from(options.upper);
  if (lower.length !== n || upper.length !== n)
    throw new RangeError('nelderMead: bounds must match x0 length');
  for (let i = 0; i < n; i++) {
    if (!(lower[i] <= upper[i])) throw new RangeError(`nelderMead: empty box in coordinate ${i}`);
  }
  const step = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = typeof options.step === 'number' ? options.step : (options.step?.[i] ?? 0.5);
    step[i] = min(abs(s), upper[i] - lower[i]);
  }
  return { lower, upper, step };
}

/** The working simplex of one minimisation: n + 1 vertices in the box, their values, and scratch points. */
class Simplex {
  readonly vertices: Float64Array[];
  readonly values: Float64Array;
  /** vertex indices, best first, after sort() */
  readonly order: number[];
  evaluations = 0;
  // Gao & Han's dimension-adaptive coefficients: reflection, expansion, contraction, shrink
  private readonly alpha = 1;
  private readonly gamma: number;
  private readonly rho: number;
  private readonly sigma: number;
  private readonly centroid: Float64Array;
  private readonly xr: Float64Array;
  private readonly xe: Float64Array;
  private readonly xc: Float64Array;

  constructor(
    private readonly f: Objective,
    private readonly n: number,
    private readonly lower: Float64Array,
    private readonly upper: Float64Array,
  ) {
    this.gamma = 1 + 2 / n;
    this.rho = 0.75 - 1 / (2 * n);
    this.sigma = 1 - 1 / n;
    this.vertices = Array.from({ length: n + 1 }, () => new Float64Array(n));
    this.values = new Float64Array(n + 1);
    this.order = Array.from({ length: n + 1 }, (_, i) => i);
    this.centroid = new Float64Array(n);
    this.xr = new Float64Array(n);
    this.xe = new Float64Array(n);
    this.xc = new Float64Array(n);
  }

  evaluate(x: Float64Array): number {
    this.evaluations++;
    const v = this.f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  }

  project(x: Float64Array): void {
    for (let i = 0; i < this.n; i++) x[i] = min(this.upper[i], max(this.lower[i], x[i]));
  }

  /** A fresh simplex around `best`: one vertex `step` away along each coordinate. */
  build(best: Float64Array, bestValue: number, step: Float64Array): void {
    const { n, vertices, values, upper } = this;
    vertices[0].set(best);
    values[0] = bestValue;
    for (let j = 1; j <= n; j++) {
      const v = vertices[j];
      v.set(best);
      const i = j - 1;
      // step away from the nearer bound so the vertex stays distinct after projection
      v[i] = best[i] + step[i] <= upper[i] ? best[i] + step[i] : best[i] - step[i];
      this.project(v);
      values[j] = this.evaluate(v);
    }
  }

  sort(): void {
    const values = this.values;
    this.order.sort((p, q) => values[p] - values[q]);
  }

  /** One iteration on the sorted simplex: reflect the worst vertex, then expand, contract or shrink. */
  iterate(): void {
    const { n, vertices, values, order, centroid, xr, xe, xc } = this;
    const lo = order[0];
    const hi = order[n];
    const secondHi = order[n - 1];
    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const v = vertices[order[k]];
      for (let i = 0; i < n; i++) centroid[i] += v[i] / n;
    }
    const worst = vertices[hi];
    for (let i = 0; i < n; i++) xr[i] = centroid[i] + this.alpha * (centroid[i] - worst[i]);
    this.project(xr);
    const fr = this.evaluate(xr);

    if (fr < values[lo]) {
      for (let i = 0; i < n; i++) xe[i] = centroid[i] + this.gamma * (xr[i] - centroid[i]);
      this.project(xe);
      const fe = this.evaluate(xe);
      if (fe < fr) this.replace(hi, xe, fe);
      else this.replace(hi, xr, fr);
      return;
    }
    if (fr < values[secondHi]) {
      this.replace(hi, xr, fr);
      return;
    }
    const outside = fr < values[hi];
    const target = outside ? xr : worst;
    for (let i = 0; i < n; i++) xc[i] = centroid[i] + this.rho * (target[i] - centroid[i]);
    this.project(xc);
    const fc = this.evaluate(xc);
    if (outside ? fc <= fr : fc < values[hi]) {
      this.replace(hi, xc, fc);
      return;
    }
    this.shrink(lo);
  }

  private replace(j: number, x: Float64Array, fx: number): void {
    this.vertices[j].set(x);
    this.values[j] = fx;
  }

  /** Every vertex but the best moves towards the best. */
  private shrink(lo: number): void {
    const { n, vertices, values, order } = this;
    const b = vertices[lo];
    for (let k = 1; k <= n; k++) {
      const v = vertices[order[k]];
      for (let i = 0; i < n; i++) v[i] = b[i] + this.sigma * (v[i] - b[i]);
      this.project(v);
      values[order[k]] = this.evaluate(v);
    }
  }
}

function isCollapsed(
  simplex: Float64Array[],
  values: Float64Array,
  order: number[],
  fTol: number,
  xTol: number,
): boolean {
  const fLo = values[order[0]];
  const fHi = values[order[order.length - 1]];
  if (!Number.isFinite(fHi) || fHi - fLo > fTol * max(1, abs(fLo))) return false;
  const b = simplex[order[0]];
  for (let k = 1; k < order.length; k++) {
    const v = simplex[order[k]];
    for (let i = 0; i < b.length; i++) if (abs(v[i] - b[i]) > xTol) return false;
  }
  return true;
}
