/**
 * Pure glue of a chunk job: turns the SQL inputs of a customer into features, runs the fitted models and the
 * rules, and returns the score row. No framework imports: the processor does the I/O around it.
 */
import { BgNbdForecaster, DiscountSettings, Forecast } from './bg-nbd-forecaster';
import { CountForecaster, type RunForecast } from './count-forecaster';
import { abcClass, AbcThresholds } from './models/abc';
import type { ScoringPolicy } from './models/customer-policy';
import { CustomerFeatures, scoreCustomer } from './models/customer-rules';
import { RfmCutoffs, scoreRfm } from './models/rfm';
import { expectedOrderValue } from './models/gamma-gamma';
import { type SpendModel, spendOrderValue } from './models/spend-models';
import { BgNbdParams, GammaGammaParams, Lifecycle, ValueTier } from './models/types';

/** Everything a chunk needs from "prepare", stored on the run so every worker sees the same numbers. */
export interface RunModelContext {
  asOf: string;
  horizonDays: number;
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  rfm: RfmCutoffs | null;
  abc: AbcThresholds | null;
  /** yearly discount rate (0.1 = 10 %) and gross margin share applied to CLV */
  discountRateAnnual: number;
  margin: number;
  /** margin of the previous run: stored CLVs carry it, the rules compare revenue CLVs (default: margin) */
  previousMargin?: number;
  /** the model the self-backtest chose and its correction (absent or null: BG/NBD as fitted) */
  forecast?: RunForecast | null;
  /** the spend model the self-backtest chose (absent or null: Gamma-Gamma when fitted, else the own mean) */
  spend?: SpendModel | null;
}

/** What a chunk asks of a forecaster, whichever model it runs. */
export interface Forecaster {
  forecast(s: { x: number; tx: number; T: number }): Forecast;
}

/** The run's forecaster: the chosen model with its correction, else BG/NBD as fitted, else none. */
export function createForecaster(ctx: RunModelContext): Forecaster | null {
  if (ctx.forecast) return new CountForecaster(ctx.forecast, clvDiscount(ctx));
  return ctx.bgNbd ? new BgNbdForecaster(ctx.bgNbd, clvDiscount(ctx)) : null;
}

/** CLV is discounted per 30-day period at the yearly rate converted to that period. */
export const CLV_PERIOD_DAYS = 30;

/** The discounting of a run's CLV (days). */
export function clvDiscount(
  ctx: Pick<RunModelContext, 'horizonDays' | 'discountRateAnnual'>,
): DiscountSettings {
  return {
    horizon: ctx.horizonDays,
    periodLength: CLV_PERIOD_DAYS,
    discountRatePerPeriod: Math.pow(1 + ctx.discountRateAnnual, CLV_PERIOD_DAYS / 365) - 1,
  };
}

/** One customer's inputs as the chunk query returns them (days, minor units). */
export interface ChunkInputRow {
  customer_id: string;
  kind: 'individual' | 'business';
  transactions: number;
  monetary: number;
  repeat_mean_minor: number | null;
  age_days: number | null;
  recency_days: number | null;
  days_since_interaction: number | null;
  complaints_90d: number;
  last_survey: number | null;
  prev_clv: number | null;
  prev_tier: ValueTier | null;
  prev_lifecycle: Lifecycle | null;
  /** previous run's priority; with prev_tier null = not scored in the previous run (or no previous run) */
  prev_priority?: number | null;
  /** refunded orders before the cutoff (any currency) */
  refunded_orders?: number;
  /** days since the last two-way contact (a call or visit that reached someone, a reply); null = none */
  days_since_two_way?: number | null;
  /** orders in the workspace currency before the cutoff, and of them refunded, cancelled or given back in full */
  orders_placed?: number;
  orders_undone?: number;
  /** their amounts, and the money given back on them (minor units) */
  gross_minor?: number;
  undone_minor?: number;
}

export interface ScoreRow {
  customerId: string;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  rfmSegment: string | null;
  abcClass: string | null;
  valueTier: string;
  frequencyClass: string;
  lifecycle: string;
  pAlive: number | null;
  /** P(at least one purchase in the horizon), as the run's forecaster gives it (count-forecaster.ts) */
  pBuy: number | null;
  expectedPurchases: number | null;
  expectedOrderValue: number | null;
  clv: number | null;
  churnRisk: number;
  priority: number;
  reasons: Array<{ code: string; weight: number }>;
  /** why the lifecycle is what it is (customer-rules.ts LifecycleReason codes) */
  lifecycleReasons: string[];
}

/** A scorer for one run: the fitted models' expensive parts are memoised across the customers it scores. */
export function createChunkScorer(
  ctx: RunModelContext,
  policy: Readonly<ScoringPolicy>,
): (row: ChunkInputRow) => ScoreRow {
  const forecaster = createForecaster(ctx);
  return (row) => scoreChunkRow(row, ctx, policy, forecaster);
}

