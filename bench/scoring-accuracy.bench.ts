import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  backtest,
  backtestHorizons,
  holdoutMetrics,
  type HoldoutMetrics,
  type PurchaseHistory,
  splitHistories,
} from '../src/scoring/models/backtest';
import {
  COUNT_MODELS,
  fitCountModelByName,
  modelExpectedPurchases,
  modelLabel,
  paramsInDays,
} from '../src/scoring/models/count-models';
import { seasonalFactor } from '../src/scoring/models/seasonality';
import { PLANTED, plant } from '../src/scoring/models/seasonality.testdata';
import { type RunModelContext } from '../src/scoring/chunk-scoring';
import { createScoringPolicy } from '../src/scoring/models/customer-policy';
import { NAIVE_RANKINGS, type PriorityCheck, type SpendHistory } from '../src/scoring/models/priority-check';
import { fitRunModels } from '../src/scoring/run-models';
import { runPriorityCheck } from '../src/scoring/run-priority-check';
import { allocateColumns, columnModelInputs, runStatistics } from '../src/scoring/run-statistics';
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
function cdnowPriorityCheck(full: SpendHistory[], holdout: number): PriorityCheck {
  const calibration = full.map((h) => {
    const k = Array.from(h.days).filter((d) => d <= CALIBRATION_END).length;
    return { days: Array.from(h.days).slice(0, k), amounts: Array.from(h.amounts).slice(0, k) };
  });
  const cols = allocateColumns(calibration.length);
  calibration.forEach((h, i) => {
    cols.customerId[i] = i + 1;
    cols.transactions[i] = h.days.length;
    cols.firstDay[i] = h.days[0];
    cols.lastDay[i] = h.days[h.days.length - 1];
    cols.monetary[i] = h.amounts.reduce((a, b) => a + b, 0);
    cols.firstAmount[i] = h.amounts[0];
  });
  cols.length = calibration.length;
  const stats = runStatistics(cols, CALIBRATION_END, { abcCutA: 0.7, abcCutB: 0.9 });
  const discountRateAnnual = 0.1;
  const models = fitRunModels(
    columnModelInputs(cols, CALIBRATION_END),
    { horizonDays: holdout, buyers: stats.buyers, repeaters: stats.repeaters, discountRateAnnual },
    { histories: calibration, cutoffDay: CALIBRATION_END },
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
  };
  const policy = createScoringPolicy(
    {
      medianCycleDays: stats.medianCycleDays,
      referenceValue: stats.medianMonetary,
      highClvMin: models.highClvMin,
    },
    { clvHorizonDays: holdout },
  );
  return runPriorityCheck(
    full.map((h) => {
      const k = Array.from(h.days).filter((d) => d <= HOLDOUT_END).length;
      return { days: Array.from(h.days).slice(0, k), amounts: Array.from(h.amounts).slice(0, k) };
    }),
    full.map(() => 'individual' as const),
    { cutoffDay: HOLDOUT_END, horizonDays: holdout, context, policy },
  );
}

/**
 * Planted seasonal data (models/seasonality.testdata.ts: summer lull, November–December peak, 4,000 customers over
 * 2020–2023): the model and seasonality a backtest inside 2020-01 … 2023-09 chooses, judged on October–December
 * 2023 (the peak) beside every candidate without seasonality.
 */
