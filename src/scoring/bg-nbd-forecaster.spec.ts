import fc from 'fast-check';
import { BgNbdForecaster } from './bg-nbd-forecaster';
import { expectedPurchases, pAlive } from './models/bg-nbd';
import { customerLifetimeValue } from './models/clv';

describe('BgNbdForecaster', () => {
  const settings = { horizon: 365, periodLength: 30, discountRatePerPeriod: Math.pow(1.1, 30 / 365) - 1 };

  it('equals pAlive, expectedPurchases and customerLifetimeValue bit for bit', () => {
    fc.assert(
      fc.property(
        fc.record({
          r: fc.double({ min: 0.01, max: 20, noNaN: true }),
          alpha: fc.double({ min: 0.5, max: 500, noNaN: true }),
          a: fc.double({ min: 0.01, max: 20, noNaN: true }),
          b: fc.double({ min: 0.01, max: 50, noNaN: true }),
        }),
        fc.array(
          fc
            .record({ x: fc.nat(60), T: fc.nat(1500), share: fc.double({ min: 0, max: 1, noNaN: true }) })
            .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : Math.floor(share * T) })),
          { minLength: 1, maxLength: 20 },
        ),
        fc.integer({ min: 1, max: 800 }),
        (params, summaries, horizon) => {
          const s = { ...settings, horizon };
          const forecaster = new BgNbdForecaster(params, s);
          // twice over the same rows: the memoised curves must give the same numbers as the first evaluation
          for (const summary of [...summaries, ...summaries]) {
            const f = forecaster.forecast(summary);
            expect(f.pAlive).toBe(pAlive(params, summary));
            expect(f.expectedPurchases).toBe(expectedPurchases(params, horizon, summary));
            const clv = customerLifetimeValue({
              bgnbd: params,
              summary,
              expectedOrderValue: 1,
              margin: 1,
              ...s,
            });
            expect(f.discountedPurchases).toBe(clv);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('evaluates the ₂F₁ curve once per distinct (x, T), whatever t_x', () => {
    const forecaster = new BgNbdForecaster({ r: 0.5, alpha: 40, a: 0.8, b: 2.5 }, settings);
    for (let tx = 0; tx <= 100; tx++) forecaster.forecast({ x: 3, tx, T: 100 });
    forecaster.forecast({ x: 0, tx: 0, T: 100 });
    expect(forecaster.evaluatedPairs).toBe(2);
  });

  it('rejects settings clv.ts rejects', () => {
    const params = { r: 0.5, alpha: 40, a: 0.8, b: 2.5 };
    expect(() => new BgNbdForecaster(params, { ...settings, periodLength: 0 })).toThrow(RangeError);
    expect(() => new BgNbdForecaster(params, { ...settings, horizon: -1 })).toThrow(RangeError);
    expect(() => new BgNbdForecaster(params, { ...settings, discountRatePerPeriod: -1 })).toThrow(RangeError);
  });
});
