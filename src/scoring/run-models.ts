import { BgNbdForecaster } from './bg-nbd-forecaster';
import { clvDiscount, spendEstimate } from './chunk-scoring';
import { CountForecaster, type RunForecast } from './count-forecaster';
import {
  backtest,
  backtestHorizons,
  type BacktestResult,
  degeneracy,
  type PurchaseHistory,
  splitHistories,
} from './models/backtest';
import { fitBgNbd, type WeightedRepeatSummary } from './models/bg-nbd';
import {
  COUNT_MODELS,
  type CountModelName,
  type CountModelParams,
  fitCountModelByName,
  modelLabel,
  paramsInDays,
} from './models/count-models';
import { fitGammaGamma } from './models/gamma-gamma';
import type { PriorityCheck } from './models/priority-check';
import type { TierAccuracy } from './models/tier-accuracy';
import {
  gammaGammaRejection,
  type SpendModel,
  SPEND_MODELS,
  type SpendModelName,
  spendOrderValue,
} from './models/spend-models';
import type { CorrectionCoefficients, CorrectionSupport } from './models/learned-correction';
import { correctRunForecast, type CorrectionReport } from './run-correction';
import { chooseRunSpend, type SpendChoiceReport, spendChoiceSentence } from './run-spend';
import { BgNbdParams, FitReport, GammaGammaParams } from './models/types';

/** Below these counts the probabilistic models are not fitted: RFM, ABC and the cycle rules carry the run. */
export const MIN_BUYERS_FOR_BGNBD = 30;
export const MIN_REPEATERS_FOR_BGNBD = 10;
export const MIN_REPEATERS_FOR_GAMMA_GAMMA = 20;
/** CLV percentiles are computed on at most about this many buyers (a deterministic id-modulus sample). */
const CLV_SAMPLE_TARGET = 50_000;
/** Gamma-Gamma is fitted on at most about this many repeat buyers (same kind of sample; a fit costs ∝ rows). */
export const GAMMA_GAMMA_SAMPLE_TARGET = 50_000;
/**
 * BG/NBD is fitted on at most about this many buyers (every n-th by id). A likelihood evaluation costs ~25 ns per
 * distinct (x, t_x, T) row and a fit needs ~600: all 840k buyers of the 1M-customer benchmark (375k distinct day
 * rows) take 7.5 s, a 50k sample 0.5 s — and its predictions differ from the full fit's by 0.02 % in total
 * expected purchases and 0.0007 in mean |ΔP(alive)| (bench/scoring.bench.ts bgnbd-fit-1m, docs/benchmarks.md).
 */
export const BGNBD_SAMPLE_TARGET = 50_000;
/**
 * Guard for a sample that still has more distinct day rows than this (only with a larger sample target): the fit
 * then uses whole weeks (t_x and T rounded; on the benchmark data −0.00 % in expected purchases, 3.8 % in α).
 */
export const BGNBD_MAX_DAY_ROWS = 50_000;

/**
 * The self-backtest reads the purchase days of at most about this many buyers (backtest-sample.ts) and fits every
 * candidate on them at each horizon, in weeks: on 2,357 CDNOW customers the nine fits take ~2 s.
 */
export const BACKTEST_SAMPLE_TARGET = 2_500;
/**
 * A chosen model other than BG/NBD is fitted for the scores on at most about this many buyers (every n-th by id,
 * whole weeks): Pareto/NBD costs ~0.7 µs per distinct row and evaluation against BG/NBD's 25 ns.
 */
export const CANDIDATE_SAMPLE_TARGET = 10_000;

