import fc from 'fast-check';
import { liftReport } from './experiment-lift';

describe('liftReport', () => {
  it('reports a clear lift with an interval that excludes zero', () => {
    const r = liftReport(
      { customers: 10_000, converted: 1_200, revenue: 0 },
      { customers: 10_000, converted: 1_000, revenue: 0 },
    );
    expect(r.difference?.value).toBeCloseTo(0.02, 10);
    expect(r.lift?.value).toBeCloseTo(0.2, 10);
    expect(r.lift!.low).toBeGreaterThan(0.1);
    expect(r.lift!.high).toBeLessThan(0.31);
    expect(r.significant).toBe(true);
  });

  it('does not call noise significant', () => {
    const r = liftReport(
      { customers: 200, converted: 21, revenue: 0 },
      { customers: 200, converted: 20, revenue: 0 },
    );
    expect(r.significant).toBe(false);
    expect(r.lift!.low).toBeLessThan(0);
    expect(r.lift!.high).toBeGreaterThan(0);
  });

  it('never returns NaN or divides by zero', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000), (tn, tc, hn, hc) => {
        const r = liftReport(
          { customers: tn, converted: Math.min(tc, tn), revenue: tc },
          { customers: hn, converted: Math.min(hc, hn), revenue: hc },
        );
        const numbers = [
          r.treated.conversionRate,
          r.holdout.conversionRate,
          r.difference?.value ?? 0,
          r.lift?.low ?? 0,
          r.lift?.high ?? 0,
        ];
        expect(numbers.every(Number.isFinite)).toBe(true);
        if (r.difference) expect(r.difference.low).toBeLessThanOrEqual(r.difference.high);
      }),
    );
  });
});
