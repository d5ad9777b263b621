/**
 * The learned correction on top of the chosen count model (issue 13 item 2, "a small regression on RFM features of
 * the backtest error"). On the self-backtest's longest split (features as of cutoff − h, outcome in the h days
 * after), per customer: the model's E[X(h)] and P(buy), recency t_x/T, ln(1 + x), ln(1 + T in weeks), "never
 * bought again" and ln(1 + weeks since the last purchase). Fitted there:
 *   - a Poisson regression of the holdout purchases with offset ln E[X(h)] → a factor on each customer's E[X];
 *   - a logistic regression of "bought again" with offset logit P(buy) → a corrected P(buy).
 * The count factor only re-distributes: it is normalised so that the corrected purchases sum to the uncorrected
 * ones over the run's sample, because the aggregate level is the correction scale's job (backtest.ts
 * correctionScale: shrinkage, the calendar, the year-ago split), which a regression on the last h days knows
 * nothing of. Guard: two-fold cross-fitting over a deterministic hash of the customer's position; a part is used
 * only when its cross-fitted predictions beat the uncorrected ones by a margin (MAE for the counts, AUC for
 * P(buy)). Pure; docs/models-clv.md "Learned correction".
 */
import {
  holdoutMetrics,
  type HoldoutMetrics,
  type PurchaseHistory,
  rocAuc,
  splitHistories,
} from './backtest';
import {
  type CountModelName,
  type CountModelParams,
  type FittedCountModel,
  horizonPredictor,
} from './count-models';
import { fitGlm, linearPredictor, sigmoid } from './glm';
import type { WeightedRepeatSummary } from './bg-nbd';
import type { RepeatSummary } from './types';

const { exp, log, max, min } = Math;

/** Names of the features, in order (the report prints the coefficients beside them). */
export const CORRECTION_FEATURES = [
  'ln_expected',
  'logit_p_buy',
  'recency_ratio',
  'ln_1_plus_x',
  'ln_1_plus_t_weeks',
  'no_repeat',
  'ln_1_plus_weeks_silent',
] as const;

/** Ridge penalty on the standardised slopes: small, it only keeps near-collinear features (ln E, P(buy)) tame. */
export const CORRECTION_RIDGE = 1;
/** Fewer customers, or fewer who bought in the backtest's holdout, and the correction is not tried. */
export const CORRECTION_MIN_CUSTOMERS = 200;
export const CORRECTION_MIN_BUYERS = 50;
/** The counts' correction must cut the cross-fitted MAE by at least this share... */
export const CORRECTION_MAE_MARGIN = 0.01;
/** ...without losing more than this of the top decile's capture. */
export const CORRECTION_TOP_DECILE_TOLERANCE = 0.005;
/**
 * A counts' part the previous run used stays while it loses no more than this of the top decile's capture: twice
 * the tolerance for switching one on, so that a night's sample does not switch it off on the same noise (one night
 * of 1M generated customers lost 0.5 points by cross-fitting alone, switched the part off and moved the median CLV
 * ×0.75).
 */
export const CORRECTION_TOP_DECILE_KEEP_TOLERANCE = 0.01;
/** P(buy)'s correction must raise the cross-fitted AUC by at least this. */
export const CORRECTION_AUC_MARGIN = 0.003;
/**
 * How much the previous run's coefficients weigh against tonight's sample, when that run used a part (glm.ts
 * prior). Each night's backtest sample is a different ~2,000 buyers of the workspace; fitted afresh, the counts'
 * coefficients swung between two nights of 1M generated customers (intercept −1.00 → −0.26) and the median
 * customer's CLV moved by ×0.73 or ×1.32. Nineteen: tonight's rows count as a twentieth, as in a Bayesian update
 * that discounts each earlier night by 0.95 — about twenty nights' samples (~40,000 buyers) inform the
 * coefficients, and a change in the workspace shows within two to three weeks. With four (a fifth) the median CLV
 * of 1M generated customers still moved ×0.87 overnight: the slopes' noise is amplified for the heaviest buyers
 * (ln(1 + x) ≈ 4.6), and the counts' normaliser, dominated by them, carries it to everyone else
 * (docs/models-clv.md "Stability from night to night").
 */
