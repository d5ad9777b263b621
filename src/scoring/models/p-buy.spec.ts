import { modelExpectedPurchases, modelPBuy } from './count-models';
import { bgNbdPBuy, mbgNbdPBuy, paretoNbdNoPurchaseIfAlive, paretoNbdPBuy } from './p-buy';
import type { ParetoNbdParams } from './pareto-nbd';
import { random } from './seasonality.testdata';
import type { BgNbdParams, RepeatSummary } from './types';

// CDNOW weeks 1–39 fits (Fader–Hardie): the scale of parameters the formulas meet in practice
const BG: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PARETO: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

/** Gamma(shape, rate) by Marsaglia–Tsang (shape < 1 boosted by U^(1/shape)). */
function gammaSampler(rng: () => number) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const draw = (shape: number): number => {
    if (shape < 1) return draw(shape + 1) * Math.pow(1 - rng(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      if (Math.log(1 - rng()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return (shape: number, rate: number) => draw(shape) / rate;
}

/**
 * Self-normalised importance sampling from the model itself: individual parameters drawn from their population
 * distributions, each weighted by its likelihood of (x, tx, T) split into "alive at T" and "dropped out"; the
 * state drawn in that proportion, and an alive customer simulated over (T, T+t] event by event. Returns the
 * estimate of P(X(t) > 0) and its standard error.
 */
function monteCarlo(
  draws: number,
  seed: number,
  sample: (gamma: (shape: number, rate: number) => number) => {
    alive: number;
    dead: number;
    buysIfAlive: (rng: () => number) => boolean;
  },
): { p: number; se: number } {
  const rng = random(seed);
  const gamma = gammaSampler(rng);
  const w: number[] = [];
  const hit: number[] = [];
  for (let i = 0; i < draws; i++) {
    const d = sample(gamma);
    const total = d.alive + d.dead;
    if (!(total > 0)) continue;
    const alive = rng() * total < d.alive;
    w.push(total);
    hit.push(alive && d.buysIfAlive(rng) ? 1 : 0);
  }
  const sw = w.reduce((a, b) => a + b, 0);
  const p = w.reduce((a, wi, i) => a + wi * hit[i], 0) / sw;
  const variance = w.reduce((a, wi, i) => a + wi * wi * (hit[i] - p) ** 2, 0) / (sw * sw);
  return { p, se: Math.sqrt(variance) };
}

const exponential = (rng: () => number, rate: number) => -Math.log(1 - rng()) / rate;

/** BG/NBD (mbg = false) or MBG/NBD (true): dropout with probability p right after each purchase (MBG: also at 0). */
function bgFamilyMonteCarlo(params: BgNbdParams, s: RepeatSummary, t: number, mbg: boolean, seed: number) {
  const { r, alpha, a, b } = params;
  return monteCarlo(120_000, seed, (gamma) => {
    const lambda = gamma(r, alpha);
    const ga = gamma(a, 1);
    const p = ga / (ga + gamma(b, 1));
    const survivals = s.x + (mbg ? 1 : 0);
    const alive = (1 - p) ** survivals * lambda ** s.x * Math.exp(-lambda * s.T);
    const dead =
      survivals > 0 && (mbg || s.x > 0)
        ? p * (1 - p) ** (survivals - 1) * lambda ** s.x * Math.exp(-lambda * s.tx)
        : 0;
    // alive: the next purchase comes at rate λ; dropout can only follow a purchase, so the first one decides
    return { alive, dead, buysIfAlive: (rng) => exponential(rng, lambda) <= t };
  });
}

/** Pareto/NBD: lifetime ~ Exp(μ) whatever the purchases. */
function paretoMonteCarlo(params: ParetoNbdParams, s: RepeatSummary, t: number, seed: number) {
  return monteCarlo(120_000, seed, (gamma) => {
    const lambda = gamma(params.r, params.alpha);
    const mu = gamma(params.s, params.beta);
    const k = lambda + mu;
    const alive = lambda ** s.x * Math.exp(-k * s.T);
    const dead = ((lambda ** s.x * mu) / k) * (Math.exp(-k * s.tx) - Math.exp(-k * s.T));
    return {
      alive,
      dead,
      buysIfAlive: (rng) => exponential(rng, lambda) <= Math.min(exponential(rng, mu), t),
    };
  });
}

const CASES: Array<{ name: string; s: RepeatSummary; t: number }> = [
  { name: 'one-time buyer', s: { x: 0, tx: 0, T: 30 }, t: 39 },
  { name: 'repeat buyer, recent', s: { x: 2, tx: 30, T: 38 }, t: 39 },
  { name: 'repeat buyer, long silent', s: { x: 3, tx: 8, T: 38 }, t: 26 },
];

describe('P(X(t) > 0) against a Monte Carlo simulation of each model (within 4 standard errors)', () => {
  CASES.forEach(({ name, s, t }, i) => {
    it(`BG/NBD, ${name}`, () => {
      const mc = bgFamilyMonteCarlo(BG, s, t, false, 101 + i);
      expect(mc.se).toBeLessThan(0.01);
      expect(Math.abs(bgNbdPBuy(BG, t, s) - mc.p)).toBeLessThan(4 * mc.se);
    });
    it(`MBG/NBD, ${name}`, () => {
      const mc = bgFamilyMonteCarlo(BG, s, t, true, 201 + i);
      expect(mc.se).toBeLessThan(0.01);
      expect(Math.abs(mbgNbdPBuy(BG, t, s) - mc.p)).toBeLessThan(4 * mc.se);
    });
    it(`Pareto/NBD, ${name}`, () => {
      const mc = paretoMonteCarlo(PARETO, s, t, 301 + i);
      expect(mc.se).toBeLessThan(0.01);
      expect(Math.abs(paretoNbdPBuy(PARETO, t, s) - mc.p)).toBeLessThan(4 * mc.se);
    });
  });

  it('the simulation has the power to reject a Pareto/NBD score that ignores dropout within the horizon', () => {
    // the check has power: a score that ignores dropout in the horizon is outside the tolerance
    const s = CASES[2].s;
    const mc = paretoMonteCarlo(PARETO, s, 26, 303);
    const n = PARETO.r + s.x;
    const ignoringDropout = 1 - Math.pow((PARETO.alpha + s.T) / (PARETO.alpha + s.T + 26), n);
    const alive =
      paretoNbdPBuy(PARETO, 26, s) /
      (1 - paretoNbdNoPurchaseIfAlive(n, PARETO.alpha + s.T, PARETO.s, PARETO.beta + s.T, 26));
    expect(Math.abs(alive * ignoringDropout - mc.p)).toBeGreaterThan(4 * mc.se);
  });
});

describe('paretoNbdNoPurchaseIfAlive', () => {
  it('matches the closed form when A = B: s/(s+n)·(1 − (A/(A+t))^(s+n)) + (A/(A+t))^(s+n)', () => {
    for (const [n, s, A, t] of [
      [0.6, 0.6, 50, 39],
      [12.5, 0.3, 40, 90],
      [200, 2, 400, 365],
      [0.2, 5, 1, 1000],
    ]) {
      const g = Math.pow(A / (A + t), s + n);
      const exact = (s / (s + n)) * (1 - g) + g;
      expect(paretoNbdNoPurchaseIfAlive(n, A, s, A, t)).toBeCloseTo(exact, 9);
    }
  });

  it('is 1 at t = 0 and falls with t', () => {
    expect(paretoNbdNoPurchaseIfAlive(2.5, 40, 0.6, 50, 0)).toBe(1);
    let last = 1;
    for (const t of [1, 7, 30, 90, 365]) {
      const q = paretoNbdNoPurchaseIfAlive(2.5, 40, 0.6, 50, t);
      expect(q).toBeLessThan(last);
      last = q;
    }
  });
});

describe('P(buy) properties', () => {
  const s = { x: 4, tx: 20, T: 38 };
  it('is 0 for a zero horizon and below P(alive)·1 otherwise', () => {
    expect(bgNbdPBuy(BG, 0, s)).toBe(0);
    expect(paretoNbdPBuy(PARETO, 0, s)).toBe(0);
    for (const t of [1, 39, 1000]) {
      for (const m of [
        { model: 'bg-nbd' as const, params: BG },
        { model: 'mbg-nbd' as const, params: BG },
        { model: 'pareto-nbd' as const, params: PARETO },
      ]) {
        const p = modelPBuy(m, t, s);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
        // P(X > 0) ≤ E[X]
        expect(p).toBeLessThanOrEqual(modelExpectedPurchases(m, t, s) + 1e-12);
      }
    }
  });

  it('rateScale k is the horizon k·t for BG/NBD (no dropout without a purchase) and raises P(buy) for Pareto/NBD', () => {
    expect(bgNbdPBuy(BG, 39, s, 1.3)).toBeCloseTo(bgNbdPBuy(BG, 39 * 1.3, s), 12);
    expect(mbgNbdPBuy(BG, 39, s, 0.7)).toBeCloseTo(mbgNbdPBuy(BG, 39 * 0.7, s), 12);
    expect(paretoNbdPBuy(PARETO, 39, s, 1.3)).toBeGreaterThan(paretoNbdPBuy(PARETO, 39, s));
    expect(() => bgNbdPBuy(BG, 39, s, 0)).toThrow(RangeError);
  });

  it('ranks differently from E[X]: two repeats long ago can expect more purchases and have less chance of any', () => {
    const pairs = [
      {
        m: { model: 'pareto-nbd' as const, params: PARETO },
        a: { x: 2, tx: 15, T: 38 },
        b: { x: 1, tx: 20, T: 38 },
      },
      { m: { model: 'bg-nbd' as const, params: BG }, a: { x: 2, tx: 13, T: 38 }, b: { x: 1, tx: 17, T: 38 } },
    ];
    for (const { m, a, b } of pairs) {
      expect(modelExpectedPurchases(m, 39, a)).toBeGreaterThan(modelExpectedPurchases(m, 39, b) + 0.05);
      expect(modelPBuy(m, 39, a)).toBeLessThan(modelPBuy(m, 39, b) - 0.02);
    }
  });
});
