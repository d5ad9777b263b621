import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { PriorityCode } from '../scoring/models/customer-rules';
import type { Lifecycle, RfmSegment, ValueTier } from '../scoring/models/types';
import { buildCustomerFacts, DEFAULT_FACT_OPTIONS, noOrders } from './customer-facts';
import { PERSONALITIES, type Personality } from './personality';
import { OFFER_TYPES, SITUATIONS } from './situation';
import { choosePartial, createTalkTrackRenderer, partialNameProblem, PARTS } from './talk-track';
import {
  combinations,
  FIXTURE_FACTS,
  FIXTURE_LIST_DATE,
  fixtureContext,
  overrideIssues,
  RICH_FACTS,
  SPARSE_FACTS,
} from './talk-track-check';
import {
  buildView,
  formatDay,
  formatMoney,
  type TalkTrackContext,
  TalkTrackContextError,
  TalkTrackTemplateError,
  TRACK_NAMES,
  VIEW_KEYS,
} from './talk-track-view';

const TEMPLATES = path.join(__dirname, '../../templates/talk-tracks');
const LOCALES = ['en', 'zh-CN'] as const;
const LIFECYCLES: Lifecycle[] = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'];
const TIERS: ValueTier[] = ['core', 'potential', 'general'];
const CJK = /[\u4e00-\u9fff]/;

const renderer = createTalkTrackRenderer(TEMPLATES);

function context(overrides: Partial<TalkTrackContext> = {}): TalkTrackContext {
  return {
    customerName: 'Ms Chen',
    repName: 'Bob Li',
    locale: 'en',
    personality: 'rational',
    lifecycle: 'active',
    valueTier: 'core',
    rfmSegment: 'champions',
    facts: RICH_FACTS,
    lastComplaint: null,
    offer: { title: 'OFFER-TITLE-MARK', description: 'a thing you will like', code: 'CODE1' },
    reasons: ['overdue_vs_cycle', 'high_value_at_risk'],
    listDate: FIXTURE_LIST_DATE,
    ...overrides,
  };
}

/** Things that only show up when a template or view model is wrong: markers, raw codes, broken spacing. */
function expectClean(text: string): void {
  expect(text).not.toMatch(/\{\{|\}\}/);
  expect(text).not.toMatch(/undefined|\bnull\b|NaN|\[object /);
  expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/); // a code such as winback_churned or at_risk left in the text
  expect(text).not.toMatch(/ {2,}/);
  expect(text).not.toMatch(/\n{3,}/);
  expect(text).not.toMatch(/ [,.;:?!]/);
  expect(text).toBe(text.trim());
}

describe('talk tracks: every combination', () => {
  it('renders personality × situation × tier × offer type, with and without orders, in both locales', () => {
    let rendered = 0;
    const seen = new Set<string>();
    for (const c of combinations(LOCALES)) {
      const out = renderer.render(fixtureContext(c));
      expectClean(out.text);
      expect(out.situation).toBe(c.situation);
      expect(out.personality).toBe(c.personality);
      if (c.locale === 'zh-CN') expect(out.text).toMatch(CJK);
      else expect(out.text).not.toMatch(CJK);
      if (c.offerType !== 'none')
        expect(out.text).toContain(c.offerType === 'discount' ? 'BACK15' : 'SHIPFREE');
      seen.add(out.text);
      rendered += 1;
    }
    expect(rendered).toBe(
      LOCALES.length *
        TRACK_NAMES.length *
        SITUATIONS.length *
        TIERS.length *
        OFFER_TYPES.length *
        FIXTURE_FACTS.length,
    );
    // the parts really differ by the combination: no two personalities × situations read the same
    expect(seen.size).toBeGreaterThan(rendered / 4);
  });

  it('chooses partials by personality, situation and offer type', () => {
    const out = renderer.render(
      context({
        personality: 'leader',
        offer: fixtureContext({
          locale: 'en',
          personality: 'leader',
          situation: 'repeat',
          valueTier: 'core',
          offerType: 'discount',
          facts: 'rich',
        }).offer,
      }),
    );
    expect(out.partials).toEqual({
      opening: 'opening',
      value: 'value.leader',
      objection: 'objection',
      offer: 'offer.discount',
      close: 'close',
    });
    const available = {
      value: 1,
      'value.rational': 1,
      'value.winback_churned': 1,
      'value.rational.winback_churned': 1,
    };
    const view = {
      personality: 'rational',
      situation: 'winback_churned',
      offerType: 'none',
      valueTier: 'core',
    } as const;
    expect(choosePartial(available, 'value', view)).toBe('value.rational.winback_churned');
    expect(choosePartial(available, 'value', { ...view, personality: 'stable' })).toBe(
      'value.winback_churned',
    );
    expect(choosePartial(available, 'value', { ...view, situation: 'repeat' })).toBe('value.rational');
    expect(choosePartial(available, 'value', { ...view, personality: 'stable', situation: 'repeat' })).toBe(
      'value',
    );
  });

  it('gives templates exactly the keys of the view model', () => {
    const view = buildView(context(), 'en', 'rational');
    expect(new Set(Object.keys(view))).toEqual(VIEW_KEYS);
  });

  it('accepts only partial names the renderer can choose', () => {
    expect(partialNameProblem('value.rational.winback_churned')).toBeNull();
    expect(partialNameProblem('offer.discount')).toBeNull();
    expect(partialNameProblem('header')).toBeNull();
    expect(partialNameProblem('valu')).toMatch(/unknown part/);
    expect(partialNameProblem('value.rationnal')).toMatch(/unknown qualifier/);
    expect(partialNameProblem('value.repeat.rational')).toMatch(/personality.situation/);
    expect(partialNameProblem('header.core')).toMatch(/no qualifiers/);
    for (const part of PARTS) expect(partialNameProblem(part)).toBeNull();
  });
});

