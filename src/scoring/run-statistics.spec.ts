import fc from 'fast-check';
import { abcThresholds } from './models/abc';
import { quintileCutoffs } from './models/rfm';
import {
  abcFromAscending,
  allocateColumns,
  columnModelInputs,
  percentileCont,
  runStatistics,
} from './run-statistics';

interface Customer {
  transactions: number;
  firstDay: number;
  span: number;
  monetary: number;
  firstShare: number;
}

const customer = fc.record({
  transactions: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  firstDay: fc.integer({ min: 19_000, max: 20_400 }),
  span: fc.integer({ min: 0, max: 700 }),
  monetary: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000_000 })),
  firstShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

function toColumns(cs: Customer[], asOfDay: number) {
  const cols = allocateColumns(cs.length + 3);
  cs.forEach((c, i) => {
    const last = Math.min(asOfDay, c.firstDay + (c.transactions > 1 ? c.span : 0));
    cols.customerId[i] = i + 1;
    cols.transactions[i] = c.transactions;
    cols.firstDay[i] = Math.min(c.firstDay, last);
    cols.lastDay[i] = last;
    cols.monetary[i] = c.transactions > 0 ? c.monetary : 0;
    cols.firstAmount[i] = c.transactions > 1 ? Math.floor(c.monetary * c.firstShare) : cols.monetary[i];
  });
  cols.length = cs.length;
  return cols;
}

describe('runStatistics', () => {
  const asOfDay = 20_500;

  it('equals the reference definitions (percentile_disc quintiles, percentile_cont medians, abcThresholds)', () => {
    fc.assert(
      fc.property(fc.array(customer, { maxLength: 300 }), (cs) => {
        const cols = toColumns(cs, asOfDay);
        const stats = runStatistics(cols, asOfDay, { abcCutA: 0.7, abcCutB: 0.9 });
        const idx = cs.map((_, i) => i).filter((i) => cols.transactions[i] > 0);
        const rep = idx.filter((i) => cols.transactions[i] > 1);
        expect(stats.customers).toBe(cs.length);
        expect(stats.buyers).toBe(idx.length);
        expect(stats.repeaters).toBe(rep.length);
        const sortedAsc = (xs: number[]) => [...xs].sort((a, b) => a - b);
        if (idx.length === 0) {
          expect(stats.rfm).toBeNull();
        } else {
          expect(stats.rfm).toEqual({
            recencyDays: quintileCutoffs(idx.map((i) => asOfDay - cols.lastDay[i])),
            frequency: quintileCutoffs(idx.map((i) => cols.transactions[i])),
            monetary: quintileCutoffs(idx.map((i) => cols.monetary[i])),
          });
        }
        expect(stats.medianMonetary).toBe(percentileCont(sortedAsc(idx.map((i) => cols.monetary[i])), 0.5));
        expect(stats.medianCycleDays).toBe(
          percentileCont(
            sortedAsc(rep.map((i) => (cols.lastDay[i] - cols.firstDay[i]) / (cols.transactions[i] - 1))),
            0.5,
          ),
        );
        const spend = idx.map((i) => cols.monetary[i]).filter((m) => m > 0);
        expect(stats.abc).toEqual(spend.length ? abcThresholds(spend, 0.7, 0.9) : null);
      }),
      { numRuns: 300 },
    );
  });

  it('takes the median between the middle values, as percentile_cont does', () => {
    expect(percentileCont([1, 2, 3, 10], 0.5)).toBe(2.5);
    expect(percentileCont([4], 0.5)).toBe(4);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('finds ABC thresholds on ascending spend exactly like abcThresholds on any spend', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10, max: 1_000_000 }), { maxLength: 200 }), (spend) => {
        const sorted = Float64Array.from(spend).sort();
        const expected = spend.some((s) => s > 0) ? abcThresholds(spend, 0.6, 0.85) : null;
        expect(abcFromAscending(sorted, 0.6, 0.85)).toEqual(expected);
      }),
    );
  });
});

describe('columnModelInputs', () => {
  const asOfDay = 20_500;

  it('compresses BG/NBD rows without losing a buyer, in days and in weeks, and samples by id', () => {
    fc.assert(
      fc.property(fc.array(customer, { maxLength: 300 }), (cs) => {
        const cols = toColumns(cs, asOfDay);
        const inputs = columnModelInputs(cols, asOfDay);
        const buyers = cs.filter((_, i) => cols.transactions[i] > 0).length;
        for (const resolution of ['day', 'week'] as const) {
          const rows = inputs.bgNbdRows(resolution);
          expect(rows.reduce((n, r) => n + r.weight, 0)).toBe(buyers);
          for (const r of rows) expect(r.tx).toBeLessThanOrEqual(r.t);
          expect(new Set(rows.map((r) => `${r.x}|${r.tx}|${r.t}`)).size).toBe(rows.length);
        }
        const even = cs.filter((_, i) => cols.transactions[i] > 0 && (i + 1) % 2 === 0).length;
        expect(inputs.bgNbdRows('day', undefined, 2).reduce((n, r) => n + r.weight, 0)).toBe(even);
        expect(inputs.bgNbdRows('day', 3).length).toBeLessThanOrEqual(3);
      }),
      { numRuns: 200 },
    );
  });
});
