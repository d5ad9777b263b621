/**
 * Self-backtest and model choice (issue 13): split each customer's purchase history at (cutoff − h), fit every
 * candidate count model on the calibration part, predict the h days that followed, and measure how right each was.
 * The candidate with the lowest backtest MAE (among the fits that are not degenerate) is chosen, and a scale learnt
 * from the same backtest corrects its aggregate bias. Pure; docs/models-clv.md "Model choice and the self-backtest".
 */
import type { WeightedRepeatSummary } from './bg-nbd';
import {
  COUNT_MODELS,
  type CountModelName,
  type CountModelParams,
  fitCountModelByName,
  type HorizonPredictor,
  horizonPredictor,
  modelLabel,
  modelPAlive,
  paramsInDays,
} from './count-models';
import { COUNT_SWITCH_SHARE, keepIncumbent } from './incumbent';
import { estimateSeasonality, seasonalFactor, type SeasonalIndex } from './seasonality';
import type { FitReport, RepeatSummary } from './types';

const { abs, ceil, exp, floor, log, max, min, sqrt } = Math;

/** One customer: distinct purchase days (day numbers, ascending), all on or before the cutoff. */
export interface PurchaseHistory {
  days: ArrayLike<number>;
}

/** Predicted vs actual holdout purchases, per customer. */
export interface HoldoutMetrics {
  customers: number;
  actual: number;
  predicted: number;
  /**
   * (predicted − actual) / actual over all customers; 0 when both are 0, null when nothing was bought but
   * something was predicted (no ratio: 0 there read as a perfect forecast)
   */
  aggregateError: number | null;
  mae: number;
  rmse: number;
  /**
   * AUC for "buys at least once in the holdout" (ties count one half) of the score named by `aucBy`; null if one
   * class is empty
   */
  auc: number | null;
  /**
   * what `auc` ranks by: 'p_buy' = P(X(h) > 0 | history), the model's answer to that question (the backtest's
   * candidates); 'expected' = E[X(h)], the expected purchases (how `lifetimes`' textbook BG/NBD is ranked)
   */
  aucBy: AucScore;
  /** share of holdout purchases made by the top 10 % by prediction (ties by input order); null without purchases */
  topDecileCapture: number | null;
  /** deciles of the prediction, lowest first: mean predicted and mean actual purchases per customer */
  calibration: Array<{ decile: number; customers: number; predicted: number; actual: number }>;
}

export type AucScore = 'expected' | 'p_buy';

/**
 * Holdout metrics of `predicted` (expected purchases) against `actual` (same order, one entry per customer). The
 * AUC ranks by `pBuy` (P(X > 0) per customer, same order) when given, else by `predicted`; the other metrics are
 * about counts and always use `predicted`.
 */
export function holdoutMetrics(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  pBuy?: ArrayLike<number>,
): HoldoutMetrics {
  const n = predicted.length;
  if (actual.length !== n || (pBuy && pBuy.length !== n))
    throw new RangeError('predicted, actual and pBuy differ in length');
  let sp = 0;
  let sa = 0;
  let ae = 0;
  let se = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i] - actual[i];
    sp += predicted[i];
    sa += actual[i];
    ae += abs(d);
    se += d * d;
  }
  // descending prediction, ties in input order: the same inputs always give the same top decile
  const desc = Array.from({ length: n }, (_, i) => i).sort((p, q) => predicted[q] - predicted[p] || p - q);
  const k = ceil(n / 10);
  let top = 0;
  for (let i = 0; i < k; i++) top += actual[desc[i]];
  const calibration: HoldoutMetrics['calibration'] = [];
  for (let d = 0; d < 10 && n > 0; d++) {
    // deciles of the ascending order (= desc reversed)
    const from = floor((d * n) / 10);
    const to = floor(((d + 1) * n) / 10);
    if (to <= from) continue;
    let p = 0;
    let a = 0;
    for (let j = from; j < to; j++) {
      const i = desc[n - 1 - j];
      p += predicted[i];
      a += actual[i];
    }
    calibration.push({
      decile: d + 1,
      customers: to - from,
      predicted: p / (to - from),
      actual: a / (to - from),
    });
  }
  return {
    customers: n,
    actual: sa,
    predicted: sp,
    aggregateError: sa > 0 ? (sp - sa) / sa : sp === 0 ? 0 : null,
    mae: n ? ae / n : 0,
    rmse: n ? sqrt(se / n) : 0,
    auc: rocAuc(pBuy ?? predicted, actual),
    aucBy: pBuy ? 'p_buy' : 'expected',
    topDecileCapture: sa > 0 ? top / sa : null,
    calibration,
  };
}