function seasonalSection(log: (line: string) => void, line: (label: string, m: HoldoutMetrics) => string) {
  const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
  const end = day('2023-12-31');
  const split = day('2023-09-30');
  const full = plant({ customers: 4_000, start: day('2020-01-01'), end, months: PLANTED, seed: 42 });
  const calibration = full.map((h) => ({ days: Array.from(h.days).filter((d) => d <= split) }));
  const choice = backtest(calibration, { cutoffDay: split, horizons: [49, 70, 91], unitDays: 7 });
  log(`planted seasonal data, backtest inside 2020-01 … 2023-09: ${choice.reason}`);
  const outer = splitHistories(full, split);
  let textbook: HoldoutMetrics | null = null;
  let chosen: HoldoutMetrics | null = null;
  for (const model of COUNT_MODELS) {
    const rows = outer.summaries.map((s) => ({ x: s.x, tx: Math.round(s.tx / 7), T: Math.round(s.T / 7) }));
    const fitted = { model, params: paramsInDays(model, fitCountModelByName(model, rows).params, 7) };
    const predicted = outer.summaries.map((s) => modelExpectedPurchases(fitted, end - split, s));
    const m = holdoutMetrics(predicted, outer.actual);
    log(line(`${modelLabel(model)}${model === choice.chosen ? ' (chosen)' : ''}`, m));
    if (model === 'bg-nbd') textbook = m;
    if (model === choice.chosen) {
      const season = choice.seasonality;
      chosen = holdoutMetrics(
        predicted.map(
          (v, i) =>
            v *
            choice.scale *
            (season ? seasonalFactor(season, split, outer.summaries[i].T, 0, end - split) : 1),
        ),
        outer.actual,
      );
      log(line(`chosen${season ? ' + seasonality' : ''} × ${choice.scale.toFixed(3)}`, chosen));
    }
  }
  return { textbook, chosen };
}

/**
 * Issue 13: on CDNOW, the model a self-backtest inside weeks 1–39 chooses, and every candidate, judged on weeks
 * 40–78 beside the textbook BG/NBD; and what the candidates' fits cost.
 */
