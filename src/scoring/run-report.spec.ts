import fc from 'fast-check';
import type { ChunkInputRow, ScoreRow } from './chunk-scoring';
import type { Lifecycle, ValueTier } from './models/types';
import { addToStats, emptyStats, historyChanged, mergeStats, MOVE_EXAMPLES, movesOf } from './run-report';

const input = (over: Partial<ChunkInputRow> = {}): ChunkInputRow => ({
  customer_id: '1',
  kind: 'individual',
  transactions: 2,
  monetary: 1000,
  repeat_mean_minor: 500,
  age_days: 100,
  recency_days: 10,
  days_since_interaction: null,
  complaints_90d: 0,
  last_survey: null,
  prev_clv: 2000,
  prev_tier: 'general',
  prev_lifecycle: 'active',
  prev_priority: 20,
  ...over,
});

const score = (over: Partial<ScoreRow> = {}): ScoreRow => ({
  customerId: '1',
  recencyDays: 10,
  frequency: 2,
  monetary: 1000,
  rScore: 3,
  fScore: 3,
  mScore: 3,
  rfmSegment: 'needs_attention',
  abcClass: 'B',
  valueTier: 'general',
  frequencyClass: 'low',
  lifecycle: 'active',
  pAlive: 0.9,
  pBuy: 0.6,
  expectedPurchases: 1,
  expectedOrderValue: 500,
  clv: 2000,
  churnRisk: 0.1,
  priority: 20,
  reasons: [],
  lifecycleReasons: ['within_cycle'],
  ...over,
});

describe('movesOf', () => {
  it('names promotions, demotions and newly at-risk / churned customers', () => {
    const prev = (tier: ValueTier, lifecycle: Lifecycle) => ({ tier, lifecycle });
    expect(movesOf(prev('general', 'active'), { tier: 'core', lifecycle: 'at_risk' })).toEqual([
      'promotions',
      'newlyAtRisk',
    ]);
    expect(movesOf(prev('core', 'at_risk'), { tier: 'potential', lifecycle: 'churned' })).toEqual([
      'demotions',
      'newlyChurned',
    ]);
    expect(movesOf(prev('core', 'at_risk'), { tier: 'core', lifecycle: 'at_risk' })).toEqual([]);
    expect(movesOf({ tier: null, lifecycle: null }, { tier: 'core', lifecycle: 'at_risk' })).toEqual([]);
  });
});

describe('historyChanged', () => {
  it('keeps unchanged customers out of a delta history', () => {
    expect(historyChanged(input(), score())).toBe(false);
    expect(historyChanged(input(), score({ priority: 24.9, clv: 2150 }))).toBe(false);
  });

  it('writes new customers and material changes', () => {
    expect(historyChanged(input({ prev_tier: null, prev_lifecycle: null }), score())).toBe(true);
    expect(historyChanged(input(), score({ valueTier: 'potential' }))).toBe(true);
    expect(historyChanged(input(), score({ lifecycle: 'at_risk' }))).toBe(true);
    expect(historyChanged(input(), score({ priority: 25 }))).toBe(true);
    expect(historyChanged(input(), score({ clv: 2300 }))).toBe(true);
    expect(historyChanged(input(), score({ clv: null }))).toBe(true);
  });
});

describe('run statistics', () => {
  const tiers: ValueTier[] = ['core', 'potential', 'general'];
  const lifecycles: Lifecycle[] = ['new', 'active', 'loyal', 'at_risk', 'churned'];
  const customer = fc.record({
    id: fc.integer({ min: 1, max: 1_000_000 }),
    prevTier: fc.constantFrom<ValueTier | null>(null, ...tiers),
    prevLifecycle: fc.constantFrom(...lifecycles),
    tier: fc.constantFrom(...tiers),
    lifecycle: fc.constantFrom(...lifecycles),
    priority: fc.integer({ min: 0, max: 100 }),
  });

  it('merges chunk statistics to the same totals and top movers in any split', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(customer, { selector: (c) => c.id, maxLength: 120 }),
        fc.nat(120),
        (cs, cut) => {
          const add = (list: typeof cs) =>
            list.reduce(
              (stats, c) =>
                addToStats(
                  stats,
                  input({
                    customer_id: String(c.id),
                    prev_tier: c.prevTier,
                    prev_lifecycle: c.prevTier ? c.prevLifecycle : null,
                  }),
                  score({
                    customerId: String(c.id),
                    valueTier: c.tier,
                    lifecycle: c.lifecycle,
                    priority: c.priority,
                  }),
                ),
              emptyStats(),
            );
          const whole = add(cs);
          const merged = mergeStats([add(cs.slice(cut)), add(cs.slice(0, cut))]);
          expect(merged).toEqual(mergeStats([whole]));
          expect(whole.customers).toBe(cs.length);
          const promoted = cs.filter(
            (c) => c.prevTier && tiers.indexOf(c.tier) < tiers.indexOf(c.prevTier),
          ).length;
          expect(whole.moves.promotions).toBe(promoted);
          expect(whole.topMoves.promotions.length).toBe(Math.min(MOVE_EXAMPLES, promoted));
          const priorities = whole.topMoves.promotions.map((m) => m.priority);
          expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
        },
      ),
      { numRuns: 200 },
    );
  });
});
