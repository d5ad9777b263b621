import betaRandom from '@stdlib/random-base-beta';
import gammaRandom from '@stdlib/random-base-gamma';
import mt19937 from '@stdlib/random-base-mt19937';

/** Salt mixed into the MT19937 seed array so that seed 0 is legal and distinct from seed 1. */
const SEED_SALT = 0x43504c4e; // 'CPLN'
const TWO_POW_32 = 4294967296;

/**
 * One deterministic stream of random numbers: a Mersenne Twister seeded from `seed`, with the stdlib gamma
 * and beta samplers drawing from that same stream. Every draw advances the one stream, so the output of a
 * run depends only on the seed and the order of calls.
 */
export class SeededRandom {
  /** uniform on [0, 1), 53-bit precision */
  readonly uniform: () => number;
  private readonly gammaDraw: (shape: number, rate: number) => number;
  private readonly betaDraw: (a: number, b: number) => number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const seedWords = new Uint32Array([seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0, SEED_SALT]);
    const source = mt19937.factory({ seed: seedWords });
    // `normalized` exists at runtime (see the package README) but is missing from its type declarations.
    const uniform = (source as unknown as { normalized: () => number }).normalized;
    this.uniform = uniform;
    this.gammaDraw = gammaRandom.factory({ prng: uniform });
    this.betaDraw = betaRandom.factory({ prng: uniform });
  }

  /** Gamma(shape, rate): mean shape / rate */
  gamma(shape: number, rate: number): number {
    return this.gammaDraw(shape, rate);
  }

  /** Beta(a, b): mean a / (a + b) */
  beta(a: number, b: number): number {
    return this.betaDraw(a, b);
  }

  /** true with probability p */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** integer in [min, max], both inclusive */
  int(min: number, max: number): number {
    return min + Math.floor(this.uniform() * (max - min + 1));
  }

  /** uniform real in [min, max) */
  between(min: number, max: number): number {
    return min + this.uniform() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }

  /** exponential waiting time with the given rate (mean 1 / rate) */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** standard normal by Box-Muller (one of the pair is discarded to keep the stream stateless) */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Poisson count; inversion for small means, rounded normal approximation above 40 */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let product = this.uniform();
    while (product > limit) {
      k += 1;
      product *= this.uniform();
    }
    return k;
  }
}

/** A discrete distribution sampled by one uniform draw (cumulative weights, linear scan: lists are short). */
export class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: Float64Array;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    if (entries.length === 0) throw new RangeError('Weighted needs at least one entry');
    this.values = entries.map(([value]) => value);
    this.cumulative = new Float64Array(entries.length);
    let total = 0;
    entries.forEach(([, weight], index) => {
      if (!(weight >= 0)) throw new RangeError(`negative or NaN weight ${weight}`);
      total += weight;
      this.cumulative[index] = total;
    });
    if (total <= 0) throw new RangeError('Weighted needs a positive total weight');
    for (let i = 0; i < this.cumulative.length; i += 1) this.cumulative[i] /= total;
  }

  sample(random: SeededRandom): T {
    const u = random.uniform();
    const last = this.cumulative.length - 1;
    for (let i = 0; i < last; i += 1) {
      if (u < this.cumulative[i]) return this.values[i];
    }
    return this.values[last];
  }
}
