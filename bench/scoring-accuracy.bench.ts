import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  backtest,
  backtestHorizons,
  holdoutMetrics,
  type HoldoutMetrics,
  type PurchaseHistory,
  rocAuc,
  splitHistories,
} from '../src/scoring/models/backtest';
import {
  COUNT_MODELS,
  fitCountModelByName,
  modelExpectedPurchases,
  modelLabel,
  modelPBuy,
} from '../src/scoring/models/count-models';
import { generateCrmRows } from '../src/generator/crm-generator';
import {
  correctedPBuy,
  correctionFeatures,
  correctionLevel,
  countFactor,
  learnCorrection,
} from '../src/scoring/models/learned-correction';
import { fitGlm, linearPredictor } from '../src/scoring/models/glm';
import { seasonalFactor } from '../src/scoring/models/seasonality';
import type { RepeatSummary } from '../src/scoring/models/types';
import { PLANTED, plant } from '../src/scoring/models/seasonality.testdata';
import { type RunModelContext } from '../src/scoring/chunk-scoring';
import { createScoringPolicy } from '../src/scoring/models/customer-policy';
import { NAIVE_RANKINGS, type PriorityCheck, type SpendHistory } from '../src/scoring/models/priority-check';
import {
  SPEND_MAE_TIE_SHARE,
  spendBacktest,
  spendMetrics,
  spendSplit,
} from '../src/scoring/models/spend-backtest';
import { fitSpendModel, SPEND_MODELS, spendLabel, spendOrderValue } from '../src/scoring/models/spend-models';
import { fitRunModels } from '../src/scoring/run-models';
import type { TierAccuracy } from '../src/scoring/models/tier-accuracy';
import { runSplitChecks } from '../src/scoring/run-priority-check';
import { historyColumns } from '../src/scoring/history-columns.testdata';
import { columnModelInputs, runStatistics } from '../src/scoring/run-statistics';
import type { Benchmark, BenchFigure, BenchResult } from './benchmark';

// This file runs from dist/bench/, the repository is two levels up.
const CDNOW = join(__dirname, '..', '..', 'test', 'fixtures', 'cdnow', 'CDNOW_sample.txt');
const DAY_MS = 86_400_000;
const ORIGIN = Date.UTC(1997, 0, 1);
const CALIBRATION_END = (Date.UTC(1997, 8, 30) - ORIGIN) / DAY_MS;
const HOLDOUT_END = (Date.UTC(1998, 5, 30) - ORIGIN) / DAY_MS;

/** Purchase days per customer of the CDNOW sample (day 0 = 1997-01-01) with each day's spend in cents, in id order. */
function cdnowSpend(): SpendHistory[] {
  const spend = new Map<number, Map<number, number>>();
  for (const line of readFileSync(CDNOW, 'utf8').split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const d = f[2];
    const day =
      (Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) - ORIGIN) / DAY_MS;
    const id = Number(f[1]);
    const days = spend.get(id) ?? new Map<number, number>();
    days.set(day, (days.get(day) ?? 0) + Math.round(Number(f[4]) * 100));
    spend.set(id, days);
  }
  return [...spend.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const days = [...spend.get(id)!.keys()].sort((a, b) => a - b);
      return { days, amounts: days.map((d) => spend.get(id)!.get(d)!) };
    });
}

/**
 * The priority as a run at the end of week 39 would compute it (statistics, models and the self-backtest's choice
 * fitted on weeks 1–39, as fit.step.ts fitRun does), judged on the revenue of weeks 40–78 beside naive rankings.
 */
