import { buildCustomerFacts, DEFAULT_FACT_OPTIONS, noOrders, type OrderHistory } from './customer-facts';
import { chooseSituation, offerTypeOf, type SituationInput } from './situation';

const options = { listDate: '2026-12-08', ...DEFAULT_FACT_OPTIONS };
const bought = (days: string[]): OrderHistory => ({
  ...noOrders('GBP'),
  orderCount: days.length,
  orderDays: new Set(days).size,
  firstOrderDay: days[0],
  firstOrderMinor: 100,
  lastOrderDay: days[days.length - 1],
  lastOrderMinor: 100,
});
const weeklyLapsed = buildCustomerFacts(
  bought(['2026-10-31', '2026-11-07', '2026-11-14', '2026-11-21']),
  options,
);
const monthlyEarly = buildCustomerFacts(
  bought(['2026-08-01', '2026-09-01', '2026-10-01', '2026-12-01']),
  options,
);

function input(overrides: Partial<SituationInput>): SituationInput {
  return {
    facts: monthlyEarly,
    lifecycle: 'active',
    valueTier: 'general',
    complaintDaysAgo: null,
    reasons: [],
    ...overrides,
  };
}

describe('chooseSituation', () => {
  it('puts a recent complaint first', () => {
    expect(chooseSituation(input({ complaintDaysAgo: 3, facts: weeklyLapsed }))).toBe('complaint_follow_up');
    expect(chooseSituation(input({ complaintDaysAgo: 45 }))).not.toBe('complaint_follow_up');
  });

  it('uses win-back only past the customer’s own lapse threshold, whatever the lifecycle says', () => {
    expect(chooseSituation(input({ facts: weeklyLapsed, lifecycle: 'active' }))).toBe('winback_at_risk');
    expect(chooseSituation(input({ facts: weeklyLapsed, lifecycle: 'churned' }))).toBe('winback_churned');
    expect(chooseSituation(input({ facts: monthlyEarly, lifecycle: 'at_risk' }))).not.toMatch(/winback/);
    expect(chooseSituation(input({ facts: monthlyEarly, lifecycle: 'churned' }))).not.toMatch(/winback/);
    const yearSilent = buildCustomerFacts(bought(['2024-01-01', '2024-06-01', '2025-06-01']), options);
    expect(chooseSituation(input({ facts: yearSilent, lifecycle: 'at_risk' }))).toBe('winback_churned');
  });

  it('first purchase, repeat, thanks, upsell, preview', () => {
    expect(chooseSituation(input({ facts: buildCustomerFacts(noOrders('GBP'), options) }))).toBe(
      'first_purchase',
    );
    const single = buildCustomerFacts(bought(['2026-11-21']), options);
    expect(chooseSituation(input({ facts: single }))).toBe('repeat');
    expect(chooseSituation(input({ lifecycle: 'loyal' }))).toBe('loyalty_thanks');
    expect(chooseSituation(input({ valueTier: 'core' }))).toBe('loyalty_thanks');
    expect(chooseSituation(input({ reasons: ['growth_potential'] }))).toBe('upsell');
    expect(chooseSituation(input({}))).toBe('new_product_preview');
  });
});

describe('offerTypeOf', () => {
  it('tells a discount from a perk and from no offer', () => {
    expect(offerTypeOf(null)).toBe('none');
    expect(offerTypeOf({ discountPct: 15 })).toBe('discount');
    expect(offerTypeOf({})).toBe('perk');
  });
});
