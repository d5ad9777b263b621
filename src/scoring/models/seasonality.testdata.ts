/**
 * Planted seasonal purchase histories for the seasonality spec and the scoring-accuracy benchmark: a known
 * month-of-year pattern, seeded, so the same data comes out on every run.
 */
import type { PurchaseHistory } from './backtest';

const DAY = 86_400_000;

/** mulberry32: a small seeded generator, so the planted data is the same on every run */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A planted pattern: summer lull, November–December peak (mean 1). */
export const PLANTED = (() => {
  const raw = [1, 0.95, 1, 1, 1, 0.8, 0.7, 0.75, 1, 1.05, 1.4, 1.6];
  const mean = raw.reduce((s, v) => s + v, 0) / 12;
  return raw.map((v) => v / mean);
})();

/**
 * Customers who first buy in the first `acquisitionDays` from `start` and then buy at their own Poisson rate
 * (gamma-distributed across customers, mean one purchase in `meanGapDays`) times the month's factor, with a
 * constant daily dropout, until `end` (thinning of a Poisson process).
 */
export function plant(opts: {
  customers: number;
  start: number;
  end: number;
  months: number[];
  seed: number;
  acquisitionDays?: number;
  meanGapDays?: number;
  dropoutPerDay?: number;
}): PurchaseHistory[] {
  const rnd = random(opts.seed);
  const peak = Math.max(...opts.months);
  const out: PurchaseHistory[] = [];
  for (let c = 0; c < opts.customers; c++) {
    // rate ~ Gamma(2, mean / 2): the sum of two exponentials
    const rate = (-Math.log(rnd()) - Math.log(rnd())) / 2 / (opts.meanGapDays ?? 30);
    const first = opts.start + Math.floor(rnd() * (opts.acquisitionDays ?? 365));
    const life = -Math.log(rnd()) / (opts.dropoutPerDay ?? 1 / 2_000);
    const days = new Set<number>([first]);
    let t = first + 0.5;
    for (;;) {
      t += -Math.log(rnd()) / (rate * peak);
      if (t > opts.end + 1 || t > first + life) break;
      const d = Math.floor(t);
      if (rnd() < opts.months[new Date(d * DAY).getUTCMonth()] / peak) days.add(d);
    }
    out.push({ days: [...days].sort((a, b) => a - b) });
  }
  return out;
}

/**
 * 6,000 customers acquired over 700 days who drop out at 1/400 a day, no season, as of day 900: data on which the
 * learned correction validates (it corrects expected purchases), for the specs of the correction and its run glue.
 */
export function plantCorrectable(): PurchaseHistory[] {
  return plant({
    customers: 6_000,
    start: 0,
    end: 900,
    months: new Array<number>(12).fill(1),
    seed: 9,
    dropoutPerDay: 1 / 400,
    acquisitionDays: 700,
  });
}

/** Knuth's Poisson sampler (for small means), drawing from `u` (e.g. `random(seed)`). */
export function poisson(mean: number, u: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = u();
  while (p > limit) {
    k++;
    p *= u();
  }
  return k;
}
