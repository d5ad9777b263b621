/**
 * The forecaster of a run whose self-backtest chose a model (issue 13): P(alive), expected purchases over the
 * horizon and the discounted purchases behind CLV, for BG/NBD, MBG/NBD or Pareto/NBD, with the backtest's
 * correction scale applied to the purchases (not to P(alive)). As `BgNbdForecaster`, the part of E[X(t)] that
 * depends on (x, T) only is memoised per distinct (x, T). No framework imports.
 *
 * P(buy in the horizon), the probability a customer buys at least once, is the chosen model's (p-buy.ts) with the
 * adopted seasonality as a factor on the purchase rate over the horizon (as the backtest scores it), or the learned
 * correction's corrected P(buy) when its validation let the run use that part. Never × the correction scale: the
 * scale is fitted so that the purchases add up, it says nothing about who buys at all, and a probability times a
 * scale can exceed 1; the backtest that chose the scale ranked and judged P(buy) without it.
 */
import type { DiscountSettings, Forecast } from './bg-nbd-forecaster';
import {
  type CountModelName,
  type CountModelParams,
  modelAliveCurve,
  modelBuyIfAlive,
  modelPAlive,
  pairKey,
} from './models/count-models';
import {
  correctedPBuy,
  correctionFeatures,
  countFactor,
  type LearnedCorrection,
} from './models/learned-correction';
import { isValidRepeatSummary } from './models/bg-nbd';
import {
  paretoNbdDropoutTerm,
  paretoNbdOddsHead,
  paretoNbdPAliveOf,
  type ParetoNbdParams,
} from './models/pareto-nbd';
import { meanIndex } from './models/seasonality';
import type { RepeatSummary } from './models/types';

/** The chosen model of a run, as stored in its context. */
export interface RunForecast {
  model: CountModelName;
  /** in days */
  params: CountModelParams;
  /** multiplies expected and discounted purchases (1: no correction) */
  scale: number;
  /**
   * month-of-year indices (models/seasonality.ts) the self-backtest adopted, and the as-of day number they apply
   * from: each discounting period's purchases get (mean index of the period) / (mean index of the customer's
   * observed days). Absent: no seasonality.
   */
  seasonality?: { months: number[]; cutoffDay: number };
  /**
   * the learned correction (models/learned-correction.ts) its validation let the run use: a per-customer factor on
   * the purchases from the model's E[X(horizon)], P(buy) and the summary. Absent: none.
   */
  correction?: LearnedCorrection;
}

const MAX_CACHED_PAIRS = 200_000;

export class CountForecaster {
  private readonly curves = new Map<
    number | string,
    {
      atPeriodEnds: Float64Array;
      atHorizon: number;
      observedIndex: number;
      /** P(buy) / P(alive) of the model as fitted (what the learned correction's features were learnt on) */
      buyIfAlive: number;
      /** the same with the seasonal factor on the purchase rate (= buyIfAlive without seasonality) */
      seasonalBuyIfAlive: number;
      /** Pareto/NBD: P(alive)'s parts at (x, T) (pareto-nbd.ts paretoNbdPAliveOf); NaN for the other models */
      paretoHead: number;
      paretoAtT: number;
    }
  >();
  /** Pareto/NBD: P(alive)'s dropout term per (x, t_x) (two ₂F₁ series per customer otherwise) */
  private readonly paretoAtTx = new Map<number | string, number>();
  /** mean seasonal index over the whole horizon (1 without seasonality) */
  private readonly horizonIndex: number;
  private readonly periodEnds: Float64Array;
  private readonly discounts: Float64Array;
  /** mean seasonal index of each discounting period (all 1 without seasonality) */
  private readonly periodIndex: Float64Array;
  private readonly observed = new Map<number, number>();

  constructor(
    readonly chosen: RunForecast,
    readonly settings: DiscountSettings,
  ) {
    const { horizon, periodLength, discountRatePerPeriod } = settings;
    if (!(horizon >= 0) || !(periodLength > 0) || !(discountRatePerPeriod > -1))
      throw new RangeError(`invalid discount settings ${JSON.stringify(settings)}`);
    if (!(chosen.scale > 0) || !Number.isFinite(chosen.scale))
      throw new RangeError(`correction scale must be finite and > 0, got ${chosen.scale}`);
    const periods = Math.ceil(horizon / periodLength - 1e-9);
    this.periodEnds = new Float64Array(periods);
    this.discounts = new Float64Array(periods);
    this.periodIndex = new Float64Array(periods).fill(1);
    let discount = 1;
    for (let i = 1; i <= periods; i++) {
      this.periodEnds[i - 1] = Math.min(i * periodLength, horizon);
      discount /= 1 + discountRatePerPeriod;
      this.discounts[i - 1] = discount;
      const season = chosen.seasonality;
      if (season) {
        const from = season.cutoffDay + Math.round(i === 1 ? 0 : this.periodEnds[i - 2]);
        this.periodIndex[i - 1] = meanIndex(
          season,
          from,
          season.cutoffDay + Math.round(this.periodEnds[i - 1]),
        );
      }
    }
    const season = chosen.seasonality;
    this.horizonIndex = season
      ? meanIndex(season, season.cutoffDay, season.cutoffDay + Math.round(horizon))
      : 1;
  }

