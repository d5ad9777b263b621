/**
 * The run's spend model (issue 13 item 4): the spend backtest (models/spend-backtest.ts) on the self-backtest's
 * sample chooses a candidate, which is then fitted on the run's repeat buyers (the sample Gamma-Gamma is fitted
 * on); when that fit is rejected on the run's data the next best usable candidate is used, down to the own mean.
 * Parameters are computed once here: a chunk only does arithmetic per customer (spend-models.ts spendOrderValue).
 * Pure glue, no framework imports.
 */
import type { BacktestResult } from './models/backtest';
import { horizonPredictor } from './models/count-models';
import type { SpendSummary } from './models/gamma-gamma';
import type { SpendHistory } from './models/priority-check';
import { spendBacktest, type SpendCandidateResult, type SpendHorizonResult } from './models/spend-backtest';
import { fitSpendModel, spendLabel, type SpendModel, type SpendModelName } from './models/spend-models';
import type { GammaGammaParams } from './models/types';

/** What the run report says of the spend choice (report.models.spendChoice). */
export interface SpendChoiceReport {
  /** the model the scores use */
  chosen: SpendModelName;
  /** the backtest's own pick (differs from `chosen` when its fit on the run's data was rejected) */
  backtestChoice: SpendModelName;
  reason: string;
  horizons: number[];
  /** the count model whose E[X] the revenue figures use (null: none) */
  countModel: string | null;
  candidates: Array<
    Pick<
      SpendCandidateResult,
      'model' | 'meanAggregateError' | 'meanRevenueMae' | 'meanRevenueAggregateError' | 'excluded'
    > & { meanMae: number | null; horizons: SpendHorizonResult[] }
  >;
  model: SpendModel;
  seconds: number;
}

export interface RunSpendInput {
  /** the run's repeat buyers (x, mean repeat spend), in value order */
  rows: SpendSummary[];
  /** the self-backtest's sample with each purchase day's spend, up to the cutoff */
  sample: SpendHistory[];
  cutoffDay: number;
  /** the count backtest: its horizons, and its chosen model's fit per horizon for E[X] */
  countBacktest: BacktestResult;
  /** the run's own Gamma-Gamma fit on `rows` (null: rejected, with the reason) */
  gammaGamma: GammaGammaParams | null;
  gammaGammaRejection: string | null;
  /** the candidates (default: every one of SPEND_MODELS) */
  models?: readonly SpendModelName[];
  /** the previous run's spend model: kept while within its switch share of the best (models/incumbent.ts) */
  incumbent?: SpendModelName | null;
}

/** The chosen spend model, fitted on the run's rows, and the report's part; null without backtest horizons. */
export function chooseRunSpend(
  input: RunSpendInput,
): { model: SpendModel; report: SpendChoiceReport } | null {
  const t0 = Date.now();
  const count = input.countBacktest;
  const horizons = count.horizons;
  if (horizons.length === 0 || input.sample.length === 0) return null;
  const countModel = count.candidates.find((c) => c.model === (count.chosen ?? 'bg-nbd')) ?? null;
  const scale = count.chosen ? count.scale : 1;
  const result = spendBacktest(input.sample, {
    cutoffDay: input.cutoffDay,
    horizons,
    models: input.models,
    incumbent: input.incumbent,
    expectedPurchases: (h, summaries) => {
      const fit = countModel?.horizons.find((r) => r.horizon === h);
      if (!countModel || !fit) return null;
      const predictor = horizonPredictor({ model: countModel.model, params: fit.params }, h);
      return Float64Array.from(summaries, (s) => scale * predictor.expected(s));
    },
  });
  const order = [
    result.chosen,
    ...result.candidates
      .filter((c) => c.excluded === null && c.model !== result.chosen)
      .sort((p, q) => p.meanMae - q.meanMae)
      .map((c) => c.model),
    'own-mean' as const,
  ];
  let reason = result.reason;
  let model: SpendModel = { model: 'own-mean' };
  for (const name of order) {
    if (name === 'gamma-gamma') {
      if (input.gammaGamma) {
        model = { model: name, params: input.gammaGamma };
        break;
      }
      reason += `; ${spendLabel(name)} fitted on the run's repeat buyers is not used (${input.gammaGammaRejection ?? 'not fitted'})`;
      continue;
    }
    const fit = fitSpendModel(name, input.rows);
    if (fit.model) {
      model = fit.model;
      break;
    }
    reason += `; ${spendLabel(name)} fitted on the run's repeat buyers is rejected (${fit.rejected})`;
  }
  if (model.model !== result.chosen) reason += `; using ${spendLabel(model.model)}, the best usable one`;
  return {
    model,
    report: {
      chosen: model.model,
      backtestChoice: result.chosen,
      reason,
      horizons,
      countModel: countModel ? countModel.model : null,
      candidates: result.candidates.map((c) => ({
        model: c.model,
        meanMae: Number.isFinite(c.meanMae) ? c.meanMae : null,
        meanAggregateError: c.meanAggregateError,
        meanRevenueMae: c.meanRevenueMae,
        meanRevenueAggregateError: c.meanRevenueAggregateError,
        excluded: c.excluded,
        horizons: c.horizons,
      })),
      model,
      seconds: (Date.now() - t0) / 1000,
    },
  };
}

/** The report's sentence: which spend model the scores use, and why. */
export function spendChoiceSentence(r: SpendChoiceReport): string {
  return `spend model chosen by the self-backtest: ${spendLabel(r.chosen)} (${r.reason})`;
}
