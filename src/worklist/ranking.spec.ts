import fc from 'fast-check';
import {
  callableCountries,
  callValue,
  dueSignal,
  exclusionOf,
  mixProspects,
  isProspect,
  rankWorklist,
  RankingContext,
  reachableCountries,
  callableByRep,
  repShiftOf,
  WorklistCandidate,
} from './ranking';
import { DEFAULT_WORKLIST_SETTINGS, resolveWorklistSettings } from './worklist-settings';

const S = resolveWorklistSettings({
  // every weekday a business day, so the tests do not depend on the calendar
  businessHours: { business: { days: [1, 2, 3, 4, 5, 6, 7] } },
});
const CTX: RankingContext = {
  listDate: '2026-11-25', // a Wednesday
  timeZone: 'Asia/Shanghai',
  scoredAsOf: '2026-11-25',
  horizonDays: 365,
  referenceValue: 50_000,
  capacity: 10,
};

let nextId = 1;
function candidate(over: Partial<WorklistCandidate> = {}): WorklistCandidate {
  return {
    customerId: String(nextId++),
    customerKind: 'individual',
    country: 'CN',
    valueTier: 'general',
    lifecycle: 'active',
    recencyDays: 20,
    frequency: 5,
    monetary: 250_000,
    ownCycleDays: 30,
    firstPurchaseAgeDays: 140,
    pAlive: 0.9,
    expectedPurchases: 6,
    expectedOrderValue: 50_000,
    clv: 280_000,
    churnRisk: 0.2,
    daysSinceInteraction: null,
    doNotCall: false,
    wrongNumber: false,
    snoozedUntil: null,
    recentContacts: [],
    followUp: null,
    pin: null,
    lastComplaintAt: null,
    lastOutcome: null,
    endedSnooze: null,
    ...over,
  };
}

const prospect = (over: Partial<WorklistCandidate> = {}) =>
  candidate({
    lifecycle: 'prospect',
    recencyDays: null,
    frequency: 0,
    monetary: 0,
    ownCycleDays: null,
    firstPurchaseAgeDays: null,
    pAlive: null,
    expectedPurchases: null,
    expectedOrderValue: null,
    clv: null,
    churnRisk: 0,
    ...over,
  });

const arbCandidate: fc.Arbitrary<WorklistCandidate> = fc
  .record({
    id: fc.integer({ min: 1, max: 1_000_000 }),
    kind: fc.constantFrom('individual' as const, 'business' as const),
    country: fc.constantFrom('CN', 'US', 'DE', 'JP', null, 'ZZ'),
    tier: fc.constantFrom('core' as const, 'potential' as const, 'general' as const),
    lifecycle: fc.constantFrom(
      'prospect' as const,
      'new' as const,
      'active' as const,
      'loyal' as const,
      'at_risk' as const,
      'churned' as const,
    ),
    recency: fc.option(fc.integer({ min: 0, max: 2000 })),
    frequency: fc.integer({ min: 0, max: 50 }),
    monetary: fc.integer({ min: 0, max: 10_000_000 }),
    cycle: fc.option(fc.double({ min: 0, max: 400, noNaN: true })),
    ep: fc.option(fc.double({ min: 0, max: 40, noNaN: true })),
    eov: fc.option(fc.integer({ min: 0, max: 1_000_000 })),
    clv: fc.option(fc.integer({ min: 0, max: 5_000_000 })),
    risk: fc.double({ min: 0, max: 1, noNaN: true }),
    warm: fc.option(fc.integer({ min: 0, max: 30 })),
    dnc: fc.boolean(),
    snooze: fc.option(fc.constantFrom('2026-11-20', '2026-11-25', '2026-11-26', '2027-01-01')),
    contactDaysAgo: fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 3 }),
    followUp: fc.option(
      fc.record({
        kind: fc.constantFrom('callback' as const, 'retry' as const),
        hoursFromMidnight: fc.integer({ min: -48, max: 48 }),
      }),
    ),
    pinned: fc.boolean(),
  })
  .map((r) =>
    candidate({
      customerId: String(r.id),
      customerKind: r.kind,
      country: r.country,
      valueTier: r.tier,
      lifecycle: r.lifecycle,
      recencyDays: r.lifecycle === 'prospect' ? null : r.recency,
      frequency: r.lifecycle === 'prospect' ? 0 : r.frequency,
      monetary: r.monetary,
      ownCycleDays: r.cycle,
      firstPurchaseAgeDays: r.cycle === null ? null : r.cycle * 3,
      expectedPurchases: r.ep,
      expectedOrderValue: r.eov,
      clv: r.clv,
      churnRisk: r.risk,
      daysSinceInteraction: r.warm,
      doNotCall: r.dnc && r.id % 3 === 0,
      snoozedUntil: r.snooze,
      recentContacts: r.contactDaysAgo.map((d) => ({
        at: new Date(Date.parse('2026-11-25T03:00:00Z') - d * 86_400_000).toISOString(),
        completed: d % 2 === 0,
      })),
      followUp: r.followUp
        ? {
            kind: r.followUp.kind,
            dueAt: new Date(
              Date.parse('2026-11-24T16:00:00Z') + r.followUp.hoursFromMidnight * 3_600_000,
            ).toISOString(),
            attempt: 2,
            lastAttemptAt: '2026-11-24T03:00:00Z',
          }
        : null,
      pin: r.pinned && r.id % 2 === 0 ? { note: 'focus' } : null,
    }),
  );

