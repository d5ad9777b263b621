/**
 * The learned correction as a run uses it (issue 13 item 2): learnt from the chosen model's fit at the longest
 * horizon of the self-backtest (models/learned-correction.ts), its counts' part normalised over the backtest
 * sample as of the cutoff, stored with the run's forecast so that every chunk applies the same coefficients (a dot
 * product per customer, count-forecaster.ts). Pure.
 */
import type { RunForecast } from './count-forecaster';
import type { BacktestResult, HoldoutMetrics, PurchaseHistory } from './models/backtest';
import type { WeightedRepeatSummary } from './models/bg-nbd';
import {
  CORRECTION_FEATURES,
  type CorrectionCoefficients,
  type CorrectionSupport,
  learnCorrection,
  prepareCorrection,
} from './models/learned-correction';

/** The figures of one side of the validation, for the report. */
interface ValidationFigures {
  aggregateError: number | null;
  mae: number;
  auc: number | null;
  topDecileCapture: number | null;
}

/** The report's account of the learned correction. */
export interface CorrectionReport {
  /** whether the scores use it, and which parts */
  used: boolean;
  expectedPurchases: boolean;
  pBuy: boolean;
  /**
   * the parts tonight's validation supported, used or not: a part not in use is switched on only when two runs in a
   * row support it (models/learned-correction.ts awaitSecondNight); absent in runs before that rule
   */
  supported: CorrectionSupport;
  reason: string;
  /** the backtest split it was learnt on (days before the cutoff) */
  horizon: number | null;
  customers: number;
  buyers: number;
  /** cross-fitted on that split: the chosen model as is (AUC by P(buy), and by E[X]) and corrected (null: not tried) */
  validation: {
    uncorrected: ValidationFigures & { aucExpected: number | null };
    corrected: ValidationFigures;
  } | null;
  /** intercept then CORRECTION_FEATURES, when used */
  coefficients?: { features: readonly string[]; count: number[] | null; pBuy: number[] | null };
}

function figures(m: HoldoutMetrics): ValidationFigures {
  return {
    aggregateError: m.aggregateError,
    mae: m.mae,
    auc: m.auc,
    topDecileCapture: m.topDecileCapture,
  };
}

/**
 * The forecast with the correction when its validation supports it (else the forecast as it was), and what the
 * report says. `population`: the run's buyers as of the cutoff, or a fixed sample of them (weighted), over which
 * the correction leaves the total purchases to the model (prepareCorrection); `horizonDays`: the forecast's
 * horizon; `previous`: the coefficients the previous run used with the same count model (the fits' prior), and
 * the parts its validation supported (null: no previous run of this model, or one from before that was recorded).
 */
export function correctRunForecast(
  forecast: RunForecast,
  histories: PurchaseHistory[],
  result: BacktestResult,
  population: readonly WeightedRepeatSummary[],
  horizonDays: number,
  previous: {
    coefficients: CorrectionCoefficients | null;
    supported: CorrectionSupport | null;
  } | null = null,
): { forecast: RunForecast; report: CorrectionReport } {
  const candidate = result.candidates.find((c) => c.model === forecast.model);
  const last = candidate?.horizons[candidate.horizons.length - 1];
  if (!last) {
    return {
      forecast,
      report: {
        used: false,
        expectedPurchases: false,
        pBuy: false,
        supported: { count: false, pBuy: false },
        reason: `no learned correction: no backtest fit of ${forecast.model}`,
        horizon: null,
        customers: 0,
        buyers: 0,
        validation: null,
      },
    };
  }
  const learned = learnCorrection(
    histories,
    { model: forecast.model, params: last.params, horizon: last.horizon },
    result.cutoffDay,
    { previous: previous?.coefficients ?? null, previousSupport: previous?.supported ?? null },
  );
  const report: CorrectionReport = {
    used: learned.correction !== null,
    expectedPurchases: learned.usedCount,
    pBuy: learned.usedPBuy,
    supported: learned.supported,
    reason: learned.reason,
    horizon: learned.horizon,
    customers: learned.customers,
    buyers: learned.buyers,
    validation: learned.validation
      ? {
          uncorrected: {
            ...figures(learned.validation.uncorrected),
            aucExpected: learned.validation.uncorrectedAucExpected,
          },
          corrected: figures(learned.validation.corrected),
        }
      : null,
  };
  if (!learned.correction) return { forecast, report };
  report.coefficients = { features: CORRECTION_FEATURES, ...learned.correction };
  const correction = prepareCorrection(
    learned.correction,
    { model: forecast.model, params: forecast.params },
    population,
    horizonDays,
  );
  return { forecast: { ...forecast, correction }, report };
}
