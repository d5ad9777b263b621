import fc from 'fast-check';

import {
  fitLogNormalSpend,
  type LogNormalSpendParams,
  logNormalOrderValue,
  type LogSpendRow,
} from './lognormal-spend';
import { random } from './seasonality.testdata';

/** Standard normal draws from a seeded uniform (Box–Muller). */
function normal(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Repeat buyers drawn from the model itself: θ ~ N(μ, τ²), ln mean ~ N(θ − σ²/(2x), σ²/x), x uniform in 1..10. */
function simulate(params: LogNormalSpendParams, customers: number, seed: number): LogSpendRow[] {
  const u = random(seed);
  const z = normal(u);
  return Array.from({ length: customers }, () => {
    const x = 1 + Math.floor(10 * u());
    const theta = params.mu + Math.sqrt(params.tau2) * z();
    return { x, mean: Math.exp(theta - params.sigma2 / (2 * x) + Math.sqrt(params.sigma2 / x) * z()) };
  });
}

describe('fitLogNormalSpend', () => {
  const planted = { mu: Math.log(5_000), tau2: 0.64, sigma2: 0.36 };
  const fit = fitLogNormalSpend(simulate(planted, 8_000, 7));

  it('recovers the planted μ, τ² and σ² on simulated data', () => {
    expect(fit.converged).toBe(true);
    expect(fit.atBoundary).toEqual([]);
    expect(Math.abs(fit.params.mu - planted.mu)).toBeLessThan(0.03);
    expect(Math.abs(fit.params.tau2 / planted.tau2 - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.params.sigma2 / planted.sigma2 - 1)).toBeLessThan(0.15);
  });

  it('does not depend on the money unit except for μ, and treats weights like copies', () => {
    const rows = simulate(planted, 500, 3);
    const base = fitLogNormalSpend(rows);
    const cents = fitLogNormalSpend(rows.map((r) => ({ ...r, mean: r.mean * 100 })));
    const doubled = fitLogNormalSpend(rows.map((r) => ({ ...r, weight: 2 })));
    expect(cents.params.mu - base.params.mu).toBeCloseTo(Math.log(100), 5);
    expect(cents.params.tau2).toBeCloseTo(base.params.tau2, 5);
    expect(doubled.params.sigma2).toBeCloseTo(base.params.sigma2, 5);
    expect(doubled.logLikelihood / base.logLikelihood).toBeCloseTo(2, 6);
  });

  it('says when the spread cannot be split (a single x) and skips invalid rows', () => {
    const same = fitLogNormalSpend([
      ...Array.from({ length: 50 }, (_, i) => ({ x: 2, mean: 100 + i })),
      { x: 1.5, mean: 10 },
      { x: 3, mean: -1 },
      { x: 0, mean: 5 },
    ]);
    expect(same.converged).toBe(false);
    expect(same.warnings.join(' ')).toMatch(/not identified/);
    expect(same.warnings.join(' ')).toMatch(/2 invalid row/);
    expect(fitLogNormalSpend([]).converged).toBe(false);
  });
});

describe('logNormalOrderValue', () => {
  const params = { mu: Math.log(80), tau2: 0.5, sigma2: 0.8 };
  const positive = fc.double({ min: 1, max: 1e6, noNaN: true });

  it('tends to the own mean as x grows, to the population when customers are alike, and is it for x = 0', () => {
    fc.assert(
      fc.property(positive, (mean) => {
        expect(logNormalOrderValue(params, 1e9, mean) / mean).toBeCloseTo(1, 4);
        const population = Math.exp(params.mu + params.tau2 / 2);
        const alike = { ...params, tau2: 1e-12 };
        expect(logNormalOrderValue(alike, 3, mean) / Math.exp(params.mu)).toBeCloseTo(1, 4);
        expect(logNormalOrderValue(params, 0, mean)).toBe(population);
      }),
    );
  });

  it('moves towards the own mean with every purchase (monotone shrinkage)', () => {
    // ln EOV − ln mean = v·((μ − ln mean)/τ² + 1), and v = 1/(1/τ² + x/σ²) falls with x
    fc.assert(
      fc.property(positive, fc.integer({ min: 1, max: 500 }), (mean, x) => {
        const gap = (n: number) => Math.abs(Math.log(logNormalOrderValue(params, n, mean)) - Math.log(mean));
        expect(gap(x + 1)).toBeLessThanOrEqual(gap(x) * (1 + 1e-12));
        const v = 1 / (1 / params.tau2 + x / params.sigma2);
        expect(gap(x)).toBeCloseTo(v * Math.abs((params.mu - Math.log(mean)) / params.tau2 + 1), 9);
      }),
    );
  });

  it('is the known answer for one purchase', () => {
    // precision 1/0.5 + 1/0.8 = 3.25; m = (2·ln 80 + 1.25·(ln 200 + 0.8/2)) / 3.25; v = 1/3.25
    const v = 1 / 3.25;
    const m = v * (2 * Math.log(80) + 1.25 * (Math.log(200) + 0.4));
    expect(logNormalOrderValue(params, 1, 200)).toBeCloseTo(Math.exp(m + v / 2), 9);
  });
});