describe('callValue', () => {
  it('adds the four money terms of a buyer', () => {
    const c = candidate({ recencyDays: 36, ownCycleDays: 30 }); // 1.2 cycles silent → fully due
    const v = callValue(c, CTX, S);
    const eov = 50_000;
    const overdue = 1 * 1 * eov;
    const pace = 250_000; // spent 250,000 in 140 days: never extrapolated beyond what they spent
    const atRisk = 0.25 * 0.2 * Math.max(280_000, pace);
    const expected = (6 * eov * 30) / 365;
    const growth = 0.1 * Math.max(0, 280_000 - pace);
    expect(v.value).toBeCloseTo(overdue + atRisk + expected + growth, 6);
    expect(v.terms.map((t) => t.code)).toEqual([
      'overdue_vs_cycle',
      'high_expected_value',
      'high_value_at_risk',
      'growth_potential',
    ]);
    expect(v.terms[0].facts).toEqual({ cycleDays: 30, daysSilent: 36 });
  });

  it('values a long silence at the historic spend rate, not at a burst of early orders', () => {
    // two orders two days apart, 640 days ago: the pace over the horizon is their spend × 365 / 640
    const burst = candidate({
      frequency: 2,
      recencyDays: 638,
      ownCycleDays: 2,
      firstPurchaseAgeDays: 640,
      monetary: 100_000,
      clv: 1_000,
      churnRisk: 0.9,
      lifecycle: 'at_risk',
    });
    const risk = callValue(burst, CTX, S).terms.find((t) => t.code === 'high_value_at_risk')!;
    expect(risk.facts.atRiskMinor).toBe(Math.round(0.9 * ((100_000 * 365) / 640)));
  });

  it('counts days silent up to the list date and discounts win-backs', () => {
    const later = callValue(candidate({ recencyDays: 10 }), { ...CTX, listDate: '2026-12-01' }, S);
    expect(later.terms.find((t) => t.code === 'overdue_vs_cycle')?.facts.daysSilent).toBe(16);
    const risky = candidate({ churnRisk: 0.9, lifecycle: 'at_risk' });
    const churned = { ...risky, lifecycle: 'churned' as const };
    const a = callValue(risky, CTX, S).terms.find((t) => t.code === 'high_value_at_risk')!;
    const b = callValue(churned, CTX, S).terms.find((t) => t.code === 'win_back')!;
    expect(b.value).toBeCloseTo(a.value * S.winBackFactor, 6);
  });

  it('values prospects by warmth', () => {
    const warm = callValue(prospect({ daysSinceInteraction: 3 }), CTX, S).value;
    const cold = callValue(prospect(), CTX, S).value;
    expect(warm).toBeCloseTo(0.1 * 50_000, 6);
    expect(cold).toBeCloseTo(warm * S.prospects.coldFactor, 6);
  });

  it('is finite, non-negative and monotone in CLV (and in churn risk given expected purchases)', () => {
    fc.assert(
      fc.property(arbCandidate, fc.integer({ min: 0, max: 1_000_000 }), (c, extra) => {
        const v = callValue(c, CTX, S).value;
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(callValue({ ...c, clv: (c.clv ?? 0) + extra }, CTX, S).value).toBeGreaterThanOrEqual(v - 1e-6);
        // more risk is more value at stake; without BG/NBD it also lowers the expected purchases, so only then
        if (c.expectedPurchases !== null) {
          const riskier = callValue({ ...c, churnRisk: Math.min(1, c.churnRisk + 0.1) }, CTX, S).value;
          expect(riskier).toBeGreaterThanOrEqual(v - 1e-6);
        }
      }),
    );
  });

  it('shapes the due signal', () => {
    expect(dueSignal(0.5, S.due)).toBe(0);
    expect(dueSignal(1.0, S.due)).toBeCloseTo(0.5, 9);
    expect(dueSignal(2, S.due)).toBe(1);
    expect(dueSignal(6, S.due)).toBeCloseTo(0.5, 9);
  });
});

