import fc from 'fast-check';
import { createScoringPolicy, DEFAULT_SCORING_POLICY, type ScoringPolicy } from './customer-policy';
import {
  churnRisk,
  neverBought,
  type CustomerFeatures,
  frequencyClass,
  lifecycle,
  overdueRatio,
  priority,
  purchaseCycle,
  scoreCustomer,
  valueTier,
} from './customer-rules';
import type { AbcClass, Lifecycle, ValueTier } from './types';

/** Workspace of the examples: median cycle 30 days, high CLV from 100,000, typical customer 20,000 minor units. */
const policy = createScoringPolicy({ medianCycleDays: 30, highClvMin: 100_000, referenceValue: 20_000 });

/** A repeat buyer on a 30-day cycle, last purchase 20 days ago, models not fitted (cold start). */
function customer(overrides: Partial<CustomerFeatures> = {}): CustomerFeatures {
  return {
    customerKind: 'individual',
    firstPurchaseAgeDays: 400,
    recencyDays: 20,
    transactions: 3,
    monetary: 30_000,
    avgOrderValue: 10_000,
    meanInterPurchaseDays: 30,
    daysSinceLastInteraction: null,
    daysSinceTwoWayContact: null,
    refundedOrders: 0,
    complaints90d: 0,
    lastSurveyScore: null,
    pAlive: null,
    expectedPurchases: null,
    expectedOrderValue: null,
    clv: null,
    previousClv: null,
    previousTier: null,
    previousLifecycle: null,
    rScore: 3,
    fScore: 3,
    mScore: 3,
    abcClass: 'B',
    ...overrides,
  };
}

function prospect(overrides: Partial<CustomerFeatures> = {}): CustomerFeatures {
  return customer({
    firstPurchaseAgeDays: null,
    recencyDays: null,
    transactions: 0,
    monetary: 0,
    avgOrderValue: 0,
    meanInterPurchaseDays: null,
    rScore: null,
    fScore: null,
    mScore: null,
    abcClass: null,
    ...overrides,
  });
}

/** A one-time buyer (BG/NBD x = 0) with `days` since the purchase. */
function oneTimer(days: number, overrides: Partial<CustomerFeatures> = {}): CustomerFeatures {
  return customer({
    firstPurchaseAgeDays: days,
    recencyDays: days,
    transactions: 1,
    monetary: 10_000,
    meanInterPurchaseDays: null,
    fScore: 1,
    ...overrides,
  });
}

const codes = (f: CustomerFeatures, p: ScoringPolicy = policy): string[] =>
  scoreCustomer(f, p).reasons.map((r) => r.code);

describe('purchase cycle', () => {
  it('uses the own cycle of a repeat buyer, floored at minCycleDays', () => {
    expect(purchaseCycle(customer(), policy)).toEqual({ days: 30, source: 'own' });
    expect(purchaseCycle(customer({ meanInterPurchaseDays: 1 }), policy)).toEqual({ days: 7, source: 'own' });
    expect(overdueRatio(customer({ recencyDays: 45 }), policy)).toBe(1.5);
  });

  it('uses the workspace median (per kind first) for one-time buyers, then the default', () => {
    expect(purchaseCycle(oneTimer(10), policy)).toEqual({ days: 30, source: 'workspace' });
    const byKind = createScoringPolicy({ medianCycleDays: 30, medianCycleDaysByKind: { business: 60 } });
    expect(purchaseCycle(oneTimer(10, { customerKind: 'business' }), byKind)).toEqual({
      days: 60,
      source: 'workspace',
    });
    expect(purchaseCycle(oneTimer(10), byKind)).toEqual({ days: 30, source: 'workspace' });
    expect(purchaseCycle(oneTimer(10), DEFAULT_SCORING_POLICY)).toEqual({ days: 90, source: 'default' });
  });

  it('has no cycle for prospects', () => {
    expect(purchaseCycle(prospect(), policy)).toBeNull();
    expect(overdueRatio(prospect(), policy)).toBeNull();
  });
});