function cdnowPriorityCheck(
  full: SpendHistory[],
  holdout: number,
): { check: PriorityCheck; byTier: TierAccuracy | null } {
  const calibration = full.map((h) => {
    const k = Array.from(h.days).filter((d) => d <= CALIBRATION_END).length;
    return { days: Array.from(h.days).slice(0, k), amounts: Array.from(h.amounts).slice(0, k) };
  });
  const cols = historyColumns(calibration);
  const stats = runStatistics(cols, CALIBRATION_END, { abcCutA: 0.7, abcCutB: 0.9 });
  const discountRateAnnual = 0.1;
  const models = fitRunModels(
    columnModelInputs(cols, CALIBRATION_END),
    { horizonDays: holdout, buyers: stats.buyers, repeaters: stats.repeaters, discountRateAnnual },
    {
      histories: calibration,
      spend: {
        amounts: calibration.map((h) => h.amounts),
        kinds: calibration.map(() => 'individual' as const),
      },
      cutoffDay: CALIBRATION_END,
    },
  );
  const context: RunModelContext = {
    asOf: '1997-09-30',
    horizonDays: holdout,
    bgNbd: models.bgNbd,
    gammaGamma: models.gammaGamma,
    rfm: stats.rfm,
    abc: stats.abc,
    discountRateAnnual,
    margin: 1,
    forecast: models.forecast,
    spend: models.spend,
  };
  const policy = createScoringPolicy(
    {
      medianCycleDays: stats.medianCycleDays,
      referenceValue: stats.medianMonetary,
      highClvMin: models.highClvMin,
    },
    { clvHorizonDays: holdout },
  );
  const histories = full.map((h) => {
    const k = Array.from(h.days).filter((d) => d <= HOLDOUT_END).length;
    return { days: Array.from(h.days).slice(0, k), amounts: Array.from(h.amounts).slice(0, k) };
  });
  const kinds = full.map(() => 'individual' as const);
  // the chosen model as fitted on weeks 1–39 (no scale, no season), judged per value tier at the end of week 39
  const forecast = models.forecast;
  const { priority: check, byTier } = runSplitChecks(histories, kinds, {
    cutoffDay: HOLDOUT_END,
    horizonDays: holdout,
    fit: forecast ? { model: forecast.model, params: forecast.params, horizon: holdout } : null,
    context,
    policy,
  });
  return { check, byTier };
}

/** One calibration/holdout split of a data set: purchase days per customer, calibration end and holdout end. */
interface HoldoutSplit {
  name: string;
  /** with each purchase day's spend (minor units) where the data has it */
  full: Array<PurchaseHistory & { amounts?: ArrayLike<number> }>;
  /** last day of the calibration period (day number) */
  split: number;
  /** last day of the holdout (day number) */
  end: number;
}

/** What one split shows: the textbook's and the chosen forecast's holdout metrics, and the final one's. */
interface SplitOutcome {
  name: string;
  textbook: HoldoutMetrics;
  chosen: HoldoutMetrics;
  chosenLabel: string;
  /** holdout MAE of the buyers' mean order value: the spend model the backtest chose, own mean, Gamma-Gamma */
  spend: { chosen: string; mae: number; ownMean: number; gammaGamma: number | null } | null;
  /** the chosen forecast with the learned correction (models/learned-correction.ts) applied where it validated */
  final: HoldoutMetrics;
  finalLabel: string;
  /** aucCeiling: the best AUC the learned correction's features allow, fitted on the holdout itself */
  ceiling: number;
}

type LineFormat = (label: string, m: HoldoutMetrics) => string;

/**
 * The self-backtest inside the calibration period chooses a model, scale and seasonality (as a run would, whole
 * weeks, the horizons of backtestHorizons); every candidate is then fitted on the whole calibration period (days,
 * as lifetimes) and judged on the holdout beside BG/NBD, the chosen one marked. Also shown, not used: the chosen
 * model scaled by its longest backtest horizon's unshrunk ratio — what a correction "matched" to the horizon
 * would have done. Then the learned correction (models/learned-correction.ts) as a run learns it: without its guard
 * ("both parts", shown, not used) and, marked, with the parts its validation let through.
 */