describe('contact rules', () => {
  it('excludes do-not-call, snoozes before their day, and follow-ups not yet due', () => {
    expect(exclusionOf(candidate({ doNotCall: true, pin: { note: null } }), CTX, S)).toBe('do_not_call');
    expect(exclusionOf(candidate({ wrongNumber: true }), CTX, S)).toBe('wrong_number');
    expect(exclusionOf(candidate({ snoozedUntil: '2026-11-26' }), CTX, S)).toBe('snoozed');
    expect(exclusionOf(candidate({ snoozedUntil: '2026-11-25' }), CTX, S)).toBeNull();
    const later = {
      kind: 'callback' as const,
      dueAt: '2026-11-25T16:00:00Z',
      attempt: 1,
      lastAttemptAt: null,
    };
    expect(exclusionOf(candidate({ followUp: later }), CTX, S)).toBe('follow_up_pending');
  });

  it('excludes anyone contacted today and applies the tier caps', () => {
    const today = { at: '2026-11-25T02:00:00Z', completed: false };
    expect(exclusionOf(candidate({ recentContacts: [today] }), CTX, S)).toBe('contacted_today');
    const fiveDaysAgo = { at: '2026-11-20T02:00:00Z', completed: true };
    expect(exclusionOf(candidate({ recentContacts: [fiveDaysAgo] }), CTX, S)).toBe('frequency_cap'); // general: 7 d
    expect(exclusionOf(candidate({ valueTier: 'core', recentContacts: [fiveDaysAgo] }), CTX, S)).toBeNull(); // 3 d
    const sevenDaysAgo = { at: '2026-11-18T02:00:00Z', completed: true };
    expect(exclusionOf(candidate({ recentContacts: [sevenDaysAgo] }), CTX, S)).toBeNull();
    // unanswered attempts are not contacts
    expect(
      exclusionOf(candidate({ recentContacts: [{ ...fiveDaysAgo, completed: false }] }), CTX, S),
    ).toBeNull();
    // pins and due callbacks override the cap
    expect(exclusionOf(candidate({ recentContacts: [fiveDaysAgo], pin: { note: null } }), CTX, S)).toBeNull();
  });

  it('respects business hours in the customer zone', () => {
    expect(exclusionOf(candidate({ country: 'US' }), CTX, S)).toBe('outside_business_hours');
    expect(exclusionOf(candidate({ country: 'JP' }), CTX, S)).toBeNull();
    const weekdaysOnly = resolveWorklistSettings({});
    const saturday = { ...CTX, listDate: '2026-11-28' };
    expect(exclusionOf(candidate({ customerKind: 'business' }), saturday, weekdaysOnly)).toBe(
      'outside_business_hours',
    );
    expect(exclusionOf(candidate({ customerKind: 'individual' }), saturday, weekdaysOnly)).toBeNull();
    const callable = callableCountries(['CN', 'US', 'DE'], CTX, S);
    expect(callable.individual.countries).toEqual(['CN', 'DE']);
    expect(callable.individual.unknownCallable).toBe(true);
  });

  it('finds the accounts no shift of the coming week reaches: a UK team and Australian offices', () => {
    const london = { listDate: '2026-11-25', timeZone: 'Europe/London' };
    const weekdays = resolveWorklistSettings({});
    const week = reachableCountries(['GB', 'AU', 'DE', 'US'], london, weekdays);
    // 09:00–18:00 London is 20:00–05:00 in Sydney: never inside 09:00–18:00 on a weekday there
    expect(week.business.countries).toEqual(['GB', 'DE', 'US']);
    expect(week.business.unknownCallable).toBe(true);
    // on a Saturday no business answers, yet the week still reaches Germany: that is not "never"
    const saturday = callableCountries(['DE'], { ...london, listDate: '2026-11-28' }, weekdays);
    expect(saturday.business.countries).toEqual([]);
    expect(
      reachableCountries(['DE'], { ...london, listDate: '2026-11-28' }, weekdays).business.countries,
    ).toEqual(['DE']);
    // in November 09:00 London is 20:00 in Sydney (UTC+11): individuals (09:00–20:00) are out of reach too
    expect(week.individual.countries).not.toContain('AU');
  });
});

