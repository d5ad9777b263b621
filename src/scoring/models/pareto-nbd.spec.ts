import fc from 'fast-check';

import { readCdnowSummary } from './cdnow.testdata';
import {
  fitParetoNbd,
  paretoNbdExpectedPurchases,
  paretoNbdExpectedPurchasesNewCustomer,
  paretoNbdLogA0,
  paretoNbdLogLikelihood,
  paretoNbdPAlive,
  type ParetoNbdParams,
} from './pareto-nbd';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

/**
 * ln[(r+s+x) ∫_tx^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ] by composite Simpson over u = ln(min(α, β) + τ), where the
 * integrand is smooth even when min(α, β) is tiny (an independent check of A₀).
 */
function lnA0BySimpson(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const n = 200_000;
  const c = Math.min(p.alpha, p.beta);
  const u0 = Math.log(c + tx);
  const h = (Math.log(c + T) - u0) / n;
  const lnF = (u: number) => {
    const tau = Math.exp(u) - c;
    return -(p.r + x) * Math.log(p.alpha + tau) - (p.s + 1) * Math.log(p.beta + tau) + u;
  };
  const base = lnF(u0);
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    sum += w * Math.exp(lnF(u0 + i * h) - base);
  }
  return base + Math.log((sum * h) / 3) + Math.log(p.r + p.s + x);
}

describe('paretoNbdLogLikelihood', () => {
  it('gives the published CDNOW log-likelihood at the published estimates (Fader & Hardie: −9,594.98)', () => {
    const published = { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 };
    const ll = readCdnowSummary().reduce((sum, s) => sum + paretoNbdLogLikelihood(published, s), 0);
    // the rounded published parameters cost 0.03 of log-likelihood against the optimum
    expect(ll).toBeCloseTo(-9595.0, 1);
  });

  it('A₀ agrees with numerical integration, also where the textbook ₂F₁ would overflow', () => {
    const cases: Array<[ParetoNbdParams, number, number, number]> = [
      [{ r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 }, 2, 30.43, 38.86],
      [{ r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 }, 0, 0, 38.86],
      [{ r: 0.55, alpha: 11.67, s: 0.61, beta: 10.58 }, 7, 3, 38],
      // α ≪ β and a heavy buyer: ₂F₁(r+s+x, r+x; …) ≈ (1−z)^−(r+x) = 1e500 in the note's form
      [{ r: 2, alpha: 1, s: 0.5, beta: 10 }, 500, 20, 30],
      [{ r: 0.3, alpha: 200, s: 3, beta: 0.01 }, 40, 100, 700],
      // w = −(α−β)/β ≈ −2·10⁴: past the positive series, stdlib's ₂F₁ (or the quadrature fallback)
      [{ r: 0.3, alpha: 200, s: 3, beta: 0.01 }, 0, 0, 700],
      [{ r: 5, alpha: 0.001, s: 0.2, beta: 50 }, 3, 0.5, 90],
      // the same far from the integers: the 1/w expansion instead of the continued fraction
      [{ r: 0.3, alpha: 200, s: 2.5, beta: 0.01 }, 0, 0, 700],
      [{ r: 5.3, alpha: 0.001, s: 0.2, beta: 50 }, 3, 0.5, 90],
      [{ r: 10, alpha: 7229.6, s: 0.034, beta: 2.58 }, 42, 42.3, 44.8],
    ];
    for (const [p, x, tx, T] of cases) {
      const ours = paretoNbdLogA0(p, x, tx, T);
      expect(Number.isFinite(ours)).toBe(true);
      expect(Math.abs(ours - lnA0BySimpson(p, x, tx, T))).toBeLessThan(1e-8);
    }
    expect(paretoNbdLogA0({ r: 1, alpha: 2, s: 1, beta: 3 }, 3, 10, 10)).toBe(-Infinity);
  });

  it('rejects invalid summaries and parameters', () => {
    const p = { r: 1, alpha: 1, s: 1, beta: 1 };
    expect(() => paretoNbdLogLikelihood(p, { x: 1, tx: 5, T: 4 })).toThrow(RangeError);
    expect(() => paretoNbdLogLikelihood({ ...p, s: 0 }, { x: 0, tx: 0, T: 4 })).toThrow(RangeError);
  });
});

