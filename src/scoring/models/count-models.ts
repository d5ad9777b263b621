/**
 * The repeat-purchase models a run can choose from, behind one shape: fit on (x, tx, T) rows, P(alive), expected
 * purchases, and the part of E[X(t)] that depends on (x, T) only (so a forecaster can memoise it per (x, T) as
 * `BgNbdForecaster` does for BG/NBD). Pure; see docs/models-clv.md "Model choice".
 */
import { aliveExpectation, expectedPurchases, fitBgNbd, pAlive, type WeightedRepeatSummary } from './bg-nbd';
import { bgNbdBuyIfAlive, bgNbdPBuy, mbgNbdPBuy, paretoNbdBuyIfAlive, paretoNbdPBuy } from './p-buy';
import { fitMbgNbd, mbgNbdExpectedPurchases, mbgNbdPAlive } from './mbg-nbd';
import {
  fitParetoNbd,
  paretoNbdExpectedPurchases,
  paretoNbdPAlive,
  type ParetoNbdParams,
} from './pareto-nbd';
import type { BgNbdParams, FitReport, RepeatSummary } from './types';

export type CountModelName = 'bg-nbd' | 'mbg-nbd' | 'pareto-nbd';

/** In this order: the textbook first, so that a tie keeps it. */
export const COUNT_MODELS: readonly CountModelName[] = ['bg-nbd', 'mbg-nbd', 'pareto-nbd'];

export type CountModelParams = BgNbdParams | ParetoNbdParams;

/** A fitted model, as stored on a run: which, its parameters (time in days in the service). */
export interface FittedCountModel {
  model: CountModelName;
  params: CountModelParams;
}

export function fitCountModelByName(
  model: CountModelName,
  rows: WeightedRepeatSummary[],
): FitReport<CountModelParams> {
  switch (model) {
    case 'bg-nbd':
      return fitBgNbd(rows);
    case 'mbg-nbd':
      return fitMbgNbd(rows);
    case 'pareto-nbd':
      return fitParetoNbd(rows);
  }
}

export function modelPAlive(m: FittedCountModel, s: RepeatSummary): number {
  switch (m.model) {
    case 'bg-nbd':
      return pAlive(m.params as BgNbdParams, s);
    case 'mbg-nbd':
      return mbgNbdPAlive(m.params as BgNbdParams, s);
    case 'pareto-nbd':
      return paretoNbdPAlive(m.params as ParetoNbdParams, s);
  }
}

export function modelExpectedPurchases(m: FittedCountModel, t: number, s: RepeatSummary): number {
  switch (m.model) {
    case 'bg-nbd':
      return expectedPurchases(m.params as BgNbdParams, t, s);
    case 'mbg-nbd':
      return mbgNbdExpectedPurchases(m.params as BgNbdParams, t, s);
    case 'pareto-nbd':
      return paretoNbdExpectedPurchases(m.params as ParetoNbdParams, t, s);
  }
}

/**
 * P(X(t) > 0 | x, tx, T): the chance of at least one purchase in (T, T+t], the score for "buys again" (AUC);
 * `rateScale` multiplies the purchase rate (a correction scale, a seasonal factor). See p-buy.ts.
 */
export function modelPBuy(m: FittedCountModel, t: number, s: RepeatSummary, rateScale = 1): number {
  switch (m.model) {
    case 'bg-nbd':
      return bgNbdPBuy(m.params as BgNbdParams, t, s, rateScale);
    case 'mbg-nbd':
      return mbgNbdPBuy(m.params as BgNbdParams, t, s, rateScale);
    case 'pareto-nbd':
      return paretoNbdPBuy(m.params as ParetoNbdParams, t, s, rateScale);
  }
}

const T_KEY_LIMIT = 1 << 21;

/**
 * The memo key of an (x, T) pair (or (x, t_x)): one number for whole days, no string to build and hash per
 * customer; a string for anything else (fractional weeks in the CDNOW tests).
 */
export function pairKey(x: number, T: number): number | string {
  return Number.isInteger(x) && Number.isInteger(T) && T >= 0 && T < T_KEY_LIMIT && x >= 0 && x < 1 << 30
    ? x * T_KEY_LIMIT + T
    : `${x}|${T}`;
}

/** modelExpectedPurchases and modelPBuy of one fitted model over one horizon, for many customers. */
export interface HorizonPredictor {
  expected(s: RepeatSummary): number;
  pBuy(s: RepeatSummary, rateScale?: number): number;
}

/**
 * modelExpectedPurchases and modelPBuy over (T, T+t] with the costly part that depends on (x, T) only computed once
 * per distinct (x, T) (and rate scale): BG/NBD's and MBG/NBD's ₂F₁ curve, Pareto/NBD's P(buy)/P(alive) quadrature.
 * Each figure is the same product of the same doubles as the per-customer function's, so the same to the bit
 * (tested); a backtest predicts thousands of customers per fit, most of whom share an (x, T) with another.
 */