function holdoutSection(s: HoldoutSplit, log: (line: string) => void, line: LineFormat): SplitOutcome {
  const calibration = s.full.map((h) => ({ days: Array.from(h.days).filter((d) => d <= s.split) }));
  const first = calibration.reduce((m, h) => (h.days.length ? Math.min(m, h.days[0]) : m), Infinity);
  const holdout = s.end - s.split;
  const horizons = backtestHorizons(s.split - first, holdout);
  const choice = backtest(calibration, {
    cutoffDay: s.split,
    horizons,
    unitDays: 7,
    forecastDays: holdout,
  });
  const outer = splitHistories(
    s.full.map((h) => ({ days: Array.from(h.days).filter((d) => d <= s.end) })),
    s.split,
  );
  log('');
  log(
    `${s.name}: holdout ${holdout} days, ${outer.actual.reduce((a, v) => a + v, 0)} repeat purchases by ${outer.summaries.length} customers; backtest horizons ${horizons.join(', ')} days`,
  );
  log(`  choice: ${choice.reason}`);
  let textbook: HoldoutMetrics | null = null;
  let chosen: HoldoutMetrics | null = null;
  let chosenExpected: number[] | null = null;
  let chosenLabel = 'BG/NBD (no choice)';
  let final: HoldoutMetrics | null = null;
  let finalLabel = '';
  let ceiling = NaN;
  for (const model of COUNT_MODELS) {
    const fit = fitCountModelByName(model, outer.summaries);
    const predicted = outer.summaries.map((c) =>
      modelExpectedPurchases({ model, params: fit.params }, holdout, c),
    );
    // the textbook is ranked by E[X] for AUC, as lifetimes' conditional expected purchases are; every candidate
    // (the textbook's own model too, on its own row) by P(X > 0), the model's answer to "buys again"
    const pBuy = outer.summaries.map((c) => modelPBuy({ model, params: fit.params }, holdout, c));
    const m = holdoutMetrics(predicted, outer.actual, pBuy);
    const candidate = choice.candidates.find((c) => c.model === model);
    const note = candidate?.excluded ? ' (left out)' : '';
    if (model === 'bg-nbd') {
      textbook = holdoutMetrics(predicted, outer.actual);
      log(line('BG/NBD (textbook)', textbook));
      ceiling = aucCeiling(outer.summaries, predicted, pBuy, outer.actual);
    }
    log(line(`${modelLabel(model)}${note}`, m));
    if (model !== choice.chosen) continue;
    const season = choice.seasonality;
    const factor = (i: number) =>
      season ? seasonalFactor(season, s.split, outer.summaries[i].T, 0, holdout) : 1;
    chosenLabel = `${modelLabel(model)}${season ? ' + seasonality' : ''} × ${choice.scale.toFixed(3)}${candidate?.yearAgo ? ' (year-ago split)' : ''}`;
    chosenExpected = predicted.map((v, i) => v * choice.scale * factor(i));
    chosen = holdoutMetrics(
      chosenExpected,
      outer.actual,
      // the score the backtest found to rank "buys again" better; scale and seasonal factor multiply the purchase
      // rate, so P(buy) sees them as a rate scale
      candidate?.aucBy === 'expected'
        ? undefined
        : outer.summaries.map((c, i) => {
            const k = choice.scale * factor(i);
            return k > 0 ? modelPBuy({ model, params: fit.params }, holdout, c, k) : 0;
          }),
    );
    // the learned correction as a run learns it (the chosen model's fit at the backtest's longest horizon, inside
    // the calibration), applied to the holdout forecast: shown whether or not its validation let it be used
    const last = candidate?.horizons[candidate.horizons.length - 1];
    const learned = last
      ? learnCorrection(calibration, { model, params: last.params, horizon: last.horizon }, s.split)
      : null;
    const withCorrection = (() => {
      if (!last) return null;
      const all = learnCorrection(
        calibration,
        { model, params: last.params, horizon: last.horizon },
        s.split,
        {
          force: true,
        },
      ).correction;
      if (!all) return null;
      const rows = outer.summaries.map((c, i) => ({
        expected: predicted[i],
        features: correctionFeatures(c, predicted[i], pBuy[i]),
      }));
      const apply = (c: typeof all) => {
        const level = correctionLevel(c, rows);
        return holdoutMetrics(
          rows.map(
            (r, i) => predicted[i] * choice.scale * factor(i) * countFactor({ ...c, level }, r.features),
          ),
          outer.actual,
          c.pBuy
            ? rows.map((r, i) => correctedPBuy(c, r.features, pBuy[i]))
            : candidate?.aucBy === 'expected'
              ? undefined
              : chosen!.aucBy === 'p_buy'
                ? outer.summaries.map((c2, i) => {
                    const k = choice.scale * factor(i);
                    return k > 0 ? modelPBuy({ model, params: fit.params }, holdout, c2, k) : 0;
                  })
                : undefined,
        );
      };
      return {
        all: apply(all),
        used: learned?.correction ? apply(learned.correction) : null,
      };
    })();
    log(line(`${learned?.correction ? '' : '* '}chosen: ${chosenLabel}`, chosen));
    if (withCorrection) {
      const parts = learned?.correction
        ? [learned.usedCount ? 'E[X]' : '', learned.usedPBuy ? 'P(buy)' : ''].filter(Boolean).join(' + ')
        : '';
      log(
        line(
          `  + learned correction, both parts${learned?.correction ? '' : ' (not used)'}`,
          withCorrection.all,
        ),
      );
      if (withCorrection.used) {
        finalLabel = `${chosenLabel} + learned correction of ${parts}`;
        final = withCorrection.used;
        log(line(`* + learned correction of ${parts} (used)`, final));
      }
    }
    log(`  learned correction: ${learned?.reason ?? 'no backtest fit'}`);
    const longest = candidate?.horizons[candidate.horizons.length - 1]?.metrics;
    if (longest && longest.predicted > 0) {
      const matched = longest.actual / longest.predicted;
      log(
        line(
          `  longest-horizon × ${matched.toFixed(3)} (not used)`,
          holdoutMetrics(
            predicted.map((v, i) => v * matched * factor(i)),
            outer.actual,
            pBuy,
          ),
        ),
      );
    }
  }
  log(
    `  AUC ceiling of the learned correction's features, fitted on this holdout itself (not a forecast): ${ceiling.toFixed(4)} = BG/NBD ${ceiling - textbook!.auc! >= 0 ? '+' : ''}${(ceiling - textbook!.auc!).toFixed(4)}`,
  );
  const spend = spendSection(s, choice, chosenExpected, log);
  const chosenOrTextbook = chosen ?? textbook!;
  return {
    name: s.name,
    textbook: textbook!,
    chosen: chosenOrTextbook,
    chosenLabel,
    spend,
    ceiling,
    final: final ?? chosenOrTextbook,
    finalLabel: final ? finalLabel : chosenLabel,
  };
}

