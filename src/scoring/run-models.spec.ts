import { CountForecaster } from './count-forecaster';
import { historyColumns } from './history-columns.testdata';
import { plantCorrectable } from './models/seasonality.testdata';
import { correctionPopulation, fitRunModels } from './run-models';
import { allocateColumns, columnModelInputs } from './run-statistics';

/** Buyers who purchase every `gap` days from `start` to the cutoff: nobody ever drops out. */
function everybodyStays(customers: number, cutoff: number, gap: number) {
  const histories = Array.from({ length: customers }, (_, i) => {
    const days: number[] = [];
    for (let d = i % gap; d <= cutoff; d += gap) days.push(d);
    return { days };
  });
  return { histories, cols: historyColumns(histories) };
}

describe('fitRunModels with a self-backtest', () => {
  it('when every candidate is degenerate, keeps BG/NBD as fitted, uncorrected, and says why', () => {
    const { histories, cols } = everybodyStays(300, 300, 7);
    const models = fitRunModels(
      columnModelInputs(cols, 300),
      { horizonDays: 365, buyers: 300, repeaters: 300, discountRateAnnual: 0.1 },
      { histories, cutoffDay: 300 },
    );
    expect(models.bgNbd).not.toBeNull();
    expect(models.forecast).toBeNull();
    expect(models.report.choice?.chosen).toBeNull();
    expect(models.report.choice?.candidates.every((c) => c.excluded)).toBe(true);
    expect(models.report.reasons.join('\n')).toMatch(
      /no usable model: the scores use BG\/NBD as fitted, uncorrected/,
    );
  });

  it('without enough history for a backtest, says so and uses BG/NBD', () => {
    const { histories, cols } = everybodyStays(60, 40, 3);
    const models = fitRunModels(
      columnModelInputs(cols, 40),
      { horizonDays: 365, buyers: 60, repeaters: 60, discountRateAnnual: 0.1 },
      { histories, cutoffDay: 40 },
    );
    expect(models.forecast).toBeNull();
    expect(models.report.choice).toBeUndefined();
    expect(models.report.reasons.join('\n')).toMatch(/no self-backtest: less than 8 weeks of history/);
  });

  it('gives the same fits whatever order the inputs arrive in (issue 13 item 7)', () => {
    const { cols } = everybodyStays(200, 300, 9);
    const reversed = allocateColumns(cols.length);
    for (let i = 0; i < cols.length; i++) {
      const j = cols.length - 1 - i;
      reversed.customerId[i] = cols.customerId[j];
      reversed.transactions[i] = cols.transactions[j];
      reversed.firstDay[i] = cols.firstDay[j];
      reversed.lastDay[i] = cols.lastDay[j];
      reversed.monetary[i] = cols.monetary[j];
      reversed.firstAmount[i] = cols.firstAmount[j];
    }
    reversed.length = cols.length;
    const a = columnModelInputs(cols, 300).bgNbdRows('day');
    const b = columnModelInputs(reversed, 300).bgNbdRows('day');
    expect(b).toEqual(a);
    expect(columnModelInputs(reversed, 300).gammaGammaRows()).toEqual(
      columnModelInputs(cols, 300).gammaGammaRows(),
    );
  });

  it('keeps the model’s total over the run’s buyers when it corrects, not over the backtest’s nightly sample', () => {
    // 6,000 buyers, a third of them the self-backtest's sample (a run draws ~2,000 afresh each night): the counts'
    // normaliser over that sample moved the median CLV of 1M customers by ×0.88 overnight (docs/models-clv.md)
    const all = plantCorrectable();
    const inputs = columnModelInputs(historyColumns(all), 900);
    const repeaters = all.filter((h) => h.days.length > 1).length;
    const models = fitRunModels(
      inputs,
      { horizonDays: 365, buyers: all.length, repeaters, discountRateAnnual: 0.1 },
      { histories: all.filter((_, i) => i % 3 === 0), cutoffDay: 900 },
    );
    expect(models.report.correction?.expectedPurchases).toBe(true);
    const settings = { horizon: 365, periodLength: 30, discountRatePerPeriod: 0.01 };
    const corrected = new CountForecaster(models.forecast!, settings);
    const plain = new CountForecaster({ ...models.forecast!, correction: undefined }, settings);
    const population = correctionPopulation(inputs, all.length);
    expect(population.reduce((n, r) => n + r.weight, 0)).toBe(all.length);
    const total = (f: CountForecaster) =>
      population.reduce((s, r) => s + r.weight * f.forecast(r).expectedPurchases, 0);
    expect(total(corrected) / total(plain)).toBeCloseTo(1, 9);
  });
});
