import { backtest, YEAR_AGO_DAYS } from './backtest';
import { estimateSeasonality, meanIndex, SEASONALITY_MIN_MONTHS, seasonalFactor } from './seasonality';
import { PLANTED, plant } from './seasonality.testdata';

const DAY = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

describe('estimateSeasonality', () => {
  const start = dayOf('2020-01-01');
  const end = dayOf('2023-12-31');

  it('recovers the planted month indices from four years of repeat purchases', () => {
    const histories = plant({ customers: 3_000, start, end, months: PLANTED, seed: 1 });
    const { index, reason } = estimateSeasonality(histories, end);
    expect(index).not.toBeNull();
    expect(reason).toMatch(/^month indices from 47 months/);
    index!.months.forEach((v, k) => expect(Math.abs(v - PLANTED[k])).toBeLessThan(0.06));
    expect(index!.months.reduce((s, v) => s + v, 0) / 12).toBeCloseTo(1, 12);
  });

  it('finds (almost) nothing in data without seasonality', () => {
    const histories = plant({ customers: 3_000, start, end, months: Array(12).fill(1), seed: 2 });
    const { index } = estimateSeasonality(histories, end);
    index!.months.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(0.03));
  });

  it('shrinks a thin history towards 1 more than a thick one', () => {
    const thin = estimateSeasonality(
      plant({ customers: 60, start, end, months: PLANTED, seed: 3 }),
      end,
    ).index!;
    const thick = estimateSeasonality(
      plant({ customers: 3_000, start, end, months: PLANTED, seed: 3 }),
      end,
    ).index!;
    const mean = (w: number[]) => w.reduce((s, v) => s + v, 0) / w.length;
    expect(mean(thin.weights)).toBeLessThan(mean(thick.weights));
    expect(mean(thick.weights)).toBeGreaterThan(0.9);
  });

  it(`says so and gives no index with fewer than ${SEASONALITY_MIN_MONTHS} complete months`, () => {
    const histories = plant({ customers: 500, start, end: dayOf('2021-10-15'), months: PLANTED, seed: 4 });
    expect(estimateSeasonality(histories, dayOf('2021-10-15'))).toEqual({
      index: null,
      reason: `20 complete months of history; seasonality needs ${SEASONALITY_MIN_MONTHS}`,
    });
    expect(estimateSeasonality([], end).index).toBeNull();
  });
});

describe('meanIndex and seasonalFactor', () => {
  const index = { months: [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0] };

  it('averages the month indices over the days of a range', () => {
    // (2023-01-21, 2023-02-10]: 10 January days at 2, 10 February days at 1
    expect(meanIndex(index, dayOf('2023-01-21'), dayOf('2023-02-10'))).toBeCloseTo(1.5, 12);
    expect(meanIndex(index, dayOf('2022-12-31'), dayOf('2022-12-31'))).toBe(2);
  });

  it('is the window mean over the mean of the customer’s observed days', () => {
    // observed: the 61 days before the cutoff, 30 November days at 1 and 31 December days at 0; the window: 31
    // January days at 2
    const cutoff = dayOf('2022-12-31');
    expect(seasonalFactor(index, cutoff, 61, 0, 31)).toBeCloseTo(2 / ((30 * 1 + 31 * 0) / 61), 12);
  });
});

describe('the backtest with seasonality', () => {
  it('adopts the index on planted seasonal data and cuts the aggregate error of a horizon across the peak', () => {
    const start = dayOf('2020-01-01');
    const cutoff = dayOf('2023-12-31');
    const histories = plant({ customers: 2_000, start, end: cutoff, months: PLANTED, seed: 5 });
    const result = backtest(histories, {
      cutoffDay: cutoff,
      horizons: [91],
      models: ['bg-nbd'],
      unitDays: 7,
    });
    expect(result.seasonality).not.toBeNull();
    expect(result.reason).toMatch(/seasonality: month indices/);
    const [h] = result.candidates[0].horizons;
    // the split is on 1 October: the holdout is the October–December peak that a constant rate misses
    expect(h.metrics.aggregateError).toBeLessThan(-0.1);
    expect(Math.abs(h.seasonalMetrics!.aggregateError!)).toBeLessThan(
      Math.abs(h.metrics.aggregateError!) / 2,
    );
    expect(h.seasonalMetrics!.mae).toBeLessThan(h.metrics.mae);
  });

  it('learns the scale on the year-ago window after the index, so the season is not counted twice', () => {
    const start = dayOf('2020-01-01');
    const cutoff = dayOf('2023-09-30');
    const histories = plant({ customers: 2_000, start, end: cutoff, months: PLANTED, seed: 5 });
    const result = backtest(histories, {
      cutoffDay: cutoff,
      horizons: [91],
      models: ['bg-nbd'],
      unitDays: 7,
      forecastDays: 92,
    });
    expect(result.seasonality).not.toBeNull();
    expect(result.yearAgo).toEqual({ splitDay: cutoff - YEAR_AGO_DAYS, horizon: 92 });
    const matched = result.candidates[0].yearAgo!;
    // a year earlier the same 92 days were the October–December peak: a constant rate missed it, the index did not
    expect(matched.metrics.aggregateError).toBeLessThan(-0.1);
    expect(Math.abs(matched.seasonalMetrics!.aggregateError!)).toBeLessThan(0.08);
    expect(Math.abs(Math.log(result.scale))).toBeLessThan(0.08);
    expect(result.reason).toMatch(
      /a year earlier over the same 92 days of the calendar, seasonally adjusted/,
    );
  });

  it('does not adopt it without the history to estimate it', () => {
    const start = dayOf('2022-06-01');
    const cutoff = dayOf('2023-12-31');
    const histories = plant({ customers: 1_000, start, end: cutoff, months: PLANTED, seed: 6 });
    const result = backtest(histories, {
      cutoffDay: cutoff,
      horizons: [91],
      models: ['bg-nbd'],
      unitDays: 7,
    });
    expect(result.seasonality).toBeNull();
    expect(result.seasonalityReason).toMatch(/^no seasonality: \d+ complete months of history/);
  });
});
