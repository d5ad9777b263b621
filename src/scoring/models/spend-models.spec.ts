import fc from 'fast-check';

import { readCdnowSummaryWithSpend } from './cdnow.testdata';
import { expectedOrderValue, fitGammaGamma, type SpendSummary } from './gamma-gamma';
import { random } from './seasonality.testdata';
import {
  fitSpendModel,
  gammaGammaRejection,
  SPEND_MODELS,
  spendOrderValue,
  WINSOR_PERCENTILE,
  winsorCap,
} from './spend-models';

/**
 * Heavy-tailed spend of repeat buyers: log-normal order values per customer (log spread 1.5 across customers, 0.7
 * within): Gamma-Gamma's q runs to its bound on it.
 */
function heavySpend(customers: number, seed: number): SpendSummary[] {
  const u = random(seed);
  const z = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: customers }, () => {
    const x = 1 + Math.floor(6 * u());
    const theta = Math.log(2_000) + 1.5 * z();
    let sum = 0;
    for (let i = 0; i < x; i++) sum += Math.exp(theta + 0.7 * z());
    return { x, mean: sum / x };
  });
}

describe('fitSpendModel', () => {
  const cdnow: SpendSummary[] = readCdnowSummaryWithSpend().map((c) => ({ x: c.x, mean: c.zbar }));

  it('fits every candidate on CDNOW; Gamma-Gamma is the published fit', () => {
    for (const name of SPEND_MODELS) {
      const fit = fitSpendModel(name, cdnow);
      expect(fit.rejected).toBeNull();
      expect(fit.model?.model).toBe(name);
    }
    const gg = fitSpendModel('gamma-gamma', cdnow).model;
    expect(gg).toEqual({ model: 'gamma-gamma', params: fitGammaGamma(cdnow).params });
  });

  it('rejects Gamma-Gamma on heavy-tailed spend with the reason, and the log-normal holds there', () => {
    const rows = heavySpend(1_000, 5);
    const gg = fitSpendModel('gamma-gamma', rows);
    expect(gg.model).toBeNull();
    expect(gg.rejected).toMatch(/q=1\.0/);
    const ln = fitSpendModel('log-normal', rows);
    expect(ln.rejected).toBeNull();
    expect(ln.model?.model).toBe('log-normal');
  });

  it('fits the winsorised Gamma-Gamma on spend capped at the percentile, and keeps the cap', () => {
    const cap = winsorCap(cdnow, WINSOR_PERCENTILE);
    const capped = cdnow.map((r) => ({ ...r, mean: Math.min(r.mean, cap) }));
    expect(cap).toBeLessThan(Math.max(...cdnow.map((r) => r.mean)));
    expect(fitSpendModel('gamma-gamma-winsorised', cdnow).model).toEqual({
      model: 'gamma-gamma-winsorised',
      params: fitGammaGamma(capped).params,
      cap,
    });
    // a cap at the 99th percentile does not tame a log spread of 1.5 across customers: rejected as plain
    const heavy = heavySpend(1_000, 9);
    const heavyCap = winsorCap(heavy, WINSOR_PERCENTILE);
    const heavyCapped = heavy.map((r) => ({ ...r, mean: Math.min(r.mean, heavyCap) }));
    const fit = fitSpendModel('gamma-gamma-winsorised', heavy);
    expect(fit.model).toBeNull();
    expect(fit.rejected).toBe(gammaGammaRejection(fitGammaGamma(heavyCapped), heavyCapped));
  });
});

describe('winsorCap', () => {
  it('is the weighted percentile of repeat buyers’ mean spend', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ x: 1, mean: i + 1 }));
    expect(winsorCap(rows, 0.99)).toBe(99);
    expect(
      winsorCap(
        [
          { x: 1, mean: 5, weight: 99 },
          { x: 1, mean: 1e6 },
        ],
        0.99,
      ),
    ).toBe(5);
    expect(winsorCap([{ x: 0, mean: 5 }], 0.99)).toBe(Infinity);
  });
});

describe('spendOrderValue', () => {
  const gg = { p: 6.25, q: 3.74, v: 15.45 };
  const positive = fc.double({ min: 0.01, max: 1e6, noNaN: true });

  it('own mean: the repeat mean, else the mean of all orders', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), positive, positive, (x, repeat, own) => {
        expect(spendOrderValue({ model: 'own-mean' }, x, repeat, own)).toBe(repeat);
        expect(spendOrderValue({ model: 'own-mean' }, 0, null, own)).toBe(own);
      }),
    );
  });

  it('Gamma-Gamma (plain and winsorised): its conditional mean, a one-time buyer as one observation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), positive, positive, (x, repeat, own) => {
        for (const m of [
          { model: 'gamma-gamma' as const, params: gg },
          { model: 'gamma-gamma-winsorised' as const, params: gg, cap: 10 },
        ]) {
          expect(spendOrderValue(m, x, repeat, own)).toBe(expectedOrderValue(gg, x, repeat));
          expect(spendOrderValue(m, 0, null, own)).toBe(expectedOrderValue(gg, 1, own));
        }
      }),
    );
  });

  it('never throws on a net-refunded (negative) mean', () => {
    expect(spendOrderValue({ model: 'gamma-gamma', params: gg }, 2, -50, 10)).toBe(-50);
    const ln = { model: 'log-normal' as const, params: { mu: Math.log(40), tau2: 0.4, sigma2: 0.6 } };
    expect(spendOrderValue(ln, 2, -50, 10)).toBeCloseTo(Math.exp(Math.log(40) + 0.2), 9);
  });
});
