/**
 * How right the forecast was per value tier (issue 13 item 1: "per tier and overall"). At the self-backtest's
 * longest horizon, the chosen model as fitted on the history up to the split predicts each sampled buyer's
 * purchases in the h days after it; the same holdout metrics as the backtest's are taken over all of them and over
 * each tier the buyer held at the split (the run's own rules, `tierOf`). A manager reads whether the forecast is
 * right where it matters most: the core accounts. Pure.
 */
import { type HoldoutMetrics, holdoutMetrics, type PurchaseHistory, splitHistories } from './backtest';
import { type CountModelName, type CountModelParams, horizonPredictor } from './count-models';
import { VALUE_TIERS, type ValueTier } from './types';

export interface TierAccuracy {
  model: CountModelName;
  horizonDays: number;
  /** every sampled buyer at the split (the backtest's own figures for this model and horizon) */
  overall: HoldoutMetrics;
  /** the buyers of each value tier at the split (null: none of that tier) */
  tiers: Record<ValueTier, HoldoutMetrics | null>;
}

/**
 * The holdout metrics of the model fitted at (cutoffDay − horizon) over all buyers at the split and per tier.
 * `tierOf(index)`: the tier at the split of `histories[index]` (called only for customers who had bought by then).
 */
export function accuracyByTier(
  histories: PurchaseHistory[],
  fit: { model: CountModelName; params: CountModelParams; horizon: number },
  cutoffDay: number,
  tierOf: (index: number) => ValueTier,
): TierAccuracy {
  const splitDay = cutoffDay - fit.horizon;
  const split = splitHistories(histories, splitDay);
  const predictor = horizonPredictor({ model: fit.model, params: fit.params }, fit.horizon);
  const predicted = split.summaries.map((s) => predictor.expected(s));
  const pBuy = split.summaries.map((s) => predictor.pBuy(s));
  const tierAt = split.indices.map((i) => tierOf(i));
  const subset = (tier: ValueTier): HoldoutMetrics | null => {
    const at = tierAt.flatMap((t, k) => (t === tier ? [k] : []));
    if (at.length === 0) return null;
    return holdoutMetrics(
      at.map((k) => predicted[k]),
      at.map((k) => split.actual[k]),
      at.map((k) => pBuy[k]),
    );
  };
  return {
    model: fit.model,
    horizonDays: fit.horizon,
    overall: holdoutMetrics(predicted, split.actual, pBuy),
    tiers: Object.fromEntries(VALUE_TIERS.map((t) => [t, subset(t)])) as Record<
      ValueTier,
      HoldoutMetrics | null
    >,
  };
}

/** The sentence a run's report gives it: MAE and aggregate error per tier beside the overall. */
export function tierAccuracySentence(a: TierAccuracy): string {
  const pct = (v: number | null) =>
    v === null ? 'none bought' : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)} %`;
  const part = (name: string, m: HoldoutMetrics | null) =>
    m
      ? `${name} ${m.customers} buyers, MAE ${m.mae.toFixed(3)}, aggregate ${pct(m.aggregateError)}`
      : `${name} none`;
  return `forecast accuracy by value tier over the last ${a.horizonDays} days (${a.model} as fitted at the split): ${[
    part('all', a.overall),
    ...VALUE_TIERS.map((t) => part(t, a.tiers[t])),
  ].join('; ')}`;
}