describe('talk tracks: facts said out loud', () => {
  it('names the customer’s products and favourite category, and says the first order only when it was the only one', () => {
    const repeat = renderer.render(context({ personality: null, situation: 'repeat' })).text;
    expect(repeat).toContain('Your last order was 16 days ago (£734.82)');
    expect(repeat).not.toContain('first order');
    const rational = renderer.render(context({ situation: 'repeat' })).text;
    expect(rational).toContain('6 orders since November 21, 2026, the last one 16 days ago for £734.82');
    expect(rational).toContain('Cake stand and Tea set');
    const single = buildCustomerFacts(
      {
        ...noOrders('GBP'),
        orderCount: 1,
        orderDays: 1,
        firstOrderDay: '2026-11-21',
        firstOrderMinor: 73_482,
        lastOrderDay: '2026-11-21',
        lastOrderMinor: 73_482,
        lastProducts: ['Cake stand'],
      },
      { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
    );
    const first = renderer.render(context({ personality: null, facts: single })).text;
    expect(first).toContain('You placed your first order 17 days ago (£734.82), with Cake stand');
  });

  it('describes a cycle below the floor as several times a week, never as the floor', () => {
    for (const locale of LOCALES) {
      const text = renderer.render(context({ locale, situation: 'repeat' })).text;
      expect(text).toContain(locale === 'en' ? 'several times a week' : '每周多次');
      expect(text).not.toMatch(/~7 days|7天/);
    }
  });

  it('uses win-back words only past the customer’s own lapse threshold', () => {
    for (const locale of LOCALES) {
      const fresh = renderer.render(context({ locale, personality: null, lifecycle: 'at_risk' })).text;
      expect(fresh).not.toMatch(locale === 'en' ? /worked together again|little while/ : /再次合作/);
      const lapsed = buildCustomerFacts(
        {
          ...noOrders('GBP'),
          orderCount: 9,
          orderDays: 9,
          firstOrderDay: '2026-09-20',
          firstOrderMinor: 100,
          lastOrderDay: '2026-11-21',
          lastOrderMinor: 100,
        },
        { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
      );
      const out = renderer.render(
        context({ locale, personality: null, lifecycle: 'at_risk', facts: lapsed }),
      );
      expect(out.situation).toBe('winback_at_risk');
      expect(out.text).toMatch(locale === 'en' ? /if we worked together again/ : /如果我们再次合作/);
      expect(out.text).toContain(
        locale === 'en' ? "It's been 17 days since your last order" : '您已经17天没有下单了',
      );
    }
  });

  it('puts a long silence in words that fit it', () => {
    const old = buildCustomerFacts(
      {
        ...noOrders('GBP'),
        orderCount: 3,
        orderDays: 3,
        firstOrderDay: '2024-01-10',
        firstOrderMinor: 100,
        lastOrderDay: '2025-06-01',
        lastOrderMinor: 100,
      },
      { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
    );
    const text = renderer.render(context({ personality: null, lifecycle: 'churned', facts: old })).text;
    expect(text).toContain("It's been over a year since we last worked together");
    expect(text).not.toMatch(/little while/);
  });

  it('states the offer’s terms by offer type', () => {
    const combo = {
      locale: 'en',
      personality: 'neutral',
      situation: 'winback_at_risk',
      valueTier: 'core',
      offerType: 'discount',
      facts: 'lapsed',
    } as const;
    const discount = renderer.render(fixtureContext(combo)).text;
    expect(discount).toContain("That's 15% off on orders over £50, until December 31, 2026.");
    expect(discount).toContain('if we worked together again');
    const zh = renderer.render(fixtureContext({ ...combo, locale: 'zh-CN' })).text;
    expect(zh).toContain('也就是订单满£50优惠15%，有效期至2026年12月31日。');
    const perk = renderer.render(
      fixtureContext({ ...combo, offerType: 'perk', situation: 'repeat', facts: 'rich' }),
    ).text;
    expect(perk).toContain('We can also offer you Free delivery: free delivery on your next order.');
    expect(perk).not.toMatch(/% off/);
    const none = renderer.render(fixtureContext({ ...combo, offerType: 'none' })).text;
    expect(none).toContain("[No offer applies today. Don't improvise a discount.]");
  });
});

describe('talk tracks: rendering', () => {
  it('loads the en and zh-CN locales', () => {
    expect(renderer.locales).toEqual(['en', 'zh-CN']);
  });

  it('keeps customer-supplied values verbatim in the plain-text output (HTML escaping belongs to HTML views)', () => {
    const name = '<script>alert("x")</script> & Co';
    for (const locale of LOCALES) {
      const out = renderer.render(
        context({
          locale,
          customerName: name,
          lastComplaint: { date: '2024-03-05', note: '<img src=x onerror=alert(1)>' },
          offer: { title: '<i>t</i>', description: 'd', code: 'C' },
        }),
      );
      expect(out.text).toContain(name);
      expect(out.text).not.toContain('&lt;');
      expect(out.text).not.toContain('&amp;');
    }
  });

  it('falls back to en for unknown locales and matches by language otherwise', () => {
    expect(renderer.render(context({ locale: 'fr-FR' })).locale).toBe('en');
    expect(renderer.render(context({ locale: '' })).locale).toBe('en');
    expect(renderer.render(context({ locale: 'en-GB' })).locale).toBe('en');
    expect(renderer.render(context({ locale: 'zh-Hans' })).locale).toBe('zh-CN');
  });

  it('uses the neutral track for a missing or unknown personality', () => {
    expect(renderer.render(context({ personality: null })).personality).toBe('neutral');
    expect(renderer.render(context({ personality: 'bold' as Personality })).personality).toBe('neutral');
  });

  it('has a phrase for every priority reason code in every locale', () => {
    // Record<PriorityCode, …> makes the type checker flag a code added to the scoring rules but missing here.
    const codes: Record<PriorityCode, true> = {
      high_value_at_risk: true,
      win_back: true,
      high_expected_value: true,
      likely_to_buy: true,
      growth_potential: true,
      overdue_vs_cycle: true,
      second_purchase_window: true,
      recent_complaint: true,
      high_cancellation_rate: true,
      loyal_champion: true,
      prospect: true,
    };
    for (const locale of LOCALES) {
      const strings = JSON.parse(fs.readFileSync(path.join(TEMPLATES, locale, 'strings.json'), 'utf8')) as {
        labels: { reason: Record<string, string>; situation: Record<string, string> };
      };
      expect(Object.keys(strings.labels.reason).sort()).toEqual(Object.keys(codes).sort());
      expect(Object.keys(strings.labels.situation).sort()).toEqual([...SITUATIONS].sort());
    }
  });

  it('keeps a multi-line complaint note on one line in the rep notes', () => {
    const text = renderer.render(
      context({ lastComplaint: { date: '2024-03-05', note: 'late\n\ndelivery  again' } }),
    ).text;
    expect(text).toContain('[Last complaint, March 5, 2024: "late delivery again".');
  });

  it('strips a trailing full stop from the offer description', () => {
    const text = renderer.render(
      context({
        situation: 'repeat',
        offer: { title: 'T', description: 'ten percent off.', code: 'C', discountPct: 10 },
      }),
    ).text;
    expect(text).toContain('ten percent off.');
    expect(text).not.toContain('off..');
  });

  it('rejects values it cannot print sensibly', () => {
    const bad = (facts: object) => context({ facts: { ...RICH_FACTS, ...facts } });
    expect(() => renderer.render(bad({ daysSilent: Number.NaN }))).toThrow(TalkTrackContextError);
    expect(() => renderer.render(bad({ daysSilent: -3 }))).toThrow(/daysSilent/);
    expect(() => renderer.render(bad({ lastOrder: { ...RICH_FACTS.lastOrder, amountMinor: 12.5 } }))).toThrow(
      /lastOrder.amountMinor/,
    );
    expect(() => renderer.render(bad({ currency: 'XXXX' }))).toThrow(/currency/);
    expect(() => renderer.render(context({ customerName: '  ' }))).toThrow(/customerName/);
    expect(() => renderer.render(context({ lastComplaint: { date: 'soon', note: '' } }))).toThrow(/date/);
    expect(() => renderer.render(context({ lifecycle: 'gone' as Lifecycle }))).toThrow(/lifecycle/);
    expect(() =>
      renderer.render(context({ offer: { title: 'T', description: 'd', code: 'C', discountPct: 150 } })),
    ).toThrow(/discountPct/);
  });

  it('prints template syntax in values literally (no template injection)', () => {
    const text = renderer.render(
      context({ customerName: '{{repName}}', facts: { ...RICH_FACTS, favouriteCategory: '{{> header}}' } }),
    ).text;
    expect(text).toContain('Hi {{repName}}, it');
    expect(text).toContain('{{> header}}');
  });

  it('renders any well-formed context cleanly (property)', () => {
    const text = (min: number, max: number): fc.Arbitrary<string> =>
      fc
        .string({ minLength: min, maxLength: max })
        .filter((s) => !/[{}_]|undefined|NaN|null|\[object/.test(s) && (min === 0 || s.trim() !== ''));
    const day = fc
      .integer({ min: 0, max: 2000 })
      .map((n) => new Date(Date.UTC(2021, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    const history = fc.option(
      fc.record({
        a: day,
        b: day,
        orders: fc.integer({ min: 1, max: 50 }),
        days: fc.integer({ min: 1, max: 50 }),
        amount: fc.integer({ min: 0, max: 10 ** 9 }),
        category: fc.option(fc.constantFrom('Tea', '茶叶', ' '), { nil: null }),
        products: fc.array(fc.constantFrom('Cup', 'Pot', '杯子'), { maxLength: 4 }),
      }),
      { nil: null },
    );
    const arb = fc.record({
      customerName: text(1, 30),
      repName: fc.constantFrom('Bob', '王芳'),
      locale: fc.constantFrom('en', 'zh-CN', 'de', 'zh-Hans'),
      personality: fc.constantFrom<Personality | null>(...PERSONALITIES, null),
      lifecycle: fc.constantFrom(...LIFECYCLES),
      valueTier: fc.constantFrom(...TIERS),
      rfmSegment: fc.constantFrom<RfmSegment | null>('champions', 'lost', null),
      history,
      currency: fc.constantFrom('CNY', 'USD', 'JPY', 'EUR'),
      lastComplaint: fc.option(
        fc.record({ date: fc.constantFrom('2024-02-29', '2026-12-01'), note: text(0, 20) }),
        {
          nil: null,
        },
      ),
      offer: fc.option(
        fc.record({
          title: fc.constant('TITLE'),
          description: fc.constant('desc'),
          code: fc.constant('CODE'),
          discountPct: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
        }),
        { nil: null },
      ),
      reasons: fc.array(fc.constantFrom('overdue_vs_cycle', 'prospect'), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, ({ history: h, currency, ...rest }) => {
        const [first, last] = h ? [h.a < h.b ? h.a : h.b, h.a < h.b ? h.b : h.a] : [null, null];
        const listDate = '2026-12-08';
        const facts = buildCustomerFacts(
          h
            ? {
                orderCount: h.orders,
                orderDays: first === last ? 1 : Math.min(h.days, h.orders),
                firstOrderDay: first,
                firstOrderMinor: h.amount,
                lastOrderDay: last,
                lastOrderMinor: h.amount,
                currency,
                favouriteCategory: h.category,
                lastProducts: h.products,
              }
            : noOrders(currency),
          { listDate, ...DEFAULT_FACT_OPTIONS },
        );
        const out = renderer.render({ ...rest, facts, listDate });
        expect(out.text).not.toMatch(/\{\{|undefined|NaN|\[object /);
        expect(out.text).not.toMatch(/\n{3,}/);
        if (rest.offer) expect(out.text).toContain('TITLE');
        // win-back words only for a lapsed customer
        if (facts.status !== 'lapsed') expect(out.text).not.toMatch(/worked together again|再次合作/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatMoney', () => {
  it('formats minor units by currency and locale', () => {
    expect(formatMoney(124000, 'CNY', 'en')).toBe('¥1,240');
    expect(formatMoney(124000, 'CNY', 'zh-CN')).toBe('¥1,240');
    expect(formatMoney(124050, 'CNY', 'zh-CN')).toBe('¥1,240.50');
    expect(formatMoney(12345, 'USD', 'en')).toBe('$123.45');
    expect(formatMoney(5, 'CNY', 'en')).toBe('¥0.05');
    expect(formatMoney(1240, 'JPY', 'en')).toBe('¥1,240');
    expect(formatMoney(0, 'EUR', 'en')).toBe('€0');
    expect(formatMoney(123456789, 'KWD', 'en')).toMatch(/123,456\.789/);
  });

  it('refuses fractional minor units and unknown currencies', () => {
    expect(() => formatMoney(1.5, 'CNY', 'en')).toThrow(TalkTrackContextError);
    expect(() => formatMoney(100, 'NOPE', 'en')).toThrow(/ISO 4217/);
  });
});

describe('formatDay', () => {
  it('formats calendar days by locale without shifting them', () => {
    expect(formatDay('2024-03-05', 'en')).toBe('March 5, 2024');
    expect(formatDay('2024-03-05', 'zh-CN')).toBe('2024年3月5日');
    expect(formatDay('2024-03-05', 'en', 'America/Los_Angeles')).toBe('March 5, 2024');
  });

  it('shows timestamps in the given time zone', () => {
    const t = new Date('2024-03-05T20:00:00Z');
    expect(formatDay(t, 'en', 'UTC')).toBe('March 5, 2024');
    expect(formatDay(t, 'zh-CN', 'Asia/Shanghai')).toBe('2024年3月6日');
    expect(formatDay('2024-03-05T20:00:00Z', 'en', 'Asia/Shanghai')).toBe('March 6, 2024');
  });
});

describe('template errors name the file and the position', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'talk-tracks-'));
    fs.cpSync(TEMPLATES, dir, { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, content: string): string => {
    const file = path.join(dir, rel);
    fs.writeFileSync(file, content);
    return file;
  };

  const errorOf = (fn: () => unknown): TalkTrackTemplateError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(TalkTrackTemplateError);
      return err as TalkTrackTemplateError;
    }
    throw new Error('expected an error');
  };

  it('reports a syntax error with the file and line', () => {
    const file = write('zh-CN/partials/value.leader.hbs', 'ok\n{{#if lapsed}}\nunclosed');
    const err = errorOf(() => createTalkTrackRenderer(dir));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/cannot compile/);
    expect(err.line).toBe(3);
  });

  it('reports a value the view does not have, even inside a condition, with its position', () => {
    const file = write('en/partials/close.hbs', 'Bye.\n  {{#if lapsd}}x{{/if}}');
    const err = errorOf(() => createTalkTrackRenderer(dir));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/"lapsd" is not a value/);
    expect([err.line, err.column]).toEqual([2, 9]);
  });

  it('reports a partial name the renderer cannot choose', () => {
    const file = write('en/partials/value.rationnal.hbs', 'hi');
    expect(errorOf(() => createTalkTrackRenderer(dir)).file).toBe(file);
  });

  it('reports a reference to a partial that does not exist', () => {
    const file = write('en/track.hbs', '{{> header}}\n{{> closing}}');
    const err = errorOf(() => createTalkTrackRenderer(dir));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/partial 'closing'/);
  });

  it('reports a missing track, a missing general partial and a missing fallback locale', () => {
    fs.rmSync(path.join(dir, 'zh-CN/partials/close.hbs'));
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/general partial/);
    fs.rmSync(path.join(dir, 'zh-CN/track.hbs'));
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/track.hbs/);
    fs.rmSync(path.join(dir, 'en'), { recursive: true });
    fs.rmSync(path.join(dir, 'zh-CN'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'fr'));
    fs.cpSync(path.join(TEMPLATES, 'en'), path.join(dir, 'fr'), { recursive: true });
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/fallback locale/);
  });

  it('reports a bad strings.json', () => {
    const file = write('en/strings.json', '{"sentenceSeparator": " "');
    expect(errorOf(() => createTalkTrackRenderer(dir)).file).toBe(file);
  });

  it('reports a missing directory', () => {
    expect(errorOf(() => createTalkTrackRenderer(path.join(dir, 'nope'))).message).toMatch(/not found/);
  });

  it('names the partial, line and column when a render fails inside it', () => {
    const file = write('en/partials/signoff.hbs', 'Bye\n {{orders.nope}}.\n');
    const r = createTalkTrackRenderer(dir);
    const err = errorOf(() => r.render(context()));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/nope/);
    expect([err.line, err.column]).toEqual([2, 4]); // where the value's name starts
  });

  it('does no file I/O after creation', () => {
    const r = createTalkTrackRenderer(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.render(context()).text).toContain('Ms Chen');
  });
});

describe('workspace overrides', () => {
  it('replace a partial for that workspace only', () => {
    const custom = createTalkTrackRenderer(TEMPLATES, { 'en/signoff': 'Cheers, {{customerName}}!' });
    expect(custom.render(context()).text).toMatch(/Cheers, Ms Chen!$/);
    expect(renderer.render(context()).text).toMatch(/Thank you for your time, Ms Chen\.$/);
    expect(custom.render(context({ locale: 'zh-CN' })).text).toMatch(/祝您工作顺利！$/);
  });

  it('add a more specific partial that wins for its combination', () => {
    const custom = createTalkTrackRenderer(TEMPLATES, {
      'en/value.stable.winback_churned': 'We kept your account exactly as you left it.',
    });
    const churned = fixtureContext({
      locale: 'en',
      personality: 'stable',
      situation: 'winback_churned',
      valueTier: 'core',
      offerType: 'none',
      facts: 'rich',
    });
    const out = custom.render(churned);
    expect(out.partials.value).toBe('value.stable.winback_churned');
    expect(out.text).toContain('We kept your account exactly as you left it.');
    expect(custom.render({ ...churned, situation: 'repeat' }).partials.value).toBe('value.stable');
  });

  it('are checked against every combination: the template, line and column of the first failure', () => {
    expect(overrideIssues(TEMPLATES, { 'en/signoff': 'Bye {{customerName}}' })).toEqual([]);
    expect(overrideIssues(TEMPLATES, { 'en/opening': 'Hi\n{{#if orders}}' })).toEqual([
      expect.objectContaining({ template: 'en/opening (workspace override)', line: 2 }),
    ]);
    // renders for customers with orders, fails only for one who never bought: found by the combinations
    const issues = overrideIssues(TEMPLATES, { 'en/close': 'Last order:\n  {{orders.lastAmount}}' });
    expect(issues).toEqual([
      {
        template: 'en/close (workspace override)',
        line: 2,
        column: 5,
        message: expect.stringMatching(/lastAmount/),
      },
    ]);
    expect(overrideIssues(TEMPLATES, { 'fr/close': 'x' })[0].message).toMatch(/locale of en, zh-CN/);
    expect(overrideIssues(TEMPLATES, { 'en/closing': 'x' })[0].message).toMatch(/unknown part 'closing'/);
  });

  it('the fixtures cover a customer with and without orders', () => {
    expect(RICH_FACTS.orderCount).toBe(6);
    expect(SPARSE_FACTS.status).toBe('no_orders');
  });
});
