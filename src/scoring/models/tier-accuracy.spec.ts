import { backtest } from './backtest';
import { plant } from './seasonality.testdata';
import { accuracyByTier, tierAccuracySentence } from './tier-accuracy';
import { VALUE_TIERS, type ValueTier } from './types';

describe('forecast accuracy by value tier', () => {
  const histories = plant({
    customers: 2_000,
    start: 0,
    end: 700,
    months: new Array<number>(12).fill(1),
    seed: 5,
  });
  const cutoffDay = 700;
  const horizon = 120;
  const result = backtest(histories, { cutoffDay, horizons: [60, horizon], models: ['bg-nbd'] });
  const last = result.candidates[0].horizons.find((h) => h.horizon === horizon)!;
  const fit = { model: 'bg-nbd' as const, params: last.params, horizon };

  it('over every buyer at the split, has the backtest’s own figures for that model and horizon', () => {
    const a = accuracyByTier(histories, fit, cutoffDay, () => 'general');
    expect(a.overall).toEqual(last.metrics);
    expect(a.tiers.general).toEqual(last.metrics);
    expect(a.tiers.core).toBeNull();
    expect(a.tiers.potential).toBeNull();
  });

  it('splits the buyers by the tier they held at the split: the groups add up to the whole', () => {
    // a tier rule of the customer's own history at the split: frequent buyers core, two-timers potential
    const splitDay = cutoffDay - horizon;
    const tierOf = (i: number): ValueTier => {
      const bought = Array.from(histories[i].days).filter((d) => d <= splitDay).length;
      return bought >= 5 ? 'core' : bought >= 2 ? 'potential' : 'general';
    };
    const a = accuracyByTier(histories, fit, cutoffDay, tierOf);
    const groups = VALUE_TIERS.map((t) => a.tiers[t]!);
    expect(groups.every((g) => g.customers > 0)).toBe(true);
    const sum = (f: (g: (typeof groups)[number]) => number) => groups.reduce((s, g) => s + f(g), 0);
    expect(sum((g) => g.customers)).toBe(a.overall.customers);
    expect(sum((g) => g.actual)).toBeCloseTo(a.overall.actual, 9);
    expect(sum((g) => g.predicted)).toBeCloseTo(a.overall.predicted, 6);
    // MAE over the whole is the customer-weighted mean of the groups'
    expect(sum((g) => g.mae * g.customers) / a.overall.customers).toBeCloseTo(a.overall.mae, 9);
    // the frequent buyers buy more in the holdout, and the model knows it
    expect(a.tiers.core!.actual / a.tiers.core!.customers).toBeGreaterThan(
      a.tiers.general!.actual / a.tiers.general!.customers,
    );
    expect(tierAccuracySentence(a)).toMatch(
      /^forecast accuracy by value tier over the last 120 days \(bg-nbd.*core \d+ buyers, MAE/,
    );
  });

  it('says a tier whose buyers bought nothing in the holdout has no aggregate error, not 0 %', () => {
    const splitDay = cutoffDay - horizon;
    // the customers who bought by the split and never after it: a tier of their own
    const silent = (i: number) => Array.from(histories[i].days).every((d) => d <= splitDay);
    const a = accuracyByTier(histories, fit, cutoffDay, (i) => (silent(i) ? 'potential' : 'general'));
    expect(a.tiers.potential!.actual).toBe(0);
    expect(a.tiers.potential!.predicted).toBeGreaterThan(0);
    expect(a.tiers.potential!.aggregateError).toBeNull();
    expect(tierAccuracySentence(a)).toMatch(/potential \d+ buyers, MAE [\d.]+, aggregate none bought/);
  });

  it('asks the tier only of customers who had bought by the split', () => {
    const asked: number[] = [];
    accuracyByTier(histories, fit, cutoffDay, (i) => {
      asked.push(i);
      return 'general';
    });
    const splitDay = cutoffDay - horizon;
    expect(asked.every((i) => histories[i].days[0] <= splitDay)).toBe(true);
    expect(asked.length).toBe(last.metrics.customers);
  });
});
