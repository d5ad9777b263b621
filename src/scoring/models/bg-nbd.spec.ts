import betaRandom from '@stdlib/random-base-beta';
import gammaRandom from '@stdlib/random-base-gamma';
import fc from 'fast-check';

import {
  aliveExpectation,
  bgNbdLogLikelihood,
  compressRepeatSummaries,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  pAlive,
  type WeightedRepeatSummary,
} from './bg-nbd';
import {
  buildCdnowCustomers,
  HOLDOUT_WEEKS,
  readCdnowPurchaseDays,
  readCdnowSummary,
} from './cdnow.testdata';
import type { BgNbdParams, RepeatSummary } from './types';

/** Parameters lifetimes reports for CDNOW (weeks); the reference predictions below were made with them. */
const LIFETIMES_CDNOW: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('bgNbdLogLikelihood', () => {
  const params = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };

  it('matches the published individual values', () => {
    expect(bgNbdLogLikelihood(params, { x: 0, tx: 0, T: 40 })).toBeCloseTo(-0.59947382, 8);
    expect(bgNbdLogLikelihood(params, { x: 200, tx: 38, T: 40 })).toBeCloseTo(100.79569, 5);
  });

  it('stays finite for extreme counts and gaps', () => {
    for (const s of [
      { x: 5000, tx: 1, T: 1e6 },
      { x: 1, tx: 0, T: 1e9 },
      { x: 300, tx: 1e-9, T: 1e-9 },
    ]) {
      expect(Number.isFinite(bgNbdLogLikelihood(params, s))).toBe(true);
    }
  });

  it('rejects invalid summaries and parameters', () => {
    expect(() => bgNbdLogLikelihood(params, { x: 1, tx: 5, T: 4 })).toThrow(RangeError);
    expect(() => bgNbdLogLikelihood(params, { x: 0, tx: 1, T: 4 })).toThrow(RangeError);
    expect(() => bgNbdLogLikelihood({ ...params, a: 0 }, { x: 0, tx: 0, T: 4 })).toThrow(RangeError);
  });
});

describe('fitBgNbd on CDNOW (2,357 customers, weeks)', () => {
  const rows = readCdnowSummary();
  const fit = fitBgNbd(rows);

  it('reproduces the published estimates and log-likelihood', () => {
    const published = { r: 0.24259, alpha: 4.4136, a: 0.79292, b: 2.4259 };
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(fit.params[name], published[name])).toBeLessThan(1e-3);
    }
    expect(Math.abs(fit.logLikelihood - -9582.43)).toBeLessThanOrEqual(0.01);
    expect(fit.converged).toBe(true);
    expect(fit.atBoundary).toEqual([]);
    expect(fit.warnings).toEqual([]);
  });

  it('reports the sum of the individual log-likelihoods', () => {
    const sum = rows.reduce((acc, s) => acc + bgNbdLogLikelihood(fit.params, s), 0);
    expect(fit.logLikelihood).toBeCloseTo(sum, 6);
  });

  it('reaches the same optimum from a distant start', () => {
    const other = fitBgNbd(rows, { start: { r: 20, alpha: 300, a: 0.01, b: 50 } });
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(other.params[name], fit.params[name])).toBeLessThan(1e-4);
    }
  });

  it('gives the same fit on compressed weighted rows as on raw rows', () => {
    const compressed = compressRepeatSummaries(rows).rows;
    expect(compressed.length).toBe(1016);
    expect(compressed.reduce((acc, r) => acc + r.weight, 0)).toBe(2357);
    // shuffle so the equality does not rest on identical row order
    const shuffled = [...compressed].reverse();
    const weighted = fitBgNbd(shuffled);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(weighted.params[name], fit.params[name])).toBeLessThan(1e-5);
    }
    expect(weighted.logLikelihood).toBeCloseTo(fit.logLikelihood, 4);
  });

  it('treats weight w exactly like w copies of a row, at a cost set by distinct rows', () => {
    const compressed = compressRepeatSummaries(rows).rows;
    const started = performance.now();
    const scaled = fitBgNbd(compressed.map((r) => ({ ...r, weight: r.weight * 1000 })));
    const seconds = (performance.now() - started) / 1000;
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(scaled.params[name], fit.params[name])).toBeLessThan(1e-5);
    }
    expect(relativeError(scaled.logLikelihood, 1000 * fit.logLikelihood)).toBeLessThan(1e-8);
    console.log(
      `BG/NBD fit, CDNOW × 1000 (2,357,000 customers in 1,016 weighted rows): ${seconds.toFixed(3)} s`,
    );
  });

  it('does not depend on the time unit (weeks vs days)', () => {
    const days = fitBgNbd(rows.map((s) => ({ x: s.x, tx: s.tx * 7, T: s.T * 7 })));
    for (const name of ['r', 'a', 'b'] as const) {
      expect(relativeError(days.params[name], fit.params[name])).toBeLessThan(1e-5);
    }
    expect(relativeError(days.params.alpha, 7 * fit.params.alpha)).toBeLessThan(1e-5);
    // the density of purchase times picks up 1/7 per repeat purchase
    const repeats = rows.reduce((acc, s) => acc + s.x, 0);
    expect(days.logLikelihood).toBeCloseTo(fit.logLikelihood - repeats * Math.log(7), 4);
  });

  it('shrinks parameters with the L2 penalizer', () => {
    const penalized = fitBgNbd(rows, { penalizer: 0.1 });
    const size = (p: BgNbdParams, scale: number) => p.r ** 2 + (p.alpha / scale) ** 2 + p.a ** 2 + p.b ** 2;
    const scale = Math.max(...rows.map((r) => r.T)) / 10;
    expect(size(penalized.params, scale)).toBeLessThan(size(fit.params, scale));
    expect(penalized.logLikelihood).toBeLessThan(fit.logLikelihood);
    expect(fitBgNbd(rows, { penalizer: 0 }).params).toEqual(fit.params);
  });
});