/**
 * How well "buys again" could be ranked from the learned correction's features at all: a logistic regression on
 * them and their squares (BG/NBD's E[X] and P(buy) among them), fitted on the holdout's own outcomes — an optimistic
 * bound, as no forecast knows the holdout. Where it is not 0.01 above the textbook's AUC, no correction built from
 * these features meets that goal (issue 13).
 */
function aucCeiling(
  summaries: RepeatSummary[],
  expected: number[],
  pBuy: number[],
  actual: ArrayLike<number>,
): number {
  const rows = summaries.map((c, i) => {
    const f = correctionFeatures(c, expected[i], pBuy[i]);
    return [...f, ...f.map((v) => v * v)];
  });
  const y = Array.from(actual, (a) => (a > 0 ? 1 : 0));
  const fit = fitGlm('logistic', rows, y, undefined, { ridge: 1e-3 });
  return rocAuc(
    rows.map((r) => linearPredictor(fit.coefficients, r)),
    actual,
  )!;
}

/**
 * The spend candidates on one split (data with spend only): the spend backtest inside the calibration period
 * chooses (as a run does, with the count backtest's horizons and chosen model); every candidate is then fitted on
 * the calibration's repeat buyers and judged on the holdout buyers' mean order value, and with the chosen count
 * forecast's E[X] on the holdout revenue of every customer, the chosen one marked.
 */
