import fc from 'fast-check';
import { isDay } from '../common/calendar-day';
import type { Lifecycle, ValueTier } from '../scoring/models/types';
import {
  DEFAULT_OFFER_CATALOG,
  type Offer,
  type OfferEligibilityInput,
  isOfferEligible,
  localizeOffer,
  offerIneligibility,
  validateOfferCatalog,
} from './offer-catalog';
import { chooseOffer } from './offer-choice';

/** The lists' own choice (offer-choice.ts) for a customer known only by tier and lifecycle, nothing shown before. */
function bestOfferFor(input: OfferEligibilityInput & { catalog: readonly Offer[] }): Offer | null {
  const usage = Object.fromEntries(
    Object.entries(input.redemptionsUsed).map(([code, count]) => [code, { count, moneyMinor: 0 }]),
  );
  return chooseOffer({
    catalog: input.catalog,
    asOf: input.asOf,
    customer: {
      tier: input.tier,
      lifecycle: input.lifecycle,
      abc: null,
      clvMinor: null,
      region: null,
      country: null,
      personality: null,
      categories: [],
    },
    usage,
    exposure: { shownToCustomer: {}, shownByRepToday: {}, redeemedByCustomer: [] },
  });
}

const TIERS: ValueTier[] = ['core', 'potential', 'general'];
const LIFECYCLES: Lifecycle[] = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'];

function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    code: 'O1',
    title: { en: 'an offer', 'zh-CN': '优惠' },
    description: { en: 'something', 'zh-CN': '内容' },
    tiers: ['core'],
    priority: 10,
    ...overrides,
  };
}

const base: OfferEligibilityInput = {
  tier: 'core',
  lifecycle: 'active',
  asOf: '2025-06-15',
  redemptionsUsed: {},
};

describe('DEFAULT_OFFER_CATALOG', () => {
  it('is well-formed', () => {
    expect(validateOfferCatalog(DEFAULT_OFFER_CATALOG)).toEqual([]);
  });

  it('has an offer for every tier and lifecycle', () => {
    for (const tier of TIERS) {
      for (const lifecycle of LIFECYCLES) {
        const best = bestOfferFor({ ...base, tier, lifecycle, catalog: DEFAULT_OFFER_CATALOG });
        expect({ tier, lifecycle, best: best?.code ?? null }).toEqual({
          tier,
          lifecycle,
          best: expect.any(String),
        });
      }
    }
  });

  it.each([
    ['core', 'loyal', 'CORE_GIFT_SET'],
    ['core', 'active', 'CORE_PREMIUM_PREVIEW'],
    ['core', 'new', 'CORE_DEDICATED_MANAGER'],
    ['core', 'at_risk', 'WINBACK_PRIORITY'],
    ['potential', 'active', 'POTENTIAL_UPGRADE'],
    ['potential', 'churned', 'WINBACK_PRIORITY'],
    ['general', 'new', 'GENERAL_SMALL_PACK'],
    ['general', 'active', 'GENERAL_VALUE_PACK'],
    ['general', 'loyal', 'GENERAL_LOYALTY_POINTS'],
    ['general', 'at_risk', 'WINBACK_STANDARD'],
    ['general', 'prospect', 'PROSPECT_FIRST_ORDER'],
    ['core', 'prospect', 'PROSPECT_FIRST_ORDER'],
  ] as const)('follows domain.md §5: %s / %s → %s', (tier, lifecycle, code) => {
    expect(bestOfferFor({ ...base, tier, lifecycle, catalog: DEFAULT_OFFER_CATALOG })?.code).toBe(code);
  });

  it('falls back when the gift-set budget is used up', () => {
    const best = bestOfferFor({
      ...base,
      lifecycle: 'loyal',
      redemptionsUsed: { CORE_GIFT_SET: 500 },
      catalog: DEFAULT_OFFER_CATALOG,
    });
    expect(best?.code).toBe('CORE_PREMIUM_PREVIEW');
  });
});

