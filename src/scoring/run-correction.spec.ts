import { CountForecaster, type RunForecast } from './count-forecaster';
import { backtest, splitHistories } from './models/backtest';
import { CORRECTION_FEATURES, correctionFeatures } from './models/learned-correction';
import { plant } from './models/seasonality.testdata';
import { correctRunForecast } from './run-correction';

const settings = { horizon: 90, periodLength: 30, discountRatePerPeriod: 0.01 };
const params = { r: 0.5, alpha: 20, a: 0.6, b: 2 };

describe('the learned correction in a run', () => {
  it('multiplies each customer’s purchases by its factor (a dot product), the same on every call', () => {
    const base: RunForecast = { model: 'bg-nbd', params, scale: 1.1 };
    // intercept ln 2 and a slope on the recency ratio; no P(buy) part
    const count = [Math.log(2), 0, 0, 1.5, ...new Array<number>(CORRECTION_FEATURES.length - 3).fill(0)];
    const corrected: RunForecast = { ...base, correction: { count, pBuy: null, level: 0.8 } };
    const plain = new CountForecaster(base, settings);
    const withIt = new CountForecaster(corrected, settings);
    for (const s of [
      { x: 0, tx: 0, T: 50 },
      { x: 3, tx: 40, T: 50 },
      { x: 3, tx: 10, T: 50 },
    ]) {
      const p = plain.forecast(s);
      const c = withIt.forecast(s);
      const factor = 0.8 * Math.exp(Math.log(2) + 1.5 * correctionFeatures(s, 0, 0.5)[2]);
      expect(c.expectedPurchases).toBeCloseTo(p.expectedPurchases * factor, 10);
      expect(c.discountedPurchases).toBeCloseTo(p.discountedPurchases * factor, 10);
      expect(c.pAlive).toBe(p.pAlive);
      expect(new CountForecaster(corrected, settings).forecast(s)).toEqual(c);
    }
  });

  it('is used where the backtest fit misses what recency shows (no dropout), and the total stays the model’s', () => {
    const histories = plant({ customers: 2_000, start: 0, end: 900, months: new Array(12).fill(1), seed: 9 });
    const result = backtest(histories, { cutoffDay: 900, horizons: [56, 84], unitDays: 7, forecastDays: 90 });
    // BG/NBD with almost no dropout (issue 13 item 6): long-silent customers are over-forecast
    const fitted = result.candidates[0].horizons[1].params as typeof params;
    const noDropout = { ...fitted, a: 1e-4, b: 10 };
    result.candidates[0].horizons[1].params = noDropout;
    const now = splitHistories(histories, 900).summaries;
    const forecast: RunForecast = { model: 'bg-nbd', params: noDropout, scale: 1 };
    const { forecast: out, report } = correctRunForecast(forecast, histories, result, now, 90);
    expect(report.expectedPurchases).toBe(true);
    expect(report.validation!.corrected.mae).toBeLessThan(0.99 * report.validation!.uncorrected.mae);
    expect(report.coefficients!.count).toHaveLength(CORRECTION_FEATURES.length + 1);
    const f = new CountForecaster(out, settings);
    const g = new CountForecaster(forecast, settings);
    const total = (fc: CountForecaster) => now.reduce((s, c) => s + fc.forecast(c).expectedPurchases, 0);
    expect(total(f)).toBeCloseTo(total(g), 3);
    // a long-silent regular is forecast fewer purchases than uncorrected, a recent one more
    const silent = { x: 5, tx: 100, T: 800 };
    const recent = { x: 5, tx: 790, T: 800 };
    expect(f.forecast(silent).expectedPurchases).toBeLessThan(g.forecast(silent).expectedPurchases);
    expect(f.forecast(recent).expectedPurchases).toBeGreaterThan(g.forecast(recent).expectedPurchases);
  });

  it('reports its validation beside the uncorrected; stores coefficients only when used', () => {
    const histories = plant({ customers: 2_000, start: 0, end: 900, months: new Array(12).fill(1), seed: 9 });
    const result = backtest(histories, { cutoffDay: 900, horizons: [56, 84], unitDays: 7, forecastDays: 90 });
    const now = splitHistories(histories, 900).summaries;
    const forecast: RunForecast = {
      model: 'bg-nbd',
      params: result.candidates[0].horizons[1].params,
      scale: 1,
    };
    const { forecast: out, report } = correctRunForecast(forecast, histories, result, now, 90);
    expect(report.horizon).toBe(84);
    expect(report.validation).not.toBeNull();
    expect(report.validation!.corrected.mae).toBeGreaterThan(0);
    expect(report.used).toBe(report.expectedPurchases || report.pBuy);
    expect(out.correction !== undefined).toBe(report.used);
    if (report.used) {
      expect(report.coefficients!.features).toEqual(CORRECTION_FEATURES);
      // normalised over the sample as of the cutoff: total corrected purchases = total uncorrected
      const f = new CountForecaster(out, { ...settings, horizon: 90 });
      const g = new CountForecaster(forecast, { ...settings, horizon: 90 });
      const total = (fc: CountForecaster) => now.reduce((s, c) => s + fc.forecast(c).expectedPurchases, 0);
      expect(total(f)).toBeCloseTo(total(g), 3);
    } else {
      expect(report.reason).toMatch(/^no learned correction/);
    }
  });
});
