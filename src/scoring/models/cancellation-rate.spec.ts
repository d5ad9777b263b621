import fc from 'fast-check';
import {
  type CancellationHistory,
  cancellationRate,
  cancellationSignal,
  DEFAULT_CANCELLATION_POLICY as P,
  NO_CANCELLATIONS,
} from './cancellation-rate';

/** `undone` of `orders` orders of 10,000 each undone; `valueShare` of the value given back when given. */
function history(orders: number, undone: number, valueShare?: number): CancellationHistory {
  const grossMinor = orders * 10_000;
  return {
    orders,
    undoneOrders: undone,
    grossMinor,
    undoneMinor: Math.round(grossMinor * (valueShare ?? undone / Math.max(orders, 1))),
  };
}

describe('cancellation rate', () => {
  it('is the prior without orders, and shrinks a short history towards it', () => {
    expect(cancellationRate(NO_CANCELLATIONS, P)).toBeCloseTo(0.05, 10);
    // (2 × 0.5 + 6 × 0.05) / 8
    expect(cancellationRate(history(2, 1), P)).toBeCloseTo(0.1625, 10);
    // (10 × 0.6 + 0.3) / 16
    expect(cancellationRate(history(10, 6), P)).toBeCloseTo(0.39375, 10);
  });

  it('does not scream at one cancelled order of two, even when it was by far the larger', () => {
    // the customer: £168,469.60 cancelled beside £2.90, by value 99.998% undone
    const h = { orders: 2, undoneOrders: 1, grossMinor: 16_847_250, undoneMinor: 16_846_960 };
    expect(cancellationRate(h, P)).toBeLessThan(P.threshold);
    expect(cancellationSignal(h, P)).toBe(0);
    expect(cancellationSignal(history(2, 1), P)).toBe(0);
  });

  it('rises with a pattern: six of ten undone is a signal, ten of twelve nearly full', () => {
    expect(cancellationSignal(history(4, 1), P)).toBe(0);
    expect(cancellationSignal(history(10, 6), P)).toBeCloseTo((0.39375 - 0.3) / 0.3, 10);
    expect(cancellationSignal(history(12, 10), P)).toBeGreaterThan(0.8);
    expect(cancellationSignal(history(40, 40), P)).toBe(1);
  });

  it('reads the value share when few orders carry most of the money given back', () => {
    // two of twelve orders, but 90% of the value
    const byValue = history(12, 2, 0.9);
    expect(cancellationRate(byValue, P)).toBeCloseTo((12 * 0.9 + 0.3) / 18, 10);
    expect(cancellationSignal(byValue, P)).toBeGreaterThan(cancellationSignal(history(12, 2), P));
  });

  it('stays in [0, 1], never falls as more of the same orders are undone, and survives junk', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (orders, a, b) => {
          const less = history(orders, Math.floor(orders * Math.min(a, b)), Math.min(a, b));
          const more = history(orders, Math.floor(orders * Math.max(a, b)), Math.max(a, b));
          const lo = cancellationSignal(less, P);
          const hi = cancellationSignal(more, P);
          expect(lo).toBeGreaterThanOrEqual(0);
          expect(hi).toBeLessThanOrEqual(1);
          expect(hi).toBeGreaterThanOrEqual(lo);
        },
      ),
    );
    const junk = { orders: NaN, undoneOrders: -3, grossMinor: Infinity, undoneMinor: 5 };
    expect(cancellationRate(junk, P)).toBeCloseTo(0.05, 10);
    // more undone than placed is read as all of them
    expect(cancellationRate({ orders: 2, undoneOrders: 9, grossMinor: 10, undoneMinor: 99 }, P)).toBeCloseTo(
      (2 + 0.3) / 8,
      10,
    );
  });
});