export const CORRECTION_PRIOR_WEIGHT = 19;

const EPS = 1e-6;

/** The features of one customer: summary at the split, the model's E[X(h)] and P(buy) there. */
export function correctionFeatures(s: RepeatSummary, expected: number, pBuy: number): number[] {
  const p = min(1 - EPS, max(EPS, pBuy));
  return [
    log(max(EPS, expected)),
    log(p / (1 - p)),
    s.x > 0 && s.T > 0 ? s.tx / s.T : 0,
    log(1 + s.x),
    log(1 + max(0, s.T) / 7),
    s.x === 0 ? 1 : 0,
    log(1 + max(0, s.T - s.tx) / 7),
  ];
}

/** Coefficients of the two regressions (intercept first, then CORRECTION_FEATURES); null: that part not used. */
export interface CorrectionCoefficients {
  count: number[] | null;
  pBuy: number[] | null;
}

/** A correction ready to apply: coefficients and the count factor's normaliser over the run's sample. */
export interface LearnedCorrection extends CorrectionCoefficients {
  /** multiplies exp(count · features) so that the corrected purchases sum to the uncorrected ones */
  level: number;
}

/** The factor on one customer's expected purchases (1 when the counts' part is not used). */
export function countFactor(c: LearnedCorrection, features: ArrayLike<number>): number {
  return c.count ? c.level * exp(min(20, max(-20, linearPredictor(c.count, features)))) : 1;
}

/** The corrected P(buy) (the model's own when that part is not used); features[1] is logit P(buy). */
export function correctedPBuy(c: CorrectionCoefficients, features: ArrayLike<number>, pBuy: number): number {
  return c.pBuy ? sigmoid(features[1] + linearPredictor(c.pBuy, features)) : pBuy;
}

/** One customer of a backtest split: features, the model's predictions and what happened. */
interface Row {
  features: number[];
  expected: number;
  pBuy: number;
  actual: number;
}

export interface CorrectionValidation {
  /** cross-fitted, on every customer of the split: the chosen model as is, and corrected (AUC by P(buy)) */
  uncorrected: HoldoutMetrics;
  corrected: HoldoutMetrics;
  /** the uncorrected model's AUC ranked by E[X] (a run may rank by it: the candidate's aucBy) */
  uncorrectedAucExpected: number | null;
}

/** Which parts a run's validation supported, used or not (the next run's switch-on needs it: awaitSecondNight). */
export interface CorrectionSupport {
  count: boolean;
  pBuy: boolean;
}

export interface CorrectionResult {
  /** null: no part is used (see reason) */
  correction: CorrectionCoefficients | null;
  usedCount: boolean;
  usedPBuy: boolean;
  /** what tonight's validation supported, whether used or waiting for the next run to agree */
  supported: CorrectionSupport;
  reason: string;
  /** the split it was learnt on (days before the cutoff) */
  horizon: number | null;
  customers: number;
  buyers: number;
  validation: CorrectionValidation | null;
}

/** Deterministic fold (0 or 1) of the customer at `position`: murmur3's finaliser of the position. */
export function correctionFold(position: number): 0 | 1 {
  let h = Math.imul(position >>> 0, 0x9e3779b1) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h & 1) as 0 | 1;
}

function rowsOf(
  model: FittedCountModel,
  split: { summaries: RepeatSummary[]; actual: ArrayLike<number> },
  h: number,
): Row[] {
  const predictor = horizonPredictor(model, h);
  return split.summaries.map((s, i) => {
    const expected = predictor.expected(s);
    const pBuy = predictor.pBuy(s);
    return { features: correctionFeatures(s, expected, pBuy), expected, pBuy, actual: split.actual[i] };
  });
}

/**
 * Both regressions fitted on `rows` (null for a part whose fit did not converge); each part pulled toward the
 * previous run's coefficients of that part when there are some (CORRECTION_PRIOR_WEIGHT).
 */
