import type { SpendHistory } from './priority-check';
import { random } from './seasonality.testdata';
import {
  chooseSpend,
  SPEND_MAE_TIE_SHARE,
  spendBacktest,
  type SpendCandidateResult,
  spendMetrics,
  spendSplit,
} from './spend-backtest';
import { SPEND_SWITCH_SHARE } from './incumbent';

/**
 * Customers buying every ~30 days for a year (day numbers 0–364), each order log-normal around the customer's own
 * level (log spread `across` between customers, `within` between one customer's orders).
 */
function histories(customers: number, seed: number, across: number, within: number): SpendHistory[] {
  const u = random(seed);
  const z = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return Array.from({ length: customers }, () => {
    const level = Math.log(5_000) + across * z();
    const days: number[] = [];
    for (let d = Math.floor(200 * u()); d <= 364; d += 1 + Math.floor(60 * u())) days.push(d);
    return { days, amounts: days.map(() => Math.round(Math.exp(level + within * z()))) };
  });
}

const candidate = (model: SpendCandidateResult['model'], meanMae: number, excluded: string | null = null) =>
  ({
    model,
    meanMae,
    excluded,
    horizons: [],
    meanAggregateError: null,
    meanRevenueMae: null,
    meanRevenueAggregateError: null,
  }) satisfies SpendCandidateResult;

describe('spendSplit and spendMetrics', () => {
  const h: SpendHistory[] = [
    { days: [0, 10, 20, 40, 50], amounts: [100, 200, 400, 60, 80] },
    { days: [30, 45], amounts: [70, 90] },
    { days: [5], amounts: [10] },
  ];

  it('summarises each customer at the split and their spend after it', () => {
    const split = spendSplit(h, 20, 50);
    expect(split).toEqual([
      {
        summary: { x: 2, tx: 20, T: 20 },
        repeatMean: 300,
        ownMean: 700 / 3,
        holdoutPurchases: 2,
        holdoutRevenue: 140,
      },
      {
        summary: { x: 0, tx: 0, T: 15 },
        repeatMean: null,
        ownMean: 10,
        holdoutPurchases: 0,
        holdoutRevenue: 0,
      },
    ]);
  });

  it('measures the order value on the holdout buyers and the revenue on everyone', () => {
    const split = spendSplit(h, 20, 50);
    // buyer 1 spent 70 per order in the holdout; predicted 100 → |30|; aggregate 2×100 vs 140
    const m = spendMetrics(split, [100, 10], [1.5, 0.2]);
    expect(m.buyers).toBe(1);
    expect(m.mae).toBe(30);
    expect(m.aggregateError).toBeCloseTo(60 / 140, 12);
    // revenue: |150 − 140| and |2 − 0| over 2 customers; (152 − 140) / 140
    expect(m.revenueMae).toBeCloseTo(6, 12);
    expect(m.revenueAggregateError).toBeCloseTo(12 / 140, 12);
    expect(spendMetrics(split, [100, 10]).revenueMae).toBeNull();
  });

  it('has no revenue aggregate error when nobody bought but revenue was predicted (it read 0 %)', () => {
    // split at day 50: nobody buys after it
    const split = spendSplit(h, 50, 30);
    expect(split.every((c) => c.holdoutRevenue === 0)).toBe(true);
    const m = spendMetrics(split, [100, 10], [0.5, 0.2]);
    expect(m.revenueAggregateError).toBeNull();
    // no holdout purchases, none predicted by order value: 0 against 0
    expect(m.aggregateError).toBe(0);
  });
});

describe('chooseSpend', () => {
  it('takes the lowest MAE, but the simpler model within the tie share', () => {
    const near = 100 / (1 + SPEND_MAE_TIE_SHARE) + 0.01;
    expect(chooseSpend([candidate('own-mean', 100), candidate('log-normal', near)]).chosen).toBe('own-mean');
    expect(chooseSpend([candidate('log-normal', 90), candidate('own-mean', 100)]).chosen).toBe('log-normal');
    expect(chooseSpend([candidate('log-normal', 99.5), candidate('gamma-gamma', 99)]).chosen).toBe(
      'gamma-gamma',
    );
  });

  it('keeps the previous run’s model while within SPEND_SWITCH_SHARE of the best, not beyond', () => {
    const within = [
      candidate('own-mean', 100),
      candidate('log-normal', 100 / (1 + SPEND_SWITCH_SHARE) + 0.01),
    ];
    expect(chooseSpend(within).chosen).toBe('log-normal');
    const kept = chooseSpend(within, 'own-mean');
    expect(kept.chosen).toBe('own-mean');
    expect(kept.reason).toMatch(/kept own mean, the previous run's choice/i);
    const clear = [
      candidate('own-mean', 100),
      candidate('log-normal', 100 / (1 + SPEND_SWITCH_SHARE) - 0.01),
    ];
    expect(chooseSpend(clear, 'own-mean').chosen).toBe('log-normal');
    expect(chooseSpend(clear, 'own-mean').reason).toMatch(/replaces own mean/i);
    // a previous model that is left out tonight is not kept
    expect(
      chooseSpend([candidate('own-mean', 100), candidate('gamma-gamma', 99, 'q at its bound')], 'gamma-gamma')
        .chosen,
    ).toBe('own-mean');
  });

  it('leaves out a rejected candidate and says why', () => {
    const r = chooseSpend([candidate('own-mean', 100), candidate('gamma-gamma', 50, 'q=1.000 at its bound')]);
    expect(r.chosen).toBe('own-mean');
    expect(r.reason).toMatch(/left out: Gamma-Gamma \(q=1\.000 at its bound\)/);
    expect(chooseSpend([candidate('log-normal', Infinity)]).chosen).toBe('own-mean');
  });
});

describe('spendBacktest', () => {
  const opts = { cutoffDay: 364, horizons: [56, 84, 112] };

  it('chooses a shrinkage model where one customer’s orders vary a lot and their means are spread', () => {
    const r = spendBacktest(histories(1_500, 3, 0.6, 1.0), opts);
    const mae = (m: string) => r.candidates.find((c) => c.model === m)!.meanMae;
    expect(r.chosen).not.toBe('own-mean');
    expect(mae(r.chosen)).toBeLessThan(mae('own-mean') / (1 + SPEND_MAE_TIE_SHARE));
    expect(r.candidates.every((c) => c.horizons.length === 3)).toBe(true);
  });

  it('keeps the own mean where each customer always spends the same', () => {
    const r = spendBacktest(histories(1_500, 4, 1.0, 0), opts);
    expect(r.chosen).toBe('own-mean');
  });

  it('reports revenue figures with the count model’s E[X], and the same inputs give the same result', () => {
    const h = histories(600, 5, 0.8, 0.8);
    const withCounts = {
      ...opts,
      expectedPurchases: (_h: number, s: { x: number }[]) => s.map((c) => 0.5 + c.x / 10),
    };
    const a = spendBacktest(h, withCounts);
    const b = spendBacktest([...h].reverse(), withCounts);
    expect(a.candidates[0].meanRevenueMae).not.toBeNull();
    expect(b.chosen).toBe(a.chosen);
    for (let i = 0; i < a.candidates.length; i++) {
      expect(b.candidates[i].meanMae).toBeCloseTo(a.candidates[i].meanMae, 6);
    }
    expect(spendBacktest(h, withCounts)).toEqual(a);
  });
});
