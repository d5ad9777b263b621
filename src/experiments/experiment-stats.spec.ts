import { SeededRandom } from '../generator/seeded-random';
import {
  ArmOutcome,
  compareArms,
  DEFAULT_COMPARE,
  msprt,
  newcombeDifference,
  relativeLift,
  welchDifference,
  wilson,
} from './experiment-stats';

/** An arm's SQL sums from per-customer revenues (0 = no order). */
function outcome(revenues: readonly number[]): ArmOutcome {
  return {
    customers: revenues.length,
    converted: revenues.filter((r) => r > 0).length,
    revenue: revenues.reduce((s, r) => s + r, 0),
    revenueSquares: revenues.reduce((s, r) => s + r * r, 0),
  };
}

/** n customers who each convert with probability p and then spend a lognormal amount (median `median`). */
function simulateArm(rng: SeededRandom, n: number, p: number, median = 10_000): number[] {
  return Array.from({ length: n }, () =>
    rng.chance(p) ? Math.round(median * Math.exp(rng.normal(0, 0.8))) : 0,
  );
}

describe('known values', () => {
  it('Wilson interval of 81/263 (Newcombe 1998a, method 3): 0.2553 to 0.3662', () => {
    const w = wilson(81, 263)!;
    expect(w.value).toBeCloseTo(81 / 263, 12);
    expect(w.low).toBeCloseTo(0.2553, 4);
    expect(w.high).toBeCloseTo(0.3662, 4);
  });

  it('Wilson interval stays within [0, 1] at 0/n and n/n, where the Wald interval collapses', () => {
    expect(wilson(0, 20)!.low).toBe(0);
    expect(wilson(0, 20)!.high).toBeCloseTo(0.1611, 4);
    expect(wilson(20, 20)!.high).toBe(1);
    expect(wilson(0, 0)).toBeNull();
  });

  it('Newcombe hybrid score interval of 56/70 − 48/80 (Newcombe 1998b, method 10): 0.0524 to 0.3339', () => {
    const d = newcombeDifference(56, 70, 48, 80)!;
    expect(d.value).toBeCloseTo(0.2, 12);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });

  it('Newcombe interval of 9/10 − 3/10 (method 10): 0.1705 to 0.8090', () => {
    const d = newcombeDifference(9, 10, 3, 10)!;
    expect(d.low).toBeCloseTo(0.1705, 4);
    expect(d.high).toBeCloseTo(0.809, 4);
  });

  it('Katz interval of a rate ratio: 20/100 vs 10/100 gives lift 1 within exp(±1.96·√0.14)', () => {
    const l = relativeLift(20, 100, 10, 100)!;
    const se = Math.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100);
    expect(l.value).toBeCloseTo(1, 12);
    expect(l.low).toBeCloseTo(2 * Math.exp(-1.959964 * se) - 1, 5);
    expect(l.high).toBeCloseTo(2 * Math.exp(1.959964 * se) - 1, 5);
    expect(relativeLift(0, 100, 10, 100)).toBeNull();
  });

  it('Welch: means 7 vs 5, sd 3 (n 12) vs 2 (n 10): df 19.19, half-width t(0.975, 19.19) · 1.0724', () => {
    // the arms' sums from their moments: sum = n·mean, sum of squares = (n−1)·sd² + n·mean²
    const arm = { customers: 12, converted: 12, revenue: 84, revenueSquares: 11 * 9 + 12 * 49 };
    const control = { customers: 10, converted: 10, revenue: 50, revenueSquares: 9 * 4 + 10 * 25 };
    const w = welchDifference(arm, control)!;
    expect(w.value).toBeCloseTo(2, 10);
    expect(w.df).toBeCloseTo(1.3225 / (0.16 / 9 + 0.5625 / 11), 8);
    expect(w.df).toBeCloseTo(19.19, 2);
    // t(0.975, 19) = 2.0930, t(0.975, 20) = 2.0860: between them
    const half = (w.high - w.low) / 2;
    expect(half / Math.sqrt(1.15)).toBeGreaterThan(2.086);
    expect(half / Math.sqrt(1.15)).toBeLessThan(2.093);
    expect(welchDifference({ ...arm, customers: 1 }, control)).toBeNull();
  });

  it('mSPRT: the p-value is 1/Λ of the closed form and the interval is where Λ(θ̂ − θ) < 1/α', () => {
    const V = 1e-4;
    const tau = 0.01;
    const s = msprt(0.03, V, tau, 0.05)!;
    const lambda =
      Math.sqrt(V / (V + tau * tau)) * Math.exp((tau * tau * 0.03 ** 2) / (2 * V * (V + tau * tau)));
    expect(s.pValue).toBeCloseTo(1 / lambda, 12);
    // at the interval's edge Λ equals 1/α
    const edge = s.interval.value - s.interval.low;
    const atEdge =
      Math.sqrt(V / (V + tau * tau)) * Math.exp((tau * tau * edge ** 2) / (2 * V * (V + tau * tau)));
    expect(atEdge).toBeCloseTo(20, 8);
    // wider than the fixed-horizon interval at the same α: the price of looking any time
    expect(edge).toBeGreaterThan(1.959964 * Math.sqrt(V));
    expect(msprt(0.03, 0, tau)).toBeNull();
  });
});