describe('lifecycle', () => {
  const cases: Array<[string, CustomerFeatures, Lifecycle, string[]]> = [
    ['no purchase', prospect(), 'prospect', ['no_purchase']],
    ['first purchase 10 days ago', oneTimer(10), 'new', ['first_purchase_recent']],
    [
      'within cycle, 3 purchases',
      customer(),
      'active',
      ['within_cycle', 'few_purchases', 'no_recent_complaint', 'no_survey'],
    ],
    [
      'within cycle, 6 purchases, promoter',
      customer({ transactions: 6, lastSurveyScore: 9 }),
      'loyal',
      ['within_cycle', 'repeat_buyer', 'no_recent_complaint', 'not_detractor'],
    ],
    [
      'repeat buyer who is a detractor',
      customer({ transactions: 6, lastSurveyScore: 5 }),
      'active',
      ['within_cycle', 'repeat_buyer', 'no_recent_complaint', 'detractor'],
    ],
    [
      'repeat buyer with a recent complaint',
      customer({ transactions: 6, complaints90d: 1 }),
      'active',
      ['within_cycle', 'repeat_buyer', 'recent_complaint', 'no_survey'],
    ],
    ['1.67 cycles since last purchase', customer({ recencyDays: 50 }), 'at_risk', ['overdue_vs_cycle']],
    ['exactly 1.5 cycles is still active', customer({ recencyDays: 45 }), 'active', []],
    ['within cycle but pAlive 0.3', customer({ pAlive: 0.3 }), 'at_risk', ['low_p_alive']],
    [
      'far overdue, pAlive 0.05, silent for 150 days',
      customer({ recencyDays: 200, pAlive: 0.05, daysSinceLastInteraction: 150 }),
      'churned',
      ['far_overdue_vs_cycle', 'very_low_p_alive', 'no_two_way_contact'],
    ],
    [
      'far overdue, cold start, never interacted',
      customer({ recencyDays: 200 }),
      'churned',
      ['far_overdue_vs_cycle', 'no_two_way_contact'],
    ],
    [
      'far overdue but a call reached them 10 days ago',
      customer({ recencyDays: 200, pAlive: 0.05, daysSinceLastInteraction: 10, daysSinceTwoWayContact: 10 }),
      'at_risk',
      ['overdue_vs_cycle', 'low_p_alive', 'two_way_contact_delays_churn'],
    ],
    [
      'far overdue; clicked an email 10 days ago (not two-way)',
      customer({ recencyDays: 200, pAlive: 0.05, daysSinceLastInteraction: 10 }),
      'churned',
      ['far_overdue_vs_cycle', 'very_low_p_alive', 'no_two_way_contact'],
    ],
    [
      'far overdue; the last reply was 120 days ago',
      customer({ recencyDays: 400, daysSinceLastInteraction: 3, daysSinceTwoWayContact: 120 }),
      'churned',
      ['far_overdue_vs_cycle', 'no_two_way_contact'],
    ],
    [
      'only a refund, never a counted purchase',
      prospect({ refundedOrders: 1, daysSinceLastInteraction: 5 }),
      'churned',
      ['refunds_only', 'no_two_way_contact'],
    ],
    [
      'only refunds, but a call reached them last week',
      prospect({ refundedOrders: 2, daysSinceTwoWayContact: 7 }),
      'at_risk',
      ['refunds_only', 'two_way_contact_delays_churn'],
    ],
    [
      'far overdue but pAlive still 0.4',
      customer({ recencyDays: 200, pAlive: 0.4, daysSinceLastInteraction: 150 }),
      'at_risk',
      ['overdue_vs_cycle', 'low_p_alive'],
    ],
    [
      'one-time buyer 400 days ago with BG/NBD pAlive 1',
      oneTimer(400, { pAlive: 1 }),
      'churned',
      ['far_overdue_vs_cycle', 'no_two_way_contact'],
    ],
    ['one-time buyer 50 days ago, pAlive 1', oneTimer(50, { pAlive: 1 }), 'at_risk', ['overdue_vs_cycle']],
    [
      'back after being churned',
      customer({ recencyDays: 5, previousLifecycle: 'churned' }),
      'active',
      ['within_cycle', 'few_purchases', 'no_recent_complaint', 'no_survey', 'reactivated'],
    ],
  ];

  it.each(cases)('%s → %s', (_name, f, expected, reasons) => {
    const result = lifecycle(f, policy);
    expect(result.value).toBe(expected);
    if (reasons.length > 0) expect(result.reasons).toEqual(reasons);
  });

  it('keeps a customer new during the first newWithinDays even if already past the median cycle', () => {
    const weekly = createScoringPolicy({ medianCycleDays: 7 });
    expect(lifecycle(oneTimer(25), weekly).value).toBe('new');
    expect(lifecycle(oneTimer(31), weekly).value).toBe('at_risk');
  });
});

describe('frequencyClass', () => {
  it.each<[string, CustomerFeatures, string, string]>([
    ['F score 5', customer({ transactions: 8, fScore: 5 }), 'high', 'high_f_score'],
    ['F score 2', customer({ transactions: 2, fScore: 2 }), 'low', 'low_f_score'],
    ['one purchase', oneTimer(20), 'low', 'single_purchase'],
    ['cold start, 5 purchases', customer({ transactions: 5, fScore: null }), 'high', 'many_transactions'],
    ['cold start, 3 purchases', customer({ transactions: 3, fScore: null }), 'low', 'few_transactions'],
    ['no purchase', prospect(), 'zero', 'no_purchase'],
    // cycle 20: lapse horizon max(3 × 20, 90) = 90 days
    ['cycle 20, 95 days since', customer({ meanInterPurchaseDays: 20, recencyDays: 95 }), 'zero', 'lapsed'],
    [
      'cycle 20, 85 days since',
      customer({ meanInterPurchaseDays: 20, recencyDays: 85, fScore: 4 }),
      'high',
      'high_f_score',
    ],
    // cycle 60: lapse horizon 180 days
    [
      'cycle 60, 150 days since',
      customer({ meanInterPurchaseDays: 60, recencyDays: 150 }),
      'low',
      'low_f_score',
    ],
    ['cycle 60, 181 days since', customer({ meanInterPurchaseDays: 60, recencyDays: 181 }), 'zero', 'lapsed'],
  ])('%s → %s', (_name, f, expected, reason) => {
    expect(frequencyClass(f, policy)).toEqual({ value: expected, reasons: [reason] });
  });
});