/** What the self-backtest needs: a sample's purchase days up to the as-of day (day numbers). */
export interface BacktestInput {
  histories: PurchaseHistory[];
  /** per history: the net spend of each purchase day (minor units) and the customer's kind, for the priority check */
  spend?: { amounts: number[][]; kinds: Array<'individual' | 'business'> };
  cutoffDay: number;
  /** the backtest already run on these histories (the fit step runs it in a worker thread) */
  result?: BacktestResult;
  /**
   * the backtest's chosen model (when not BG/NBD) already fitted on candidateRows (the fit step's thread fits it
   * right after the backtest); used when the choice stands, else the model used is fitted here
   */
  candidateFit?: { model: CountModelName; fit: FitReport<CountModelParams> };
}

/** About `target` buyers, every n-th by id, as weighted summaries at `resolution` (the same customers every night). */
function idSample(
  inputs: ModelInputs,
  buyers: number,
  target: number,
  resolution: 'day' | 'week',
): Array<Required<WeightedRepeatSummary>> {
  const modulus = Math.max(1, Math.ceil(buyers / target));
  return inputs
    .bgNbdRows(resolution, undefined, modulus)
    .map((r) => ({ x: r.x, tx: r.tx, T: r.t, weight: r.weight }));
}

/** The rows a chosen model other than BG/NBD is fitted on for the scores: every n-th buyer by id, whole weeks. */
export function candidateRows(inputs: ModelInputs, buyers: number): WeightedRepeatSummary[] {
  return idSample(inputs, buyers, CANDIDATE_SAMPLE_TARGET, 'week');
}

/**
 * The buyers over which the learned correction keeps the model's total (prepareCorrection): the BG/NBD fit's
 * sample (every n-th buyer by id, in days), the same customers every night — not the self-backtest's sample,
 * which is drawn afresh each night.
 */
export function correctionPopulation(
  inputs: ModelInputs,
  buyers: number,
): Array<Required<WeightedRepeatSummary>> {
  return idSample(inputs, buyers, BGNBD_SAMPLE_TARGET, 'day');
}

/** The horizons the self-backtest uses for these histories and a forecast of `horizonDays`. */
export function runBacktestHorizons(
  input: Pick<BacktestInput, 'histories' | 'cutoffDay'>,
  horizonDays: number,
): number[] {
  const first = input.histories.reduce((m, h) => (h.days.length ? Math.min(m, h.days[0]) : m), Infinity);
  return Number.isFinite(first) ? backtestHorizons(input.cutoffDay - first, horizonDays) : [];
}

/** The backtest as the run makes it: whole weeks, the horizons of runBacktestHorizons. */
export const RUN_BACKTEST_UNIT_DAYS = 7;

/** A BG/NBD calibration row, compressed: `weight` identical customers. */
export interface BgNbdRow {
  x: number;
  tx: number;
  t: number;
  weight: number;
}

/** Where the fits read their inputs: the run's input columns (run-statistics.ts columnModelInputs). */
export interface ModelInputs {
  /**
   * distinct (x, t_x, T) of every `modulus`-th buyer (by id), in days or in whole weeks; stops after `limit`
   * distinct rows (when given)
   */
  bgNbdRows(resolution: 'day' | 'week', limit?: number, modulus?: number): BgNbdRow[];
  /** every `modulus`-th repeat buyer (by id): repeats x and mean repeat spend (minor units) */
  gammaGammaRows(modulus?: number): Array<{ x: number; mean: number; weight: number }>;
  /** every `modulus`-th buyer (by id): summary in days and spend */
  clvSample(modulus: number): Array<{
    x: number;
    tx: number;
    t: number;
    repeatMean: number | null;
    monetary: number;
    transactions: number;
  }>;
}