function spendSection(
  s: HoldoutSplit,
  choice: ReturnType<typeof backtest>,
  expected: number[] | null,
  log: (line: string) => void,
): SplitOutcome['spend'] {
  if (!s.full.every((h) => h.amounts)) return null;
  const withSpend = s.full.map((h) => ({ days: Array.from(h.days), amounts: Array.from(h.amounts!) }));
  const calibration = withSpend.map((h) => {
    const k = h.days.filter((d) => d <= s.split).length;
    return { days: h.days.slice(0, k), amounts: h.amounts.slice(0, k) };
  });
  const countModel = choice.candidates.find((c) => c.model === (choice.chosen ?? 'bg-nbd'));
  const scale = choice.chosen ? choice.scale : 1;
  const inner = spendBacktest(calibration, {
    cutoffDay: s.split,
    horizons: choice.horizons,
    expectedPurchases: (h, summaries) => {
      const fit = countModel?.horizons.find((r) => r.horizon === h);
      return countModel && fit
        ? summaries.map(
            (c) => scale * modelExpectedPurchases({ model: countModel.model, params: fit.params }, h, c),
          )
        : null;
    },
  });
  const outer = spendSplit(withSpend, s.split, s.end);
  const rows = outer
    .filter((c) => c.summary.x > 0 && c.repeatMean !== null && c.repeatMean > 0)
    .map((c) => ({ x: c.summary.x, mean: c.repeatMean! }))
    .sort((p, q) => p.x - q.x || p.mean - q.mean);
  const buyers = outer.filter((c) => c.holdoutPurchases > 0).length;
  log(
    `  spend: ${buyers} holdout buyers; chosen by the spend backtest: ${spendLabel(inner.chosen)} (lowest mean backtest MAE of the buyers' mean order value; within ${100 * SPEND_MAE_TIE_SHARE} % the simpler wins); money in minor units, revenue = chosen count forecast × order value`,
  );
  const maes = new Map<string, number>();
  for (const model of SPEND_MODELS) {
    const fit = fitSpendModel(model, rows);
    const candidate = inner.candidates.find((c) => c.model === model)!;
    const mark = model === inner.chosen ? '* ' : '  ';
    const backtestMae = Number.isFinite(candidate.meanMae) ? candidate.meanMae.toFixed(0) : '–';
    const label = `${mark}${model}${candidate.excluded ? ' (left out)' : ''}`.padEnd(35);
    if (!fit.model) {
      log(
        `  ${label} backtest MAE ${backtestMae.padStart(6)}  holdout fit rejected (${fit.rejected?.split(':')[0]})`,
      );
      continue;
    }
    const predicted = outer.map((c) => spendOrderValue(fit.model!, c.summary.x, c.repeatMean, c.ownMean));
    const m = spendMetrics(outer, predicted, expected);
    maes.set(model, m.mae);
    log(
      `  ${label} backtest MAE ${backtestMae.padStart(6)}  holdout order value MAE ${m.mae.toFixed(0).padStart(6)} (aggregate ${(100 * (m.aggregateError ?? NaN)).toFixed(1).padStart(5)} %)  revenue MAE ${m.revenueMae === null ? '–' : m.revenueMae.toFixed(0).padStart(6)} (aggregate ${m.revenueAggregateError === null ? '–' : (100 * m.revenueAggregateError).toFixed(1).padStart(5)} %)`,
    );
  }
  return {
    chosen: inner.chosen,
    mae: maes.get(inner.chosen) ?? NaN,
    ownMean: maes.get('own-mean') ?? NaN,
    gammaGamma: maes.get('gamma-gamma') ?? null,
  };
}