/** Area under the ROC curve of `score` for actual > 0 (rank-sum, ties one half); null if a class is empty. */
export function rocAuc(score: ArrayLike<number>, actual: ArrayLike<number>): number | null {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => score[p] - score[q] || p - q);
  let rankSum = 0;
  let positives = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && score[order[j]] === score[order[i]]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (actual[order[k]] > 0) {
        rankSum += averageRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Backtest horizons for a history of `spanDays` (cutoff − earliest first purchase) and a forecast of
 * `forecastDays`: h_max = min(forecast, half the span) in whole weeks, and h_max/2, 3h_max/4, h_max (whole weeks),
 * so that every split keeps at least half the history for calibration. Empty when h_max < 4 weeks.
 */
export function backtestHorizons(spanDays: number, forecastDays: number): number[] {
  const hMax = floor(min(forecastDays, spanDays / 2) / 7) * 7;
  if (hMax < 28) return [];
  const out = new Set<number>();
  for (const f of [0.5, 0.75, 1]) out.add(max(7, floor((hMax * f) / 7) * 7));
  return [...out].sort((a, b) => a - b);
}

export interface BacktestOptions {
  cutoffDay: number;
  /** horizons in days, e.g. backtestHorizons(...) */
  horizons: number[];
  models?: readonly CountModelName[];
  /** time unit of the fits in days: 1 (days) or 7 (weeks, far fewer distinct rows); predictions are per day */
  unitDays?: number;
  /** the horizon of the real forecast in days (default: the longest backtest horizon); see calendarLogVariance */
  forecastDays?: number;
  /** the previous run's model: kept while within COUNT_SWITCH_SHARE of the best (incumbent.ts) */
  incumbent?: CountModelName | null;
}

export interface HorizonResult {
  horizon: number;
  /** parameters in days */
  params: CountModelParams;
  logLikelihood: number;
  /** holdout metrics; the AUC ranks by P(X(h) > 0) */
  metrics: HoldoutMetrics;
  /** the AUC of the same fit ranked by E[X(h)] instead */
  aucExpected: number | null;
  /** why this fit is degenerate (empty: it is not) */
  degenerate: string[];
  /** the same predictions times the seasonal factor of the index estimated before the split (null: no index) */
  seasonalMetrics: HoldoutMetrics | null;
}

export interface CandidateResult {
  model: CountModelName;
  horizons: HorizonResult[];
  /** mean MAE over the horizons: the choice criterion */
  meanMae: number;
  /** correction learnt from this candidate's backtest (multiplies expected purchases) */
  scale: number;
  /** calendarVariance: the calendar's part of the scale's uncertainty (0 when the seasonal pattern is known) */
  scaleDetail: { logRatios: number[]; shrinkage: number; calendarVariance: number };
  /** left out of the choice (degenerate in more than half of its backtest fits) */
  excluded: boolean;
  /**
   * which score ranks "buys again" better on this candidate's backtest (mean AUC over the horizons): its
   * P(X(h) > 0), unless its E[X(h)] had the strictly higher mean AUC (on CDNOW it does, at every horizon)
   */
  aucBy: AucScore;
  meanAuc: { p_buy: number | null; expected: number | null };
  /**
   * the fit at the year-ago split over the forecast's own horizon (yearAgoSplit), when there is one; its scale
   * then comes from this split alone
   */
  yearAgo: HorizonResult | null;
}

export interface BacktestResult {
  cutoffDay: number;
  horizons: number[];
  customers: number;
  candidates: CandidateResult[];
  /** null when no candidate could be used */
  chosen: CountModelName | null;
  scale: number;
  reason: string;
  /**
   * the seasonal index (estimated on everything up to the cutoff) when the chosen model's backtest with the
   * indices estimated before each split had a lower mean MAE than without; null otherwise (see seasonalityReason)
   */
  seasonality: SeasonalIndex | null;
  seasonalityReason: string;
  /** the calendar-matched split the scales were learnt from (null: none, see yearAgoSplit) */
  yearAgo: { splitDay: number; horizon: number } | null;
}

/** MAE within this share of the best counts as a tie; a tie goes to the earlier model of COUNT_MODELS. */
export const MAE_TIE_SHARE = 0.005;
/** the correction scale is kept within these bounds whatever the backtest says */
export const SCALE_BOUNDS = { lower: 0.67, upper: 1.5 } as const;

/** The calendar shift of the year-ago split: 52 weeks, so that weekdays line up too. */
export const YEAR_AGO_DAYS = 364;
/** History the year-ago split needs before it to fit on. */
export const YEAR_AGO_MIN_CALIBRATION_DAYS = 182;

/**
 * The split one year before the cutoff, judged over the forecast's own horizon: the same calendar window a year
 * earlier, so a bias learnt there holds the season the forecast will meet (the regular horizons, ≤ half the
 * history, end at the cutoff and see another part of the year). Null when the forecast is longer than the shift or
 * fewer than YEAR_AGO_MIN_CALIBRATION_DAYS of history precede the split. Days are day numbers.
 */
export function yearAgoSplit(
  firstDay: number,
  cutoffDay: number,
  forecastDays: number | undefined,
): { splitDay: number; horizon: number } | null {
  if (forecastDays === undefined || !(forecastDays >= 7) || forecastDays > YEAR_AGO_DAYS) return null;
  const splitDay = cutoffDay - YEAR_AGO_DAYS;
  if (!(splitDay - firstDay >= YEAR_AGO_MIN_CALIBRATION_DAYS)) return null;
  return { splitDay, horizon: Math.round(forecastDays) };
}

/** The backtest of every candidate at every horizon; the choice and its correction. */
export function backtest(histories: PurchaseHistory[], opts: BacktestOptions): BacktestResult {
  const steps = backtestSteps(histories, opts);
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/**
 * The same, giving the event loop back between fits (a job's lock is renewed by a timer: a worker must not block
 * for the whole backtest). Same result as `backtest`.
 */
export async function backtestYielding(
  histories: PurchaseHistory[],
  opts: BacktestOptions,
): Promise<BacktestResult> {
  const steps = backtestSteps(histories, opts);
  let next = steps.next();
  while (!next.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    next = steps.next();
  }
  return next.value;
}

/** The backtest, one fit per step. */
function* backtestSteps(
  histories: PurchaseHistory[],
  opts: BacktestOptions,
): Generator<void, BacktestResult> {
  const models = opts.models ?? COUNT_MODELS;
  const unit = opts.unitDays ?? 1;
  const results = new Map<CountModelName, HorizonResult[]>(models.map((m) => [m, []]));
  let customers = 0;
  const fitAt = (
    model: CountModelName,
    split: { summaries: RepeatSummary[]; actual: Float64Array },
    rows: WeightedRepeatSummary[],
    splitDay: number,
    h: number,
    season: SeasonalIndex | null,
  ): HorizonResult => {
    const fit = fitCountModelByName(model, rows);
    const params = paramsInDays(model, fit.params, unit);
    const predictor = horizonPredictor({ model, params }, h);
    const predicted = new Float64Array(split.summaries.length);
    const pBuy = new Float64Array(split.summaries.length);
    split.summaries.forEach((s, i) => {
      predicted[i] = predictor.expected(s);
      pBuy[i] = predictor.pBuy(s);
    });
    return {
      horizon: h,
      params,
      logLikelihood: fit.logLikelihood,
      metrics: holdoutMetrics(predicted, split.actual, pBuy),
      aucExpected: rocAuc(predicted, split.actual),
      degenerate: degeneracy(model, fit, params, split.summaries),
      seasonalMetrics: season ? seasonalMetricsOf(predictor, split, splitDay, h, season, predicted) : null,
    };
  };
  const seasonalMetricsOf = (
    predictor: HorizonPredictor,
    split: { summaries: RepeatSummary[]; actual: Float64Array },
    splitDay: number,
    h: number,
    season: SeasonalIndex,
    predicted: Float64Array,
  ): HoldoutMetrics => {
    // the seasonal factor multiplies each customer's purchase rate over the window: the same for P(buy)
    const factors = split.summaries.map((s) => seasonalFactor(season, splitDay, s.T, 0, h));
    return holdoutMetrics(
      predicted.map((v, i) => v * factors[i]),
      split.actual,
      split.summaries.map((s, i) => (factors[i] > 0 ? predictor.pBuy(s, factors[i]) : 0)),
    );
  };
  const toRows = (summaries: RepeatSummary[]): WeightedRepeatSummary[] =>
    summaries.map((s) => ({ x: s.x, tx: Math.round(s.tx / unit), T: Math.round(s.T / unit) }));
  for (const h of opts.horizons) {
    const split = splitHistories(histories, opts.cutoffDay - h);
    const season = estimateSeasonality(histories, opts.cutoffDay - h).index;
    customers = max(customers, split.summaries.length);
    if (split.summaries.length === 0) continue;
    const rows = toRows(split.summaries);
    for (const model of models) {
      results.get(model)!.push(fitAt(model, split, rows, opts.cutoffDay - h, h, season));
      yield;
    }
  }
  // The backtest's windows and the forecast's lie in different parts of the year: a bias measured in one (CDNOW
  // weeks 27–52: the 1997 holidays, +20 %) need not hold in the other (weeks 53–78: +1.6 % without correction,
  // +18 % with it). The year-ago split, when the history has one, looks at the forecast's own calendar window;
  // else, without a seasonal index, the calendar adds to the scale's uncertainty.
  const seasonNow = estimateSeasonality(histories, opts.cutoffDay).index;
  const seasonKnown = seasonNow !== null;
  let first = Infinity;
  for (const h of histories) if (h.days.length && h.days[0] <= opts.cutoffDay) first = min(first, h.days[0]);
  const yearAgo = yearAgoSplit(first, opts.cutoffDay, opts.forecastDays);
  const yearAgoFits = new Map<CountModelName, HorizonResult>();
  if (yearAgo) {
    const end = yearAgo.splitDay + yearAgo.horizon;
    const truncated = histories.map((h) => {
      let k = 0;
      while (k < h.days.length && h.days[k] <= end) k++;
      return { days: Array.prototype.slice.call(h.days, 0, k) as number[] };
    });
    const split = splitHistories(truncated, yearAgo.splitDay);
    if (split.summaries.length > 0) {
      const rows = toRows(split.summaries);
      for (const model of models) {
        // seasonalMetrics: the same window under the index estimated now, for the scale when the index is adopted
        const fit = fitAt(model, split, rows, yearAgo.splitDay, yearAgo.horizon, seasonNow);
        if (fit.degenerate.length === 0) yearAgoFits.set(model, fit);
        yield;
      }
    }
  }
  const meanHorizon = opts.horizons.reduce((s, h) => s + h, 0) / max(1, opts.horizons.length);
  const calendarVariance = seasonKnown
    ? 0
    : calendarLogVariance(meanHorizon) + calendarLogVariance(opts.forecastDays ?? max(0, ...opts.horizons));
  const candidates: CandidateResult[] = models.map((model) => {
    const horizons = results.get(model)!;
    const meanMae = horizons.length
      ? horizons.reduce((s, r) => s + r.metrics.mae, 0) / horizons.length
      : Infinity;
    const degenerateFits = horizons.filter((r) => r.degenerate.length > 0).length;
    const matched = yearAgoFits.get(model) ?? null;
    const correction = matched
      ? correctionScale([matched.metrics])
      : correctionScale(
          horizons.map((r) => r.metrics),
          calendarVariance,
        );
    const meanAuc = {
      p_buy: meanOf(horizons.map((r) => r.metrics.auc)),
      expected: meanOf(horizons.map((r) => r.aucExpected)),
    };
    return {
      model,
      horizons,
      meanMae,
      meanAuc,
      aucBy: aucScoreOf(meanAuc),
      scale: correction.scale,
      scaleDetail: {
        logRatios: correction.logRatios,
        shrinkage: correction.shrinkage,
        calendarVariance: matched ? 0 : calendarVariance,
      },
      yearAgo: matched,
      excluded: horizons.length === 0 || degenerateFits * 2 > horizons.length,
    };
  });
  const { chosen, reason } = choose(candidates, opts.incumbent);
  const season = chooseSeasonality(
    histories,
    opts.cutoffDay,
    chosen ? candidates.find((c) => c.model === chosen)! : null,
  );
  const chosenCandidate = chosen ? candidates.find((c) => c.model === chosen)! : null;
  const scale = chosenCandidate ? chosenCandidate.scale : 1;
  return {
    cutoffDay: opts.cutoffDay,
    horizons: opts.horizons,
    customers,
    candidates,
    chosen,
    scale,
    reason: chosen
      ? `${reason}; ${season.reason}; correction × ${scale.toFixed(3)} ${scaleSource(chosenCandidate, calendarVariance, season.index !== null)}; ${aucReason(chosenCandidate!)}`
      : reason,
    seasonality: season.index,
    seasonalityReason: season.reason,
    yearAgo: yearAgo && yearAgoFits.size > 0 ? yearAgo : null,
  };
}

/** Mean of the non-null values; null when there are none. */
function meanOf(values: Array<number | null>): number | null {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** P(buy) answers "buys again" by construction; E[X] only where the backtest says it ranks strictly better. */
export function aucScoreOf(meanAuc: { p_buy: number | null; expected: number | null }): AucScore {
  return meanAuc.expected !== null && meanAuc.p_buy !== null && meanAuc.expected > meanAuc.p_buy
    ? 'expected'
    : 'p_buy';
}

function aucReason(c: CandidateResult): string {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  return `"buys again" ranked by ${c.aucBy === 'p_buy' ? 'P(buy)' : 'expected purchases'} (backtest AUC ${f(c.meanAuc.p_buy)} by P(buy), ${f(c.meanAuc.expected)} by expected purchases)`;
}

/** Where the chosen candidate's correction came from, for the report. */
function scaleSource(c: CandidateResult | null, calendarVariance: number, seasonal: boolean): string {
  if (c?.yearAgo) {
    const adjusted = seasonal ? c.yearAgo.seasonalMetrics : null;
    const m = adjusted ?? c.yearAgo.metrics;
    return `from its backtest a year earlier over the same ${c.yearAgo.horizon} days of the calendar${adjusted ? ', seasonally adjusted' : ''} (aggregate error ${m.aggregateError === null ? 'undefined: nothing was bought' : `${(100 * m.aggregateError).toFixed(1)} %`})`;
  }
  return `from its backtest aggregate error${calendarVariance > 0 ? ' (the seasonal pattern is unknown, so the calendar adds to its uncertainty)' : ''}`;
}

/**
 * Seasonality is used when the chosen model's backtest, each split adjusted by the index estimated before it, has
 * a lower mean MAE than unadjusted at every horizon's average; then the candidate's correction scale is learnt from
 * the adjusted backtest (the seasonal part of its bias is no longer there to correct).
 */
function chooseSeasonality(
  histories: PurchaseHistory[],
  cutoffDay: number,
  chosen: CandidateResult | null,
): { index: SeasonalIndex | null; reason: string } {
  const now = estimateSeasonality(histories, cutoffDay);
  if (!now.index) return { index: null, reason: `no seasonality: ${now.reason}` };
  if (!chosen || chosen.horizons.some((r) => r.seasonalMetrics === null))
    return {
      index: null,
      reason: 'no seasonality: too short a history before the backtest splits to judge it',
    };
  const mean = (f: (r: HorizonResult) => number) =>
    chosen.horizons.reduce((s, r) => s + f(r), 0) / chosen.horizons.length;
  const plain = mean((r) => r.metrics.mae);
  const seasonal = mean((r) => r.seasonalMetrics!.mae);
  if (!(seasonal < plain))
    return {
      index: null,
      reason: `no seasonality: ${now.reason}, but the backtest MAE with it (${seasonal.toFixed(4)}) is not lower than without (${plain.toFixed(4)})`,
    };
  // the year-ago window, adjusted by the index, says what bias is left in the forecast's own calendar window
  const matched = chosen.yearAgo?.seasonalMetrics;
  const correction = correctionScale(matched ? [matched] : chosen.horizons.map((r) => r.seasonalMetrics!));
  chosen.scale = correction.scale;
  chosen.scaleDetail = {
    logRatios: correction.logRatios,
    shrinkage: correction.shrinkage,
    calendarVariance: 0,
  };
  return {
    index: now.index,
    reason: `seasonality: ${now.reason}; backtest MAE ${seasonal.toFixed(4)} with it, ${plain.toFixed(4)} without`,
  };
}

/**
 * (x, tx, T) at `splitDay` of every customer who had bought by then, and their purchases in (splitDay, last day];
 * `indices`: where each of them is in `histories`.
 */
export function splitHistories(
  histories: PurchaseHistory[],
  splitDay: number,
): { summaries: RepeatSummary[]; actual: Float64Array; indices: number[] } {
  const summaries: RepeatSummary[] = [];
  const actual: number[] = [];
  const indices: number[] = [];
  for (let i = 0; i < histories.length; i++) {
    const days = histories[i].days;
    if (days.length === 0 || days[0] > splitDay) continue;
    indices.push(i);
    let last = 0;
    while (last + 1 < days.length && days[last + 1] <= splitDay) last++;
    summaries.push({ x: last, tx: days[last] - days[0], T: splitDay - days[0] });
    actual.push(days.length - 1 - last);
  }
  return { summaries, actual: Float64Array.from(actual), indices };
}

/** Long-silent regulars needed before "nobody drops out" is judged, and the P(alive) that is implausible for them. */
const SILENT_REGULARS_MIN = 20;
const SILENT_REGULARS_MAX_MEDIAN_P_ALIVE = 0.9;

/**
 * Why a fit cannot be trusted (empty: it can): no convergence, a parameter on a bound, or no dropout while many
 * regulars (3+ purchases) have been silent for more than three of their own purchase cycles — the case of issue 13
 * item 6 (BG/NBD with a = 0.0034, P(alive) ≈ 1 for every repeat buyer).
 */
export function degeneracy(
  model: CountModelName,
  fit: Pick<FitReport<unknown>, 'converged' | 'logLikelihood' | 'atBoundary'>,
  params: CountModelParams,
  summaries: RepeatSummary[],
): string[] {
  const out: string[] = [];
  if (!fit.converged || !Number.isFinite(fit.logLikelihood)) out.push('the fit did not converge');
  if (fit.atBoundary.length) out.push(`parameters on a bound: ${fit.atBoundary.join(', ')}`);
  const silent: number[] = [];
  for (const s of summaries) {
    if (s.x < 2) continue;
    const cycle = s.tx / s.x;
    if (cycle > 0 && s.T - s.tx > 3 * cycle) silent.push(modelPAlive({ model, params }, s));
  }
  if (silent.length >= SILENT_REGULARS_MIN) {
    silent.sort((a, b) => a - b);
    const median = silent[floor(silent.length / 2)];
    if (median >= SILENT_REGULARS_MAX_MEDIAN_P_ALIVE) {
      out.push(
        `almost no dropout: ${silent.length} regulars silent for over three of their own purchase cycles have a median P(alive) of ${median.toFixed(3)}`,
      );
    }
  }
  return out;
}

/**
 * Spread in log of a year's month-of-year indices, as a prior for data too short to estimate its own: the
 * generator's month factors (src/generator/seasonality.ts) have 0.18, the planted pattern 0.22, and a window of
 * several months averages part of it away (3 months: 0.14 and 0.18; 6 months: 0.09 and 0.12; a year: 0).
 */
export const CALENDAR_LOG_SD = 0.18;

/**
 * Prior variance of ln(mean seasonal index over a window of `days` days) when the seasonal pattern is unknown:
 * CALENDAR_LOG_SD² × (1 − days/365), 0 from a year on (a whole year holds every season once).
 */
export function calendarLogVariance(days: number): number {
  return CALENDAR_LOG_SD ** 2 * max(0, 1 - max(0, days) / 365);
}

/**
 * The correction: the mean over horizons of ln(actual / predicted), shrunk towards 0 by how uncertain it is
 * (positive-part James–Stein: × max(0, 1 − SE²/mean²), SE² = max(spread²/K, 1/actual purchases) plus
 * `calendarVariance`, the uncertainty a seasonal pattern the data cannot show adds between the backtest's windows
 * and the forecast's), as a factor within SCALE_BOUNDS. One horizon: only the Poisson part of SE.
 */
export function correctionScale(
  metrics: HoldoutMetrics[],
  calendarVariance = 0,
): {
  scale: number;
  logRatios: number[];
  shrinkage: number;
} {
  const usable = metrics.filter((m) => m.actual > 0 && m.predicted > 0);
  const logRatios = usable.map((m) => log(m.actual / m.predicted));
  if (logRatios.length === 0) return { scale: 1, logRatios, shrinkage: 0 };
  const k = logRatios.length;
  const mean = logRatios.reduce((s, v) => s + v, 0) / k;
  const spread = k > 1 ? logRatios.reduce((s, v) => s + (v - mean) ** 2, 0) / (k - 1) : 0;
  const purchases = usable.reduce((s, m) => s + m.actual, 0) / k;
  const se2 = max(spread / k, 1 / purchases) + max(0, calendarVariance);
  const shrinkage = mean === 0 ? 0 : max(0, 1 - se2 / (mean * mean));
  const scale = min(SCALE_BOUNDS.upper, max(SCALE_BOUNDS.lower, exp(shrinkage * mean)));
  return { scale, logRatios, shrinkage };
}

/**
 * Lowest mean backtest MAE among the usable candidates; within MAE_TIE_SHARE the earlier model wins, and the
 * previous run's model stays while within COUNT_SWITCH_SHARE (incumbent.ts).
 */
function choose(
  candidates: CandidateResult[],
  incumbent?: CountModelName | null,
): { chosen: CountModelName | null; reason: string } {
  const usable = candidates.filter((c) => !c.excluded && Number.isFinite(c.meanMae));
  const excluded = candidates.filter((c) => c.excluded).map((c) => modelLabel(c.model));
  const note = excluded.length ? `; left out as degenerate: ${excluded.join(', ')}` : '';
  if (usable.length === 0) return { chosen: null, reason: `no usable candidate${note}` };
  const best = min(...usable.map((c) => c.meanMae));
  const night = usable.find((c) => c.meanMae <= best * (1 + MAE_TIE_SHARE))!.model;
  const kept = keepIncumbent(night, incumbent, usable, modelLabel, COUNT_SWITCH_SHARE);
  const ranking = usable.map((c) => `${modelLabel(c.model)} ${c.meanMae.toFixed(4)}`).join(', ');
  return {
    chosen: kept.chosen,
    reason: `lowest mean backtest MAE (${ranking}; ties within ${MAE_TIE_SHARE * 100} % go to the earlier of BG/NBD, MBG/NBD, Pareto/NBD)${kept.note}${note}`,
  };
}