export interface ModelReport {
  summary: { bgNbd: 'fitted' | 'skipped' | 'rejected'; gammaGamma: 'fitted' | 'skipped' | 'rejected' };
  bgNbd?: {
    params: BgNbdParams;
    logLikelihood: number;
    converged: boolean;
    atBoundary: string[];
    warnings: string[];
    /** resolution of the rows the fit used (days unless the distinct day rows exceeded BGNBD_MAX_DAY_ROWS) */
    resolution: 'day' | 'week';
    /** buyers the fit used (all, or a 1-in-n sample above BGNBD_SAMPLE_TARGET) */
    sampledBuyers: number;
    distinctRows: number;
    seconds: number;
  };
  gammaGamma?: {
    params: GammaGammaParams;
    logLikelihood: number;
    converged: boolean;
    atBoundary: string[];
    warnings: string[];
    /** repeat buyers the fit used (all, or a 1-in-n sample above GAMMA_GAMMA_SAMPLE_TARGET) */
    sampledRows: number;
    seconds: number;
    /** why the fit is not used (absent: it is) */
    rejected?: string;
  };
  reasons: string[];
  highClvMin: number | null;
  clvSampleSize: number;
  /** the self-backtest's verdict: which model the scores use and why (absent when no backtest ran) */
  choice?: {
    chosen: string | null;
    scale: number;
    reason: string;
    horizons: number[];
    /** the split 52 weeks back over the run's horizon the scale was learnt from (absent: the regular horizons) */
    yearAgo?: { splitDay: number; horizon: number };
    customers: number;
    candidates: Array<{
      model: string;
      meanMae: number;
      scale: number;
      excluded: boolean;
      degenerate: string[];
    }>;
    seconds: number;
  };
  /** the learned correction on top of the chosen model: used or not, and its validation (absent: no choice) */
  correction?: CorrectionReport;
  /** the priority's top-decile revenue capture beside naive rankings (absent when no backtest ran) */
  priorityCheck?: PriorityCheck;
  /** the chosen model's backtest figures per value tier at the split (models/tier-accuracy.ts; absent: no choice) */
  tierAccuracy?: TierAccuracy;
  /** the spend model the self-backtest chose, every candidate's figures and why (absent when no backtest ran) */
  spendChoice?: SpendChoiceReport;
}

export interface FittedModels {
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  /** the spend model a self-backtest chose (null: Gamma-Gamma when it was used, else the own mean) */
  spend: SpendModel | null;
  /** the model the scores use when a self-backtest chose one (null: BG/NBD as fitted, uncorrected) */
  forecast: RunForecast | null;
  backtest: BacktestResult | null;
  highClvMin: number | null;
  report: ModelReport;
}

/**
 * Fits BG/NBD and Gamma-Gamma on the run's inputs when the data supports them and says, in the report, which
 * models were used and why. Never throws for thin or degenerate data: it falls back and explains.
 */
export function fitRunModels(
  inputs: ModelInputs,
  opts: RunModelOptions,
  backtestInput?: BacktestInput,
): FittedModels {
  return finishRunModels(fitBaseModels(inputs, opts), inputs, opts, backtestInput);
}

/** The fits that need only the run's inputs, and the report so far (fitBaseModels). */
export interface BaseModels {
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  report: ModelReport;
}

/**
 * The first part of fitRunModels: BG/NBD and Gamma-Gamma, which need neither the self-backtest's sample nor its
 * result (the fit step runs them while the database reads that sample).
 */
export function fitBaseModels(inputs: ModelInputs, opts: RunModelOptions): BaseModels {
  const report: ModelReport = {
    summary: { bgNbd: 'skipped', gammaGamma: 'skipped' },
    reasons: [],
    highClvMin: null,
    clvSampleSize: 0,
  };
  const bgNbd = fitRunBgNbd(inputs, opts, report);
  const gammaGamma = fitRunGammaGamma(inputs, opts, report);
  return { bgNbd, gammaGamma, report };
}

