/**
 * The forecaster of a run whose self-backtest chose a model (issue 13): P(alive), expected purchases over the
 * horizon and the discounted purchases behind CLV, for BG/NBD, MBG/NBD or Pareto/NBD, with the backtest's
 * correction scale applied to the purchases (not to P(alive)). As `BgNbdForecaster`, the part of E[X(t)] that
 * depends on (x, T) only is memoised per distinct (x, T). No framework imports.
 */
import type { DiscountSettings, Forecast } from './bg-nbd-forecaster';
import {
  type CountModelName,
  type CountModelParams,
  modelAliveCurve,
  modelPAlive,
  modelPBuy,
} from './models/count-models';
import { correctionFeatures, countFactor, type LearnedCorrection } from './models/learned-correction';
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
    string,
    { atPeriodEnds: Float64Array; atHorizon: number; observedIndex: number; buyIfAlive: number }
  >();
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

  forecast(s: RepeatSummary): Forecast {
    const p = modelPAlive(this.chosen, s);
    const key = `${s.x}|${s.T}`;
    let curve = this.curves.get(key);
    if (curve === undefined) {
      if (this.curves.size >= MAX_CACHED_PAIRS) this.curves.clear();
      const atPeriodEnds = this.periodEnds.map((t) => modelAliveCurve(this.chosen, s.x, s.T, t));
      const atHorizon = modelAliveCurve(this.chosen, s.x, s.T, this.settings.horizon);
      const observedIndex = this.observedIndex(s.T);
      // P(buy) / P(alive) depends on (x, T) only, for all three models (p-buy.ts); only the correction needs it
      const buyIfAlive =
        this.chosen.correction?.count && p > 0 ? modelPBuy(this.chosen, this.settings.horizon, s) / p : 0;
      curve = { atPeriodEnds, atHorizon, observedIndex, buyIfAlive };
      this.curves.set(key, curve);
    }
    const correction = this.chosen.correction;
    const k =
      this.chosen.scale *
      (correction?.count
        ? countFactor(correction, correctionFeatures(s, p * curve.atHorizon, p * curve.buyIfAlive))
        : 1);
    if (!this.chosen.seasonality) {
      let discounted = 0;
      let previous = 0;
      for (let i = 0; i < curve.atPeriodEnds.length; i++) {
        const cumulative = p * curve.atPeriodEnds[i];
        discounted += (cumulative - previous) * this.discounts[i];
        previous = cumulative;
      }
      return { pAlive: p, expectedPurchases: k * p * curve.atHorizon, discountedPurchases: k * discounted };
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
    return { pAlive: p, expectedPurchases: k * expected, discountedPurchases: k * discounted };
  }
}
