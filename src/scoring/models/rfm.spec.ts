import fc from 'fast-check';
import { quintileCutoffs, RFM_SEGMENT_GRID, rfmSegment, scoreByCutoffs, scoreRfm } from './rfm';
import type { RfmSegment } from './types';

/** Reference percentile_disc: first value (ascending) whose position i/n reaches k/5, in exact integer maths. */
function percentileDiscQuintiles(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return [1, 2, 3, 4].map((k) => {
    for (let i = 1; i <= n; i++) if (i * 5 >= k * n) return sorted[i - 1];
    return sorted[n - 1];
  });
}

describe('quintileCutoffs', () => {
  it('takes percentile_disc at 0.2/0.4/0.6/0.8', () => {
    expect(quintileCutoffs([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([2, 4, 6, 8]);
    expect(quintileCutoffs([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4]);
    // n = 7: positions ceil(1.4)=2, ceil(2.8)=3, ceil(4.2)=5, ceil(5.6)=6
    expect(quintileCutoffs([70, 10, 30, 20, 60, 50, 40])).toEqual([20, 30, 50, 60]);
  });

  it('returns observed values, with equal cut points under heavy ties', () => {
    expect(quintileCutoffs([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])).toEqual([1, 1, 1, 3]);
  });

  it('handles a single customer and all-equal values', () => {
    expect(quintileCutoffs([7])).toEqual([7, 7, 7, 7]);
    expect(quintileCutoffs([3, 3, 3, 3, 3, 3])).toEqual([3, 3, 3, 3]);
  });

  it('returns [] for no values (like the SQL aggregate returning NULL)', () => {
    expect(quintileCutoffs([])).toEqual([]);
  });

  it('rejects non-finite values', () => {
    expect(() => quintileCutoffs([1, Number.NaN])).toThrow(RangeError);
    expect(() => quintileCutoffs([1, Number.POSITIVE_INFINITY])).toThrow(/finite/);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    quintileCutoffs(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('matches a reference percentile_disc for any input (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const cuts = quintileCutoffs(values);
          expect(cuts).toEqual(percentileDiscQuintiles(values));
          for (let i = 1; i < 4; i++) expect(cuts[i]).toBeGreaterThanOrEqual(cuts[i - 1]);
          for (const c of cuts) expect(values).toContain(c);
        },
      ),
    );
  });
});

describe('scoreByCutoffs', () => {
  const cuts = [2, 4, 6, 8];

  it('scores ascending quintiles, a value on a cut point staying in the lower quintile', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => scoreByCutoffs(v, cuts, true))).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
  });

  it('reverses the scale when lower is better (recency)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => scoreByCutoffs(v, cuts, false))).toEqual([
      5, 5, 4, 4, 3, 3, 2, 2, 1, 1,
    ]);
  });

  it('gives ties one score: all-equal values and single customers', () => {
    const same = quintileCutoffs([3, 3, 3, 3]);
    expect(scoreByCutoffs(3, same, true)).toBe(1);
    expect(scoreByCutoffs(3, same, false)).toBe(5);
    const heavy = quintileCutoffs([1, 1, 1, 1, 1, 1, 2, 3, 4, 5]);
    expect(scoreByCutoffs(1, heavy, true)).toBe(1);
    expect(scoreByCutoffs(2, heavy, true)).toBe(4);
    expect(scoreByCutoffs(3, heavy, true)).toBe(4);
    expect(scoreByCutoffs(4, heavy, true)).toBe(5);
  });

  it('scores values outside the observed range at the ends', () => {
    expect(scoreByCutoffs(-100, cuts, true)).toBe(1);
    expect(scoreByCutoffs(1e9, cuts, true)).toBe(5);
  });

  it('rejects bad cut-offs and values', () => {
    expect(() => scoreByCutoffs(1, [1, 2, 3], true)).toThrow(/4 cut points/);
    expect(() => scoreByCutoffs(1, [], true)).toThrow(RangeError);
    expect(() => scoreByCutoffs(1, [4, 3, 2, 1], true)).toThrow(/ascending/);
    expect(() => scoreByCutoffs(1, [1, 2, Number.NaN, 4], true)).toThrow(/finite/);
    expect(() => scoreByCutoffs(Number.NaN, cuts, true)).toThrow(RangeError);
  });

  it('keeps scores in 1..5 and more recent never scores lower (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3650 }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 3650 }),
        fc.integer({ min: 0, max: 3650 }),
        (population, a, b) => {
          const cuts = quintileCutoffs(population);
          const [recent, older] = a <= b ? [a, b] : [b, a];
          const rRecent = scoreByCutoffs(recent, cuts, false);
          const rOlder = scoreByCutoffs(older, cuts, false);
          expect(rRecent).toBeGreaterThanOrEqual(rOlder);
          for (const s of [rRecent, rOlder, scoreByCutoffs(a, cuts, true)]) {
            expect(Number.isInteger(s) && s >= 1 && s <= 5).toBe(true);
          }
        },
      ),
    );
  });

  it('gives equal values equal scores and splits distinct values into near-equal fifths (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100000 }), { minLength: 5, maxLength: 300 }),
        (values) => {
          const cuts = quintileCutoffs(values);
          const counts = [0, 0, 0, 0, 0];
          for (const v of values) counts[scoreByCutoffs(v, cuts, true) - 1]++;
          const n = values.length;
          for (const c of counts) {
            expect(c).toBeGreaterThanOrEqual(Math.floor(n / 5));
            expect(c).toBeLessThanOrEqual(Math.ceil(n / 5));
          }
        },
      ),
    );
  });
});