/** The rest of fitRunModels, on fitBaseModels' result: the model choice, the spend model, the high-CLV cut-off. */
export function finishRunModels(
  base: BaseModels,
  inputs: ModelInputs,
  opts: RunModelOptions,
  backtestInput?: BacktestInput,
): FittedModels {
  const { bgNbd, gammaGamma, report } = base;
  const chosen = bgNbd && backtestInput ? chooseModel(inputs, opts, bgNbd, backtestInput, report) : null;
  const forecast = chosen?.forecast ?? null;
  const spend =
    chosen && backtestInput
      ? fitRunSpend(inputs, opts, backtestInput, chosen.result, gammaGamma, report)
      : null;
  const highClvMin = bgNbd ? highClvCutoff(inputs, opts, bgNbd, forecast, gammaGamma, spend, report) : null;
  report.highClvMin = highClvMin;
  return { bgNbd, gammaGamma, spend, forecast, backtest: chosen?.result ?? null, highClvMin, report };
}

/** The spend model chosen by the self-backtest on the sample's spend (run-spend.ts); null without that spend. */
function fitRunSpend(
  inputs: ModelInputs,
  opts: RunModelOptions,
  input: BacktestInput,
  result: BacktestResult,
  gammaGamma: GammaGammaParams | null,
  report: ModelReport,
): SpendModel | null {
  if (!input.spend) return null;
  const amounts = input.spend.amounts;
  const modulus = Math.max(1, Math.ceil(opts.repeaters / GAMMA_GAMMA_SAMPLE_TARGET));
  const chosen = chooseRunSpend({
    rows: inputs.gammaGammaRows(modulus),
    sample: input.histories.map((h, i) => ({ days: h.days, amounts: amounts[i] })),
    cutoffDay: input.cutoffDay,
    countBacktest: result,
    gammaGamma,
    gammaGammaRejection: report.gammaGamma?.rejected ?? null,
    incumbent: opts.previousModels?.spend ?? null,
  });
  if (!chosen) return null;
  report.spendChoice = chosen.report;
  report.reasons.push(spendChoiceSentence(chosen.report));
  return chosen.model;
}

/**
 * The self-backtest (models/backtest.ts) on the sample's purchase histories; the chosen model fitted on the run's
 * sample and corrected by the backtest's scale. BG/NBD's own fit is checked for degeneracy on the sample too (a
 * degenerate BG/NBD is never chosen). Adds `choice` and its sentences to the report.
 */