describe('pAlive and expectedPurchases with lifetimes’ CDNOW parameters', () => {
  const byId = new Map(readCdnowSummary().map((s) => [s.id, s]));
  const cases: Array<[number, number, number]> = [
    [509, 0.424877, 0.946322],
    [841, 0.474738, 0.960031],
    [1981, 0.486526, 0.948901],
    [157, 0.662396, 0.969134],
    [1516, 0.710623, 0.96892],
  ];

  it.each(cases)('customer %i: E[X(1 week)] = %f, P(alive) = %f', (id, expected, alive) => {
    const s = byId.get(id) as RepeatSummary;
    expect(Math.abs(expectedPurchases(LIFETIMES_CDNOW, 1, s) - expected)).toBeLessThan(1e-5);
    expect(Math.abs(pAlive(LIFETIMES_CDNOW, s) - alive)).toBeLessThan(1e-5);
  });

  it('gives P(alive) = 1 without repeat purchases and 0 purchases over t = 0', () => {
    expect(pAlive(LIFETIMES_CDNOW, { x: 0, tx: 0, T: 30 })).toBe(1);
    expect(expectedPurchases(LIFETIMES_CDNOW, 0, { x: 4, tx: 10, T: 30 })).toBe(0);
  });

  it('agrees with the unconditional expectation for a customer acquired just now', () => {
    const fresh = { x: 0, tx: 0, T: 0 };
    for (const t of [0.5, 10, 39, 520]) {
      expect(expectedPurchases(LIFETIMES_CDNOW, t, fresh)).toBeCloseTo(
        expectedPurchasesNewCustomer(LIFETIMES_CDNOW, t),
        12,
      );
    }
  });
});

