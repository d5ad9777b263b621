/**
 * Predictive customer lifetime value from BG/NBD (how many purchases) × Gamma-Gamma (how much each),
 * discounted per period, as lifetimes' customer_lifetime_value. Time in the unit of α (days in the service),
 * money in the unit of the spend figures (integer minor units in the service; the result is fractional).
 */
import { expectedPurchases } from './bg-nbd';
import { expectedOrderValue } from './gamma-gamma';
import type { BgNbdParams, GammaGammaParams, RepeatSummary } from './types';

interface ClvCommon {
  bgnbd: BgNbdParams;
  summary: RepeatSummary;
  /** how far ahead to look (time unit of α, e.g. 365 days) */
  horizon: number;
  /** length of one discounting period (same unit, e.g. 30 days); the last period may be shorter */
  periodLength: number;
  /** discount rate per period, e.g. 0.01 = 1 % a period */
  discountRatePerPeriod: number;
  /** gross margin as a fraction of spend (1 = revenue CLV) */
  margin: number;
}

/** Spend per purchase from Gamma-Gamma (gg + the customer's mean repeat spend) or given directly (money). */
export type ClvInput = ClvCommon &
  (
    | {
        gg: GammaGammaParams;
        /** mean spend of the customer's repeat transactions (money); ignored when summary.x = 0 */
        meanSpend: number;
      }
    | {
        /** spend per future purchase (money), e.g. from expectedOrderValue or the customer's own mean */
        expectedOrderValue: number;
      }
  );

/** Discounted purchases in (T, T+horizon]: Σᵢ (E[X(tᵢ)] − E[X(tᵢ₋₁)]) / (1+d)ⁱ, tᵢ = min(i·period, end). */
export function discountedExpectedPurchases(
  params: BgNbdParams,
  summary: RepeatSummary,
  horizon: number,
  periodLength: number,
  discountRatePerPeriod: number,
): number {
  if (!(horizon >= 0) || !Number.isFinite(horizon))
    throw new RangeError(`horizon must be finite and ≥ 0, got ${horizon}`);
  if (!(periodLength > 0) || !Number.isFinite(periodLength)) {
    throw new RangeError(`periodLength must be finite and > 0, got ${periodLength}`);
  }
  if (!(discountRatePerPeriod > -1) || !Number.isFinite(discountRatePerPeriod)) {
    throw new RangeError(`discountRatePerPeriod must be finite and > −1, got ${discountRatePerPeriod}`);
  }
  // tolerate horizon = 12 × 30.4 computed in floating point: 12 periods, not 13
  const periods = Math.ceil(horizon / periodLength - 1e-9);
  let total = 0;
  let previous = 0;
  let discount = 1;
  for (let i = 1; i <= periods; i++) {
    const cumulative = expectedPurchases(params, Math.min(i * periodLength, horizon), summary);
    discount /= 1 + discountRatePerPeriod;
    total += (cumulative - previous) * discount;
    previous = cumulative;
  }
  return total;
}

/** Discounted margin the customer is expected to bring over the horizon (money, unit of meanSpend). */
export function customerLifetimeValue(input: ClvInput): number {
  const { bgnbd, summary, horizon, periodLength, discountRatePerPeriod, margin } = input;
  if (!Number.isFinite(margin)) throw new RangeError(`margin must be finite, got ${margin}`);
  const purchases = discountedExpectedPurchases(bgnbd, summary, horizon, periodLength, discountRatePerPeriod);
  if (purchases === 0 || margin === 0) return 0;
  const orderValue =
    'gg' in input
      ? expectedOrderValue(input.gg, summary.x, summary.x > 0 ? input.meanSpend : 0)
      : input.expectedOrderValue;
  return purchases * orderValue * margin;
}
