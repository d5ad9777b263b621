import fc from 'fast-check';
import type { AbcClass, Lifecycle, ValueTier } from '../scoring/models/types';
import { compareOffers, type Offer } from './offer-catalog';
import {
  chooseOffer,
  offerBlocks,
  OfferChooser,
  type OfferChoiceInput,
  type OfferCustomer,
} from './offer-choice';

const TIERS: ValueTier[] = ['core', 'potential', 'general'];
const LIFECYCLES: Lifecycle[] = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'];
const ABC: AbcClass[] = ['A', 'B', 'C'];
const CODES = ['A1', 'B2', 'C3', 'D4', 'E5', 'F6'];
const DAYS = ['2026-03-01', '2026-03-05', '2026-03-09', '2026-03-10', '2026-03-12'];
const CATEGORIES = ['tea', 'coffee', 'cups'];
const PERSONALITIES = ['rational', 'emotional', 'leader', 'stable'];

function offer(overrides: Partial<Offer> = {}): Offer {
  return {
    code: 'A1',
    title: { en: 'an offer', 'zh-CN': '优惠' },
    description: { en: 'something', 'zh-CN': '内容' },
    tiers: TIERS,
    priority: 10,
    ...overrides,
  };
}

const customer: OfferCustomer = {
  tier: 'core',
  lifecycle: 'active',
  abc: 'A',
  clvMinor: 50_000,
  region: 'North',
  country: 'GB',
  personality: 'rational',
  categories: ['tea'],
};

function input(catalog: Offer[], overrides: Partial<OfferChoiceInput> = {}): OfferChoiceInput {
  return {
    catalog,
    asOf: '2026-03-10',
    customer,
    usage: {},
    exposure: { shownToCustomer: {}, shownByRepToday: {}, redeemedByCustomer: [] },
    ...overrides,
  };
}

const some = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1 });