describe('aliveExpectation (the ₂F₁ part of E[X(t) | x, tx, T])', () => {
  // k, a, β, s, value (mpmath, 80 digits, lifetimes' closed form or its limit at a = 1), what it exercises
  const references: Array<[number, number, number, number, number, string]> = [
    [0.25, 0.8, 2.5, 1e-9, 2.4999999996212124e-10, 'tiny s (Taylor)'],
    [0.25, 0.8, 2.5, 1e-7, 2.499999962121213e-8, 'small s (series)'],
    [18.242593, 0.792886, 20.425752, 0.02483020361859496, 0.448977460597982, 'CDNOW customer 509, 1 week'],
    [0.242593, 0.792886, 2.425752, 8.836460231850591, 1.1950165244955513, 'CDNOW new customer, 39 weeks'],
    [0.5, 1, 3, 2, 0.7637369945078779, 'a = 1 exactly (removable singularity)'],
    [0.5, 1.000000001, 3, 2, 0.7637369943604768, 'a = 1 + 1e-9'],
    [1.7, 0.3, 0.4, 5, 3.7250759860258125, 'x = 0 and a + b < 1, so c = a + b − 1 < 0'],
    [0.9, 0.05, 0.02, 0.7, 0.449509322616977, 'tiny a and b'],
    [200.25, 0.8, 202.5, 0.5, 84.70065259056265, 'x = 200'],
    [500.3, 2.2, 510, 30, 418.90969798685074, 'x = 500, long horizon'],
    [0.3, 1.5, 4, 49, 2.828821144166614, 'series side of the switch, s = 49'],
    [0.3, 1.5, 4, 51, 2.8690300885725115, 'quadrature side of the switch, s = 51'],
    [0.3, 0.6, 4, 1e4, 88.17653152076187, 'huge s, a < 1: grows without bound'],
    [2, 3, 1, 1e6, 1.4999999999615534, 'huge s, a > 1: saturates at (a + b − 1)/(a − 1)'],
    [80, 0.5, 1.5, 2, 26.54626727761969, 'r ≫ a + b: the series alternates with huge terms'],
    [1e4, 1e-4, 1e4, 3, 29997.454791056825, 'fit-bound corner r = b = 1e4, a = 1e-4'],
    [1e-4, 1e4, 1e-4, 0.1, 9.530972564826442e-6, 'fit-bound corner a = 1e4'],
    [3, 400, 600, 1e3, 2.5037593591384173, 'concentrated dropout distribution'],
    [1e-3, 0.5, 0.5, 1e5, 0.629607671170736, 'tiny shape, huge s'],
  ];

  it.each(references)('k=%f a=%f β=%f s=%f → %f (%s)', (k, a, beta, s, value) => {
    expect(relativeError(aliveExpectation(k, a, beta, s), value)).toBeLessThan(1e-9);
  });

  it('is continuous through a = 1', () => {
    const at = (a: number) => aliveExpectation(3.2, a, 5.5, 1.7);
    expect(relativeError(at(1 - 1e-7), at(1))).toBeLessThan(1e-6);
    expect(relativeError(at(1 + 1e-7), at(1))).toBeLessThan(1e-6);
  });
});