export function fitCorrection(
  rows: ReadonlyArray<Omit<Row, 'pBuy'>>,
  previous: CorrectionCoefficients | null = null,
): CorrectionCoefficients {
  const features = rows.map((r) => r.features);
  const prior = (c: number[] | null | undefined) =>
    c && c.length === CORRECTION_FEATURES.length + 1
      ? { coefficients: c, weight: CORRECTION_PRIOR_WEIGHT }
      : undefined;
  const count = fitGlm(
    'poisson',
    features,
    rows.map((r) => r.actual),
    rows.map((r) => log(max(EPS, r.expected))),
    { ridge: CORRECTION_RIDGE, prior: prior(previous?.count) },
  );
  const buy = fitGlm(
    'logistic',
    features,
    rows.map((r) => (r.actual > 0 ? 1 : 0)),
    rows.map((r) => r.features[1]),
    { ridge: CORRECTION_RIDGE, prior: prior(previous?.pBuy) },
  );
  return {
    count: count.converged ? count.coefficients : null,
    pBuy: buy.converged ? buy.coefficients : null,
  };
}

/**
 * The normaliser of the counts' factor: Σ w·E / Σ w·E·exp(count · features) over `rows` (weight 1 unless given; 1
 * without the counts' part), so that the correction moves purchases between customers and leaves the total to the
 * model and its scale.
 */
export function correctionLevel(
  c: CorrectionCoefficients,
  rows: ReadonlyArray<{ features: ArrayLike<number>; expected: number; weight?: number }>,
): number {
  if (!c.count) return 1;
  let plain = 0;
  let corrected = 0;
  for (const r of rows) {
    const w = r.weight ?? 1;
    plain += w * r.expected;
    corrected += w * r.expected * countFactor({ ...c, level: 1 }, r.features);
  }
  return plain > 0 && corrected > 0 ? plain / corrected : 1;
}

/**
 * Cross-fitted validation: each fold's predictions come from the fit on the other fold, normalised within the fold
 * as a run normalises over its sample; the metrics are over all customers.
 */
export function crossValidate(
  rows: Row[],
  previous: CorrectionCoefficients | null = null,
): CorrectionValidation & { coefficients: CorrectionCoefficients[] } {
  const n = rows.length;
  const expected = new Float64Array(n);
  const pBuy = new Float64Array(n);
  const coefficients: CorrectionCoefficients[] = [];
  for (const fold of [0, 1] as const) {
    const train = rows.filter((_, i) => correctionFold(i) !== fold);
    const test = rows.map((r, i) => ({ r, i })).filter(({ i }) => correctionFold(i) === fold);
    const c = fitCorrection(train, previous);
    coefficients.push(c);
    const level = correctionLevel(
      c,
      test.map(({ r }) => r),
    );
    for (const { r, i } of test) {
      expected[i] = r.expected * countFactor({ ...c, level }, r.features);
      pBuy[i] = correctedPBuy(c, r.features, r.pBuy);
    }
  }
  const actual = Float64Array.from(rows, (r) => r.actual);
  return {
    uncorrected: holdoutMetrics(
      rows.map((r) => r.expected),
      actual,
      rows.map((r) => r.pBuy),
    ),
    corrected: holdoutMetrics(expected, actual, pBuy),
    uncorrectedAucExpected: rocAuc(
      rows.map((r) => r.expected),
      actual,
    ),
    coefficients,
  };
}

/**
 * Which parts the validation supports, and why (the guard). A part the previous run used (`kept`) stays while it
 * does not lose (margin 0; the top decile within twice the tolerance): switching it on takes a clear win, switching
 * it off a loss, so that a night's sample does not turn it on and off (and every CLV with it). A part `waiting` for
 * a second night's support (awaitSecondNight) is said to be supported and is not used.
 */