describe('offerIneligibility', () => {
  it('accepts a matching offer', () => {
    expect(offerIneligibility(offer(), base)).toEqual([]);
  });

  it('checks tier and lifecycle', () => {
    expect(offerIneligibility(offer({ tiers: ['general'] }), base)).toEqual(['tier']);
    expect(offerIneligibility(offer({ tiers: [] }), base)).toEqual(['tier']);
    expect(offerIneligibility(offer({ lifecycles: ['loyal'] }), base)).toEqual(['lifecycle']);
    expect(offerIneligibility(offer({ lifecycles: ['active'] }), base)).toEqual([]);
  });

  it('treats validFrom and validTo as inclusive calendar days', () => {
    const o = offer({ validFrom: '2025-06-15', validTo: '2025-06-30' });
    expect(isOfferEligible(o, { ...base, asOf: '2025-06-15' })).toBe(true);
    expect(isOfferEligible(o, { ...base, asOf: '2025-06-30' })).toBe(true);
    expect(offerIneligibility(o, { ...base, asOf: '2025-06-14' })).toEqual(['not_yet_valid']);
    expect(offerIneligibility(o, { ...base, asOf: '2025-07-01' })).toEqual(['expired']);
  });

  it('stops at the budget', () => {
    const o = offer({ budget: 3 });
    expect(isOfferEligible(o, { ...base, redemptionsUsed: { O1: 2 } })).toBe(true);
    expect(offerIneligibility(o, { ...base, redemptionsUsed: { O1: 3 } })).toEqual(['budget_exhausted']);
    expect(offerIneligibility(offer({ budget: 0 }), base)).toEqual(['budget_exhausted']);
    expect(offerIneligibility(o, { ...base, redemptionsUsed: { O1: Number.NaN } })).toEqual([
      'redemptions_unknown',
    ]);
    expect(offerIneligibility(o, { ...base, redemptionsUsed: { O1: -1 } })).toEqual(['redemptions_unknown']);
  });

  it('does not read inherited properties as redemption counts', () => {
    const o = offer({ code: 'constructor', budget: 5 });
    expect(isOfferEligible(o, base)).toBe(true);
  });

  it('refuses malformed offers', () => {
    for (const bad of [
      offer({ validTo: '2025-02-30' }),
      offer({ validFrom: '15/06/2025' }),
      offer({ validFrom: '2025-07-01', validTo: '2025-06-01' }),
      offer({ budget: 1.5 }),
      offer({ discountPct: 0 }),
      offer({ discountPct: 120 }),
      offer({ minOrderValue: -100 }),
      offer({ priority: Number.NaN }),
      offer({ code: '' }),
      offer({ title: { en: 'x', 'zh-CN': '' } }),
    ]) {
      expect(offerIneligibility(bad, base)).toEqual(['invalid_offer']);
    }
  });

  it('throws on an asOf that is not a calendar day', () => {
    expect(() => offerIneligibility(offer(), { ...base, asOf: '2025-13-01' })).toThrow(RangeError);
    expect(() => offerIneligibility(offer(), { ...base, asOf: '2025-06-15T00:00:00Z' })).toThrow(
      /YYYY-MM-DD/,
    );
  });
});