describe('prediction properties (fast-check)', () => {
  const logUniform = (lo: number, hi: number) =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
  const paramsArb = fc.record({
    r: logUniform(1e-3, 1e3),
    alpha: logUniform(1e-2, 1e4),
    a: logUniform(1e-3, 1e3),
    b: logUniform(1e-3, 1e3),
  });
  const summaryArb = fc
    .tuple(
      fc.integer({ min: 0, max: 500 }),
      fc.double({ min: 0, max: 3000, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    )
    .map(([x, T, share]) => ({ x, T, tx: x === 0 ? 0 : T * share }));
  // subnormal horizons (t < 1e-300) only test the rounding of denormals: map them to 0
  const horizonArb = fc.double({ min: 0, max: 5000, noNaN: true }).map((t) => (t < 1e-300 ? 0 : t));
  const horizonsArb = fc
    .tuple(horizonArb, horizonArb)
    .map(([u, v]) => [Math.min(u, v), Math.max(u, v)] as const);

  it('P(alive) is a probability', () => {
    fc.assert(
      fc.property(paramsArb, summaryArb, (params, s) => {
        const p = pAlive(params, s);
        return p >= 0 && p <= 1;
      }),
      { numRuns: 2000 },
    );
  });

  it('expected purchases are finite, ≥ 0, non-decreasing in t and below the alive rate × t', () => {
    fc.assert(
      fc.property(paramsArb, summaryArb, horizonsArb, (params, s, [t1, t2]) => {
        const e1 = expectedPurchases(params, t1, s);
        const e2 = expectedPurchases(params, t2, s);
        // E[X(t)] ≤ P(alive)·E[λ | data]·t: a customer cannot beat their posterior mean rate
        const ceiling = (pAlive(params, s) * (params.r + s.x) * t2) / (params.alpha + s.T);
        return (
          Number.isFinite(e1) &&
          Number.isFinite(e2) &&
          e1 >= 0 &&
          e2 >= e1 * (1 - 1e-9) &&
          e2 <= ceiling * (1 + 1e-9)
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('the new-customer expectation is finite, ≥ 0 and non-decreasing in t', () => {
    fc.assert(
      fc.property(paramsArb, horizonsArb, (params, [t1, t2]) => {
        const e1 = expectedPurchasesNewCustomer(params, t1);
        const e2 = expectedPurchasesNewCustomer(params, t2);
        return Number.isFinite(e2) && e1 >= 0 && e2 >= e1 * (1 - 1e-9);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fitBgNbd on degenerate data', () => {
  const expectUsable = (rows: WeightedRepeatSummary[]) => {
    const fit = fitBgNbd(rows);
    for (const v of Object.values(fit.params)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    return fit;
  };

  it('returns the start values and says so when there are no customers', () => {
    const fit = expectUsable([]);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join()).toMatch(/no customers/);
  });

  it('reports r on its bound and unidentified a, b when nobody repeats', () => {
    const fit = expectUsable(Array.from({ length: 200 }, (_, i) => ({ x: 0, tx: 0, T: 10 + i })));
    expect(fit.atBoundary).toContain('r');
    expect(fit.warnings.join()).toMatch(/not identified/);
  });

  it('copes with a single customer', () => {
    const fit = expectUsable([{ x: 3, tx: 20, T: 30 }]);
    expect(fit.atBoundary.length).toBeGreaterThan(0);
    expect(fit.warnings.join()).toMatch(/only 1 customer/);
  });

  it('reports a boundary when every customer buys weekly and nobody drops out', () => {
    const rows = Array.from({ length: 300 }, (_, i) => {
      const T = 60 + i;
      const x = Math.floor(T / 7);
      return { x, tx: 7 * x, T };
    });
    const fit = expectUsable(rows);
    expect(fit.atBoundary.length).toBeGreaterThan(0);
    expect(fit.warnings.some((w) => /bound/.test(w))).toBe(true);
    // the fitted model still predicts weekly buying for a customer who just bought
    expect(expectedPurchases(fit.params, 70, { x: 20, tx: 140, T: 140 })).toBeGreaterThan(8);
  });

  it('drops invalid rows with a warning and fits the rest', () => {
    const valid = readCdnowSummary().slice(0, 500);
    const invalid = [
      { x: 1, tx: 5, T: 4 },
      { x: Number.NaN, tx: 0, T: 4 },
      { x: 1.5, tx: 1, T: 4 },
      { x: 1, tx: 1, T: 4, weight: -1 },
    ];
    const fit = expectUsable([...valid, ...invalid]);
    expect(fit.warnings[0]).toMatch(/^4 invalid row/);
    expect(fit.params).toEqual(fitBgNbd(valid).params);
  });
});

describe('fitBgNbd on synthetic data', () => {
  /** Simulates BG/NBD customers observed for T whole days (1 .. maxT); same-day purchases are merged. */
  function simulate(n: number, truth: BgNbdParams, maxT: number, seed: number): RepeatSummary[] {
    const rate = gammaRandom.factory(truth.r, truth.alpha, { seed });
    const dropout = betaRandom.factory(truth.a, truth.b, { seed: seed + 1 });
    let state = seed >>> 0;
    const uniform = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const rows: RepeatSummary[] = [];
    for (let i = 0; i < n; i++) {
      const lambda = rate();
      const p = dropout();
      const T = 1 + Math.floor(uniform() * maxT);
      let time = 0;
      let x = 0;
      let tx = 0;
      for (;;) {
        time -= Math.log(1 - uniform()) / lambda;
        if (time > T) break;
        const day = Math.floor(time);
        if (day > tx) {
          x++;
          tx = day;
        }
        if (uniform() < p) break;
      }
      rows.push({ x, tx, T });
    }
    return rows;
  }

  it('recovers the parameters from 150,000 customers in about 100k distinct day-resolution rows', () => {
    const truth = { r: 0.6, alpha: 40, a: 0.8, b: 3 };
    const { rows } = compressRepeatSummaries(simulate(150_000, truth, 1095, 7));
    expect(rows.length).toBeGreaterThan(100_000);
    const started = performance.now();
    const fit = fitBgNbd(rows);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `BG/NBD fit, synthetic: ${rows.length} distinct rows in ${seconds.toFixed(2)} s, ` +
        `${fit.iterations} iterations, ${JSON.stringify(fit.params)}`,
    );
    expect(fit.converged).toBe(true);
    // day rounding of purchase times biases α slightly upwards; the sampling error alone is ~1 %
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(relativeError(fit.params[name], truth[name])).toBeLessThan(0.06);
    }
  });
});

describe('CDNOW holdout (weeks 40-78)', () => {
  const customers = buildCdnowCustomers(readCdnowPurchaseDays());

  it('rebuilds the calibration summary file from the transaction log', () => {
    const file = new Map(readCdnowSummary().map((s) => [s.id, s]));
    expect(customers.length).toBe(2357);
    for (const c of customers) {
      const expected = file.get(c.id) as RepeatSummary;
      expect(c.x).toBe(expected.x);
      expect(Math.abs(c.tx - expected.tx)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(c.T - expected.T)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    expect(customers.reduce((acc, c) => acc + c.x, 0)).toBe(2457);
    expect(customers.filter((c) => c.x > 0).length).toBe(946);
  });

  it('counts 1,882 holdout repeat transactions by 684 customers over 39 weeks', () => {
    expect(HOLDOUT_WEEKS).toBe(39);
    expect(customers.reduce((acc, c) => acc + c.holdoutX, 0)).toBe(1882);
    expect(customers.filter((c) => c.holdoutX > 0).length).toBe(684);
  });

  it('predicts the holdout better than the calibration repeat rate does', () => {
    const fit = fitBgNbd(customers);
    const predicted = customers.map((c) => expectedPurchases(fit.params, HOLDOUT_WEEKS, c));
    // naive baseline: each customer keeps buying at their calibration repeat rate
    const naive = customers.map((c) => (c.T > 0 ? (c.x / c.T) * HOLDOUT_WEEKS : 0));
    const actual = customers.map((c) => c.holdoutX);
    const sum = (v: number[]) => v.reduce((acc, y) => acc + y, 0);
    const mae = (v: number[]) => sum(v.map((y, i) => Math.abs(y - actual[i]))) / v.length;

    const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => {
      const members = customers
        .map((c, i) => i)
        .filter((i) => (x < 7 ? customers[i].x === x : customers[i].x >= 7));
      const mean = (v: number[]) => sum(members.map((i) => v[i])) / members.length;
      return {
        'calibration x': x < 7 ? String(x) : '7+',
        customers: members.length,
        actual: Number(mean(actual).toFixed(3)),
        'BG/NBD': Number(mean(predicted).toFixed(3)),
        naive: Number(mean(naive).toFixed(3)),
      };
    });
    const totals = {
      actual: sum(actual),
      'BG/NBD': Number(sum(predicted).toFixed(1)),
      naive: Number(sum(naive).toFixed(1)),
      'MAE BG/NBD': Number(mae(predicted).toFixed(4)),
      'MAE naive': Number(mae(naive).toFixed(4)),
    };
    console.log(
      'CDNOW holdout, mean repeat transactions per customer in weeks 40-78 by calibration frequency:\n' +
        formatTable(groups) +
        '\n' +
        formatTable([totals]),
    );

    expect(relativeError(sum(predicted), 1882)).toBeLessThan(0.15);
    expect(mae(predicted)).toBeLessThan(mae(naive));
  });
});

function formatTable(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0]);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(width[i])).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}