describe('fitParetoNbd on CDNOW (2,357 customers, weeks)', () => {
  const fit = fitParetoNbd(readCdnowSummary());

  it('reproduces the published estimates (r 0.553, α 10.578, s 0.606, β 11.669) and log-likelihood', () => {
    const published = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    for (const name of ['r', 'alpha', 's', 'beta'] as const) {
      expect(relativeError(fit.params[name], published[name])).toBeLessThan(2e-3);
    }
    expect(fit.logLikelihood).toBeCloseTo(-9594.98, 1);
    // the fit's grouped loop and the per-customer likelihood agree
    const sum = readCdnowSummary().reduce((n, row) => n + paretoNbdLogLikelihood(fit.params, row), 0);
    expect(sum).toBeCloseTo(fit.logLikelihood, 6);
    expect(fit.converged).toBe(true);
    expect(fit.atBoundary).toEqual([]);
  });

  it('matches BTYD: E[X(52) | x = 26, tx = 30.86, T = 31] = 25.46', () => {
    expect(paretoNbdExpectedPurchases(fit.params, 52, { x: 26, tx: 30.86, T: 31 })).toBeCloseTo(25.46, 2);
  });

  it("matches BTYD's unconditional curve E[X(t)], t = 1…9 weeks", () => {
    const btyd = [
      0.05077821, 0.09916088, 0.14542507, 0.1897993, 0.23247466, 0.27361274, 0.31335159, 0.35181024,
      0.38909211,
    ];
    btyd.forEach((v, i) => {
      expect(Math.abs(paretoNbdExpectedPurchasesNewCustomer(fit.params, i + 1) - v)).toBeLessThan(3e-3);
    });
  });

  it('is invariant to the time unit (weeks vs days)', () => {
    const days = fitParetoNbd(readCdnowSummary().map((s) => ({ x: s.x, tx: s.tx * 7, T: s.T * 7 })));
    expect(relativeError(days.params.r, fit.params.r)).toBeLessThan(1e-3);
    expect(relativeError(days.params.alpha, fit.params.alpha * 7)).toBeLessThan(1e-3);
    expect(relativeError(days.params.beta, fit.params.beta * 7)).toBeLessThan(1e-3);
  });
});

describe('Pareto/NBD predictions', () => {
  const p = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

  it('P(alive) is below 1 even without repeat purchases, and falls with silence', () => {
    const young = paretoNbdPAlive(p, { x: 0, tx: 0, T: 1 });
    const old = paretoNbdPAlive(p, { x: 0, tx: 0, T: 40 });
    expect(young).toBeLessThan(1);
    expect(old).toBeLessThan(young);
    expect(paretoNbdPAlive(p, { x: 3, tx: 40, T: 40 })).toBe(1);
  });

  it('E[X(t)] is continuous through s = 1', () => {
    const s = { x: 2, tx: 20, T: 38 };
    const at1 = paretoNbdExpectedPurchases({ ...p, s: 1 }, 39, s);
    const near = paretoNbdExpectedPurchases({ ...p, s: 1 + 1e-7 }, 39, s);
    expect(relativeError(near, at1)).toBeLessThan(1e-6);
  });

  it('properties: P(alive) ∈ [0, 1]; E[X(t)] finite, ≥ 0 and non-decreasing in t', () => {
    const pos = (lo: number, hi: number) =>
      fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
    fc.assert(
      fc.property(
        pos(1e-2, 1e2),
        pos(1e-1, 1e3),
        pos(1e-2, 1e2),
        pos(1e-1, 1e3),
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        pos(1e-1, 2000),
        pos(1e-2, 2000),
        (r, alpha, s, beta, x, f, T, t) => {
          const tx = x === 0 ? 0 : f * T;
          const summary = { x, tx, T };
          const params = { r, alpha, s, beta };
          const pa = paretoNbdPAlive(params, summary);
          const e1 = paretoNbdExpectedPurchases(params, t, summary);
          const e2 = paretoNbdExpectedPurchases(params, 2 * t, summary);
          return pa >= 0 && pa <= 1 && Number.isFinite(e1) && e1 >= 0 && e2 >= e1 * (1 - 1e-12);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('fitParetoNbd on degenerate data', () => {
  it('no rows: start values, not converged, a warning', () => {
    const fit = fitParetoNbd([]);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join()).toMatch(/no customers/);
  });

  it('nobody drops out: flags the dropout parameters at a bound', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ x: 10, tx: 69 + (i % 2), T: 70 }));
    const fit = fitParetoNbd(rows);
    expect(fit.atBoundary.length).toBeGreaterThan(0);
    expect(fit.warnings.join(' ')).toMatch(/bound/);
  });
});