describe('valueTier', () => {
  it.each<[string, CustomerFeatures, ValueTier, string[]]>([
    ['ABC A', customer({ abcClass: 'A' }), 'core', ['abc_a']],
    ['high CLV and high M', customer({ clv: 150_000, mScore: 4, fScore: 2 }), 'core', ['high_clv_high_m']],
    ['cold start: high M and high F', customer({ mScore: 5, fScore: 4 }), 'core', ['high_m_high_f']],
    // with a fitted model, F does not replace CLV
    ['high M and F but low CLV', customer({ clv: 20_000, mScore: 5, fScore: 5 }), 'general', []],
    // current value over 365 days: 30,000 × 365 / 730 = 15,000; CLV 40,000 ≥ 1.5 × 15,000
    [
      'CLV well above current value',
      customer({ firstPurchaseAgeDays: 730, clv: 40_000 }),
      'potential',
      ['clv_above_current'],
    ],
    [
      'CLV rising 25% on the previous run',
      customer({ monetary: 60_000, clv: 25_000, previousClv: 20_000 }),
      'potential',
      ['clv_rising'],
    ],
    [
      'CLV rising but below the reference value',
      customer({ monetary: 60_000, clv: 1_000, previousClv: 500 }),
      'general',
      ['no_core_or_growth_signal'],
    ],
    [
      'buys often and recently, small baskets',
      customer({ rScore: 5, fScore: 4, mScore: 2 }),
      'potential',
      ['engaged_low_spend'],
    ],
    ['strong start', oneTimer(40, { mScore: 4, rScore: 4 }), 'potential', ['strong_start']],
    ['middle of every scale', customer(), 'general', ['no_core_or_growth_signal']],
    ['no purchase', prospect(), 'general', ['no_purchase']],
    [
      'was general, now core',
      customer({ abcClass: 'A', previousTier: 'general' }),
      'core',
      ['abc_a', 'promoted'],
    ],
    [
      'was core, now general',
      customer({ previousTier: 'core' }),
      'general',
      ['no_core_or_growth_signal', 'demoted'],
    ],
  ])('%s → %s', (_name, f, expected, reasons) => {
    const result = valueTier(f, policy);
    expect(result.value).toBe(expected);
    if (reasons.length > 0) expect(result.reasons).toEqual(reasons);
  });
});

describe('churnRisk', () => {
  it('is 0.5 at the overdue midpoint (2 cycles) in cold start', () => {
    expect(churnRisk(customer({ recencyDays: 60 }), policy)).toBeCloseTo(0.5, 12);
  });

  it('averages 1 − pAlive with the overdue signal for repeat buyers', () => {
    expect(churnRisk(customer({ recencyDays: 60, pAlive: 0.2 }), policy)).toBeCloseTo(0.65, 12);
  });

  it('ignores the BG/NBD pAlive = 1 of one-time buyers and uses the workspace median cycle', () => {
    // 90 days / median 30 = 3 cycles → logistic(2 × (3 − 2))
    const expected = 1 / (1 + Math.exp(-2));
    expect(churnRisk(oneTimer(90, { pAlive: 1 }), policy)).toBeCloseTo(expected, 12);
    expect(churnRisk(oneTimer(90, { pAlive: 1 }), policy)).toBeGreaterThan(0.85);
  });

  it('adds complaints and a detractor survey noisy-OR', () => {
    expect(churnRisk(customer({ recencyDays: 60, complaints90d: 1 }), policy)).toBeCloseTo(
      1 - 0.5 * 0.85,
      12,
    );
    expect(churnRisk(customer({ recencyDays: 60, lastSurveyScore: 3 }), policy)).toBeCloseTo(
      1 - 0.5 * 0.9,
      12,
    );
    expect(churnRisk(customer({ recencyDays: 60, lastSurveyScore: 7 }), policy)).toBeCloseTo(0.5, 12);
  });

  it('is low for a customer who just bought and 0 for prospects', () => {
    expect(churnRisk(customer({ recencyDays: 1, pAlive: 0.98 }), policy)).toBeLessThan(0.05);
    expect(churnRisk(prospect(), policy)).toBe(0);
  });
});