describe('callableByRep', () => {
  it("follows each rep's own shift: a Sydney rep reaches the Australian offices a London rep never does", () => {
    const s = resolveWorklistSettings({
      repShifts: { 'rep-syd': { start: '09:00', end: '17:00', timeZone: 'Australia/Sydney' } },
    });
    const london = { listDate: '2026-11-25', timeZone: 'Europe/London' };
    const reps = [
      { id: 'uk', shift: repShiftOf('rep-uk', london.timeZone, s) },
      { id: 'syd', shift: repShiftOf('rep-syd', london.timeZone, s) },
    ];
    expect(reps[0].shift).toEqual({ timeZone: 'Europe/London', start: '09:00', end: '18:00' });
    const week = callableByRep(reps, ['GB', 'AU'], london, s, 7);
    const pairs = week.repIds.map((r, i) => `${r}|${week.kinds[i]}|${week.countries[i]}`);
    expect(pairs).toContain('syd|business|AU');
    expect(pairs).not.toContain('uk|business|AU');
    expect(pairs).toContain('uk|business|GB');
    // unknown countries use the workspace's zone (London): the UK rep reaches them, '' stands for them
    expect(pairs).toContain('uk|business|');
  });
});

describe('isProspect', () => {
  it('follows the scoring run: a customer with no paid order but a refund is not a prospect', () => {
    expect(isProspect({ lifecycle: 'prospect' })).toBe(true);
    expect(isProspect({ lifecycle: 'churned' })).toBe(false);
    const refundOnly = candidate({ lifecycle: 'churned', frequency: 0, monetary: 0, recencyDays: null });
    const ranked = rankWorklist([refundOnly, prospect()], { ...CTX, capacity: 5 }, S);
    expect(ranked.items.find((i) => i.customerId === refundOnly.customerId)?.kind).toBe('ranked');
  });
});