export function judgeCorrection(
  v: CorrectionValidation,
  kept: { count: boolean; pBuy: boolean } = { count: false, pBuy: false },
  waiting: CorrectionSupport = { count: false, pBuy: false },
): { count: boolean; pBuy: boolean; reason: string } {
  const { uncorrected: u, corrected: c } = v;
  const maeMargin = kept.count ? 0 : CORRECTION_MAE_MARGIN;
  const aucMargin = kept.pBuy ? 0 : CORRECTION_AUC_MARGIN;
  const maeOk = c.mae <= (1 - maeMargin) * u.mae;
  const topTolerance = kept.count ? CORRECTION_TOP_DECILE_KEEP_TOLERANCE : CORRECTION_TOP_DECILE_TOLERANCE;
  const topOk = (c.topDecileCapture ?? 0) >= (u.topDecileCapture ?? 0) - topTolerance;
  // against the better of the uncorrected rankings, by P(buy) or by E[X]
  const baseAuc = u.auc === null ? v.uncorrectedAucExpected : max(u.auc, v.uncorrectedAucExpected ?? u.auc);
  const aucOk = c.auc !== null && baseAuc !== null && c.auc >= baseAuc + aucMargin;
  const f4 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
  const figures = `cross-fitted MAE ${f4(c.mae)} vs ${f4(u.mae)} uncorrected, AUC ${f4(c.auc)} vs ${f4(u.auc)} by P(buy) and ${f4(v.uncorrectedAucExpected)} by E[X], top decile ${pct(c.topDecileCapture)} vs ${pct(u.topDecileCapture)}, aggregate ${pct(c.aggregateError)} vs ${pct(u.aggregateError)}`;
  const asBefore = ' (as in the previous run: it must not lose)';
  const maeShort = kept.count
    ? 'MAE higher than uncorrected'
    : `MAE not ${CORRECTION_MAE_MARGIN * 100} % lower`;
  const topShort = `top decile more than ${topTolerance * 100} points lower`;
  const secondNight =
    " — waiting: the previous run's validation did not support it, switched on when the next run's does too";
  const countWhy =
    maeOk && topOk
      ? waiting.count
        ? `expected purchases supported${secondNight}`
        : `expected purchases corrected${kept.count ? asBefore : ''}`
      : `expected purchases not corrected (${maeOk ? topShort : maeShort})`;
  const buyWhy = aucOk
    ? waiting.pBuy
      ? `P(buy) supported${secondNight}`
      : `P(buy) corrected${kept.pBuy ? asBefore : ''}`
    : `P(buy) not corrected (AUC ${kept.pBuy ? 'lower than uncorrected' : `not ${CORRECTION_AUC_MARGIN} higher`})`;
  return {
    count: maeOk && topOk && !waiting.count,
    pBuy: aucOk && !waiting.pBuy,
    reason: `${countWhy}; ${buyWhy}: ${figures}`,
  };
}

/**
 * The parts switched on tonight, given the guard's verdict: a part not in use is switched on only when the previous
 * run's validation supported it too (`previous`; null: no previous run of this count model, nothing to hold still
 * against). One night's sample of ~2,000 buyers switched the counts' part on over 1M customers on a 1 % MAE win and
 * moved the median CLV ×1.07, 692k customers written back to the CRM; two nights in a row is two independent
 * samples agreeing. A part in use is judged by judgeCorrection alone (its own hysteresis). Pure.
 */
export function awaitSecondNight(
  verdict: CorrectionSupport,
  kept: CorrectionSupport,
  previous: CorrectionSupport | null,
): { use: CorrectionSupport; waiting: CorrectionSupport } {
  const waits = (part: keyof CorrectionSupport) =>
    verdict[part] && !kept[part] && previous !== null && !previous[part];
  const waiting = { count: waits('count'), pBuy: waits('pBuy') };
  return {
    use: { count: verdict.count && !waiting.count, pBuy: verdict.pBuy && !waiting.pBuy },
    waiting,
  };
}

/**
 * The learned correction of the chosen model from its self-backtest: the fit at the longest horizon (`params` in
 * days), re-predicted on `histories` split at cutoff − horizon; cross-validated, judged, and refitted on every
 * customer for the parts that validate. `force`: both parts whatever the validation says (to show what the guard
 * kept out; never in a run). `previous`: the coefficients the previous run used, the fits' prior;
 * `previousSupport`: the parts its validation supported (null: no previous run of this model), without which a part
 * not in use waits a night (awaitSecondNight).
 */