describe('priority', () => {
  const score = (f: CustomerFeatures): number => scoreCustomer(f, policy).priority;

  it('gives warm prospects more than cold ones, with the prospect reason', () => {
    const warm = scoreCustomer(prospect({ daysSinceLastInteraction: 3 }), policy);
    const cold = scoreCustomer(prospect(), policy);
    expect(warm.reasons).toEqual([{ code: 'prospect', weight: 8 }]);
    expect(cold.reasons).toEqual([{ code: 'prospect', weight: 2 }]);
  });

  it('puts an overdue high-value customer above a low-value one with a lower pAlive (not pAlive alone)', () => {
    const bigOverdue = customer({
      recencyDays: 45,
      monetary: 400_000,
      pAlive: 0.6,
      clv: 300_000,
      expectedPurchases: 8,
      expectedOrderValue: 40_000,
    });
    const smallGone = customer({
      recencyDays: 45,
      monetary: 2_000,
      avgOrderValue: 700,
      pAlive: 0.05,
      clv: 500,
      expectedPurchases: 0.5,
      expectedOrderValue: 700,
    });
    expect(churnRisk(smallGone, policy)).toBeGreaterThan(churnRisk(bigOverdue, policy));
    expect(score(bigOverdue)).toBeGreaterThan(score(smallGone) + 20);
    expect(codes(bigOverdue).slice(0, 3)).toEqual([
      'likely_to_buy',
      'high_expected_value',
      'overdue_vs_cycle',
    ]);
  });

  it('adds likely_to_buy: P(a purchase within 90 days) from the expected purchases over the horizon', () => {
    // 4 purchases expected over 365 days: 4 × 90 / 365 in the window, P(at least one) = 1 − e^(−that)
    const f = customer({ pAlive: 0.9, expectedPurchases: 4, expectedOrderValue: 10_000, clv: 40_000 });
    const points = scoreCustomer(f, policy).reasons.find((r) => r.code === 'likely_to_buy')?.weight;
    expect(points).toBeCloseTo(20 * (1 - Math.exp((-4 * 90) / 365)), 2);
    // the window and the weight are workspace settings
    const quarterly = createScoringPolicy(policy.workspace, {
      priority: { purchaseWindowDays: 30, weights: { likelyToBuy: 10 } },
    });
    const monthly = scoreCustomer(f, quarterly).reasons.find((r) => r.code === 'likely_to_buy')?.weight;
    expect(monthly).toBeCloseTo(10 * (1 - Math.exp((-4 * 30) / 365)), 2);
  });

  it('in cold start takes likely_to_buy from the own cycle, discounted by the churn risk', () => {
    const f = customer({ recencyDays: 20 }); // 30-day cycle: 3 cycles in the window
    const s = scoreCustomer(f, policy);
    const points = s.reasons.find((r) => r.code === 'likely_to_buy')?.weight;
    expect(points).toBeCloseTo(20 * (1 - Math.exp(-3 * (1 - s.churnRisk))), 2);
    // later in the same cycle the risk is higher, so a purchase is less likely
    const late = scoreCustomer(customer({ recencyDays: 80 }), policy);
    expect(late.reasons.find((r) => r.code === 'likely_to_buy')!.weight).toBeLessThan(points!);
    // a one-time buyer has no cycle of their own: no estimate, no points
    expect(codes(oneTimer(20))).not.toContain('likely_to_buy');
  });

  it('ranks a customer likely to buy above an equally valuable one who is not', () => {
    const value = { monetary: 120_000, expectedOrderValue: 20_000, clv: 60_000 };
    const likely = customer({ ...value, recencyDays: 25, pAlive: 0.9, expectedPurchases: 5 });
    const unlikely = customer({ ...value, recencyDays: 25, pAlive: 0.9, expectedPurchases: 0.4 });
    expect(score(likely)).toBeGreaterThan(score(unlikely) + 5);
    expect(codes(likely)[0]).toBe('likely_to_buy');
  });

  it('still ranks a big customer at risk above a small one equally likely to buy (value matters)', () => {
    // same timing, same P(alive), same expected purchases: only the money differs
    const timing = { recencyDays: 60, pAlive: 0.4, expectedPurchases: 1.5 };
    const big = customer({ ...timing, monetary: 600_000, expectedOrderValue: 200_000, clv: 250_000 });
    const small = customer({
      ...timing,
      monetary: 6_000,
      avgOrderValue: 2_000,
      expectedOrderValue: 2_000,
      clv: 2_500,
    });
    const likely = (f: CustomerFeatures) =>
      scoreCustomer(f, policy).reasons.find((r) => r.code === 'likely_to_buy');
    expect(likely(big)?.weight).toBe(likely(small)?.weight);
    expect(score(big)).toBeGreaterThan(score(small) + 15);
    expect(codes(big)).toContain('high_value_at_risk');
  });

  it('never lifts a one-time buyer by the BG/NBD P(alive) = 1 alone', () => {
    // BG/NBD: P(alive) = 1 for every one-time buyer, but few expected purchases (x = 0 → low purchase rate)
    const single = oneTimer(150, {
      pAlive: 1,
      expectedPurchases: 0.3,
      expectedOrderValue: 10_000,
      clv: 3_000,
    });
    const repeat = customer({
      recencyDays: 25,
      pAlive: 0.8,
      expectedPurchases: 3,
      expectedOrderValue: 10_000,
      clv: 30_000,
    });
    expect(score(repeat)).toBeGreaterThan(score(single));
    const points = (f: CustomerFeatures) =>
      scoreCustomer(f, policy).reasons.find((r) => r.code === 'likely_to_buy')?.weight ?? 0;
    expect(points(single)).toBeLessThan(3);
    expect(points(single)).toBe(points({ ...single, pAlive: 0.2 }));
  });

  it('scales value on a log scale: a 1000× whale is not 100× a 10× customer', () => {
    const at = (monetary: number): number =>
      score(customer({ monetary, recencyDays: 50, firstPurchaseAgeDays: 365 }));
    const tenX = at(200_000);
    const whale = at(20_000_000);
    expect(whale).toBeGreaterThan(tenX);
    expect(whale).toBeLessThan(2 * tenX);
    expect(whale).toBeLessThanOrEqual(100);
  });

  it('calls a churned customer a win-back at a discount', () => {
    const f = customer({ recencyDays: 200, monetary: 200_000, daysSinceLastInteraction: 150 });
    const s = scoreCustomer(f, policy);
    expect(s.lifecycle).toBe('churned');
    expect(s.reasons.map((r) => r.code)).toContain('win_back');
    expect(s.reasons.map((r) => r.code)).not.toContain('high_value_at_risk');
    const talkedRecently = scoreCustomer(
      { ...f, daysSinceLastInteraction: 10, daysSinceTwoWayContact: 10 },
      policy,
    );
    expect(talkedRecently.lifecycle).toBe('at_risk');
    expect(talkedRecently.priority).toBeGreaterThan(s.priority);
  });

  it('works in cold start: overdue against the own cycle and expected value from the cycle', () => {
    const s = scoreCustomer(customer({ recencyDays: 36 }), policy);
    expect(s.reasons.map((r) => r.code).sort()).toEqual([
      'high_expected_value',
      'high_value_at_risk',
      'likely_to_buy',
      'overdue_vs_cycle',
    ]);
    // 1.2 cycles: fully due, half of the overdue points plus half scaled by the value at stake
    const overdue = s.reasons.find((r) => r.code === 'overdue_vs_cycle');
    expect(overdue?.weight).toBeGreaterThan(5);
    expect(Number.isFinite(s.priority)).toBe(true);
  });

  it('raises a customer due now above the same customer mid-cycle', () => {
    expect(score(customer({ recencyDays: 36 }))).toBeGreaterThan(score(customer({ recencyDays: 10 })));
  });

  it('flags the second-purchase window of new customers', () => {
    expect(codes(oneTimer(10))).toContain('second_purchase_window');
    expect(codes(oneTimer(90))).not.toContain('second_purchase_window');
  });

  it('flags a recent complaint for service recovery', () => {
    const f = customer({ complaints90d: 2 });
    expect(codes(f)).toContain('recent_complaint');
    expect(score(f)).toBeGreaterThan(score(customer()));
  });

  it('flags growth potential when CLV is above both the previous run and current value', () => {
    const f = customer({ clv: 120_000, previousClv: 60_000 });
    expect(codes(f)).toContain('growth_potential');
    expect(codes(customer({ clv: 10_000, previousClv: 60_000 }))).not.toContain('growth_potential');
  });

  it('flags loyal champions', () => {
    const f = customer({ transactions: 8, rScore: 5, fScore: 5, mScore: 5, lastSurveyScore: 10 });
    const s = scoreCustomer(f, policy);
    expect(s.lifecycle).toBe('loyal');
    expect(s.rfmSegment).toBe('champions');
    expect(s.reasons.map((r) => r.code)).toContain('loyal_champion');
  });

  it('sorts reasons by weight, largest first, and its points add up to the score', () => {
    const s = priority(
      customer({ recencyDays: 40, complaints90d: 1, clv: 90_000, previousClv: 30_000 }),
      { lifecycle: 'active', churnRisk: 0.3, rfmSegment: null },
      policy,
    );
    const weights = s.reasons.map((r) => r.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(s.score, 1);
  });
});

describe('scoreCustomer', () => {
  it('returns every class, with reasons and the cycle used', () => {
    const s = scoreCustomer(
      customer({ abcClass: 'A', transactions: 6, fScore: 5, mScore: 5, rScore: 4, recencyDays: 50 }),
      policy,
    );
    expect(s).toMatchObject({
      valueTier: 'core',
      frequencyClass: 'high',
      lifecycle: 'at_risk',
      rfmSegment: 'loyal',
      cycleDays: 30,
      cycleSource: 'own',
    });
    expect(s.overdueRatio).toBeCloseTo(50 / 30, 12);
    expect(s.classReasons.lifecycle).toEqual(['overdue_vs_cycle']);
    expect(s.churnRisk).toBeGreaterThan(0);
    // cold start, 3 own cycles in the 90-day window: a purchase is still likely although it is overdue
    expect(s.reasons[0].code).toBe('likely_to_buy');
    expect(s.reasons.map((r) => r.code)).toContain('overdue_vs_cycle');
  });

  it('has no RFM segment without scores', () => {
    expect(scoreCustomer(customer({ rScore: null }), policy).rfmSegment).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

const anyNumber = fc.oneof(fc.double(), fc.integer({ min: -10, max: 10_000 }));
const anyNullable = fc.option(anyNumber, { nil: null });
const tiers: ValueTier[] = ['core', 'potential', 'general'];
const stages: Lifecycle[] = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'];
const abc: AbcClass[] = ['A', 'B', 'C'];

/** Any features at all, including NaN, infinities, negatives and contradictions. */
const anyFeatures: fc.Arbitrary<CustomerFeatures> = fc.record({
  customerKind: fc.constantFrom('individual' as const, 'business' as const),
  firstPurchaseAgeDays: anyNullable,
  recencyDays: anyNullable,
  transactions: anyNumber,
  monetary: anyNumber,
  avgOrderValue: anyNumber,
  meanInterPurchaseDays: anyNullable,
  daysSinceLastInteraction: anyNullable,
  daysSinceTwoWayContact: anyNullable,
  refundedOrders: anyNumber,
  complaints90d: anyNumber,
  lastSurveyScore: anyNullable,
  pAlive: anyNullable,
  expectedPurchases: anyNullable,
  expectedOrderValue: anyNullable,
  clv: anyNullable,
  previousClv: anyNullable,
  previousTier: fc.option(fc.constantFrom(...tiers), { nil: null }),
  previousLifecycle: fc.option(fc.constantFrom(...stages), { nil: null }),
  rScore: anyNullable,
  fScore: anyNullable,
  mScore: anyNullable,
  abcClass: fc.option(fc.constantFrom(...abc), { nil: null }),
});

/** Plausible buyers: consistent dates, scores 1–5, models fitted or not. */
const buyer: fc.Arbitrary<CustomerFeatures> = fc
  .record({
    recencyDays: fc.integer({ min: 0, max: 2000 }),
    tenureExtra: fc.integer({ min: 0, max: 2000 }),
    transactions: fc.integer({ min: 1, max: 60 }),
    monetary: fc.integer({ min: 0, max: 10_000_000 }),
    cycle: fc.double({ min: 1, max: 400, noNaN: true }),
    daysSinceLastInteraction: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
    daysSinceTwoWayContact: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
    complaints90d: fc.integer({ min: 0, max: 5 }),
    pAlive: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    clv: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: null }),
    score: fc.integer({ min: 1, max: 5 }),
  })
  .map((b): CustomerFeatures =>
    customer({
      recencyDays: b.recencyDays,
      firstPurchaseAgeDays: b.recencyDays + b.tenureExtra,
      transactions: b.transactions,
      monetary: b.monetary,
      avgOrderValue: Math.round(b.monetary / b.transactions),
      meanInterPurchaseDays: b.transactions >= 2 ? b.cycle : null,
      daysSinceLastInteraction: b.daysSinceLastInteraction,
      daysSinceTwoWayContact: b.daysSinceTwoWayContact,
      complaints90d: b.complaints90d,
      pAlive: b.pAlive,
      clv: b.clv,
      expectedPurchases: b.clv === null ? null : b.transactions / 2,
      expectedOrderValue: b.clv === null ? null : Math.round(b.monetary / b.transactions),
      rScore: b.score,
      fScore: b.transactions === 1 ? 1 : b.score,
      mScore: 6 - b.score,
    }),
  );

describe('cancellation rate', () => {
  /** `undone` of `orders` orders undone, by count and by value alike */
  const undid = (orders: number, undone: number) => ({
    cancellations: { orders, undoneOrders: undone, grossMinor: orders * 1_000, undoneMinor: undone * 1_000 },
  });

  it('adds churn risk, a priority reason and a lifecycle reason when most orders are undone', () => {
    const calm = customer(undid(10, 0));
    const cancelling = customer(undid(10, 8));
    expect(churnRisk(cancelling, policy)).toBeGreaterThan(churnRisk(calm, policy));
    const s = scoreCustomer(cancelling, policy);
    expect(s.reasons.map((r) => r.code)).toContain('high_cancellation_rate');
    expect(s.classReasons.lifecycle).toContain('high_cancellation_rate');
    expect(scoreCustomer(calm, policy).reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
  });

  it('keeps a cancelling customer from loyal', () => {
    const regular = { transactions: 6, recencyDays: 10, rScore: 5, fScore: 5 };
    expect(lifecycle(customer({ ...regular, ...undid(10, 1) }), policy).value).toBe('loyal');
    const cancelling = lifecycle(customer({ ...regular, ...undid(10, 8) }), policy);
    expect(cancelling.value).toBe('active');
    expect(cancelling.reasons).toContain('high_cancellation_rate');
  });

  it('says nothing about one cancelled order of two', () => {
    const s = scoreCustomer(customer({ transactions: 1, ...undid(2, 1) }), policy);
    expect(s.reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
    expect(s.classReasons.lifecycle).not.toContain('high_cancellation_rate');
    expect(churnRisk(customer({ transactions: 1, ...undid(2, 1) }), policy)).toBe(
      churnRisk(customer({ transactions: 1 }), policy),
    );
  });

  it('leaves prospects and customers with refunds only to their own rules', () => {
    const refundsOnly = prospect({ refundedOrders: 3, ...undid(3, 3) });
    const s = scoreCustomer(refundsOnly, policy);
    expect(s.classReasons.lifecycle).toEqual(['refunds_only', 'no_two_way_contact']);
    expect(s.reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
    expect(s.churnRisk).toBe(1);
  });

  it("gives no value to win back when the only order was refunded in full (the issue's £77,117)", () => {
    // the summary nets the refund: no counted purchase, no spend; the refund record keeps them off the prospects
    const s = scoreCustomer(prospect({ refundedOrders: 1, ...undid(1, 1) }), policy);
    expect(s.lifecycle).toBe('churned');
    expect(s.reasons.map((r) => r.code)).not.toContain('win_back');
    expect(s.priority).toBe(0);
  });

  it('follows the policy: a stricter threshold silences it, weight 0 drops the term', () => {
    const f = customer(undid(10, 8));
    const lenient = createScoringPolicy(policy.workspace, { cancellation: { threshold: 0.9, fullRate: 1 } });
    expect(scoreCustomer(f, lenient).reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
    const unweighted = createScoringPolicy(policy.workspace, { priority: { weights: { cancellation: 0 } } });
    expect(scoreCustomer(f, unweighted).reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
    expect(() => createScoringPolicy({}, { cancellation: { threshold: 0.7, fullRate: 0.6 } })).toThrow(
      /cancellation.fullRate/,
    );
  });
});

describe('properties', () => {
  it('makes a prospect exactly of who never bought: no counted purchase and no refund', () => {
    fc.assert(
      fc.property(buyer, fc.boolean(), fc.integer({ min: 0, max: 5 }), (b, bought, refunds) => {
        const f = bought ? { ...b, refundedOrders: refunds } : prospect({ refundedOrders: refunds });
        expect(lifecycle(f, policy).value === 'prospect').toBe(!bought && refunds === 0);
        expect(neverBought(f)).toBe(!bought && refunds === 0);
      }),
    );
  });

  it('lets only two-way contact delay churn: other interactions never change the lifecycle', () => {
    fc.assert(
      fc.property(buyer, fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }), (b, anyTouch) => {
        // an email click, a campaign, a survey: daysSinceLastInteraction alone
        expect(lifecycle({ ...b, daysSinceLastInteraction: anyTouch }, policy)).toEqual(lifecycle(b, policy));
      }),
    );
  });

  it('never calls churned a customer with a two-way contact within churnNoTouchDays, and says why', () => {
    fc.assert(
      fc.property(buyer, fc.integer({ min: 0, max: policy.churnNoTouchDays }), (b, days) => {
        const without = lifecycle({ ...b, daysSinceTwoWayContact: null }, policy);
        const withContact = lifecycle({ ...b, daysSinceTwoWayContact: days }, policy);
        expect(withContact.value).not.toBe('churned');
        if (without.value === 'churned') {
          expect(['at_risk', 'new']).toContain(withContact.value);
          if (withContact.value === 'at_risk') {
            expect(withContact.reasons).toContain('two_way_contact_delays_churn');
          }
        } else {
          expect(withContact).toEqual({ ...without, reasons: without.reasons });
        }
      }),
    );
  });

  it('calls churned only past the own cycle × churnCycleMultiple, with P(alive) gone or uninformative', () => {
    fc.assert(
      fc.property(buyer, (b) => {
        const s = scoreCustomer(b, policy);
        if (s.lifecycle !== 'churned') return;
        expect(s.overdueRatio!).toBeGreaterThan(policy.churnCycleMultiple);
        if (b.transactions >= 2 && b.pAlive !== null) expect(b.pAlive).toBeLessThan(policy.churnPAlive);
        expect(b.recencyDays!).toBeGreaterThan(policy.churnNoTouchDays);
      }),
    );
  });

  it('gives finite, in-range results for any input', () => {
    fc.assert(
      fc.property(anyFeatures, (f) => {
        const s = scoreCustomer(f, policy);
        expect(Number.isFinite(s.priority)).toBe(true);
        expect(s.priority).toBeGreaterThanOrEqual(0);
        expect(s.priority).toBeLessThanOrEqual(100);
        expect(Number.isFinite(s.churnRisk)).toBe(true);
        expect(s.churnRisk).toBeGreaterThanOrEqual(0);
        expect(s.churnRisk).toBeLessThanOrEqual(1);
        expect(tiers).toContain(s.valueTier);
        expect(stages).toContain(s.lifecycle);
        expect(['high', 'low', 'zero']).toContain(s.frequencyClass);
        for (const r of s.reasons) expect(Number.isFinite(r.weight) && r.weight > 0).toBe(true);
        if (s.overdueRatio !== null) expect(Number.isFinite(s.overdueRatio)).toBe(true);
      }),
    );
  });

  it('gives priority in [0, 100] with sorted reasons for any derived inputs', () => {
    fc.assert(
      fc.property(
        anyFeatures,
        fc.constantFrom(...stages),
        fc.double(),
        fc.option(fc.constantFrom('champions' as const, 'lost' as const), { nil: null }),
        (f, stage, risk, segment) => {
          const p = priority(f, { lifecycle: stage, churnRisk: risk, rfmSegment: segment }, policy);
          expect(Number.isFinite(p.score) && p.score >= 0 && p.score <= 100).toBe(true);
          const w = p.reasons.map((r) => r.weight);
          expect(w).toEqual([...w].sort((a, b) => b - a));
        },
      ),
    );
  });

  it('treats every customer without purchases or refunds as a prospect', () => {
    fc.assert(
      fc.property(anyFeatures, fc.boolean(), (f, noTransactions) => {
        const p = noTransactions
          ? { ...f, transactions: 0, refundedOrders: 0 }
          : { ...f, recencyDays: null, firstPurchaseAgeDays: null, refundedOrders: 0 };
        const s = scoreCustomer(p, policy);
        expect(s.lifecycle).toBe('prospect');
        expect(s.frequencyClass).toBe('zero');
        expect(s.valueTier).toBe('general');
        expect(s.churnRisk).toBe(0);
        expect(s.rfmSegment).toBeNull();
        expect(s.reasons.map((r) => r.code)).toContain('prospect');
      }),
    );
  });

  it('never pitches a customer with only refunds as a prospect', () => {
    fc.assert(
      fc.property(anyFeatures, fc.integer({ min: 1, max: 50 }), (f, refunds) => {
        const s = scoreCustomer({ ...f, transactions: 0, refundedOrders: refunds }, policy);
        expect(['churned', 'at_risk']).toContain(s.lifecycle);
        expect(s.classReasons.lifecycle[0]).toBe('refunds_only');
        expect(s.reasons.map((r) => r.code)).not.toContain('prospect');
      }),
    );
  });

  it('never lowers churn risk when only the time since the last purchase grows', () => {
    fc.assert(
      fc.property(buyer, fc.integer({ min: 0, max: 2000 }), (f, extra) => {
        const later = { ...f, recencyDays: (f.recencyDays ?? 0) + extra };
        later.firstPurchaseAgeDays = Math.max(later.firstPurchaseAgeDays ?? 0, later.recencyDays);
        expect(churnRisk(later, policy)).toBeGreaterThanOrEqual(churnRisk(f, policy));
      }),
    );
  });

  it('never gives a one-time buyer zero risk just because BG/NBD says pAlive = 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), (days) => {
        const withModel = churnRisk(oneTimer(days, { pAlive: 1 }), policy);
        expect(withModel).toBe(churnRisk(oneTimer(days), policy));
        expect(withModel).toBeGreaterThan(0);
      }),
    );
  });

  it('classifies buyers as non-prospects and works with the models absent', () => {
    fc.assert(
      fc.property(buyer, (f) => {
        const cold = { ...f, pAlive: null, expectedPurchases: null, expectedOrderValue: null, clv: null };
        for (const g of [f, cold]) {
          const s = scoreCustomer(g, policy);
          expect(s.lifecycle).not.toBe('prospect');
          expect(s.rfmSegment).not.toBeNull();
          expect(s.cycleDays).toBeGreaterThanOrEqual(policy.minCycleDays);
          expect(s.priority).toBeGreaterThanOrEqual(0);
          expect(s.priority).toBeLessThanOrEqual(100);
        }
      }),
    );
  });
});