/** Scores one customer with the run's fitted models and the workspace policy. */
export function scoreChunkRow(
  row: ChunkInputRow,
  ctx: RunModelContext,
  policy: Readonly<ScoringPolicy>,
  forecaster: Forecaster | null = createForecaster(ctx),
): ScoreRow {
  const buyer = row.transactions > 0 && row.age_days !== null && row.recency_days !== null;
  const m = buyer ? modelForecast(row, ctx, forecaster) : NO_FORECAST;
  const features = chunkFeatures(row, ctx, buyer, m);
  const scored = scoreCustomer(features, policy);
  return {
    customerId: row.customer_id,
    recencyDays: features.recencyDays,
    frequency: row.transactions,
    monetary: row.monetary,
    rScore: features.rScore,
    fScore: features.fScore,
    mScore: features.mScore,
    rfmSegment: scored.rfmSegment,
    abcClass: features.abcClass,
    valueTier: scored.valueTier,
    frequencyClass: scored.frequencyClass,
    lifecycle: scored.lifecycle,
    pAlive: m.pAlive,
    pBuy: m.pBuy,
    expectedPurchases: m.expectedPurchases,
    expectedOrderValue: m.eov === null ? null : Math.round(m.eov),
    clv: m.clv === null ? null : Math.round(m.clv * ctx.margin),
    churnRisk: scored.churnRisk,
    priority: scored.priority,
    // fresh { code, weight } objects of this customer's priority (customer-rules.ts PriorityTerms)
    reasons: scored.reasons,
    lifecycleReasons: scored.classReasons.lifecycle,
  };
}

/** What the fitted models say of one buyer (null: no model, or not a buyer); CLV on a revenue basis. */
interface ModelForecast {
  pAlive: number | null;
  pBuy: number | null;
  expectedPurchases: number | null;
  /** expected order value, minor units */
  eov: number | null;
  clv: number | null;
}

const NO_FORECAST: Readonly<ModelForecast> = {
  pAlive: null,
  pBuy: null,
  expectedPurchases: null,
  eov: null,
  clv: null,
};

/**
 * Expected order value (the chosen spend model, else Gamma-Gamma or the own mean) and, with a count model, P(alive),
 * P(buy), purchases and CLV of a buyer.
 */
function modelForecast(
  row: ChunkInputRow,
  ctx: RunModelContext,
  forecaster: Forecaster | null,
): ModelForecast {
  const summary = { x: row.transactions - 1, tx: row.age_days! - row.recency_days!, T: row.age_days! };
  const ownMean = row.monetary / row.transactions;
  const eov = ctx.spend
    ? spendOrderValue(ctx.spend, summary.x, row.repeat_mean_minor, ownMean)
    : ctx.gammaGamma
      ? spendEstimate(ctx.gammaGamma, summary.x, row.repeat_mean_minor, ownMean)
      : (row.repeat_mean_minor ?? ownMean);
  if (!forecaster) return { pAlive: null, pBuy: null, expectedPurchases: null, eov, clv: null };
  const f = forecaster.forecast(summary);
  return {
    pAlive: f.pAlive,
    pBuy: f.pBuy,
    expectedPurchases: f.expectedPurchases,
    eov,
    // as customerLifetimeValue with margin 1: the rules compare CLV with spend so far, which is revenue, so the
    // margin is applied to the stored figure only
    clv: f.discountedPurchases === 0 ? 0 : f.discountedPurchases * eov,
  };
}

/** The rules' view of one customer: the chunk's inputs with the run's RFM and ABC classes and the forecast. */
function chunkFeatures(
  row: ChunkInputRow,
  ctx: RunModelContext,
  buyer: boolean,
  m: Readonly<ModelForecast>,
): CustomerFeatures {
  const rfm = buyer && ctx.rfm ? scoreRfm(row.recency_days!, row.transactions, row.monetary, ctx.rfm) : null;
  return {
    customerKind: row.kind,
    firstPurchaseAgeDays: buyer ? row.age_days : null,
    recencyDays: buyer ? row.recency_days : null,
    transactions: row.transactions,
    monetary: row.monetary,
    avgOrderValue: row.transactions > 0 ? row.monetary / row.transactions : 0,
    meanInterPurchaseDays:
      row.transactions > 1 ? (row.age_days! - row.recency_days!) / (row.transactions - 1) : null,
    daysSinceLastInteraction: row.days_since_interaction,
    daysSinceTwoWayContact: row.days_since_two_way ?? null,
    refundedOrders: row.refunded_orders ?? 0,
    cancellations: {
      orders: row.orders_placed ?? 0,
      undoneOrders: row.orders_undone ?? 0,
      grossMinor: row.gross_minor ?? 0,
      undoneMinor: row.undone_minor ?? 0,
    },
    complaints90d: row.complaints_90d,
    lastSurveyScore: row.last_survey,
    pAlive: m.pAlive,
    expectedPurchases: m.expectedPurchases,
    expectedOrderValue: m.eov,
    clv: m.clv,
    // stored CLVs are margin CLVs; the rules compare revenue CLVs
    previousClv:
      row.prev_clv === null || !((ctx.previousMargin ?? ctx.margin) > 0)
        ? null
        : row.prev_clv / (ctx.previousMargin ?? ctx.margin),
    previousTier: row.prev_tier,
    previousLifecycle: row.prev_lifecycle,
    rScore: rfm?.r ?? null,
    fScore: rfm?.f ?? null,
    mScore: rfm?.m ?? null,
    abcClass: buyer && ctx.abc ? abcClass(row.monetary, ctx.abc) : null,
  };
}

/**
 * Expected order value: Gamma-Gamma's conditional mean. For a one-time buyer (no repeat spend) the single observed
 * order is used as one observation rather than falling back to the bare population mean.
 */
export function spendEstimate(
  gg: GammaGammaParams,
  x: number,
  repeatMean: number | null,
  ownMean: number,
): number {
  return x > 0 && repeatMean !== null
    ? expectedOrderValue(gg, x, repeatMean)
    : expectedOrderValue(gg, 1, ownMean);
}