/** The goals of issue 13 for one split: chosen against the textbook. */
function goalLine(o: SplitOutcome, which: 'chosen' | 'final'): string {
  const m = o[which];
  const agg = m.aggregateError ?? NaN;
  const mae = m.mae / o.textbook.mae;
  const auc = (m.auc ?? NaN) - (o.textbook.auc ?? NaN);
  const top = (m.topDecileCapture ?? NaN) - (o.textbook.topDecileCapture ?? NaN);
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  return `${which === 'final' ? 'with learned correction: ' : 'without: '}${o.name}: aggregate ${(100 * agg).toFixed(1)} % (BG/NBD ${(100 * (o.textbook.aggregateError ?? NaN)).toFixed(1)} %; ±5 % ${ok(Math.abs(agg) <= 0.05)}), MAE ${mae.toFixed(3)}× (≤ 0.95 ${ok(mae <= 0.95)}), AUC ${auc >= 0 ? '+' : ''}${auc.toFixed(4)} (${m.aucBy} vs ${o.textbook.aucBy}; ≥ +0.01 ${ok(auc >= 0.01)}), top decile ${top >= 0 ? '+' : ''}${(100 * top).toFixed(2)} points (≥ 0 ${ok(top >= 0)})`;
}

/** Purchase days per customer of a generated workspace (src/generator: paid orders, distinct UTC days). */
function generatedHistories(opts: { customers: number; seed: number; asOf: string; historyDays: number }) {
  const rows = generateCrmRows({
    customers: opts.customers,
    seed: opts.seed,
    asOf: new Date(`${opts.asOf}T00:00:00Z`),
    historyDays: opts.historyDays,
  });
  const spend = new Map<string, Map<number, number>>();
  for (const o of rows.orders) {
    if (o.status !== 'paid') continue;
    const byDay = spend.get(o.customer_external_id) ?? new Map<number, number>();
    const day = Math.floor(Date.parse(o.placed_at) / DAY_MS);
    byDay.set(day, (byDay.get(day) ?? 0) + Math.round(Number(o.amount) * 100));
    spend.set(o.customer_external_id, byDay);
  }
  return [...spend.keys()].sort().map((id) => {
    const byDay = spend.get(id)!;
    const days = [...byDay.keys()].sort((a, b) => a - b);
    return { days, amounts: days.map((d) => byDay.get(d)!) };
  });
}

/**
 * Every split the forecast is judged on, so that a correction tuned to one file shows on the others: CDNOW with
 * the calibration ending at weeks 26, 39 and 52 (holdout to week 78), the project's generator (seasonal; three
 * years, and a wholesaler-like year whose holdout crosses the November–December peak), and the planted data
 * with and without seasonality (the generator has no switch for it).
 */
function splits(cdnow: HoldoutSplit['full']): HoldoutSplit[] {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
  // CDNOW's day 0 is 1997-01-01: the end of week n is day 7n − 1
  const week = (n: number) => 7 * n - 1;
  const planted = (months: number[]) =>
    plant({ customers: 4_000, start: day('2020-01-01'), end: day('2023-12-31'), months, seed: 42 });
  return [
    { name: 'CDNOW, calibration weeks 1–26', full: cdnow, split: week(26), end: HOLDOUT_END },
    { name: 'CDNOW, calibration weeks 1–39', full: cdnow, split: CALIBRATION_END, end: HOLDOUT_END },
    { name: 'CDNOW, calibration weeks 1–52', full: cdnow, split: week(52), end: HOLDOUT_END },
    {
      name: 'generator, 3 years, holdout Oct–Dec',
      full: generatedHistories({ customers: 4_000, seed: 7, asOf: '2027-01-01', historyDays: 1_095 }),
      split: day('2026-09-30'),
      end: day('2026-12-31'),
    },
    {
      name: 'generator, wholesaler-like 13 months, holdout Oct–Dec',
      full: generatedHistories({ customers: 4_000, seed: 11, asOf: '2027-01-01', historyDays: 400 }),
      split: day('2026-09-30'),
      end: day('2026-12-31'),
    },
    {
      name: 'generator, 20 months, holdout Oct–Dec',
      full: generatedHistories({ customers: 4_000, seed: 12, asOf: '2027-01-01', historyDays: 640 }),
      split: day('2026-09-30'),
      end: day('2026-12-31'),
    },
    {
      name: 'generator, 20 months, holdout Jun–Aug',
      full: generatedHistories({ customers: 4_000, seed: 14, asOf: '2026-09-01', historyDays: 700 }),
      split: day('2026-05-31'),
      end: day('2026-08-31'),
    },
    {
      name: 'planted, no seasonality, holdout Oct–Dec',
      full: planted(new Array<number>(12).fill(1)),
      split: day('2023-09-30'),
      end: day('2023-12-31'),
    },
    {
      name: 'planted seasonal, holdout Oct–Dec',
      full: planted(PLANTED),
      split: day('2023-09-30'),
      end: day('2023-12-31'),
    },
  ];
}