export function horizonPredictor(m: FittedCountModel, t: number): HorizonPredictor {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`horizon t must be finite and ≥ 0, got ${t}`);
  const curves = new Map<number | string, number>();
  const buyIfAlive = new Map<number, Map<number | string, number>>();
  /** memo of f per (x, T) */
  const memo = (cache: Map<number | string, number>, x: number, T: number, f: () => number): number => {
    const key = pairKey(x, T);
    let v = cache.get(key);
    if (v === undefined) {
      v = f();
      cache.set(key, v);
    }
    return v;
  };
  switch (m.model) {
    case 'bg-nbd':
    case 'mbg-nbd': {
      const p = m.params as BgNbdParams;
      const shift = m.model === 'bg-nbd' ? 0 : 1;
      const alive = m.model === 'bg-nbd' ? pAlive : mbgNbdPAlive;
      return {
        // expectedPurchases / mbgNbdExpectedPurchases: P(alive) · H(r+x, a, b+x(+1), t/(α+T))
        expected: (s) =>
          alive(p, s) *
          memo(curves, s.x, s.T, () =>
            aliveExpectation(p.r + s.x, p.a, p.b + s.x + shift, t / (p.alpha + s.T)),
          ),
        pBuy: (s, rateScale = 1) => modelPBuy(m, t, s, rateScale),
      };
    }
    case 'pareto-nbd': {
      const p = m.params as ParetoNbdParams;
      return {
        expected: (s) => paretoNbdExpectedPurchases(p, t, s),
        pBuy: (s, rateScale = 1) => {
          if (t === 0 || !(rateScale > 0) || !Number.isFinite(rateScale))
            return modelPBuy(m, t, s, rateScale);
          let cache = buyIfAlive.get(rateScale);
          if (!cache) buyIfAlive.set(rateScale, (cache = new Map()));
          // paretoNbdPBuy: P(alive) · paretoNbdBuyIfAlive
          return (
            paretoNbdPAlive(p, s) *
            memo(cache, s.x, s.T, () => paretoNbdBuyIfAlive(p, t, s.x, s.T, rateScale))
          );
        },
      };
    }
  }
}

/**
 * P(buy) / P(alive | x, tx, T) over (T, T+t]: depends on (x, T), t and the rate scale only, for all three models
 * (p-buy.ts), so a forecaster memoises it per (x, T); × P(alive) it is modelPBuy.
 */
export function modelBuyIfAlive(m: FittedCountModel, x: number, T: number, t: number, rateScale = 1): number {
  switch (m.model) {
    case 'bg-nbd':
    case 'mbg-nbd':
      return bgNbdBuyIfAlive(m.params as BgNbdParams, t, x, T, rateScale);
    case 'pareto-nbd':
      return paretoNbdBuyIfAlive(m.params as ParetoNbdParams, t, x, T, rateScale);
  }
}

/**
 * E[X(t) | x, tx, T] / P(alive | x, tx, T): depends on (x, T) and t only, for all three models.
 */
export function modelAliveCurve(m: FittedCountModel, x: number, T: number, t: number): number {
  if (!(t > 0)) return 0;
  switch (m.model) {
    case 'bg-nbd': {
      const p = m.params as BgNbdParams;
      return aliveExpectation(p.r + x, p.a, p.b + x, t / (p.alpha + T));
    }
    case 'mbg-nbd': {
      const p = m.params as BgNbdParams;
      return aliveExpectation(p.r + x, p.a, p.b + x + 1, t / (p.alpha + T));
    }
    case 'pareto-nbd': {
      const p = m.params as ParetoNbdParams;
      const B = p.beta + T;
      const L = Math.log1p(t / B);
      const y = (p.s - 1) * L;
      const survival = B * L * (Math.abs(y) < 1e-12 ? 1 - y / 2 : -Math.expm1(-y) / y);
      return ((p.r + x) / (p.alpha + T)) * survival;
    }
  }
}

/** Parameters in days from a fit in `unit`-day time (weeks: 7): the time parameters scale, the others do not. */
export function paramsInDays(
  model: CountModelName,
  params: CountModelParams,
  unit: number,
): CountModelParams {
  if (unit === 1) return params;
  if (model === 'pareto-nbd') {
    const p = params as ParetoNbdParams;
    return { ...p, alpha: p.alpha * unit, beta: p.beta * unit };
  }
  const p = params as BgNbdParams;
  return { ...p, alpha: p.alpha * unit };
}

/** Human name for reports. */
export function modelLabel(model: CountModelName): string {
  return model === 'bg-nbd' ? 'BG/NBD' : model === 'mbg-nbd' ? 'MBG/NBD' : 'Pareto/NBD';
}