export const scoringAccuracyBench: Benchmark = {
  name: 'scoring-accuracy',
  description:
    'holdout accuracy of every candidate model on CDNOW (chosen by a backtest inside the calibration)',
  async run(ctx): Promise<BenchResult> {
    const spend = cdnowSpend();
    const full: PurchaseHistory[] = spend.map((h) => ({ days: h.days }));
    const calibration = full.map((h) => ({ days: Array.from(h.days).filter((d) => d <= CALIBRATION_END) }));
    const first = Math.min(...calibration.map((h) => h.days[0]));
    const holdout = HOLDOUT_END - CALIBRATION_END;
    const horizons = backtestHorizons(CALIBRATION_END - first, holdout);
    let t = Date.now();
    const choice = backtest(calibration, { cutoffDay: CALIBRATION_END, horizons, unitDays: 7 });
    const backtestSeconds = (Date.now() - t) / 1000;
    ctx.log(`backtest inside weeks 1–39 at horizons ${horizons.join(', ')} days: ${choice.reason}`);
    const outer = splitHistories(
      full.map((h) => ({ days: Array.from(h.days).filter((d) => d <= HOLDOUT_END) })),
      CALIBRATION_END,
    );
    const rows = outer.summaries.map((s) => ({ x: s.x, tx: s.tx, T: s.T }));
    const figures: BenchFigure[] = [];
    const baselines: BenchFigure[] = [];
    const line = (label: string, m: HoldoutMetrics) =>
      `${label.padEnd(26)} predicted ${m.predicted.toFixed(1).padStart(7)} (${(100 * m.aggregateError).toFixed(1).padStart(5)} %)  MAE ${m.mae.toFixed(4)}  RMSE ${m.rmse.toFixed(3)}  AUC ${m.auc!.toFixed(4)}  top decile ${(100 * m.topDecileCapture!).toFixed(1)} %`;
    let textbook: HoldoutMetrics | null = null;
    let chosen: HoldoutMetrics | null = null;
    ctx.log(
      `holdout weeks 40–78: ${outer.actual.reduce((s, v) => s + v, 0)} repeat purchases by ${rows.length} customers`,
    );
    for (const model of COUNT_MODELS) {
      t = Date.now();
      const fit = fitCountModelByName(model, rows);
      const seconds = (Date.now() - t) / 1000;
      const predicted = outer.summaries.map((s) =>
        modelExpectedPurchases({ model, params: fit.params }, holdout, s),
      );
      const m = holdoutMetrics(predicted, outer.actual);
      ctx.log(line(`${modelLabel(model)}${model === choice.chosen ? ' (chosen)' : ''}`, m));
      (model === 'bg-nbd' ? baselines : figures).push({
        label: `${modelLabel(model)} fit on 2,357 customers by day`,
        value: seconds * 1000,
        unit: 'ms',
      });
      if (model === 'bg-nbd') textbook = m;
      if (model === choice.chosen) {
        chosen = holdoutMetrics(
          predicted.map((v) => v * choice.scale),
          outer.actual,
        );
        ctx.log(line(`chosen × ${choice.scale.toFixed(3)}`, chosen));
      }
    }
    figures.push({
      label: 'self-backtest (3 horizons × 3 models, weeks)',
      value: backtestSeconds,
      unit: 's',
    });
    const ratios: string[] = [];
    if (textbook && chosen) {
      figures.push({ label: 'chosen MAE', value: chosen.mae, unit: '' });
      baselines.push({ label: 'BG/NBD MAE', value: textbook.mae, unit: '' });
      figures.push({
        label: 'chosen |aggregate error|',
        value: Math.abs(chosen.aggregateError) * 100,
        unit: '%',
      });
      baselines.push({
        label: 'BG/NBD |aggregate error|',
        value: Math.abs(textbook.aggregateError) * 100,
        unit: '%',
      });
      ratios.push(`chosen MAE / BG/NBD MAE = ${(chosen.mae / textbook.mae).toFixed(3)} (goal ≤ 0.95)`);
      ratios.push(`chosen AUC − BG/NBD AUC = ${(chosen.auc! - textbook.auc!).toFixed(4)} (goal ≥ 0.01)`);
      ratios.push(
        `chosen top-decile capture − BG/NBD = ${(100 * (chosen.topDecileCapture! - textbook.topDecileCapture!)).toFixed(2)} points (goal ≥ 0)`,
      );
    }
    const planted = seasonalSection(ctx.log, line);
    if (planted.textbook && planted.chosen) {
      figures.push({
        label: 'planted seasonal: chosen |aggregate error|',
        value: Math.abs(planted.chosen.aggregateError) * 100,
        unit: '%',
      });
      baselines.push({
        label: 'planted seasonal: BG/NBD |aggregate error|',
        value: Math.abs(planted.textbook.aggregateError) * 100,
        unit: '%',
      });
      figures.push({ label: 'planted seasonal: chosen MAE', value: planted.chosen.mae, unit: '' });
      baselines.push({ label: 'planted seasonal: BG/NBD MAE', value: planted.textbook.mae, unit: '' });
    }
    t = Date.now();
    const check = cdnowPriorityCheck(spend, holdout);
    const pct = (v: number | null) => (v === null ? NaN : 100 * v);
    ctx.log(
      `top 10 % by each ranking at the end of week 39, share of weeks 40–78 revenue ($${(check.holdoutRevenue / 100).toFixed(0)} from ${check.customers} customers; ${((Date.now() - t) / 1000).toFixed(1)} s): priority ${pct(check.capture.priority).toFixed(1)} %, recency ${pct(check.capture.recency).toFixed(1)} %, frequency ${pct(check.capture.frequency).toFixed(1)} %, spend ${pct(check.capture.monetary).toFixed(1)} %`,
    );
    figures.push({
      label: 'priority top-decile revenue capture',
      value: pct(check.capture.priority),
      unit: '%',
    });
    for (const r of NAIVE_RANKINGS)
      baselines.push({ label: `${r} top-decile revenue capture`, value: pct(check.capture[r]), unit: '%' });
    ratios.push(
      `priority − best naive (${check.bestNaive}) revenue capture = ${(pct(check.capture.priority) - pct(check.capture[check.bestNaive])).toFixed(1)} points (goal > 0)`,
    );
    return {
      figures,
      baselines,
      ratios,
      notes: [
        `chosen: ${choice.chosen} — ${choice.reason}`,
        'planted seasonal data: models/seasonality.testdata.ts (a Poisson-thinning plant, not src/generator)',
      ],
    };
  },
};