describe('bestOfferFor', () => {
  it('picks the highest priority, then the one ending soonest, then by code', () => {
    const catalog = [
      offer({ code: 'B', priority: 5 }),
      offer({ code: 'C', priority: 9, validTo: '2025-12-31' }),
      offer({ code: 'A', priority: 9 }),
      offer({ code: 'D', priority: 9, validTo: '2025-07-31' }),
    ];
    expect(bestOfferFor({ ...base, catalog })?.code).toBe('D');
    expect(bestOfferFor({ ...base, catalog: catalog.filter((o) => o.code !== 'D') })?.code).toBe('C');
    const twins = [offer({ code: 'Z', priority: 1 }), offer({ code: 'Y', priority: 1 })];
    expect(bestOfferFor({ ...base, catalog: twins })?.code).toBe('Y');
  });

  it('returns null when nothing is eligible', () => {
    expect(bestOfferFor({ ...base, catalog: [] })).toBeNull();
    expect(bestOfferFor({ ...base, catalog: [offer({ tiers: ['general'] })] })).toBeNull();
  });

  it('skips offers whose code appears twice', () => {
    const catalog = [
      offer({ code: 'X', priority: 9 }),
      offer({ code: 'X', priority: 8 }),
      offer({ code: 'Y' }),
    ];
    expect(bestOfferFor({ ...base, catalog })?.code).toBe('Y');
    expect(validateOfferCatalog(catalog)).toEqual(['X: code is used more than once']);
  });

  describe('properties', () => {
    const day = fc
      .date({
        min: new Date('2024-01-01T00:00:00Z'),
        max: new Date('2026-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const code = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'constructor', '__proto__', 'toString');
    const arbOffer: fc.Arbitrary<Offer> = fc.record(
      {
        code,
        title: fc.constant({ en: 'title', 'zh-CN': '标题' }),
        description: fc.constant({ en: 'desc', 'zh-CN': '说明' }),
        tiers: fc.subarray(TIERS),
        lifecycles: fc.subarray(LIFECYCLES),
        minOrderValue: fc.integer({ min: -10, max: 10_000 }),
        discountPct: fc.oneof(fc.integer({ min: -5, max: 110 }), fc.constant(Number.NaN)),
        validFrom: fc.oneof(day, fc.constant('2025-02-30'), fc.constant('garbage')),
        validTo: day,
        budget: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(2.5)),
        priority: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.POSITIVE_INFINITY)),
      },
      { requiredKeys: ['code', 'title', 'description', 'tiers', 'priority'] },
    );
    const arbInput = fc.record({
      tier: fc.constantFrom(...TIERS),
      lifecycle: fc.constantFrom(...LIFECYCLES),
      asOf: day,
      redemptionsUsed: fc.dictionary(
        code,
        fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constant(Number.NaN)),
      ),
      catalog: fc.array(arbOffer, { maxLength: 8 }),
    });

    /** Written independently of the implementation: what "eligible" means, spelled out. */
    function oracle(o: Offer, input: OfferEligibilityInput, catalog: readonly Offer[]): boolean {
      const validDay = (d: string | undefined): boolean => d === undefined || isDay(d);
      if (catalog.filter((x) => x.code === o.code).length !== 1) return false;
      if (!validDay(o.validFrom) || !validDay(o.validTo)) return false;
      if (o.validFrom !== undefined && o.validTo !== undefined && o.validFrom > o.validTo) return false;
      if (o.budget !== undefined && !(Number.isInteger(o.budget) && o.budget >= 0)) return false;
      if (o.minOrderValue !== undefined && !(Number.isInteger(o.minOrderValue) && o.minOrderValue >= 0))
        return false;
      if (o.discountPct !== undefined && !(o.discountPct > 0 && o.discountPct <= 100)) return false;
      if (!Number.isFinite(o.priority)) return false;
      if (!o.tiers.includes(input.tier)) return false;
      if (o.lifecycles !== undefined && !o.lifecycles.includes(input.lifecycle)) return false;
      if (o.validFrom !== undefined && input.asOf < o.validFrom) return false;
      if (o.validTo !== undefined && input.asOf > o.validTo) return false;
      if (o.budget !== undefined) {
        const own = Object.prototype.hasOwnProperty.call(input.redemptionsUsed, o.code);
        const used = own ? input.redemptionsUsed[o.code] : 0;
        if (!(used >= 0) || used >= o.budget) return false;
      }
      return true;
    }

    it('never returns an ineligible offer, and finds one whenever one exists', () => {
      fc.assert(
        fc.property(arbInput, (input) => {
          const best = bestOfferFor(input);
          const eligible = input.catalog.filter((o) => oracle(o, input, input.catalog));
          if (best === null) {
            expect(eligible).toEqual([]);
          } else {
            expect(input.catalog).toContain(best);
            expect(oracle(best, input, input.catalog)).toBe(true);
            expect(best.priority).toBe(Math.max(...eligible.map((o) => o.priority)));
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('does not depend on the order of the catalog', () => {
      fc.assert(
        fc.property(arbInput, fc.func(fc.integer()), (input, key) => {
          const shuffled = [...input.catalog].sort((a, b) => key(a.code) - key(b.code) || 0).reverse();
          expect(bestOfferFor({ ...input, catalog: shuffled })).toBe(bestOfferFor(input));
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('localizeOffer', () => {
  const gift = DEFAULT_OFFER_CATALOG.find((o) => o.code === 'CORE_GIFT_SET')!;

  it('picks the zh-CN text for any Chinese tag and English otherwise', () => {
    expect(localizeOffer(gift, 'zh-CN')).toEqual({
      code: 'CORE_GIFT_SET',
      title: 'VIP答谢礼盒',
      description: gift.description['zh-CN'],
    });
    expect(localizeOffer(gift, 'zh_cn').title).toBe('VIP答谢礼盒');
    expect(localizeOffer(gift, 'en-GB').title).toBe('our VIP thank-you gift set');
    expect(localizeOffer(gift, 'fr').title).toBe('our VIP thank-you gift set');
  });
});
