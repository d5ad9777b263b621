import fc from 'fast-check';

import { SeededRandom, Weighted } from './seeded-random';

function draws(random: SeededRandom): number[] {
  return [random.uniform(), random.gamma(0.5, 2), random.beta(0.8, 2.4), random.normal(), random.poisson(3)];
}

describe('SeededRandom', () => {
  it('repeats itself for the same seed and differs for another', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), (seed) => {
        expect(draws(new SeededRandom(seed))).toEqual(draws(new SeededRandom(seed)));
        expect(draws(new SeededRandom(seed))).not.toEqual(draws(new SeededRandom(seed + 1)));
      }),
      { numRuns: 50 },
    );
    expect(draws(new SeededRandom(0))).not.toEqual(draws(new SeededRandom(-1)));
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
    expect(() => new SeededRandom(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });

  it('samples gamma, beta and poisson with the right means', () => {
    const random = new SeededRandom(99);
    const n = 50_000;
    let gamma = 0;
    let beta = 0;
    let poisson = 0;
    for (let i = 0; i < n; i += 1) {
      gamma += random.gamma(0.25, 0.5); // mean 0.5
      beta += random.beta(0.8, 2.4); // mean 0.25
      poisson += random.poisson(4);
    }
    expect(gamma / n).toBeGreaterThan(0.45);
    expect(gamma / n).toBeLessThan(0.55);
    expect(beta / n).toBeCloseTo(0.25, 2);
    expect(poisson / n).toBeCloseTo(4, 1);
  });

  it('keeps int and between inside their bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: -50, max: 50 }),
        fc.nat(100),
        (seed, min, width) => {
          const random = new SeededRandom(seed);
          for (let i = 0; i < 20; i += 1) {
            const k = random.int(min, min + width);
            expect(Number.isInteger(k) && k >= min && k <= min + width).toBe(true);
            const x = random.between(min, min + width + 1);
            expect(x >= min && x < min + width + 1).toBe(true);
          }
        },
      ),
    );
  });
});

describe('Weighted', () => {
  it('follows its weights', () => {
    const weighted = new Weighted([
      ['a', 0.7],
      ['b', 0.2],
      ['c', 0.1],
    ] as const);
    const random = new SeededRandom(3);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i += 1) counts[weighted.sample(random)] += 1;
    expect(counts.a / 20_000).toBeCloseTo(0.7, 1);
    expect(counts.b / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.c / 20_000).toBeCloseTo(0.1, 1);
  });

  it('refuses empty or weightless lists', () => {
    expect(() => new Weighted([])).toThrow(RangeError);
    expect(() => new Weighted([['a', 0]])).toThrow(RangeError);
  });
});
