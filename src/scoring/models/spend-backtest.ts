/**
 * Spend model choice by the self-backtest (issue 13 item 4): split each sampled customer's purchase history at
 * (cutoff − h) for the count backtest's horizons, fit every spend candidate (spend-models.ts) on the repeat buyers
 * as of the split, and compare its expected order value with the mean order value each holdout buyer actually
 * spent. The candidate with the lowest mean MAE over the horizons is chosen; within SPEND_MAE_TIE_SHARE of the best
 * the simpler one wins (SPEND_MODELS order), so sampling noise does not flip the choice from night to night. A
 * candidate whose fit is rejected at any horizon is left out (its reason is kept for the report). With the count
 * model's expected purchases, each candidate's holdout revenue E[X]·order value is measured too (reported, not
 * used for the choice: it mostly measures the count model). Pure; docs/models-clv.md "Spend".
 */
import type { SpendSummary } from './gamma-gamma';
import { keepIncumbent, SPEND_SWITCH_SHARE } from './incumbent';
import type { SpendHistory } from './priority-check';
import {
  fitSpendModel,
  SPEND_MODELS,
  spendLabel,
  type SpendModelName,
  spendOrderValue,
} from './spend-models';
import type { RepeatSummary } from './types';

const { abs, max, min } = Math;

/** Mean MAE within this share of the best counts as a tie; a tie goes to the simpler model. */
export const SPEND_MAE_TIE_SHARE = 0.02;

/** A customer as of a split: what the spend models read, and what they spent in the holdout. */
export interface SpendSplitCustomer {
  summary: RepeatSummary;
  repeatMean: number | null;
  ownMean: number;
  holdoutPurchases: number;
  holdoutRevenue: number;
}

export interface SpendHorizonResult {
  horizon: number;
  /** null: the fit was used; else why it was rejected (no figures then) */
  rejected: string | null;
  /** holdout buyers (≥ 1 purchase day after the split) */
  buyers: number;
  /** mean |predicted − actual mean order value| over the holdout buyers (minor units) */
  mae: number;
  /**
   * Σ holdout purchases × predicted order value against the holdout revenue, (predicted − actual) / actual; NaN
   * when the fit was rejected or nothing was bought but some was predicted
   */
  aggregateError: number;
  /** with the count model's E[X]: mean |E[X]·order value − holdout revenue| over every customer, and the aggregate */
  revenueMae: number | null;
  revenueAggregateError: number | null;
}

export interface SpendCandidateResult {
  model: SpendModelName;
  horizons: SpendHorizonResult[];
  /** mean MAE over the horizons it was fitted at (Infinity: none) */
  meanMae: number;
  meanAggregateError: number | null;
  meanRevenueMae: number | null;
  meanRevenueAggregateError: number | null;
  /** left out of the choice: rejected at a horizon (the first reason) */
  excluded: string | null;
}

export interface SpendBacktestResult {
  horizons: number[];
  candidates: SpendCandidateResult[];
  chosen: SpendModelName;
  reason: string;
}

export interface SpendBacktestOptions {
  cutoffDay: number;
  horizons: number[];
  models?: readonly SpendModelName[];
  /** the count model's expected purchases over the horizon for the split's customers (same order), when known */
  expectedPurchases?: (horizon: number, summaries: RepeatSummary[]) => ArrayLike<number> | null;
  /** the previous run's model: kept while within SPEND_SWITCH_SHARE of the best (incumbent.ts) */
  incumbent?: SpendModelName | null;
}

/** Customers at `splitDay` (those who had bought by then) with their spend up to it and in (splitDay, endDay]. */
export function spendSplit(
  histories: SpendHistory[],
  splitDay: number,
  endDay: number,
): SpendSplitCustomer[] {
  const out: SpendSplitCustomer[] = [];
  for (const h of histories) {
    const { days, amounts } = h;
    if (days.length === 0 || days[0] > splitDay) continue;
    let last = 0;
    let monetary = amounts[0];
    let purchases = 0;
    let revenue = 0;
    for (let i = 1; i < days.length; i++) {
      if (days[i] <= splitDay) {
        last = i;
        monetary += amounts[i];
      } else if (days[i] <= endDay) {
        purchases++;
        revenue += amounts[i];
      }
    }
    const transactions = last + 1;
    out.push({
      summary: { x: last, tx: days[last] - days[0], T: splitDay - days[0] },
      repeatMean: last > 0 ? (monetary - amounts[0]) / last : null,
      ownMean: monetary / transactions,
      holdoutPurchases: purchases,
      holdoutRevenue: revenue,
    });
  }
  return out;
}

