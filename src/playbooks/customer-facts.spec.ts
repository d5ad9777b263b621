import fc from 'fast-check';
import {
  agoText,
  buildCustomerFacts,
  cycleReasonText,
  cycleText,
  DEFAULT_FACT_OPTIONS,
  gapBucket,
  gapText,
  noOrders,
  type OrderHistory,
  productListText,
  winBackFits,
} from './customer-facts';

const LIST_DATE = '2026-12-08';
const options = { listDate: LIST_DATE, ...DEFAULT_FACT_OPTIONS };

function history(days: string[], amounts: number[] = days.map(() => 100)): OrderHistory {
  const sorted = days.map((d, i) => ({ d, a: amounts[i] })).sort((x, y) => (x.d < y.d ? -1 : 1));
  return {
    orderCount: days.length,
    orderDays: new Set(days).size,
    firstOrderDay: sorted[0].d,
    firstOrderMinor: sorted[0].a,
    lastOrderDay: sorted[sorted.length - 1].d,
    lastOrderMinor: sorted[sorted.length - 1].a,
    currency: 'GBP',
    favouriteCategory: null,
    lastProducts: [],
  };
}

/** 'YYYY-MM-DD' `n` days before the list day. */
const daysBefore = (n: number): string =>
  new Date(Date.parse(`${LIST_DATE}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

describe('buildCustomerFacts: the issue’s customers', () => {
  it('six invoices on 21–22 Nov: the first order is the first invoice, the cycle is “several times a week”', () => {
    const facts = buildCustomerFacts(
      history(
        ['2026-11-21', '2026-11-21', '2026-11-21', '2026-11-22', '2026-11-22', '2026-11-22'],
        [12_050, 9_900, 4_000, 2_000, 3_000, 73_482],
      ),
      options,
    );
    expect(facts.firstOrder).toEqual({ day: '2026-11-21', amountMinor: 12_050, daysAgo: 17 });
    expect(facts.lastOrder).toEqual({ day: '2026-11-22', amountMinor: 73_482, daysAgo: 16 });
    expect(facts.orderCount).toBe(6);
    expect(facts.orderDays).toBe(2);
    expect(facts.cycleDays).toBe(1);
    expect(facts.frequentBuyer).toBe(true);
    expect(cycleText(facts, 'en')).toBe('several times a week');
    expect(cycleReasonText(facts, facts.daysSilent!, 'en')).toBe(
      'buys several times a week, now 16 days silent',
    );
    expect(cycleReasonText(facts, facts.daysSilent!, 'zh-CN')).toBe('平时每周多次下单，已16天未下单');
    // two buying days are not yet a rhythm to lapse from
    expect(facts.status).not.toBe('lapsed');
  });

  it('a weekly buyer 17 days silent has lapsed past their own threshold', () => {
    const weekly = [59, 52, 45, 38, 31, 24, 17].map(daysBefore);
    const facts = buildCustomerFacts(history(weekly), options);
    expect(facts.cycleDays).toBe(7);
    expect(facts.frequentBuyer).toBe(false);
    expect(facts.lapseDays).toBe(14);
    expect(facts.daysSilent).toBe(17);
    expect(facts.status).toBe('lapsed');
    expect(winBackFits(facts)).toBe(true);
    expect(cycleReasonText(facts, 17, 'en')).toBe('bought every ~7 days, now 17 days silent');
  });

  it('a monthly buyer 17 days silent is early, not lapsed', () => {
    const facts = buildCustomerFacts(history([137, 107, 77, 47, 17].map(daysBefore)), options);
    expect(facts.cycleDays).toBe(30);
    expect(facts.status).toBe('early');
    expect(winBackFits(facts)).toBe(false);
  });

  it('a customer who never bought has no orders, no cycle and no silence', () => {
    const facts = buildCustomerFacts(noOrders('GBP'), options);
    expect(facts).toMatchObject({ firstOrder: null, lastOrder: null, cycleDays: null, daysSilent: null });
    expect(facts.status).toBe('no_orders');
  });
});

describe('words', () => {
  it('say a silence in words that fit its length', () => {
    expect(gapText(1, 'en')).toBe('1 day');
    expect(gapText(17, 'en')).toBe('17 days');
    expect(gapText(59, 'en')).toBe('59 days');
    expect(gapText(100, 'en')).toBe('over 3 months');
    expect(gapText(400, 'en')).toBe('over a year');
    expect(gapText(800, 'en')).toBe('over 2 years');
    expect(gapText(100, 'zh-CN')).toBe('3个多月');
    expect(gapText(400, 'zh-CN')).toBe('一年多');
  });

  it('say when and what', () => {
    expect(agoText(0, 'en')).toBe('today');
    expect(agoText(1, 'zh-CN')).toBe('昨天');
    expect(agoText(17, 'en')).toBe('17 days ago');
    expect(productListText(['Cup', 'Pot'], 'en')).toBe('Cup and Pot');
    expect(productListText(['杯子', '茶壶'], 'zh-CN')).toBe('杯子和茶壶');
    expect(productListText([], 'en')).toBeNull();
  });
});

describe('properties', () => {
  const arbHistory = fc
    .array(fc.integer({ min: 0, max: 1500 }), { minLength: 1, maxLength: 40 })
    .map((ago) => history(ago.map(daysBefore)));
  const locale = fc.constantFrom('en' as const, 'zh-CN' as const);
  const numbers = (s: string): number[] => (s.match(/\d+/g) ?? []).map(Number);

  it('every number said is a fact: the cycle and the silence', () => {
    fc.assert(
      fc.property(arbHistory, locale, (h, l) => {
        const facts = buildCustomerFacts(h, options);
        const said = numbers(cycleReasonText(facts, facts.daysSilent!, l));
        const expected = [
          ...(facts.cycleDays !== null && !facts.frequentBuyer ? [Math.round(facts.cycleDays)] : []),
          facts.daysSilent!,
        ];
        expect(said).toEqual(expected);
      }),
    );
  });

  it('a cycle below the floor is never said as a number of days', () => {
    fc.assert(
      fc.property(arbHistory, locale, (h, l) => {
        const facts = buildCustomerFacts(h, options);
        const text = cycleText(facts, l);
        if (facts.cycleDays !== null && facts.cycleDays < DEFAULT_FACT_OPTIONS.cycleFloorDays) {
          expect(numbers(text!)).toEqual([]);
        }
        if (text !== null && numbers(text).length) {
          expect(numbers(text)[0]).toBeGreaterThanOrEqual(DEFAULT_FACT_OPTIONS.cycleFloorDays);
        }
      }),
    );
  });

  it('the first order is never later than the last, and the facts count from the list day', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const facts = buildCustomerFacts(h, options);
        expect(facts.firstOrder!.day <= facts.lastOrder!.day).toBe(true);
        expect(facts.firstOrder!.daysAgo).toBeGreaterThanOrEqual(facts.lastOrder!.daysAgo);
        expect(facts.daysSilent).toBe(facts.lastOrder!.daysAgo);
        if (facts.orderCount === 1) expect(facts.firstOrder).toEqual(facts.lastOrder);
      }),
    );
  });

  it('the words match the gap bucket, and the bucket grows with the gap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), locale, (a, b, l) => {
        const order = ['days', 'weeks', 'months', 'year_plus'];
        if (a <= b) expect(order.indexOf(gapBucket(a))).toBeLessThanOrEqual(order.indexOf(gapBucket(b)));
        const text = gapText(a, l);
        const bucket = gapBucket(a);
        if (bucket === 'days' || bucket === 'weeks') expect(numbers(text)).toEqual([a]);
        if (bucket === 'months') expect(text).toMatch(l === 'en' ? /months/ : /个多月/);
        if (bucket === 'year_plus') expect(text).toMatch(l === 'en' ? /year/ : /年多/);
        expect(text).not.toMatch(/little while|有一阵子/);
      }),
    );
  });

  it('win-back fits exactly when the silence passes the customer’s own lapse threshold', () => {
    fc.assert(
      fc.property(arbHistory, (h) => {
        const facts = buildCustomerFacts(h, options);
        expect(winBackFits(facts)).toBe(facts.daysSilent! > facts.lapseDays);
        if (facts.orderDays >= 3 && facts.cycleDays !== null) {
          const cycle = Math.max(facts.cycleDays, DEFAULT_FACT_OPTIONS.cycleFloorDays);
          expect(facts.lapseDays).toBe(Math.ceil(cycle * DEFAULT_FACT_OPTIONS.lapseRatio));
        } else {
          expect(facts.lapseDays).toBe(DEFAULT_FACT_OPTIONS.defaultLapseDays);
        }
      }),
    );
  });
});