  /** Mean seasonal index over a customer's observed days (the last max(T, 7)), memoised per T (1 without). */
  private observedIndex(T: number): number {
    const season = this.chosen.seasonality;
    if (!season) return 1;
    const days = Math.max(Math.round(T), 7);
    let v = this.observed.get(days);
    if (v === undefined) {
      v = meanIndex(season, season.cutoffDay - days, season.cutoffDay);
      this.observed.set(days, v);
    }
    return v;
  }

  /** paretoNbdPAlive(s), bit for bit, with its (x, t_x) term memoised (the (x, T) parts come with the curve). */
  private paretoPAlive(s: RepeatSummary, head: number, atT: number): number {
    if (!isValidRepeatSummary(s)) throw new RangeError(`invalid repeat summary ${JSON.stringify(s)}`);
    const key = pairKey(s.x, s.tx);
    let atTx = this.paretoAtTx.get(key);
    if (atTx === undefined) {
      if (this.paretoAtTx.size >= MAX_CACHED_PAIRS) this.paretoAtTx.clear();
      atTx = paretoNbdDropoutTerm(this.chosen.params as ParetoNbdParams, s.x, s.tx);
      this.paretoAtTx.set(key, atTx);
    }
    return paretoNbdPAliveOf(head, atTx, atT);
  }

  forecast(s: RepeatSummary): Forecast {
    const pareto = this.chosen.model === 'pareto-nbd';
    // Pareto/NBD's P(alive) from memoised parts (below, once the curve is there); the others' is a log1p and an exp
    let p = pareto ? Number.NaN : modelPAlive(this.chosen, s);
    const key = pairKey(s.x, s.T);
    let curve = this.curves.get(key);
    if (curve === undefined) {
      if (this.curves.size >= MAX_CACHED_PAIRS) this.curves.clear();
      const atPeriodEnds = this.periodEnds.map((t) => modelAliveCurve(this.chosen, s.x, s.T, t));
      const atHorizon = modelAliveCurve(this.chosen, s.x, s.T, this.settings.horizon);
      const observedIndex = this.observedIndex(s.T);
      // P(buy) / P(alive) depends on (x, T) only, for all three models (p-buy.ts): Pareto/NBD's quadrature runs
      // once per distinct (x, T), like the alive curve
      const h = this.settings.horizon;
      const buyIfAlive = modelBuyIfAlive(this.chosen, s.x, s.T, h);
      const rate = this.horizonIndex / observedIndex;
      const seasonalBuyIfAlive =
        rate === 1 ? buyIfAlive : rate > 0 ? modelBuyIfAlive(this.chosen, s.x, s.T, h, rate) : 0;
      const params = this.chosen.params as ParetoNbdParams;
      curve = {
        atPeriodEnds,
        atHorizon,
        observedIndex,
        buyIfAlive,
        seasonalBuyIfAlive,
        paretoHead: pareto ? paretoNbdOddsHead(params, s.x, s.T) : Number.NaN,
        paretoAtT: pareto ? paretoNbdDropoutTerm(params, s.x, s.T) : Number.NaN,
      };
      this.curves.set(key, curve);
    }
    if (pareto) p = this.paretoPAlive(s, curve.paretoHead, curve.paretoAtT);
    const correction = this.chosen.correction;
    const features =
      correction && (correction.count || correction.pBuy)
        ? correctionFeatures(s, p * curve.atHorizon, p * curve.buyIfAlive)
        : null;
    const k = this.chosen.scale * (correction?.count && features ? countFactor(correction, features) : 1);
    const pBuy =
      correction?.pBuy && features
        ? correctedPBuy(correction, features, p * curve.buyIfAlive)
        : p * curve.seasonalBuyIfAlive;
    if (!this.chosen.seasonality) {
      let discounted = 0;
      let previous = 0;
      for (let i = 0; i < curve.atPeriodEnds.length; i++) {
        const cumulative = p * curve.atPeriodEnds[i];
        discounted += (cumulative - previous) * this.discounts[i];
        previous = cumulative;
      }
      return {
        pAlive: p,
        expectedPurchases: k * p * curve.atHorizon,
        discountedPurchases: k * discounted,
        pBuy,
      };
    }
    // seasonal: each period's purchases × its index over the customer's observed mean index
    let discounted = 0;
    let expected = 0;
    let previous = 0;
    for (let i = 0; i < curve.atPeriodEnds.length; i++) {
      const cumulative = p * curve.atPeriodEnds[i];
      const inPeriod = ((cumulative - previous) * this.periodIndex[i]) / curve.observedIndex;
      expected += inPeriod;
      discounted += inPeriod * this.discounts[i];
      previous = cumulative;
    }
    return { pAlive: p, expectedPurchases: k * expected, discountedPurchases: k * discounted, pBuy };
  }
}