/**
 * Issue 13: on every split of `splits`, the model a self-backtest inside the calibration period chooses, and every
 * candidate, judged on the holdout beside the textbook BG/NBD; what the fits cost on CDNOW; and the priority's
 * revenue capture on CDNOW beside naive rankings.
 */
export const scoringAccuracyBench: Benchmark = {
  name: 'scoring-accuracy',
  description:
    'holdout accuracy of every candidate model on several splits (CDNOW weeks 26/39/52, generated, planted), chosen by a backtest inside the calibration',
  async run(ctx): Promise<BenchResult> {
    const spend = cdnowSpend();
    const cdnow = spend.map((h) => ({ days: h.days, amounts: h.amounts }));
    const holdout = HOLDOUT_END - CALIBRATION_END;
    const figures: BenchFigure[] = [];
    const baselines: BenchFigure[] = [];
    const ratios: string[] = [];
    const line: LineFormat = (label, m) =>
      `  ${label.padEnd(44)} predicted ${m.predicted.toFixed(1).padStart(8)} (${(100 * (m.aggregateError ?? NaN)).toFixed(1).padStart(5)} %)  MAE ${m.mae.toFixed(4)}  RMSE ${m.rmse.toFixed(3)}  AUC ${m.auc!.toFixed(4)} by ${m.aucBy.padEnd(8)}  top decile ${(100 * m.topDecileCapture!).toFixed(1)} %`;

    // cost of the fits and of the backtest on CDNOW weeks 1–39 (days, as lifetimes; the backtest in weeks)
    const calibration = cdnow.map((h) => ({ days: Array.from(h.days).filter((d) => d <= CALIBRATION_END) }));
    const rows = splitHistories(calibration, CALIBRATION_END).summaries;
    for (const model of COUNT_MODELS) {
      const t = Date.now();
      fitCountModelByName(model, rows);
      (model === 'bg-nbd' ? baselines : figures).push({
        label: `${modelLabel(model)} fit on 2,357 customers by day`,
        value: Date.now() - t,
        unit: 'ms',
      });
    }
    const t = Date.now();
    backtest(calibration, {
      cutoffDay: CALIBRATION_END,
      horizons: backtestHorizons(CALIBRATION_END, holdout),
      unitDays: 7,
    });
    figures.push({
      label: 'self-backtest (3 horizons × 3 models, weeks)',
      value: (Date.now() - t) / 1000,
      unit: 's',
    });

    const outcomes = splits(cdnow).map((s) => holdoutSection(s, ctx.log, line));
    ctx.log('');
    for (const o of outcomes) {
      for (const which of ['chosen', 'final'] as const) {
        ctx.log(goalLine(o, which));
        ratios.push(goalLine(o, which));
      }
      const headroom = o.ceiling - o.textbook.auc!;
      const ceilingLine = `${o.name}: AUC ceiling of the correction's features (fitted on the holdout) BG/NBD ${headroom >= 0 ? '+' : ''}${headroom.toFixed(4)} (+0.01 within reach: ${headroom >= 0.01 ? 'yes' : 'no'})`;
      ctx.log(ceilingLine);
      ratios.push(ceilingLine);
      if (o.spend) {
        const sp = o.spend;
        const line = `${o.name}: spend ${sp.chosen} order value MAE ${sp.mae.toFixed(0)} (own mean ${sp.ownMean.toFixed(0)}, Gamma-Gamma ${sp.gammaGamma === null ? 'rejected' : sp.gammaGamma.toFixed(0)})`;
        ctx.log(line);
        ratios.push(line);
        figures.push({
          label: `${o.name}: chosen spend (${sp.chosen}) order value MAE`,
          value: sp.mae,
          unit: 'cents',
        });
        baselines.push({ label: `${o.name}: own mean order value MAE`, value: sp.ownMean, unit: 'cents' });
      }
      figures.push({ label: `${o.name}: chosen MAE`, value: o.chosen.mae, unit: '' });
      figures.push({ label: `${o.name}: with learned correction MAE`, value: o.final.mae, unit: '' });
      figures.push({
        label: `${o.name}: with learned correction AUC by ${o.final.aucBy}`,
        value: o.final.auc ?? NaN,
        unit: '',
      });
      baselines.push({ label: `${o.name}: BG/NBD MAE`, value: o.textbook.mae, unit: '' });
      figures.push({
        label: `${o.name}: chosen AUC by ${o.chosen.aucBy}`,
        value: o.chosen.auc ?? NaN,
        unit: '',
      });
      baselines.push({
        label: `${o.name}: BG/NBD AUC by ${o.textbook.aucBy}`,
        value: o.textbook.auc ?? NaN,
        unit: '',
      });
      figures.push({
        label: `${o.name}: chosen |aggregate error|`,
        value: Math.abs(o.chosen.aggregateError ?? NaN) * 100,
        unit: '%',
      });
      baselines.push({
        label: `${o.name}: BG/NBD |aggregate error|`,
        value: Math.abs(o.textbook.aggregateError ?? NaN) * 100,
        unit: '%',
      });
    }

    const t2 = Date.now();
    const { check, byTier } = cdnowPriorityCheck(spend, holdout);
    const pct = (v: number | null) => (v === null ? NaN : 100 * v);
    ctx.log(
      `top 10 % by each ranking at the end of week 39, share of weeks 40–78 revenue ($${(check.holdoutRevenue / 100).toFixed(0)} from ${check.customers} customers; ${((Date.now() - t2) / 1000).toFixed(1)} s): priority ${pct(check.capture.priority).toFixed(1)} %, recency ${pct(check.capture.recency).toFixed(1)} %, frequency ${pct(check.capture.frequency).toFixed(1)} %, spend ${pct(check.capture.monetary).toFixed(1)} %`,
    );
    figures.push({
      label: 'priority top-decile revenue capture',
      value: pct(check.capture.priority),
      unit: '%',
    });
    for (const r of NAIVE_RANKINGS)
      baselines.push({ label: `${r} top-decile revenue capture`, value: pct(check.capture[r]), unit: '%' });
    if (byTier) {
      const part = (name: string, m: TierAccuracy['overall'] | null) =>
        m
          ? `${name} ${m.customers} buyers: actual ${m.actual.toFixed(0)}, predicted ${m.predicted.toFixed(1)} (${pct(m.aggregateError).toFixed(1)} %), MAE ${m.mae.toFixed(4)}, AUC ${m.auc?.toFixed(4) ?? '—'}, top decile ${pct(m.topDecileCapture).toFixed(1)} %`
          : `${name}: none`;
      ctx.log(
        `weeks 40–78 by value tier at the end of week 39 (${byTier.model} as fitted on weeks 1–39, no scale): ${[
          part('all', byTier.overall),
          part('core', byTier.tiers.core),
          part('potential', byTier.tiers.potential),
          part('general', byTier.tiers.general),
        ].join('; ')}`,
      );
    }
    ratios.push(
      `priority − best naive (${check.bestNaive}) revenue capture = ${(pct(check.capture.priority) - pct(check.capture[check.bestNaive])).toFixed(1)} points (goal > 0)`,
    );
    return {
      figures,
      baselines,
      ratios,
      notes: outcomes.map((o) => `${o.name}: chosen ${o.finalLabel}`),
    };
  },
};