/** The spend backtest of every candidate at every horizon, and the choice. */
export function spendBacktest(histories: SpendHistory[], opts: SpendBacktestOptions): SpendBacktestResult {
  const models = opts.models ?? SPEND_MODELS;
  const perModel = new Map<SpendModelName, SpendHorizonResult[]>(models.map((m) => [m, []]));
  for (const h of opts.horizons) {
    const split = spendSplit(histories, opts.cutoffDay - h, opts.cutoffDay);
    if (split.length === 0) continue;
    // value order, as the run's rows: the fits' sums must not depend on the sample's order
    const rows: SpendSummary[] = split
      .filter((c) => c.summary.x > 0 && c.repeatMean !== null && c.repeatMean > 0)
      .map((c) => ({ x: c.summary.x, mean: c.repeatMean! }))
      .sort((p, q) => p.x - q.x || p.mean - q.mean);
    const expected = opts.expectedPurchases?.(
      h,
      split.map((c) => c.summary),
    );
    for (const model of models) {
      const fit = fitSpendModel(model, rows);
      if (!fit.model) {
        perModel.get(model)!.push({
          horizon: h,
          rejected: fit.rejected,
          buyers: 0,
          mae: NaN,
          aggregateError: NaN,
          revenueMae: null,
          revenueAggregateError: null,
        });
        continue;
      }
      const predicted = split.map((c) => spendOrderValue(fit.model!, c.summary.x, c.repeatMean, c.ownMean));
      perModel.get(model)!.push({ horizon: h, rejected: null, ...spendMetrics(split, predicted, expected) });
    }
  }
  const candidates = models.map((model) => candidateOf(model, perModel.get(model)!));
  return { horizons: opts.horizons, candidates, ...chooseSpend(candidates, opts.incumbent) };
}

/** Order value and (with E[X]) revenue metrics of one candidate's predictions at one split. */
export function spendMetrics(
  split: SpendSplitCustomer[],
  predicted: ArrayLike<number>,
  expected?: ArrayLike<number> | null,
): Omit<SpendHorizonResult, 'horizon' | 'rejected'> {
  let buyers = 0;
  let absError = 0;
  let predictedRevenue = 0;
  let actualRevenue = 0;
  let revenueAbs = 0;
  let revenuePredicted = 0;
  split.forEach((c, i) => {
    if (expected) {
      const r = expected[i] * predicted[i];
      revenuePredicted += r;
      revenueAbs += abs(r - c.holdoutRevenue);
    }
    if (c.holdoutPurchases === 0) return;
    buyers++;
    absError += abs(predicted[i] - c.holdoutRevenue / c.holdoutPurchases);
    predictedRevenue += c.holdoutPurchases * predicted[i];
    actualRevenue += c.holdoutRevenue;
  });
  // against no revenue there is no ratio (0 % would read as perfect): null, which the means leave out
  const ratio = (p: number, a: number) => (a !== 0 ? (p - a) / abs(a) : p === 0 ? 0 : null);
  return {
    buyers,
    mae: buyers ? absError / buyers : 0,
    aggregateError: ratio(predictedRevenue, actualRevenue) ?? NaN,
    revenueMae: expected && split.length ? revenueAbs / split.length : null,
    revenueAggregateError: expected ? ratio(revenuePredicted, actualRevenue) : null,
  };
}

function candidateOf(model: SpendModelName, horizons: SpendHorizonResult[]): SpendCandidateResult {
  const fitted = horizons.filter((r) => r.rejected === null);
  const mean = (f: (r: SpendHorizonResult) => number | null): number | null => {
    const xs = fitted.map(f).filter((v): v is number => v !== null && Number.isFinite(v));
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const rejected = horizons.find((r) => r.rejected !== null)?.rejected ?? null;
  return {
    model,
    horizons,
    meanMae: mean((r) => r.mae) ?? Infinity,
    meanAggregateError: mean((r) => r.aggregateError),
    meanRevenueMae: mean((r) => r.revenueMae),
    meanRevenueAggregateError: mean((r) => r.revenueAggregateError),
    excluded: horizons.length === 0 ? 'no backtest split' : rejected,
  };
}

/**
 * Lowest mean MAE among the candidates not left out; within SPEND_MAE_TIE_SHARE the simpler one, and the previous
 * run's model stays while within SPEND_SWITCH_SHARE (incumbent.ts).
 */
export function chooseSpend(
  candidates: SpendCandidateResult[],
  incumbent?: SpendModelName | null,
): { chosen: SpendModelName; reason: string } {
  const usable = candidates.filter((c) => c.excluded === null && Number.isFinite(c.meanMae));
  const left = candidates
    .filter((c) => c.excluded !== null)
    .map((c) => `${spendLabel(c.model)} (${c.excluded})`);
  const note = left.length ? `; left out: ${left.join('; ')}` : '';
  if (usable.length === 0) return { chosen: 'own-mean', reason: `no usable spend candidate${note}` };
  const best = min(...usable.map((c) => c.meanMae));
  const order = (m: SpendModelName) => max(0, SPEND_MODELS.indexOf(m));
  const night = usable
    .filter((c) => c.meanMae <= best * (1 + SPEND_MAE_TIE_SHARE))
    .sort((p, q) => order(p.model) - order(q.model))[0].model;
  const kept = keepIncumbent(night, incumbent, usable, spendLabel, SPEND_SWITCH_SHARE);
  const ranking = usable.map((c) => `${spendLabel(c.model)} ${c.meanMae.toFixed(0)}`).join(', ');
  return {
    chosen: kept.chosen,
    reason: `lowest mean backtest MAE of the holdout buyers' mean order value (${ranking}; within ${100 * SPEND_MAE_TIE_SHARE} % of the best the simpler model wins)${kept.note}${note}`,
  };
}
