/**
 * Lift of a strategy against a random holdout, pure maths. Conversion is a proportion per group; the lift is the
 * relative difference of conversion rates, with a 95% confidence interval from the delta method on the log of the
 * rate ratio (Katz), and the absolute difference with a Wald interval. Revenue per customer is compared by means.
 */
export interface GroupOutcome {
  customers: number;
  converted: number;
  /** revenue in the window, minor units */
  revenue: number;
}

export interface LiftReport {
  treated: GroupOutcome & { conversionRate: number; revenuePerCustomer: number };
  holdout: GroupOutcome & { conversionRate: number; revenuePerCustomer: number };
  /** conversion-rate difference (treated − holdout) with its 95% interval; null without data */
  difference: { value: number; low: number; high: number } | null;
  /** relative lift (treated / holdout − 1) with its 95% interval; null when the holdout has no conversion */
  lift: { value: number; low: number; high: number } | null;
  /** true when the 95% interval of the difference excludes 0 */
  significant: boolean;
}

const Z95 = 1.959963984540054;

/** Compares a treated group with its holdout; never divides by zero, reports null instead. */
export function liftReport(treated: GroupOutcome, holdout: GroupOutcome): LiftReport {
  const t = withRates(treated);
  const h = withRates(holdout);
  let difference: LiftReport['difference'] = null;
  if (treated.customers > 0 && holdout.customers > 0) {
    const d = t.conversionRate - h.conversionRate;
    const se = Math.sqrt(
      (t.conversionRate * (1 - t.conversionRate)) / treated.customers +
        (h.conversionRate * (1 - h.conversionRate)) / holdout.customers,
    );
    difference = { value: d, low: d - Z95 * se, high: d + Z95 * se };
  }
  let lift: LiftReport['lift'] = null;
  if (treated.converted > 0 && holdout.converted > 0) {
    const ratio = t.conversionRate / h.conversionRate;
    const se = Math.sqrt(
      1 / treated.converted - 1 / treated.customers + 1 / holdout.converted - 1 / holdout.customers,
    );
    lift = { value: ratio - 1, low: ratio * Math.exp(-Z95 * se) - 1, high: ratio * Math.exp(Z95 * se) - 1 };
  }
  const significant = difference !== null && (difference.low > 0 || difference.high < 0);
  return { treated: t, holdout: h, difference, lift, significant };
}

function withRates(g: GroupOutcome) {
  return {
    ...g,
    conversionRate: g.customers > 0 ? g.converted / g.customers : 0,
    revenuePerCustomer: g.customers > 0 ? g.revenue / g.customers : 0,
  };
}

/**
 * Deterministic holdout membership: the same (experiment, customer) always lands in the same group, so a holdout
 * needs no table and can be recomputed anywhere. Mirrors HOLDOUT_SQL; `share` in (0, 1).
 */
export const HOLDOUT_SQL = (experimentId: string, customerId: string, share: string) =>
  `(('x' || substr(md5(${experimentId}::text || ':' || ${customerId}::text), 1, 8))::bit(32)::bigint / 4294967296.0 < ${share})`;
