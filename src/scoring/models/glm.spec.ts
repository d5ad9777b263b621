import fc from 'fast-check';
import { choleskySolve, fitGlm, linearPredictor, sigmoid } from './glm';
import { poisson, random } from './seasonality.testdata';

/** n rows of three features (one binary), seeded. */
function features(n: number, seed: number): number[][] {
  const u = random(seed);
  return Array.from({ length: n }, () => [u() * 2 - 1, Math.log(1 + 10 * u()), u() < 0.3 ? 1 : 0]);
}

describe('fitGlm', () => {
  const planted = [-0.4, 0.8, -0.5, 0.6];

  it('recovers planted Poisson coefficients, with an offset, on seeded data', () => {
    const x = features(20_000, 1);
    const u = random(2);
    const offset = x.map(() => Math.log(0.5 + u()));
    const y = x.map((r, i) => poisson(Math.exp(offset[i] + linearPredictor(planted, r)), u));
    const fit = fitGlm('poisson', x, y, offset, { ridge: 0 });
    expect(fit.converged).toBe(true);
    fit.coefficients.forEach((c, j) => expect(c).toBeCloseTo(planted[j], 1));
    // each within 0.05 of the truth (standard errors here are ≈ 0.01–0.02)
    fit.coefficients.forEach((c, j) => expect(Math.abs(c - planted[j])).toBeLessThan(0.05));
  });

  it('recovers planted logistic coefficients, with an offset, on seeded data', () => {
    const x = features(20_000, 3);
    const u = random(4);
    const offset = x.map(() => u() - 0.5);
    const y = x.map((r, i) => (u() < sigmoid(offset[i] + linearPredictor(planted, r)) ? 1 : 0));
    const fit = fitGlm('logistic', x, y, offset, { ridge: 0 });
    expect(fit.converged).toBe(true);
    fit.coefficients.forEach((c, j) => expect(Math.abs(c - planted[j])).toBeLessThan(0.1));
  });

  it('shrinks the slopes towards 0 as the ridge grows, never the intercept alone', () => {
    const x = features(2_000, 5);
    const u = random(6);
    const y = x.map((r) => poisson(Math.exp(linearPredictor(planted, r)), u));
    const norm = (c: number[]) => Math.hypot(...c.slice(1));
    const small = fitGlm('poisson', x, y, undefined, { ridge: 0 });
    const large = fitGlm('poisson', x, y, undefined, { ridge: 1e6 });
    expect(norm(large.coefficients)).toBeLessThan(0.01 * norm(small.coefficients));
    // with the slopes gone, the intercept matches the mean count
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    expect(large.coefficients[0]).toBeCloseTo(Math.log(mean), 2);
  });

  it('pulls the slopes toward a prior, the more the heavier its weight; weight 0 is no prior', () => {
    const x = features(2_000, 7);
    const u = random(8);
    const y = x.map((r) => poisson(Math.exp(linearPredictor(planted, r)), u));
    const prior = [0, -0.3, 0.4, -0.2];
    const away = (c: number[]) => Math.hypot(...c.slice(1).map((b, j) => b - prior[j + 1]));
    const fit = (weight?: number) =>
      fitGlm('poisson', x, y, undefined, {
        ridge: 0,
        prior: weight === undefined ? undefined : { coefficients: prior, weight },
      });
    const fresh = fit();
    expect(fit(0).coefficients).toEqual(fresh.coefficients);
    const weights = [0.25, 1, 4, 1e6];
    const distances = weights.map((w) => away(fit(w).coefficients));
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeLessThan(distances[i - 1]);
    expect(distances[0]).toBeLessThan(away(fresh.coefficients));
    // weight w: the prior counts w times the rows, so the slopes end about w/(1+w) of the way to it
    expect(distances[2]).toBeGreaterThan(0.1 * away(fresh.coefficients));
    expect(distances[2]).toBeLessThan(0.35 * away(fresh.coefficients));
    expect(distances[3]).toBeLessThan(1e-3);
    expect(() => fit(-1)).toThrow(RangeError);
    expect(() => fitGlm('poisson', x, y, undefined, { prior: { coefficients: [0, 1], weight: 1 } })).toThrow(
      RangeError,
    );
  });

  it('is deterministic and finite on any data, separable or constant (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 0, max: 6 })), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.constantFrom('poisson' as const, 'logistic' as const),
        (data, family) => {
          const x = data.map(([v]) => [v, 1]);
          const y = data.map(([, k]) => (family === 'logistic' ? Math.min(1, k) : k));
          const a = fitGlm(family, x, y);
          const b = fitGlm(family, x, y);
          expect(a).toEqual(b);
          for (const c of a.coefficients) expect(Number.isFinite(c)).toBe(true);
          // the constant column carries no slope
          expect(Math.abs(a.coefficients[2])).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it('rejects outcomes its family cannot have', () => {
    expect(() => fitGlm('logistic', [[1]], [2])).toThrow(RangeError);
    expect(() => fitGlm('poisson', [[1]], [-1])).toThrow(RangeError);
    expect(() => fitGlm('poisson', [[1], [2, 3]], [1, 1])).toThrow(RangeError);
  });
});

describe('choleskySolve', () => {
  it('solves a symmetric positive-definite system', () => {
    const A = [4, 2, 0.6, 2, 2, 0.5, 0.6, 0.5, 3];
    const x = [1, -2, 0.5];
    const b = [0, 1, 2].map((i) => A[i * 3] * x[0] + A[i * 3 + 1] * x[1] + A[i * 3 + 2] * x[2]);
    const got = choleskySolve(A, b, 3);
    x.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 10));
  });
});
