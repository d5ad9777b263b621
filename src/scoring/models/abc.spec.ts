import fc from 'fast-check';
import { abcClass, abcThresholds, validateAbcCuts } from './abc';
import type { AbcClass } from './types';

const classify = (spend: number[], cutA?: number, cutB?: number): AbcClass[] => {
  const t = abcThresholds(spend, cutA, cutB);
  return spend.map((s) => abcClass(s, t));
};

describe('abcThresholds / abcClass', () => {
  it('keeps the customer whose cumulative share first reaches cutA in A', () => {
    // cumulative shares 0.5, 0.7, 0.8, 0.9, 0.95, 1
    const spend = [50, 20, 10, 10, 5, 5];
    expect(abcThresholds(spend)).toEqual({ aMin: 20, bMin: 10 });
    expect(classify(spend)).toEqual(['A', 'A', 'B', 'B', 'C', 'C']);
  });

  it('does not close A on a share just short of cutA: the next customer is still A', () => {
    // cumulative shares 0.4, 0.699, 0.9, 1
    const spend = [400, 299, 201, 100];
    expect(abcThresholds(spend)).toEqual({ aMin: 201, bMin: 201 });
    expect(classify(spend)).toEqual(['A', 'A', 'A', 'C']);
  });

  it('gives tied spend the same class even if A then carries more than cutA', () => {
    // shares 0.6, 0.8: the first 20 reaches 0.7; the second 20 ties it and is A too
    expect(classify([60, 20, 20])).toEqual(['A', 'A', 'A']);
    expect(classify([40, 20, 20, 20])).toEqual(['A', 'A', 'A', 'A']);
  });

  it('accepts spend in any order', () => {
    expect(abcThresholds([5, 10, 50, 5, 20, 10])).toEqual(abcThresholds([50, 20, 10, 10, 5, 5]));
  });

  it('classifies zero and negative spend as C, and ignores them in the shares', () => {
    expect(classify([100, 0, 0])).toEqual(['A', 'C', 'C']);
    expect(abcClass(0, { aMin: 0, bMin: 0 })).toBe('C');
    expect(abcClass(-50, { aMin: 10, bMin: 5 })).toBe('C');
    expect(abcThresholds([70, 20, 10, -1000])).toEqual({ aMin: 70, bMin: 20 });
  });

  it('handles all-zero spend, an empty list and a single customer', () => {
    expect(abcThresholds([0, 0, 0])).toEqual({ aMin: 0, bMin: 0 });
    expect(classify([0, 0, 0])).toEqual(['C', 'C', 'C']);
    expect(abcThresholds([])).toEqual({ aMin: 0, bMin: 0 });
    expect(classify([500])).toEqual(['A']);
  });

  it('leaves B empty when A already carries cutB (one whale)', () => {
    expect(classify([950, 20, 20, 10])).toEqual(['A', 'C', 'C', 'C']);
  });

  it('classifies all-equal spend as A (one tie group)', () => {
    expect(classify([10, 10, 10, 10])).toEqual(['A', 'A', 'A', 'A']);
  });

  it('uses custom cut-offs', () => {
    // shares 0.5, 0.7, 0.8, 0.9, 0.95, 1 with cutA 0.5, cutB 0.8: the first 10 reaches 0.8, its tie is B too
    expect(classify([50, 20, 10, 10, 5, 5], 0.5, 0.8)).toEqual(['A', 'B', 'B', 'B', 'C', 'C']);
  });

  it('validates cut-offs with a clear error', () => {
    const msg = /0 < cutA < cutB < 1/;
    expect(() => abcThresholds([1], 0, 0.9)).toThrow(msg);
    expect(() => abcThresholds([1], 0.9, 0.7)).toThrow(msg);
    expect(() => abcThresholds([1], 0.7, 0.7)).toThrow(msg);
    expect(() => abcThresholds([1], 0.7, 1)).toThrow(msg);
    expect(() => abcThresholds([1], Number.NaN, 0.9)).toThrow(RangeError);
    expect(() => validateAbcCuts(0.7, 0.9)).not.toThrow();
  });

  it('rejects non-finite spend', () => {
    expect(() => abcThresholds([1, Number.NaN])).toThrow(/finite/);
  });

  it('A carries at least cutA, A without its last tie group less than cutA; A∪B carries at least cutB (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 98 }),
        fc.integer({ min: 1, max: 98 }),
        (spend, x, y) => {
          const cutA = Math.min(x, y) / 100;
          const cutB = (Math.max(x, y) + 1) / 100;
          const total = spend.reduce((s, v) => s + v, 0);
          const t = abcThresholds(spend, cutA, cutB);
          const classes = spend.map((s) => abcClass(s, t));
          if (total === 0) {
            expect(classes.every((c) => c === 'C')).toBe(true);
            return;
          }
          const share = (pred: (s: number, c: AbcClass) => boolean): number =>
            spend.reduce((sum, s, i) => (pred(s, classes[i]) ? sum + s : sum), 0) / total;
          expect(share((_, c) => c === 'A')).toBeGreaterThanOrEqual(cutA);
          expect(share((s, c) => c === 'A' && s > t.aMin)).toBeLessThan(cutA);
          expect(share((_, c) => c !== 'C')).toBeGreaterThanOrEqual(cutB);
          spend.forEach((s, i) => {
            if (s === 0) expect(classes[i]).toBe('C');
          });
        },
      ),
    );
  });

  it('never gives more spend a worse class (property)', () => {
    const rank: Record<AbcClass, number> = { A: 3, B: 2, C: 1 };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (spend, a, b) => {
          const t = abcThresholds(spend);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(rank[abcClass(hi, t)]).toBeGreaterThanOrEqual(rank[abcClass(lo, t)]);
        },
      ),
    );
  });
});
