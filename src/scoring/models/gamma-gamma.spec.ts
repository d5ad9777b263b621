import fc from 'fast-check';

import { readCdnowSummaryWithSpend } from './cdnow.testdata';
import { expectedOrderValue, fitGammaGamma, gammaGammaLogLikelihood, type SpendSummary } from './gamma-gamma';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('fitGammaGamma on CDNOW (946 repeat buyers, dollars)', () => {
  const customers = readCdnowSummaryWithSpend();
  const rows: SpendSummary[] = customers.map((c) => ({ x: c.x, mean: c.zbar }));
  const fit = fitGammaGamma(rows);

  it('reproduces the published estimates', () => {
    expect(customers.filter((c) => c.x > 0).length).toBe(946);
    const published = { p: 6.249, q: 3.745, v: 15.448 };
    for (const name of ['p', 'q', 'v'] as const) {
      expect(relativeError(fit.params[name], published[name])).toBeLessThan(5e-3);
    }
    expect(fit.converged).toBe(true);
    expect(fit.atBoundary).toEqual([]);
    expect(fit.warnings).toEqual([]);
  });

  it('uses only repeat buyers and reports the sum of their log-likelihoods', () => {
    const repeaters = rows.filter((r) => r.x > 0);
    const sum = repeaters.reduce((acc, r) => acc + gammaGammaLogLikelihood(fit.params, r.x, r.mean), 0);
    expect(fit.logLikelihood).toBeCloseTo(sum, 6);
    expect(fitGammaGamma(repeaters).params).toEqual(fit.params);
  });

  it('treats weights like copies and does not depend on the money unit', () => {
    const doubled = fitGammaGamma(rows.map((r) => ({ ...r, weight: 2 })));
    const inCents = fitGammaGamma(rows.map((r) => ({ ...r, mean: r.mean * 100 })));
    for (const name of ['p', 'q'] as const) {
      expect(relativeError(doubled.params[name], fit.params[name])).toBeLessThan(1e-5);
      expect(relativeError(inCents.params[name], fit.params[name])).toBeLessThan(1e-5);
    }
    expect(relativeError(inCents.params.v, 100 * fit.params.v)).toBeLessThan(1e-5);
    expect(relativeError(doubled.logLikelihood, 2 * fit.logLikelihood)).toBeLessThan(1e-8);
  });

  it('matches lifetimes’ conditional expected average profit for the first customers', () => {
    // lifetimes docs, GammaGammaFitter on this file: customers 1, 2, 3 (x = 0), 6, 9
    const expected: Array<[number, number]> = [
      [1, 24.658619],
      [2, 18.911489],
      [3, 35.170981],
      [6, 71.462843],
      [9, 27.282408],
    ];
    for (const [id, value] of expected) {
      const c = customers[id - 1];
      expect(relativeError(expectedOrderValue(fit.params, c.x, c.zbar), value)).toBeLessThan(1e-5);
    }
  });
});

describe('expectedOrderValue', () => {
  const params = { p: 6.25, q: 3.74, v: 15.44 };

  it('returns the population mean p·v/(q − 1) without repeat purchases', () => {
    expect(expectedOrderValue(params, 0, 999)).toBeCloseTo((6.25 * 15.44) / 2.74, 12);
    expect(expectedOrderValue({ ...params, q: 0.8 }, 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('moves from the population mean towards the customer’s own mean as x grows', () => {
    fc.assert(
      fc.property(
        fc.record({
          p: fc.double({ min: 0.01, max: 100, noNaN: true }),
          q: fc.double({ min: 1.01, max: 100, noNaN: true }),
          v: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (gg, x, mean) => {
          const population = (gg.p * gg.v) / (gg.q - 1);
          const value = expectedOrderValue(gg, x, mean);
          const more = expectedOrderValue(gg, x + 1, mean);
          const [lo, hi] = [Math.min(population, mean), Math.max(population, mean)];
          const slack = 1e-9 * hi;
          return (
            value >= lo - slack &&
            value <= hi + slack &&
            Math.abs(more - mean) <= Math.abs(value - mean) + slack
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects invalid input', () => {
    expect(() => expectedOrderValue(params, -1, 10)).toThrow(RangeError);
    expect(() => expectedOrderValue(params, 2, Number.NaN)).toThrow(RangeError);
    expect(() => expectedOrderValue({ ...params, v: 0 }, 2, 10)).toThrow(RangeError);
  });
});

describe('fitGammaGamma on degenerate data', () => {
  it('says so when there is no repeat buyer with positive spend', () => {
    const fit = fitGammaGamma([
      { x: 0, mean: 0 },
      { x: 3, mean: 0 },
    ]);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join()).toMatch(/1 invalid row/);
    expect(fit.warnings.join()).toMatch(/no repeat buyers/);
    expect(Object.values(fit.params).every(Number.isFinite)).toBe(true);
  });

  it('reports bounds when everybody spends the same amount', () => {
    const fit = fitGammaGamma(Array.from({ length: 50 }, (_, i) => ({ x: 1 + (i % 5), mean: 2500 })));
    expect(Object.values(fit.params).every(Number.isFinite)).toBe(true);
    expect(fit.atBoundary).toEqual(expect.arrayContaining(['p', 'q']));
    // the prediction is still the common spend
    expect(relativeError(expectedOrderValue(fit.params, 2, 2500), 2500)).toBeLessThan(1e-3);
  });

  it('copes with a single repeat buyer', () => {
    const fit = fitGammaGamma([{ x: 2, mean: 40 }]);
    expect(Object.values(fit.params).every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(fit.warnings.join()).toMatch(/only 1 repeat buyer/);
  });
});