export function learnCorrection(
  histories: PurchaseHistory[],
  backtestFit: { model: CountModelName; params: CountModelParams; horizon: number },
  cutoffDay: number,
  opts: {
    force?: boolean;
    previous?: CorrectionCoefficients | null;
    previousSupport?: CorrectionSupport | null;
  } = {},
): CorrectionResult {
  const previous = opts.previous ?? null;
  const none = { count: false, pBuy: false };
  const h = backtestFit.horizon;
  const split = splitHistories(histories, cutoffDay - h);
  const customers = split.summaries.length;
  let buyers = 0;
  for (const a of split.actual) if (a > 0) buyers++;
  const skip = (reason: string): CorrectionResult => ({
    correction: null,
    usedCount: false,
    usedPBuy: false,
    supported: none,
    reason,
    horizon: h,
    customers,
    buyers,
    validation: null,
  });
  if (customers < CORRECTION_MIN_CUSTOMERS || buyers < CORRECTION_MIN_BUYERS)
    return skip(
      `no learned correction: ${customers} customers and ${buyers} who bought in the backtest's last ${h} days (needs ${CORRECTION_MIN_CUSTOMERS} and ${CORRECTION_MIN_BUYERS})`,
    );
  const rows = rowsOf({ model: backtestFit.model, params: backtestFit.params }, split, h);
  const validation = crossValidate(rows, previous);
  const kept = { count: Boolean(previous?.count), pBuy: Boolean(previous?.pBuy) };
  const judged = opts.force
    ? { count: true, pBuy: true, reason: 'both parts forced (no guard)' }
    : judgeCorrection(validation, kept);
  const supported = { count: judged.count, pBuy: judged.pBuy };
  const { waiting } = opts.force
    ? { waiting: none }
    : awaitSecondNight(supported, kept, opts.previousSupport ?? null);
  // the same verdict, worded with the parts that wait a night
  const verdict = waiting.count || waiting.pBuy ? judgeCorrection(validation, kept, waiting) : judged;
  const out = {
    horizon: h,
    customers,
    buyers,
    validation: {
      uncorrected: validation.uncorrected,
      corrected: validation.corrected,
      uncorrectedAucExpected: validation.uncorrectedAucExpected,
    },
  };
  if (!verdict.count && !verdict.pBuy)
    return {
      ...out,
      correction: null,
      usedCount: false,
      usedPBuy: false,
      supported,
      reason: `no learned correction: ${verdict.reason}`,
    };
  const all = fitCorrection(rows, previous);
  const correction = {
    count: verdict.count ? all.count : null,
    pBuy: verdict.pBuy ? all.pBuy : null,
  };
  return {
    ...out,
    correction: correction.count || correction.pBuy ? correction : null,
    usedCount: correction.count !== null,
    usedPBuy: correction.pBuy !== null,
    supported,
    reason: `learned correction over the backtest's last ${h} days${previous?.count || previous?.pBuy ? ", pulled toward the previous run's coefficients" : ''}: ${verdict.reason}`,
  };
}

/**
 * The correction ready for today's forecast of `horizon` days: its counts' normaliser over `population` (the run's
 * buyers as of the cutoff, or a fixed sample of them: `weight` identical customers a row) under `model` — the
 * customers the forecast is for, not the self-backtest's sample, which is ~2,000 buyers drawn afresh each night
 * (normalised there, the total over the run's buyers missed the model's by 1 % in run-models.spec.ts).
 */
export function prepareCorrection(
  c: CorrectionCoefficients,
  model: FittedCountModel,
  population: readonly WeightedRepeatSummary[],
  horizon: number,
): LearnedCorrection {
  if (!c.count) return { ...c, level: 1 };
  const predictor = horizonPredictor(model, horizon);
  const rows = population.map((s) => {
    const expected = predictor.expected(s);
    return { expected, weight: s.weight, features: correctionFeatures(s, expected, predictor.pBuy(s)) };
  });
  return { ...c, level: correctionLevel(c, rows) };
}
