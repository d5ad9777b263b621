/**
 * The fitting frame shared by the four-parameter repeat-purchase models other than BG/NBD (Pareto/NBD, MBG/NBD):
 * compressed (x, tx, T) rows, time scaled so that max T = 10 (as lifetimes), a bounded Nelder–Mead over
 * log-parameters, parameters near a bound reported. BG/NBD keeps its own tuned loop (bg-nbd.ts); this one is the
 * same recipe, written once for the others.
 */
import { compressRepeatSummaries, scaledTimeIndex, type WeightedRepeatSummary } from './bg-nbd';
import { nelderMead } from './nelder-mead';
import type { FitReport } from './types';

const { exp, log, max, min } = Math;

/** Bounds of every parameter (the time parameters scaled by max T / 10). */
export const COUNT_MODEL_BOUNDS = { lower: 1e-4, upper: 1e4 } as const;
/** a parameter within this log distance of a bound (a factor of 1.2) is reported as at the bound */
const BOUNDARY_LOG_TOLERANCE = 0.18;
const SMALL_SAMPLE = 30;

/** Compressed, scaled rows sorted by x: what a model's log-likelihood loops over. */
export interface ScaledRows {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /**
   * the distinct values of T and tx (scaled, the same doubles as in `T` and `tx`) and each row's index into them:
   * a likelihood computes a term of (x, time) once per distinct pair instead of once per row
   */
  times: Float64Array;
  tIndex: Int32Array;
  txIndex: Int32Array;
  totalWeight: number;
  sumWeightedX: number;
  timeScale: number;
}

export interface CountModelSpec<P> {
  /** parameter names, in optimiser order */
  names: readonly (keyof P & string)[];
  /** which parameters carry the time unit (rescaled by timeScale) */
  timeParams: readonly (keyof P & string)[];
  /** Σ weight × log-likelihood over the scaled rows */
  logLikelihood(params: P, rows: ScaledRows): number;
  /** a sentence per (name, side) for the report */
  boundaryHint(name: keyof P & string, side: 'lower' | 'upper'): string;
}

export interface CountModelFitOptions<P> {
  /** start values in the caller's time unit; default 1 for every parameter (time parameters: max T / 10) */
  start?: P;
  maxIterations?: number;
}

/** Compresses and scales rows; drops invalid rows (counted). */
export function scaleRows(rows: WeightedRepeatSummary[]): { rows: ScaledRows; dropped: number } {
  const { rows: compressed, dropped } = compressRepeatSummaries(rows);
  // sorted by x, so a likelihood can compute its ln Γ(·+x) terms once per distinct x
  const distinct = [...compressed].sort((p, q) => p.x - q.x || p.T - q.T || p.tx - q.tx);
  let maxT = 0;
  for (const r of distinct) maxT = max(maxT, r.T);
  const timeScale = maxT > 0 ? maxT / 10 : 1;
  const n = distinct.length;
  const out: ScaledRows = {
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    weight: new Float64Array(n),
    times: new Float64Array(0),
    tIndex: new Int32Array(n),
    txIndex: new Int32Array(n),
    totalWeight: 0,
    sumWeightedX: 0,
    timeScale,
  };
  const { indexOf, times } = scaledTimeIndex(timeScale);
  distinct.forEach((r, i) => {
    out.x[i] = r.x;
    out.tx[i] = r.tx / timeScale;
    out.T[i] = r.T / timeScale;
    out.weight[i] = r.weight;
    out.tIndex[i] = indexOf(r.T);
    out.txIndex[i] = indexOf(r.tx);
    out.totalWeight += r.weight;
    out.sumWeightedX += r.weight * r.x;
  });
  out.times = Float64Array.from(times);
  return { rows: out, dropped };
}

/**
 * Maximum-likelihood fit of a count model; never throws, never NaN. The log-likelihood is reported in the caller's
 * time unit: every repeat purchase's rate density picks up −ln(timeScale).
 */
export function fitCountModel<P extends object>(
  spec: CountModelSpec<P>,
  input: WeightedRepeatSummary[],
  opts: CountModelFitOptions<P> = {},
): FitReport<P> {
  const warnings: string[] = [];
  const { rows, dropped } = scaleRows(input);
  if (dropped > 0)
    warnings.push(`${dropped} invalid row(s) ignored (need integer x ≥ 0, 0 ≤ tx ≤ T, weight ≥ 0)`);
  const isTime = (name: string) => (spec.timeParams as readonly string[]).includes(name);
  const toParams = (u: ArrayLike<number>, scale: number): P => {
    const p: Record<string, number> = {};
    spec.names.forEach((name, i) => {
      p[name] = exp(u[i]) * (isTime(name) ? scale : 1);
    });
    return p as P;
  };
  const startOf = (name: keyof P & string): number => {
    const given = opts.start ? (opts.start[name] as unknown as number) : undefined;
    if (given !== undefined) return isTime(name) ? given / rows.timeScale : given;
    return 1;
  };
  if (rows.totalWeight === 0) {
    warnings.push('no customers to fit: returning the start values');
    return {
      params: toParams(
        spec.names.map((n) => log(startOf(n))),
        rows.timeScale,
      ),
      logLikelihood: 0,
      converged: false,
      iterations: 0,
      atBoundary: [],
      warnings,
    };
  }
  const lo = log(COUNT_MODEL_BOUNDS.lower);
  const hi = log(COUNT_MODEL_BOUNDS.upper);
  const x0 = spec.names.map((n) => {
    const v = log(startOf(n));
    return Number.isFinite(v) ? min(hi, max(lo, v)) : 0;
  });
  const dim = spec.names.length;
  const objective = (u: Float64Array): number => -spec.logLikelihood(toParams(u, 1), rows) / rows.totalWeight;
  const result = nelderMead(objective, x0, {
    lower: new Array<number>(dim).fill(lo),
    upper: new Array<number>(dim).fill(hi),
    step: 0.5,
    fTol: 1e-11,
    xTol: 1e-6,
    maxIterations: opts.maxIterations ?? 4000,
  });
  const params = toParams(result.x, rows.timeScale);
  const logLikelihood =
    spec.logLikelihood(toParams(result.x, 1), rows) - rows.sumWeightedX * log(rows.timeScale);
  const atBoundary: string[] = [];
  spec.names.forEach((name, i) => {
    const side =
      result.x[i] - lo <= BOUNDARY_LOG_TOLERANCE
        ? 'lower'
        : hi - result.x[i] <= BOUNDARY_LOG_TOLERANCE
          ? 'upper'
          : null;
    if (side === null) return;
    atBoundary.push(name);
    const value = params[name] as unknown as number;
    warnings.push(
      `${name} = ${Number(value.toPrecision(4))} ended at its ${side} bound: ${spec.boundaryHint(name, side)}`,
    );
  });
  if (rows.sumWeightedX === 0) warnings.push('no repeat purchases in the data: dropout is not identified');
  if (rows.totalWeight < SMALL_SAMPLE)
    warnings.push(`only ${rows.totalWeight} customer(s): estimates are unreliable`);
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