function chooseModel(
  inputs: ModelInputs,
  opts: RunModelOptions,
  bgNbd: BgNbdParams,
  input: BacktestInput,
  report: ModelReport,
): { forecast: RunForecast | null; result: BacktestResult } | null {
  const t0 = Date.now();
  const horizons = runBacktestHorizons(input, opts.horizonDays);
  if (horizons.length === 0) {
    report.reasons.push(
      'no self-backtest: less than 8 weeks of history; the scores use BG/NBD as fitted, uncorrected',
    );
    return null;
  }
  const result =
    input.result ??
    backtest(input.histories, {
      cutoffDay: input.cutoffDay,
      horizons,
      unitDays: RUN_BACKTEST_UNIT_DAYS,
      forecastDays: opts.horizonDays,
      incumbent: opts.previousModels?.count ?? null,
    });
  const now = splitHistories(input.histories, input.cutoffDay).summaries;
  const bgFit = report.bgNbd!;
  const bgFlags = degeneracy('bg-nbd', bgFit, bgNbd, now);
  const bgCandidate = result.candidates.find((c) => c.model === 'bg-nbd');
  if (bgFlags.length && bgCandidate && !bgCandidate.excluded) {
    bgCandidate.excluded = true;
    result.chosen = null;
  }
  let forecast: RunForecast | null = null;
  let reason = result.reason;
  const order = result.candidates
    .filter((c) => !c.excluded)
    .sort((p, q) => (p.model === result.chosen ? -1 : q.model === result.chosen ? 1 : p.meanMae - q.meanMae));
  // the seasonality was judged on the backtest's choice: it goes with that model only
  const season =
    result.seasonality && result.chosen
      ? { model: result.chosen, months: result.seasonality.months, cutoffDay: input.cutoffDay }
      : null;
  const seasonFor = (model: string) =>
    season?.model === model ? { seasonality: { months: season.months, cutoffDay: season.cutoffDay } } : {};
  for (const c of order) {
    if (c.model === 'bg-nbd') {
      forecast = { model: 'bg-nbd', params: bgNbd, scale: c.scale, ...seasonFor(c.model) };
    } else {
      const fit =
        input.candidateFit?.model === c.model
          ? input.candidateFit.fit
          : fitCountModelByName(c.model, candidateRows(inputs, opts.buyers));
      const params = paramsInDays(c.model, fit.params, 7);
      const flags = degeneracy(c.model, fit, params, now);
      if (flags.length) {
        reason += `; ${modelLabel(c.model)} fitted on the run's sample is degenerate (${flags.join('; ')})`;
        continue;
      }
      forecast = { model: c.model, params, scale: c.scale, ...seasonFor(c.model) };
    }
    if (c.model !== result.chosen) reason += `; using ${modelLabel(c.model)}, the best usable one`;
    result.chosen = c.model;
    result.scale = c.scale;
    break;
  }
  if (!forecast) {
    result.chosen = null;
    result.scale = 1;
    reason += '; no usable model: the scores use BG/NBD as fitted, uncorrected';
  }
  if (forecast) {
    // the previous run's coefficients are a prior only for the same count model (its E[X] is a feature)
    const previous = opts.previousModels;
    const corrected = correctRunForecast(
      forecast,
      input.histories,
      result,
      correctionPopulation(inputs, opts.buyers),
      opts.horizonDays,
      previous?.count === forecast.model
        ? { coefficients: previous.correction, supported: previous.correctionSupported }
        : null,
    );
    forecast = corrected.forecast;
    report.correction = corrected.report;
  }
  if (bgFlags.length) report.reasons.push(`BG/NBD is degenerate on this data: ${bgFlags.join('; ')}`);
  report.reasons.push(
    forecast
      ? `model chosen by the self-backtest: ${modelLabel(forecast.model)} × ${forecast.scale.toFixed(3)} (${reason})`
      : `self-backtest: ${reason}`,
  );
  if (report.correction) report.reasons.push(report.correction.reason);
  report.choice = {
    chosen: result.chosen,
    scale: result.scale,
    reason,
    horizons,
    ...(result.yearAgo ? { yearAgo: result.yearAgo } : {}),
    customers: result.customers,
    candidates: result.candidates.map((c) => ({
      model: c.model,
      meanMae: c.meanMae,
      scale: c.scale,
      excluded: c.excluded,
      degenerate: [
        ...new Set(c.horizons.flatMap((h) => h.degenerate)),
        ...(c.model === 'bg-nbd' ? bgFlags : []),
      ],
    })),
    seconds: (Date.now() - t0) / 1000,
  };
  return { forecast, result };
}

/** What fitRunModels needs to know of the run besides its inputs. */
export interface RunModelOptions {
  horizonDays: number;
  buyers: number;
  repeaters: number;
  discountRateAnnual: number;
  /** the models the previous run used: each choice keeps its own while within its switch share (models/incumbent.ts) */
  previousModels?: PreviousModels | null;
}

/** The count and spend models a completed run's scores used (null: none, or one this version does not know). */
export interface PreviousModels {
  count: CountModelName | null;
  spend: SpendModelName | null;
  /** the learned correction's coefficients its forecast used (models/learned-correction.ts: the fits' prior) */
  correction: CorrectionCoefficients | null;
  /** the parts its validation supported, used or not (null: not recorded): a part switches on after two such runs */
  correctionSupported: CorrectionSupport | null;
}

/**
 * PreviousModels from what a run stored (its report's choices and forecast's coefficients, or the previousModels it
 * was itself given): a model name this version does not know, coefficients that are not finite numbers or a support
 * that is not two booleans read as none.
 */