describe('A/A: no effect is reported at the nominal rate', () => {
  it('fixed-horizon intervals (Newcombe, Welch on lognormal spend) miss 0 in about 5 % of 1,000 A/A tests', () => {
    const rng = new SeededRandom(20261206);
    let conversionMisses = 0;
    let revenueMisses = 0;
    const runs = 1000;
    for (let i = 0; i < runs; i++) {
      const a = outcome(simulateArm(rng, 600, 0.12));
      const b = outcome(simulateArm(rng, 600, 0.12));
      const c = compareArms(a, b);
      if (c.significant) conversionMisses++;
      const r = c.revenueDifference!;
      if (r.low > 0 || r.high < 0) revenueMisses++;
    }
    // 5 % of 1,000: 50 ± 7 (1 sd); the bounds are ±3.5 sd
    expect(conversionMisses).toBeGreaterThan(25);
    expect(conversionMisses).toBeLessThan(75);
    expect(revenueMisses).toBeGreaterThan(25);
    expect(revenueMisses).toBeLessThan(75);
  });

  it('the always-valid test stays under α over 40 daily looks, where peeking at the fixed interval does not', () => {
    const rng = new SeededRandom(42);
    const runs = 300;
    let sequentialStops = 0;
    let peekingStops = 0;
    for (let i = 0; i < runs; i++) {
      const a: number[] = [];
      const b: number[] = [];
      let stopped = false;
      let peeked = false;
      for (let day = 0; day < 40; day++) {
        a.push(...simulateArm(rng, 50, 0.1));
        b.push(...simulateArm(rng, 50, 0.1));
        const c = compareArms(outcome(a), outcome(b), { ...DEFAULT_COMPARE, minCustomersPerArm: 0 });
        if (c.advice === 'stop_arm_wins' || c.advice === 'stop_arm_loses') stopped = true;
        if (c.significant) peeked = true;
      }
      if (stopped) sequentialStops++;
      if (peeked) peekingStops++;
    }
    // α = 5 %: 15 of 300 expected at most; the running test is conservative in practice
    expect(sequentialStops / runs).toBeLessThanOrEqual(0.07);
    // repeated fixed-horizon looks find a "winner" far more often than 5 % (that is why the advice uses mSPRT)
    expect(peekingStops / runs).toBeGreaterThan(0.12);
  });
});

describe('a planted effect of known size is detected', () => {
  it('conversion 10 % → 13 % and spend +30 %: the intervals exclude 0 and hold the true difference', () => {
    const rng = new SeededRandom(7);
    const control = outcome(simulateArm(rng, 4000, 0.1, 10_000));
    const arm = outcome(simulateArm(rng, 4000, 0.13, 13_000));
    const c = compareArms(arm, control);
    expect(c.significant).toBe(true);
    expect(c.conversionDifference!.low).toBeGreaterThan(0);
    expect(c.conversionDifference!.low).toBeLessThan(0.03);
    expect(c.conversionDifference!.high).toBeGreaterThan(0.03);
    // true mean revenue per customer: p · median · e^(σ²/2); difference 0.13·13000·e^0.32 − 0.1·10000·e^0.32
    const trueRevenueDiff = (0.13 * 13_000 - 0.1 * 10_000) * Math.exp(0.32);
    expect(c.revenueDifference!.low).toBeGreaterThan(0);
    expect(c.revenueDifference!.low).toBeLessThan(trueRevenueDiff);
    expect(c.revenueDifference!.high).toBeGreaterThan(trueRevenueDiff);
    expect(c.sequential!.pValue).toBeLessThan(0.05);
    expect(c.advice).toBe('stop_arm_wins');
  });

  it('a worse arm is advised to stop as a loser; a small sample is never advised to stop', () => {
    const rng = new SeededRandom(8);
    const control = outcome(simulateArm(rng, 4000, 0.15));
    const worse = outcome(simulateArm(rng, 4000, 0.1));
    expect(compareArms(worse, control).advice).toBe('stop_arm_loses');
    const tiny = compareArms(
      { customers: 20, converted: 15, revenue: 1, revenueSquares: 1 },
      { customers: 20, converted: 0, revenue: 0, revenueSquares: 0 },
    );
    expect(tiny.advice).toBe('keep_running');
    expect(
      compareArms(outcome(simulateArm(rng, 500, 0.1)), outcome(simulateArm(rng, 500, 0.1)), {
        ...DEFAULT_COMPARE,
        ended: true,
      }).advice,
    ).toMatch(/^stop_/);
  });
});