describe('scoreRfm', () => {
  it('scores the three dimensions with their own direction', () => {
    const cutoffs = {
      recencyDays: [10, 30, 60, 120],
      frequency: [1, 1, 2, 4],
      monetary: [1000, 5000, 10000, 50000],
    };
    expect(scoreRfm(5, 6, 60000, cutoffs)).toEqual({ r: 5, f: 5, m: 5 });
    expect(scoreRfm(200, 1, 500, cutoffs)).toEqual({ r: 1, f: 1, m: 1 });
    expect(scoreRfm(30, 2, 5000, cutoffs)).toEqual({ r: 4, f: 3, m: 2 });
  });
});

describe('rfmSegment', () => {
  it.each<[number, number, number, RfmSegment]>([
    [5, 5, 5, 'champions'],
    [5, 4, 4, 'champions'],
    [5, 1, 1, 'new'],
    [5, 1, 2, 'new'], // FM = floor(1.5) = 1
    [5, 2, 3, 'potential_loyalist'],
    [4, 5, 4, 'loyal'],
    [3, 4, 5, 'loyal'],
    [4, 1, 1, 'promising'],
    [4, 3, 2, 'potential_loyalist'],
    [3, 3, 3, 'needs_attention'],
    [3, 2, 1, 'about_to_sleep'],
    [2, 3, 4, 'at_risk'],
    [1, 4, 3, 'at_risk'],
    [2, 5, 5, 'cant_lose'],
    [1, 5, 5, 'cant_lose'],
    [2, 1, 2, 'hibernating'],
    [1, 2, 2, 'lost'],
    [1, 1, 1, 'lost'],
  ])('R=%i F=%i M=%i → %s', (r, f, m, expected) => {
    expect(rfmSegment(r, f, m)).toBe(expected);
  });

  it('maps every cell and reaches all 11 segments', () => {
    const seen = new Set<RfmSegment>();
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) seen.add(rfmSegment(r, f, m));
    }
    expect(seen.size).toBe(11);
    for (const row of Object.values(RFM_SEGMENT_GRID)) expect(row).toHaveLength(5);
  });

  it('rejects scores outside 1..5', () => {
    expect(() => rfmSegment(0, 3, 3)).toThrow(/r must be an integer score/);
    expect(() => rfmSegment(3, 6, 3)).toThrow(RangeError);
    expect(() => rfmSegment(3, 3, 2.5)).toThrow(RangeError);
  });
});