export function readPreviousModels(stored: {
  count?: unknown;
  spend?: unknown;
  correction?: unknown;
  correctionSupported?: unknown;
}): PreviousModels {
  const known = <M extends string>(names: readonly M[], name: unknown): M | null =>
    names.find((m) => m === name) ?? null;
  const coefficients = (c: unknown): number[] | null =>
    Array.isArray(c) && c.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (c as number[]) : null;
  const correction = (stored.correction ?? null) as { count?: unknown; pBuy?: unknown } | null;
  const count = coefficients(correction?.count);
  const pBuy = coefficients(correction?.pBuy);
  const support = (stored.correctionSupported ?? null) as { count?: unknown; pBuy?: unknown } | null;
  return {
    count: known(COUNT_MODELS, stored.count),
    spend: known(SPEND_MODELS, stored.spend),
    correction: count || pBuy ? { count, pBuy } : null,
    correctionSupported:
      typeof support?.count === 'boolean' && typeof support?.pBuy === 'boolean'
        ? { count: support.count, pBuy: support.pBuy }
        : null,
  };
}

/**
 * BG/NBD on a sample of the buyers (day resolution, or weeks when there are too many distinct rows); its
 * parameters when the fit converged, else null. Adds its part of the report.
 */
function fitRunBgNbd(inputs: ModelInputs, opts: RunModelOptions, report: ModelReport): BgNbdParams | null {
  const { reasons } = report;
  if (opts.buyers < MIN_BUYERS_FOR_BGNBD || opts.repeaters < MIN_REPEATERS_FOR_BGNBD) {
    reasons.push(
      `BG/NBD not fitted: ${opts.buyers} buyers and ${opts.repeaters} repeat buyers (needs ${MIN_BUYERS_FOR_BGNBD} and ${MIN_REPEATERS_FOR_BGNBD}); lifecycle and priority use each customer's own cycle and RFM instead`,
    );
    return null;
  }
  const t0 = Date.now();
  let resolution: 'day' | 'week' = 'day';
  const modulus = Math.max(1, Math.ceil(opts.buyers / BGNBD_SAMPLE_TARGET));
  let rows = inputs.bgNbdRows('day', BGNBD_MAX_DAY_ROWS + 1, modulus);
  if (rows.length > BGNBD_MAX_DAY_ROWS) {
    resolution = 'week';
    rows = inputs.bgNbdRows('week', undefined, modulus);
    reasons.push(
      `BG/NBD fitted on week-resolution summaries (${rows.length} distinct rows; more than ${BGNBD_MAX_DAY_ROWS} distinct day-resolution rows): t_x and T rounded to whole weeks, parameters reported in days`,
    );
  }
  const sampled = rows.reduce((n, r) => n + r.weight, 0);
  if (modulus > 1) {
    reasons.push(
      `BG/NBD fitted on every ${modulus}th buyer by id (${sampled} of ${opts.buyers}): the estimates are the full fit's to well within their sampling error`,
    );
  }
  const fit: FitReport<BgNbdParams> = fitBgNbd(
    rows.map((r) => ({ x: r.x, tx: r.tx, T: r.t, weight: r.weight })),
  );
  const params = resolution === 'week' ? { ...fit.params, alpha: fit.params.alpha * 7 } : fit.params;
  report.bgNbd = {
    ...pick(fit),
    params,
    resolution,
    sampledBuyers: sampled,
    distinctRows: rows.length,
    seconds: (Date.now() - t0) / 1000,
  };
  if (Number.isFinite(fit.logLikelihood) && fit.converged) {
    report.summary.bgNbd = 'fitted';
    if (fit.atBoundary.length)
      reasons.push(
        `BG/NBD fitted with parameters on a bound (${fit.atBoundary.join(', ')}): ${fit.warnings.join('; ')}`,
      );
    return params;
  }
  report.summary.bgNbd = 'rejected';
  reasons.push(
    `BG/NBD fit rejected (converged=${fit.converged}): ${fit.warnings.join('; ') || 'non-finite likelihood'}`,
  );
  return null;
}

