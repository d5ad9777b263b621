import { BgNbdForecaster } from './bg-nbd-forecaster';
import { backtestSample } from './backtest-sample';
import { CountForecaster } from './count-forecaster';
import { expectedPurchases, pAlive } from './models/bg-nbd';
import { paretoNbdExpectedPurchases, paretoNbdPAlive } from './models/pareto-nbd';
import { mbgNbdExpectedPurchases } from './models/mbg-nbd';
import { correctedPBuy, correctionFeatures } from './models/learned-correction';
import { bgNbdPBuy, mbgNbdPBuy, paretoNbdPBuy } from './models/p-buy';

const settings = { horizon: 365, periodLength: 30, discountRatePerPeriod: 0.0079 };
const bg = { r: 0.2426, alpha: 30.9, a: 0.793, b: 2.426 };
const summaries = [
  { x: 0, tx: 0, T: 200 },
  { x: 3, tx: 120, T: 250 },
  { x: 12, tx: 260, T: 270 },
];

describe('CountForecaster', () => {
  it('for BG/NBD without correction gives BgNbdForecaster’s figures', () => {
    const ours = new CountForecaster({ model: 'bg-nbd', params: bg, scale: 1 }, settings);
    const theirs = new BgNbdForecaster(bg, settings);
    for (const s of summaries) {
      const a = ours.forecast(s);
      const b = theirs.forecast(s);
      expect(a.pAlive).toBe(b.pAlive);
      expect(a.expectedPurchases).toBeCloseTo(b.expectedPurchases, 12);
      expect(a.discountedPurchases).toBeCloseTo(b.discountedPurchases, 12);
      expect(a.expectedPurchases).toBeCloseTo(expectedPurchases(bg, 365, s), 12);
      expect(a.pAlive).toBe(pAlive(bg, s));
    }
  });

  it('for Pareto/NBD and MBG/NBD equals the models, and scales purchases but not P(alive)', () => {
    const p = { r: 0.55, alpha: 74, s: 0.61, beta: 81.7 };
    const pareto = new CountForecaster({ model: 'pareto-nbd', params: p, scale: 1.2 }, settings);
    const mbg = new CountForecaster({ model: 'mbg-nbd', params: bg, scale: 1 }, settings);
    for (const s of summaries) {
      const f = pareto.forecast(s);
      expect(f.pAlive).toBeCloseTo(paretoNbdPAlive(p, s), 14);
      expect(f.expectedPurchases).toBeCloseTo(1.2 * paretoNbdExpectedPurchases(p, 365, s), 10);
      expect(f.discountedPurchases).toBeLessThan(f.expectedPurchases);
      expect(mbg.forecast(s).expectedPurchases).toBeCloseTo(mbgNbdExpectedPurchases(bg, 365, s), 12);
    }
  });

  it('with seasonality: flat indices change nothing; a peak after a quiet past raises the purchases', () => {
    const cutoffDay = Date.UTC(2025, 9, 31) / 86_400_000; // 31 October 2025
    const plain = new CountForecaster({ model: 'bg-nbd', params: bg, scale: 1 }, settings);
    const flat = new CountForecaster(
      { model: 'bg-nbd', params: bg, scale: 1, seasonality: { months: Array(12).fill(1), cutoffDay } },
      settings,
    );
    // November and December at 2, the rest at 10/12 (mean 1); a 60-day horizon is all peak
    const months = [...Array(10).fill(10 / 12), 2, 2];
    const short = { horizon: 60, periodLength: 30, discountRatePerPeriod: 0 };
    const peak = new CountForecaster(
      { model: 'bg-nbd', params: bg, scale: 1, seasonality: { months, cutoffDay } },
      short,
    );
    for (const s of summaries) {
      const a = plain.forecast(s);
      const b = flat.forecast(s);
      expect(b.expectedPurchases).toBeCloseTo(a.expectedPurchases, 12);
      expect(b.discountedPurchases).toBeCloseTo(a.discountedPurchases, 12);
      // every customer here was observed only in January–October (index 10/12): the peak is 2 / (10/12) = 2.4×
      expect(peak.forecast(s).expectedPurchases).toBeCloseTo(2.4 * expectedPurchases(bg, 60, s), 10);
    }
  });

  it('gives P(buy) of p-buy.ts, memoised per (x, T) whatever t_x, never × the scale', () => {
    const p = { r: 0.55, alpha: 74, s: 0.61, beta: 81.7 };
    const pareto = new CountForecaster({ model: 'pareto-nbd', params: p, scale: 1.2 }, settings);
    const mbg = new CountForecaster({ model: 'mbg-nbd', params: bg, scale: 0.7 }, settings);
    const bgF = new CountForecaster({ model: 'bg-nbd', params: bg, scale: 1 }, settings);
    // the same (x, T) with a recent and a long-ago last purchase: one memo entry, two different P(buy)
    for (const s of [...summaries, { x: 3, tx: 20, T: 250 }]) {
      expect(pareto.forecast(s).pBuy).toBeCloseTo(paretoNbdPBuy(p, 365, s), 14);
      expect(mbg.forecast(s).pBuy).toBeCloseTo(mbgNbdPBuy(bg, 365, s), 14);
      expect(bgF.forecast(s).pBuy).toBeCloseTo(bgNbdPBuy(bg, 365, s), 14);
    }
    expect(pareto.forecast({ x: 3, tx: 20, T: 250 }).pBuy).toBeLessThan(
      pareto.forecast({ x: 3, tx: 120, T: 250 }).pBuy,
    );
  });

  it("with seasonality P(buy) takes the horizon's factor on the purchase rate (as the backtest scores it)", () => {
    const cutoffDay = Date.UTC(2025, 9, 31) / 86_400_000;
    const months = [...Array(10).fill(10 / 12), 2, 2];
    const short = { horizon: 60, periodLength: 30, discountRatePerPeriod: 0 };
    const peak = new CountForecaster(
      { model: 'bg-nbd', params: bg, scale: 1, seasonality: { months, cutoffDay } },
      short,
    );
    for (const s of summaries) {
      const f = peak.forecast(s);
      expect(f.pBuy).toBeCloseTo(bgNbdPBuy(bg, 60, s, 2.4), 12);
      expect(f.pBuy).toBeGreaterThan(bgNbdPBuy(bg, 60, s));
      expect(f.pBuy).toBeLessThan(f.pAlive);
    }
  });

  it("uses the learned correction's corrected P(buy) only when that part is used", () => {
    const pBuyPart = [0.3, 0.2, -0.1, 0.5, 0.05, -0.2, 0.4, -0.3];
    const forecast = (correction: { count: number[] | null; pBuy: number[] | null }) =>
      new CountForecaster(
        { model: 'bg-nbd', params: bg, scale: 1, correction: { ...correction, level: 1 } },
        settings,
      );
    const withPart = forecast({ count: null, pBuy: pBuyPart });
    const countOnly = forecast({ count: [0.1, 0.2, 0, 0, 0, 0, 0, 0], pBuy: null });
    for (const s of summaries) {
      const model = bgNbdPBuy(bg, 365, s);
      const features = correctionFeatures(s, expectedPurchases(bg, 365, s), model);
      const got = withPart.forecast(s).pBuy;
      expect(got).toBeCloseTo(correctedPBuy({ count: null, pBuy: pBuyPart }, features, model), 10);
      expect(got).not.toBeCloseTo(model, 4);
      expect(countOnly.forecast(s).pBuy).toBeCloseTo(model, 14);
    }
  });

  it("gives Pareto/NBD's P(alive) bit for bit from its memoised (x, T) and (x, t_x) parts", () => {
    const p = { r: 0.55, alpha: 74, s: 0.61, beta: 81.7 };
    const pareto = new CountForecaster({ model: 'pareto-nbd', params: p, scale: 1 }, settings);
    const grid = [...summaries, { x: 3, tx: 20, T: 250 }, { x: 3, tx: 120, T: 300 }, { x: 5, tx: 40, T: 40 }];
    for (const s of [...grid, ...grid]) expect(pareto.forecast(s).pAlive).toBe(paretoNbdPAlive(p, s));
    expect(() => pareto.forecast({ x: 2, tx: 300, T: 250 })).toThrow(RangeError);
  });

  it('rejects a non-positive scale', () => {
    expect(() => new CountForecaster({ model: 'bg-nbd', params: bg, scale: 0 }, settings)).toThrow(
      RangeError,
    );
  });
});

describe('backtestSample', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => 1000 + 3 * i);

  it('takes about the target, seeded by workspace and date, whatever the input order', () => {
    const seed = { workspaceId: 'w1', asOf: '2026-12-01' };
    const a = backtestSample(ids, seed, 2500);
    expect(a.length).toBeGreaterThan(2200);
    expect(a.length).toBeLessThan(2800);
    expect(backtestSample([...ids].reverse(), seed, 2500)).toEqual(a);
    expect(backtestSample(ids, { ...seed, asOf: '2026-12-02' }, 2500)).not.toEqual(a);
    expect(backtestSample(ids.slice(0, 100), seed, 2500)).toEqual(ids.slice(0, 100));
  });
});
