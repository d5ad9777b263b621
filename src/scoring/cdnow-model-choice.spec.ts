/**
 * Model choice on CDNOW, without peeking: the self-backtest sees only the calibration weeks 1–39 (it splits them
 * again, at 39 weeks − h), chooses a model and its correction there, and only then is the choice judged on weeks
 * 40–78 beside the textbook BG/NBD fitted on the same calibration. Prints the table docs/models-clv.md quotes.
 */
import { backtest, backtestHorizons, holdoutMetrics, splitHistories } from './models/backtest';
import { CALIBRATION_END_DAY, HOLDOUT_END_DAY, readCdnowPurchaseDays } from './models/cdnow.testdata';
import { COUNT_MODELS, fitCountModelByName, modelExpectedPurchases, modelLabel } from './models/count-models';
import { fitRunModels } from './run-models';
import { allocateColumns, columnModelInputs } from './run-statistics';

describe('CDNOW: model chosen by a backtest inside weeks 1–39, judged on weeks 40–78', () => {
  const byCustomer = new Map<number, number[]>();
  for (const d of readCdnowPurchaseDays()) {
    const list = byCustomer.get(d.customerId) ?? [];
    list.push(d.day);
    byCustomer.set(d.customerId, list);
  }
  const ids = [...byCustomer.keys()].sort((a, b) => a - b);
  const full = ids.map((id) => ({ days: byCustomer.get(id)!.sort((a, b) => a - b) }));
  // what a run on 1997-09-30 can see
  const calibration = full.map((h) => ({ days: h.days.filter((d) => d <= CALIBRATION_END_DAY) }));
  const holdoutDays = HOLDOUT_END_DAY - CALIBRATION_END_DAY;
  const firstDay = Math.min(...calibration.map((h) => h.days[0]));
  const horizons = backtestHorizons(CALIBRATION_END_DAY - firstDay, holdoutDays);
  const choice = backtest(calibration, { cutoffDay: CALIBRATION_END_DAY, horizons, unitDays: 7 });

  const outer = splitHistories(
    full.map((h) => ({ days: h.days.filter((d) => d <= HOLDOUT_END_DAY) })),
    CALIBRATION_END_DAY,
  );
  const rows = outer.summaries.map((s) => ({ x: s.x, tx: s.tx, T: s.T }));
  const judged = COUNT_MODELS.map((model) => {
    const fit = fitCountModelByName(model, rows);
    const predicted = outer.summaries.map((s) =>
      modelExpectedPurchases({ model, params: fit.params }, holdoutDays, s),
    );
    return { model, params: fit.params, predicted, metrics: holdoutMetrics(predicted, outer.actual) };
  });
  const textbook = judged.find((j) => j.model === 'bg-nbd')!.metrics;
  const chosenRaw = judged.find((j) => j.model === choice.chosen)!;
  const chosen = holdoutMetrics(
    chosenRaw.predicted.map((v) => v * choice.scale),
    outer.actual,
  );

  it('prints the backtest, the choice and the holdout table', () => {
    const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
    const lines = [
      `backtest inside weeks 1–39: cutoff 1997-09-30, horizons ${horizons.join(', ')} days, ${choice.customers} customers`,
      ...choice.candidates.map(
        (c) =>
          `  ${modelLabel(c.model).padEnd(11)} MAE ${c.horizons.map((h) => h.metrics.mae.toFixed(3)).join(' / ')}  aggregate ${c.horizons
            .map((h) => pct(h.metrics.aggregateError!))
            .join(
              ' / ',
            )}  mean MAE ${c.meanMae.toFixed(4)}  correction × ${c.scale.toFixed(3)}${c.excluded ? '  (excluded)' : ''}`,
      ),
      `chosen: ${choice.chosen} — ${choice.reason}`,
      '',
      `holdout weeks 40–78 (${outer.summaries.length} customers, ${outer.actual.reduce((s, v) => s + v, 0)} repeat purchases)`,
      'model                 predicted  aggregate    MAE    RMSE    AUC   top decile',
      ...judged.map((j) => row(modelLabel(j.model), j.metrics)),
      row(`chosen (${modelLabel(choice.chosen!)} × ${choice.scale.toFixed(3)})`, chosen),
      `chosen vs BG/NBD: MAE ${(chosen.mae / textbook.mae).toFixed(3)}×, AUC ${(chosen.auc! - textbook.auc!).toFixed(4)}, top decile ${(
        chosen.topDecileCapture! - textbook.topDecileCapture!
      ).toFixed(
        4,
      )}, |aggregate| ${pct(Math.abs(chosen.aggregateError!))} vs ${pct(Math.abs(textbook.aggregateError!))}`,
    ];
    console.log(lines.join('\n'));
    function row(label: string, m: typeof chosen): string {
      return `${label.padEnd(21)} ${m.predicted.toFixed(1).padStart(9)}  ${pct(m.aggregateError!).padStart(8)}  ${m.mae.toFixed(4)}  ${m.rmse.toFixed(3)}  ${m.auc!.toFixed(4)}  ${pct(m.topDecileCapture!)}`;
    }
  });

  it('never looked past week 39 to choose', () => {
    expect(calibration.every((h) => h.days.every((d) => d <= CALIBRATION_END_DAY))).toBe(true);
    expect(Math.max(...horizons)).toBeLessThanOrEqual((CALIBRATION_END_DAY - firstDay) / 2);
  });

  it('the textbook BG/NBD is the one of cdnow-holdout.spec.ts and lifetimes: 1,653.4 predicted, MAE 0.785', () => {
    expect(textbook.predicted).toBeCloseTo(1653.4, 1);
    expect(Math.abs(textbook.mae - 0.7855)).toBeLessThan(5e-4);
  });

  it('the chosen forecast beats BG/NBD on MAE and aggregate error, and ranks at least as well', () => {
    expect(choice.chosen).not.toBeNull();
    expect(chosen.mae).toBeLessThan(textbook.mae);
    expect(Math.abs(chosen.aggregateError!)).toBeLessThan(Math.abs(textbook.aggregateError!));
    expect(chosen.auc!).toBeGreaterThanOrEqual(textbook.auc!);
    expect(chosen.topDecileCapture!).toBeGreaterThanOrEqual(textbook.topDecileCapture!);
  });

  it("the run's own fit step makes the same choice and scores with it (fitRunModels with the backtest input)", () => {
    const purchases = readCdnowPurchaseDays().filter((d) => d.day <= CALIBRATION_END_DAY);
    const byId = new Map<number, Array<{ day: number; cents: number }>>();
    for (const d of purchases) {
      const list = byId.get(d.customerId) ?? [];
      list.push({ day: d.day, cents: Math.round(d.dollars * 100) });
      byId.set(d.customerId, list);
    }
    const cols = allocateColumns(byId.size);
    [...byId.keys()]
      .sort((a, b) => a - b)
      .forEach((id, i) => {
        const list = byId.get(id)!.sort((a, b) => a.day - b.day);
        cols.customerId[i] = id;
        cols.transactions[i] = list.length;
        cols.firstDay[i] = list[0].day;
        cols.lastDay[i] = list[list.length - 1].day;
        cols.monetary[i] = list.reduce((n, d) => n + d.cents, 0);
        cols.firstAmount[i] = list[0].cents;
      });
    cols.length = byId.size;
    const repeaters = [...byId.values()].filter((l) => l.length > 1).length;
    const models = fitRunModels(
      columnModelInputs(cols, CALIBRATION_END_DAY),
      { horizonDays: holdoutDays, buyers: byId.size, repeaters, discountRateAnnual: 0.1 },
      { histories: calibration, cutoffDay: CALIBRATION_END_DAY },
    );
    expect(models.report.choice).toMatchObject({ chosen: choice.chosen, horizons });
    expect(models.forecast?.model).toBe(choice.chosen);
    expect(models.forecast?.scale).toBeCloseTo(choice.scale, 12);
    expect(models.report.reasons.join('\n')).toMatch(/model chosen by the self-backtest: Pareto\/NBD/);
    expect(models.highClvMin).toBeGreaterThan(0);
  });
});