/**
 * Gamma-Gamma on a sample of the repeat buyers; its parameters when the fit converged to a plausible population
 * mean, else null. Adds its part of the report.
 */
function fitRunGammaGamma(
  inputs: ModelInputs,
  opts: RunModelOptions,
  report: ModelReport,
): GammaGammaParams | null {
  const { reasons } = report;
  if (opts.repeaters < MIN_REPEATERS_FOR_GAMMA_GAMMA) {
    reasons.push(
      `Gamma-Gamma not fitted: ${opts.repeaters} repeat buyers (needs ${MIN_REPEATERS_FOR_GAMMA_GAMMA}); expected order value = the customer's own mean`,
    );
    return null;
  }
  const t0 = Date.now();
  const modulus = Math.max(1, Math.ceil(opts.repeaters / GAMMA_GAMMA_SAMPLE_TARGET));
  const rows = inputs.gammaGammaRows(modulus);
  if (modulus > 1) {
    reasons.push(
      `Gamma-Gamma fitted on every ${modulus}th repeat buyer by id (${rows.length} of ${opts.repeaters}): the estimates are the full fit's to well within their sampling error`,
    );
  }
  const fit = fitGammaGamma(rows.map((r) => ({ x: r.x, mean: r.mean, weight: r.weight })));
  report.gammaGamma = { ...pick(fit), sampledRows: rows.length, seconds: (Date.now() - t0) / 1000 };
  // not used when it did not converge, q is at its bound or the population mean p·v/(q−1), which every sparse
  // customer shrinks towards, is implausible (spend-models.ts gammaGammaRejection)
  const rejected = gammaGammaRejection(fit, rows);
  if (rejected === null) {
    report.summary.gammaGamma = 'fitted';
    return fit.params;
  }
  report.summary.gammaGamma = 'rejected';
  report.gammaGamma.rejected = rejected;
  reasons.push(
    `Gamma-Gamma fit not used (${rejected}); expected order value = the customer's own mean unless the self-backtest chose another spend model`,
  );
  return null;
}

/** The CLV from which a customer counts as high-CLV: the 80th percentile over a sample of the buyers. */
function highClvCutoff(
  inputs: ModelInputs,
  opts: RunModelOptions,
  bgNbd: BgNbdParams,
  chosen: RunForecast | null,
  gammaGamma: GammaGammaParams | null,
  spend: SpendModel | null,
  report: ModelReport,
): number | null {
  let highClvMin: number | null = null;
  const modulus = Math.max(1, Math.ceil(opts.buyers / CLV_SAMPLE_TARGET));
  const forecaster = chosen
    ? new CountForecaster(chosen, clvDiscount(opts))
    : new BgNbdForecaster(bgNbd, clvDiscount(opts));
  const clvs = inputs
    .clvSample(modulus)
    .map((s) => {
      const summary = { x: s.x, tx: s.tx, T: s.t };
      const own = s.monetary / s.transactions;
      const eov = spend
        ? spendOrderValue(spend, summary.x, s.repeatMean, own)
        : gammaGamma
          ? spendEstimate(gammaGamma, summary.x, s.repeatMean, own)
          : own;
      const purchases = forecaster.forecast(summary).discountedPurchases;
      return purchases === 0 ? 0 : purchases * eov; // revenue basis, as the rules compare CLV with spend
    })
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (clvs.length > 0) highClvMin = clvs[Math.min(clvs.length - 1, Math.ceil(0.8 * clvs.length) - 1)];
  report.clvSampleSize = clvs.length;
  return highClvMin;
}

function pick<P>(fit: FitReport<P>) {
  return {
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    converged: fit.converged,
    atBoundary: fit.atBoundary,
    warnings: fit.warnings,
  };
}