describe('rankWorklist', () => {
  it('puts callbacks, pins and retries first, then mixes prospects in at the share', () => {
    const customers = Array.from({ length: 12 }, (_, i) => candidate({ expectedPurchases: 12 - i }));
    const prospects = Array.from({ length: 5 }, () => prospect({ daysSinceInteraction: 2 }));
    const callback = candidate({
      expectedPurchases: 0.1,
      followUp: { kind: 'callback', dueAt: '2026-11-25T06:30:00Z', attempt: 1, lastAttemptAt: null },
    });
    const pinned = candidate({ expectedPurchases: 0.2, pin: { note: 'renewal' } });
    const retry = candidate({
      expectedPurchases: 0.3,
      followUp: {
        kind: 'retry',
        dueAt: '2026-11-24T16:00:00Z',
        attempt: 2,
        lastAttemptAt: '2026-11-24T03:00:00Z',
      },
    });
    const { items } = rankWorklist(
      [...prospects, ...customers, retry, pinned, callback],
      { ...CTX, capacity: 13 },
      S,
    );
    expect(items.map((i) => i.kind)).toEqual([
      'callback',
      'pinned',
      'retry',
      'ranked',
      'ranked',
      'ranked',
      'ranked',
      'prospect',
      'ranked',
      'ranked',
      'ranked',
      'ranked',
      'prospect',
    ]);
    expect(items[0].reasons[0]).toMatchObject({
      code: 'callback_due',
      facts: { at: '2026-11-25T06:30:00Z' },
    });
    expect(items[0].callWindow?.from.toISOString()).toBe('2026-11-25T06:30:00.000Z');
    expect(items[2].reasons[0]).toMatchObject({
      code: 'retry_no_answer',
      facts: { attempt: 2, maxAttempts: 3 },
    });
    expect(items.map((i) => i.rank)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    // customers by value
    const ranked = items.filter((i) => i.kind === 'ranked').map((i) => i.value);
    expect([...ranked].sort((a, b) => b - a)).toEqual(ranked);
  });

  it('fills with the other kind when one runs out', () => {
    expect(mixProspects(['c1', 'c2'], ['p1', 'p2', 'p3'], 5, 0.2)).toEqual(['c1', 'c2', 'p1', 'p2', 'p3']);
    expect(mixProspects(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'], [], 5, 0.5)).toEqual([
      'c1',
      'c2',
      'c3',
      'c4',
      'c5',
    ]);
    expect(mixProspects(['c1', 'c2', 'c3', 'c4'], ['p1', 'p2'], 4, 0.5)).toEqual(['c1', 'p1', 'c2', 'p2']);
  });

  it('gives every item reasons with the lead reason first, capped', () => {
    const c = candidate({
      lastComplaintAt: '2026-11-10T02:00:00Z',
      endedSnooze: { until: '2026-11-24', reason: 'trip' },
    });
    const { items } = rankWorklist([c], CTX, S);
    expect(items[0].reasons.length).toBeLessThanOrEqual(S.maxReasons);
    expect(items[0].reasons[0].value).toBeGreaterThan(0);
    const dull = candidate({
      expectedPurchases: 0,
      clv: 0,
      churnRisk: 0,
      ownCycleDays: null,
      expectedOrderValue: 0,
      monetary: 0,
    });
    expect(rankWorklist([dull], CTX, S).items[0].reasons.map((r) => r.code)).toEqual(['in_portfolio']);
  });

  it('says a high cancellation rate as context, after the value terms, with no value of its own', () => {
    const c = candidate({ highCancellationRate: true });
    // context fills the slots the value terms leave (maxReasons)
    const roomy = { ...S, maxReasons: 8 };
    const plain = rankWorklist([candidate()], CTX, roomy).items[0];
    const item = rankWorklist([c], CTX, roomy).items[0];
    expect(item.value).toBe(plain.value);
    const codes = item.reasons.map((r) => r.code);
    expect(codes).toContain('high_cancellation_rate');
    expect(codes.indexOf('high_cancellation_rate')).toBeGreaterThan(0);
    expect(item.reasons.find((r) => r.code === 'high_cancellation_rate')?.value).toBe(0);
    expect(plain.reasons.map((r) => r.code)).not.toContain('high_cancellation_rate');
  });

  it('honours every rule, the capacity and determinism for any candidates', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(arbCandidate, { selector: (c) => c.customerId, maxLength: 60 }),
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (cands, capacity, share) => {
          const settings = { ...S, prospects: { ...S.prospects, share } };
          const ctx = { ...CTX, capacity };
          const { items, excluded } = rankWorklist(cands, ctx, settings);
          const byId = new Map(cands.map((c) => [c.customerId, c]));
          const unique = new Set(cands.map((c) => c.customerId));
          const allowed = [...unique].filter((id) => exclusionOf(byId.get(id)!, ctx, settings) === null);
          // capacity, uniqueness, contiguous ranks
          expect(items.length).toBe(Math.min(capacity, allowed.length));
          expect(new Set(items.map((i) => i.customerId)).size).toBe(items.length);
          expect(items.map((i) => i.rank)).toEqual(items.map((_, i) => i + 1));
          // nobody excluded by a rule is listed, and exclusions are counted
          for (const i of items) expect(exclusionOf(byId.get(i.customerId)!, ctx, settings)).toBeNull();
          expect(Object.values(excluded).reduce((a, b) => a + (b ?? 0), 0)).toBe(
            unique.size - allowed.length,
          );
          for (const i of items) {
            expect(i.reasons.length).toBeGreaterThanOrEqual(1);
            expect(i.reasons.length).toBeLessThanOrEqual(settings.maxReasons);
            expect(Number.isFinite(i.value)).toBe(true);
          }
          // the input order does not matter
          const again = rankWorklist([...cands].reverse(), ctx, settings).items;
          expect(again.map((i) => i.customerId)).toEqual(items.map((i) => i.customerId));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the prospect share when both kinds are plentiful', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (capacity, share) => {
          const cands = [
            ...Array.from({ length: 50 }, () => candidate()),
            ...Array.from({ length: 50 }, () => prospect()),
          ];
          const settings = {
            ...DEFAULT_WORKLIST_SETTINGS,
            prospects: { ...DEFAULT_WORKLIST_SETTINGS.prospects, share },
          };
          const { items } = rankWorklist(cands, { ...CTX, capacity }, settings);
          expect(items.filter((i) => i.kind === 'prospect').length).toBe(Math.floor(capacity * share + 1e-9));
        },
      ),
      { numRuns: 40 },
    );
  });
});
