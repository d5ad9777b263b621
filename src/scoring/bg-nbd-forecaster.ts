/**
 * The BG/NBD quantities a chunk needs per customer — P(alive), expected purchases over the horizon, the
 * discounted purchases behind CLV and P(buy in the horizon) — with the expensive part memoised.
 *
 * E[X(t) | x, tx, T] = P(alive | x, tx, T) · H(r+x, a, b+x, t/(α+T)): the ₂F₁ factor H depends on (x, T) only,
 * not on tx. CLV needs H at every period end (13 evaluations for 365 days in 30-day periods), P(alive) is one
 * log1p and one exp. So H is computed once per distinct (x, T) — a few thousand pairs in a workspace of a
 * million customers, against ~600k distinct (x, tx, T) — and the per-customer cost is a map lookup.
 * The results equal models/clv.ts and models/bg-nbd.ts up to rounding in the last bits (tested).
 * No framework imports.
 */
import { aliveExpectation, pAlive } from './models/bg-nbd';
import { pairKey } from './models/count-models';
import { bgNbdBuyIfAlive } from './models/p-buy';
import type { BgNbdParams, RepeatSummary } from './models/types';

/** CLV discounting: horizon and period in the time unit of α (days in the service), rate per period. */
export interface DiscountSettings {
  horizon: number;
  periodLength: number;
  discountRatePerPeriod: number;
}

export interface Forecast {
  pAlive: number;
  /** expected repeat purchases in (T, T + horizon] */
  expectedPurchases: number;
  /** Σᵢ (E[X(tᵢ)] − E[X(tᵢ₋₁)]) / (1 + d)ⁱ: multiply by order value and margin for CLV */
  discountedPurchases: number;
  /** P(at least one purchase in (T, T + horizon]) (models/p-buy.ts; count-forecaster.ts says which one is stored) */
  pBuy: number;
}

interface Curve {
  /** H at each period end tᵢ */
  atPeriodEnds: Float64Array;
  /** H at the horizon */
  atHorizon: number;
  /** P(buy) / P(alive) over the horizon (p-buy.ts): (x, T) only, as H */
  buyIfAlive: number;
}

/** At most this many (x, T) curves are kept (~30 MB); beyond it the memo starts over (bounded memory). */
const MAX_CACHED_PAIRS = 200_000;

export class BgNbdForecaster {
  private readonly curves = new Map<number | string, Curve>();
  private readonly periodEnds: Float64Array;
  private readonly discounts: Float64Array;
  private readonly horizonIsLastPeriodEnd: boolean;
  /** distinct (x, T) pairs evaluated so far (for the run report and tests) */
  evaluatedPairs = 0;

  constructor(
    readonly params: BgNbdParams,
    readonly settings: DiscountSettings,
  ) {
    const { horizon, periodLength, discountRatePerPeriod } = settings;
    if (!(horizon >= 0) || !Number.isFinite(horizon))
      throw new RangeError(`horizon must be finite and ≥ 0, got ${horizon}`);
    if (!(periodLength > 0) || !Number.isFinite(periodLength)) {
      throw new RangeError(`periodLength must be finite and > 0, got ${periodLength}`);
    }
    if (!(discountRatePerPeriod > -1) || !Number.isFinite(discountRatePerPeriod)) {
      throw new RangeError(`discountRatePerPeriod must be finite and > −1, got ${discountRatePerPeriod}`);
    }
    // same period grid as discountedExpectedPurchases in models/clv.ts
    const periods = Math.ceil(horizon / periodLength - 1e-9);
    this.periodEnds = new Float64Array(periods);
    this.discounts = new Float64Array(periods);
    let discount = 1;
    for (let i = 1; i <= periods; i++) {
      this.periodEnds[i - 1] = Math.min(i * periodLength, horizon);
      discount /= 1 + discountRatePerPeriod;
      this.discounts[i - 1] = discount;
    }
    this.horizonIsLastPeriodEnd = periods > 0 && this.periodEnds[periods - 1] === horizon;
  }

  /** P(alive), expected purchases over the horizon and discounted purchases of one customer (x, tx, T). */
  forecast(s: RepeatSummary): Forecast {
    const p = pAlive(this.params, s);
    const curve = this.curve(s.x, s.T);
    const h = curve.atPeriodEnds;
    const d = this.discounts;
    // exactly the arithmetic of discountedExpectedPurchases: E[X(tᵢ)] = P(alive) · H(tᵢ)
    let discounted = 0;
    let previous = 0;
    for (let i = 0; i < h.length; i++) {
      const cumulative = p * h[i];
      discounted += (cumulative - previous) * d[i];
      previous = cumulative;
    }
    return {
      pAlive: p,
      expectedPurchases: p * curve.atHorizon,
      discountedPurchases: discounted,
      pBuy: p * curve.buyIfAlive,
    };
  }

  private curve(x: number, T: number): Curve {
    const key = pairKey(x, T);
    let curve = this.curves.get(key);
    if (curve === undefined) {
      if (this.curves.size >= MAX_CACHED_PAIRS) this.curves.clear();
      curve = this.evaluate(x, T);
      this.curves.set(key, curve);
      this.evaluatedPairs++;
    }
    return curve;
  }

  private evaluate(x: number, T: number): Curve {
    const { r, alpha, a, b } = this.params;
    const scale = alpha + T;
    const n = this.periodEnds.length;
    const atPeriodEnds = new Float64Array(n);
    for (let i = 0; i < n; i++)
      atPeriodEnds[i] = aliveExpectation(r + x, a, b + x, this.periodEnds[i] / scale);
    const atHorizon = this.horizonIsLastPeriodEnd
      ? atPeriodEnds[n - 1]
      : aliveExpectation(r + x, a, b + x, this.settings.horizon / scale);
    return { atPeriodEnds, atHorizon, buyIfAlive: bgNbdBuyIfAlive(this.params, this.settings.horizon, x, T) };
  }
}