const offerArb: fc.Arbitrary<Offer> = fc.record(
  {
    code: fc.constantFrom(...CODES),
    title: fc.constant({ en: 'an offer', 'zh-CN': '优惠' }),
    description: fc.constant({ en: 'terms', 'zh-CN': '条款' }),
    tiers: some(TIERS),
    lifecycles: some(LIFECYCLES),
    priority: fc.integer({ min: 0, max: 5 }),
    validFrom: fc.constantFrom(...DAYS),
    validTo: fc.constantFrom(...DAYS),
    budget: fc.integer({ min: 0, max: 4 }),
    budgetMinor: fc.integer({ min: 0, max: 4000 }),
    eligibility: fc.record(
      {
        abc: some(ABC),
        clvMinMinor: fc.integer({ min: 0, max: 100_000 }),
        regions: fc.subarray(['North', 'south', 'East']),
        countries: fc.subarray(['GB', 'cn', 'DE']),
        boughtCategories: some(CATEGORIES),
        neverBoughtCategories: some(CATEGORIES),
        personalities: some(PERSONALITIES),
      },
      { requiredKeys: [] },
    ),
    caps: fc.record(
      {
        perCustomer: fc.record({
          max: fc.integer({ min: 1, max: 3 }),
          days: fc.integer({ min: 1, max: 10 }),
        }),
        perRepPerDay: fc.integer({ min: 1, max: 3 }),
        onePerCustomer: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['code', 'title', 'description', 'tiers', 'priority'] },
);

const customerArb: fc.Arbitrary<OfferCustomer> = fc.record({
  tier: fc.constantFrom(...TIERS),
  lifecycle: fc.constantFrom(...LIFECYCLES),
  abc: fc.option(fc.constantFrom(...ABC)),
  clvMinor: fc.option(fc.integer({ min: 0, max: 200_000 })),
  region: fc.option(fc.constantFrom('north', 'South', 'West')),
  country: fc.option(fc.constantFrom('gb', 'CN', 'FR')),
  personality: fc.option(fc.constantFrom(...PERSONALITIES)),
  categories: fc.subarray(CATEGORIES),
});

const choiceArb: fc.Arbitrary<OfferChoiceInput> = fc.record({
  catalog: fc.array(offerArb, { maxLength: 8 }),
  asOf: fc.constantFrom(...DAYS),
  customer: customerArb,
  usage: fc.dictionary(
    fc.constantFrom(...CODES),
    fc.record({ count: fc.integer({ min: 0, max: 5 }), moneyMinor: fc.integer({ min: 0, max: 5000 }) }),
  ),
  exposure: fc.record({
    shownToCustomer: fc.dictionary(
      fc.constantFrom(...CODES),
      fc.array(fc.constantFrom(...DAYS), { maxLength: 4 }),
    ),
    shownByRepToday: fc.dictionary(fc.constantFrom(...CODES), fc.integer({ min: 0, max: 4 })),
    redeemedByCustomer: fc.subarray(CODES),
  }),
});

const lower = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());

/**
 * Written apart from offer-choice.ts: the conditions issue 14 names, each checked on its own, so that the property
 * does not only restate the implementation.
 */
function violations(o: Offer, i: OfferChoiceInput): string[] {
  const v: string[] = [];
  const c = i.customer;
  const used = i.usage[o.code] ?? { count: 0, moneyMinor: 0 };
  if (!o.tiers.includes(c.tier)) v.push('tier');
  if (o.lifecycles && !o.lifecycles.includes(c.lifecycle)) v.push('lifecycle');
  if (o.validFrom && i.asOf < o.validFrom) v.push('not yet valid');
  if (o.validTo && i.asOf > o.validTo) v.push('expired');
  if (o.budget !== undefined && used.count >= o.budget) v.push('count budget exhausted');
  if (o.budgetMinor !== undefined && used.moneyMinor >= o.budgetMinor) v.push('money budget exhausted');
  const e = o.eligibility ?? {};
  if (e.abc && !(c.abc && e.abc.includes(c.abc))) v.push('abc');
  if (e.clvMinMinor !== undefined && !(c.clvMinor !== null && c.clvMinor >= e.clvMinMinor)) v.push('clv');
  if (e.regions && !(c.region && lower(e.regions).includes(c.region.toLowerCase()))) v.push('region');
  if (e.countries && !(c.country && lower(e.countries).includes(c.country.toLowerCase()))) v.push('country');
  if (e.personalities && !(c.personality && e.personalities.includes(c.personality))) v.push('personality');
  if (e.boughtCategories && !e.boughtCategories.some((x) => c.categories.includes(x))) v.push('bought');
  if (e.neverBoughtCategories?.some((x) => c.categories.includes(x))) v.push('never bought');
  const days = i.exposure.shownToCustomer[o.code] ?? [];
  if (o.caps?.perCustomer) {
    const { max, days: period } = o.caps.perCustomer;
    const start = new Date(Date.parse(`${i.asOf}T00:00:00Z`) - (period - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    if (days.filter((d) => d >= start && d <= i.asOf).length >= max) v.push('customer cap');
  }
  if (o.caps?.perRepPerDay !== undefined && (i.exposure.shownByRepToday[o.code] ?? 0) >= o.caps.perRepPerDay)
    v.push('rep cap');
  if (o.caps?.onePerCustomer && i.exposure.redeemedByCustomer.includes(o.code)) v.push('redeemed');
  return v;
}

describe('chooseOffer (property)', () => {
  it('never chooses an ineligible, exhausted, expired or capped offer, and chooses the best one left', () => {
    fc.assert(
      fc.property(choiceArb, (i) => {
        const chosen = chooseOffer(i);
        const duplicated = (code: string) => i.catalog.filter((o) => o.code === code).length > 1;
        const allowed = i.catalog.filter((o) => !duplicated(o.code) && violations(o, i).length === 0);
        if (chosen === null) {
          expect(allowed).toEqual([]);
          return;
        }
        expect(violations(chosen, i)).toEqual([]);
        expect(duplicated(chosen.code)).toBe(false);
        for (const o of allowed) expect(compareOffers(chosen, o)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on the order of the catalog', () => {
    fc.assert(
      fc.property(choiceArb, (i) => {
        const reversed = chooseOffer({ ...i, catalog: [...i.catalog].reverse() });
        expect(reversed).toBe(chooseOffer(i));
      }),
      { numRuns: 500 },
    );
  });
});

describe('chooseOffer', () => {
  const best = offer({ code: 'BEST', priority: 90, budget: 2, budgetMinor: 1000 });
  const next = offer({ code: 'NEXT', priority: 50 });

  it('shows the next best offer once the best one has used its count budget', () => {
    expect(chooseOffer(input([best, next], { usage: { BEST: { count: 1, moneyMinor: 0 } } }))?.code).toBe(
      'BEST',
    );
    expect(chooseOffer(input([best, next], { usage: { BEST: { count: 2, moneyMinor: 0 } } }))?.code).toBe(
      'NEXT',
    );
  });

  it('shows the next best offer once the best one has spent its money budget', () => {
    const i = input([best, next], { usage: { BEST: { count: 0, moneyMinor: 1000 } } });
    expect(offerBlocks(best, i)).toEqual(['money_budget_exhausted']);
    expect(chooseOffer(i)?.code).toBe('NEXT');
  });

  it('never shows an expired or not yet valid offer', () => {
    expect(offerBlocks(offer({ validTo: '2026-03-09' }), input([]))).toEqual(['expired']);
    expect(offerBlocks(offer({ validFrom: '2026-03-11' }), input([]))).toEqual(['not_yet_valid']);
    expect(offerBlocks(offer({ validFrom: '2026-03-10', validTo: '2026-03-10' }), input([]))).toEqual([]);
  });

  it('applies each targeting rule, and a missing fact fails its rule', () => {
    const rules: Array<[Offer['eligibility'], string]> = [
      [{ abc: ['B', 'C'] }, 'abc'],
      [{ clvMinMinor: 60_000 }, 'clv'],
      [{ clvMaxMinor: 40_000 }, 'clv'],
      [{ regions: ['south'] }, 'region'],
      [{ countries: ['CN'] }, 'country'],
      [{ boughtCategories: ['coffee'] }, 'bought_category'],
      [{ neverBoughtCategories: ['TEA'] }, 'never_bought_category'],
      [{ personalities: ['leader'] }, 'personality'],
    ];
    for (const [eligibility, block] of rules) {
      expect(offerBlocks(offer({ eligibility }), input([]))).toEqual([block]);
    }
    const passes = offer({
      eligibility: {
        abc: ['A'],
        clvMinMinor: 50_000,
        clvMaxMinor: 50_000,
        regions: ['north'],
        countries: ['gb'],
        boughtCategories: ['Tea', 'coffee'],
        neverBoughtCategories: ['cups'],
        personalities: ['rational'],
      },
    });
    expect(offerBlocks(passes, input([]))).toEqual([]);
    const unknown = { ...customer, abc: null, clvMinor: null, region: null };
    expect(
      offerBlocks(
        offer({ eligibility: { abc: ['A'], clvMinMinor: 0, regions: ['north'] } }),
        input([], { customer: unknown }),
      ),
    ).toEqual(['abc', 'clv', 'region']);
  });

  it('caps showings per customer within the period, per rep per day, and redemptions per customer', () => {
    const capped = offer({
      caps: { perCustomer: { max: 2, days: 7 }, perRepPerDay: 3, onePerCustomer: true },
    });
    const exposure = (shown: string[], rep = 0, redeemed: string[] = []) =>
      input([], {
        exposure: {
          shownToCustomer: { A1: shown },
          shownByRepToday: { A1: rep },
          redeemedByCustomer: redeemed,
        },
      });
    // 2026-03-04 is 6 days before the list day: inside a 7-day period; 2026-03-03 is outside
    expect(offerBlocks(capped, exposure(['2026-03-04', '2026-03-09']))).toEqual(['customer_cap']);
    expect(offerBlocks(capped, exposure(['2026-03-03', '2026-03-09']))).toEqual([]);
    expect(offerBlocks(capped, exposure([], 3))).toEqual(['rep_cap']);
    expect(offerBlocks(capped, exposure([], 2, ['A1']))).toEqual(['already_redeemed']);
  });
});

describe('OfferChooser', () => {
  it('counts its own choices against the caps within one run', () => {
    const limited = offer({ code: 'LIMITED', priority: 90, caps: { perRepPerDay: 2 } });
    const fallback = offer({ code: 'FALLBACK', priority: 10 });
    const chooser = new OfferChooser({
      catalog: [limited, fallback],
      asOf: '2026-03-10',
      usage: {},
      shownToCustomer: new Map(),
      shownByRep: new Map([['rep-1', { LIMITED: 1 }]]),
      redeemedByCustomer: new Map(),
    });
    expect(chooser.choose('c1', 'rep-1', customer)?.code).toBe('LIMITED');
    expect(chooser.choose('c2', 'rep-1', customer)?.code).toBe('FALLBACK');
    expect(chooser.choose('c3', 'rep-2', customer)?.code).toBe('LIMITED');
  });

  it('counts a showing against the customer cap of a later item of the same run', () => {
    const once = offer({ code: 'ONCE', priority: 90, caps: { perCustomer: { max: 1, days: 30 } } });
    const chooser = new OfferChooser({
      catalog: [once],
      asOf: '2026-03-10',
      usage: {},
      shownToCustomer: new Map(),
      shownByRep: new Map(),
      redeemedByCustomer: new Map(),
    });
    expect(chooser.choose('c1', 'rep-1', customer)?.code).toBe('ONCE');
    expect(chooser.choose('c1', 'rep-2', customer)).toBeNull();
  });
});

describe('OfferChooser with codes that name Object.prototype members', () => {
  it('counts a showing of an offer coded "constructor" like any other', () => {
    const odd = offer({ code: 'constructor', priority: 90, caps: { perRepPerDay: 1 } });
    const chooser = new OfferChooser({
      catalog: [odd],
      asOf: '2026-03-10',
      usage: {},
      shownToCustomer: new Map(),
      shownByRep: new Map(),
      redeemedByCustomer: new Map(),
    });
    expect(chooser.choose('c1', 'rep-1', customer)?.code).toBe('constructor');
    expect(chooser.choose('c2', 'rep-1', customer)).toBeNull();
  });
});
