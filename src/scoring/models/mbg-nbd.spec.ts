import fc from 'fast-check';

import { expectedPurchases, pAlive } from './bg-nbd';
import { readCdnowSummary } from './cdnow.testdata';
import {
  fitMbgNbd,
  mbgNbdExpectedPurchases,
  mbgNbdExpectedPurchasesNewCustomer,
  mbgNbdLogLikelihood,
  mbgNbdPAlive,
} from './mbg-nbd';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('fitMbgNbd on CDNOW (2,357 customers, weeks)', () => {
  const rows = readCdnowSummary();
  const fit = fitMbgNbd(rows);

  it('reproduces BTYDplus / lifetimes: r 0.525, α 6.183, a 0.891, b 1.614', () => {
    const published = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(fit.params[name], published[name])).toBeLessThan(1.5e-3);
    }
    expect(fit.converged).toBe(true);
    // a better fit than BG/NBD's −9,582.43 on the same data (one-time buyers may have dropped out)
    expect(fit.logLikelihood).toBeCloseTo(-9582.13, 1);
    const sum = rows.reduce((s, row) => s + mbgNbdLogLikelihood(fit.params, row), 0);
    expect(sum).toBeCloseTo(fit.logLikelihood, 6);
  });

  it("is close to Hardie's BG/NBD sheet for the unconditional curve (as lifetimes checks, 5 %)", () => {
    const times = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0];
    const sheet = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    times.forEach((t, i) =>
      expect(relativeError(mbgNbdExpectedPurchasesNewCustomer(fit.params, t), sheet[i])).toBeLessThan(0.05),
    );
  });

  it('conditional expectation near the BG/NBD sheet value 1.226 (x 2, tx 30.43, T 38.86, 39 weeks)', () => {
    expect(
      Math.abs(mbgNbdExpectedPurchases(fit.params, 39, { x: 2, tx: 30.43, T: 38.86 }) - 1.226),
    ).toBeLessThan(0.05);
  });
});

describe('MBG/NBD predictions', () => {
  const p = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };

  it('a one-time buyer is not certainly alive, unlike BG/NBD', () => {
    expect(pAlive(p, { x: 0, tx: 0, T: 30 })).toBe(1);
    const mbg = mbgNbdPAlive(p, { x: 0, tx: 0, T: 30 });
    expect(mbg).toBeLessThan(1);
    expect(mbg).toBeCloseTo(1 / (1 + (0.891 / 1.614) * Math.pow((6.183 + 30) / 6.183, 0.525)), 12);
  });

  it('is BG/NBD with b + 1 for the alive part of the expectation', () => {
    const s = { x: 3, tx: 20, T: 35 };
    const ratio = mbgNbdExpectedPurchases(p, 39, s) / mbgNbdPAlive(p, s);
    const bgAlive = expectedPurchases({ ...p, b: p.b + 1 }, 39, s) / pAlive({ ...p, b: p.b + 1 }, s);
    expect(relativeError(ratio, bgAlive)).toBeLessThan(1e-12);
  });

  it('properties: P(alive) ∈ [0, 1]; E[X(t)] finite, ≥ 0 and non-decreasing in t', () => {
    const pos = (lo: number, hi: number) =>
      fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
    fc.assert(
      fc.property(
        pos(1e-3, 1e3),
        pos(1e-2, 1e4),
        pos(1e-3, 1e3),
        pos(1e-3, 1e3),
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        pos(1e-1, 3000),
        pos(1e-2, 5000),
        (r, alpha, a, b, x, f, T, t) => {
          const s = { x, tx: x === 0 ? 0 : f * T, T };
          const params = { r, alpha, a, b };
          const pa = mbgNbdPAlive(params, s);
          const e1 = mbgNbdExpectedPurchases(params, t, s);
          const e2 = mbgNbdExpectedPurchases(params, 2 * t, s);
          return pa >= 0 && pa <= 1 && Number.isFinite(e1) && e1 >= 0 && e2 >= e1 * (1 - 1e-9);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('no rows: start values, not converged, a warning', () => {
    const fit = fitMbgNbd([]);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join()).toMatch(/no customers/);
  });
});
