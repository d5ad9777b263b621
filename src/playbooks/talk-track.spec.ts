import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { PriorityCode } from '../scoring/models/customer-rules';
import type { Lifecycle, RfmSegment, ValueTier } from '../scoring/models/types';
import { PERSONALITIES, type Personality } from './personality';
import {
  type TalkTrackContext,
  TalkTrackContextError,
  TalkTrackTemplateError,
  createTalkTrackRenderer,
  formatDay,
  formatMoney,
} from './talk-track';

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
    daysSinceLastOrder: 45,
    usualCycleDays: 30,
    lastOrderAmount: 124000,
    currency: 'CNY',
    topCategory: 'office chairs',
    lastComplaint: { date: '2024-03-05', note: 'late delivery' },
    offer: { title: 'OFFER-TITLE-MARK', description: 'a thing you will like', code: 'CODE_1' },
    reasons: ['overdue_vs_cycle', 'high_value_at_risk'],
    ...overrides,
  };
}

/** Things that only show up when a template or view model is wrong. */
function expectClean(text: string): void {
  expect(text).not.toMatch(/\{\{|\}\}/);
  expect(text).not.toMatch(/undefined|\bnull\b|NaN|\[object /);
  expect(text).not.toMatch(/ {2,}/);
  expect(text).not.toMatch(/\n{3,}/);
  expect(text).not.toMatch(/ [,.;:?!]/);
  expect(text).toBe(text.trim());
}

describe('createTalkTrackRenderer', () => {
  it('loads the en and zh-CN locales', () => {
    expect(renderer.locales).toEqual(['en', 'zh-CN']);
  });

  describe.each(LOCALES)('locale %s', (locale) => {
    const tracks: Array<Personality | null> = [...PERSONALITIES, null];
    describe.each(tracks.map((p) => [p ?? 'neutral', p] as const))('track %s', (expected, personality) => {
      it.each(LIFECYCLES)(
        'renders lifecycle %s with the name, the offer and the right track',
        (lifecycle) => {
          for (const full of [true, false]) {
            const ctx = full
              ? context({ locale, personality, lifecycle })
              : context({
                  locale,
                  personality,
                  lifecycle,
                  rfmSegment: null,
                  daysSinceLastOrder: null,
                  usualCycleDays: null,
                  lastOrderAmount: null,
                  topCategory: null,
                  lastComplaint: null,
                  reasons: [],
                });
            const out = renderer.render(ctx);
            expect(out.personality).toBe(expected);
            expect(out.locale).toBe(locale);
            expect(out.text).toContain('Ms Chen');
            expect(out.text).toContain('OFFER-TITLE-MARK');
            expect(out.text).toContain('CODE_1');
            expectClean(out.text);
            if (locale === 'zh-CN') expect(out.text).toMatch(CJK);
            else expect(out.text).not.toMatch(CJK);
          }
        },
      );
    });
  });

  it('the rational track quotes the customer’s own figures (days and amounts)', () => {
    for (const locale of LOCALES) {
      for (const lifecycle of ['new', 'active', 'loyal', 'at_risk', 'churned'] as const) {
        const text = renderer.render(context({ locale, lifecycle, lastComplaint: null })).text;
        expect(text).toContain('¥1,240');
        expect(text).toContain(locale === 'en' ? '45 days' : '45天');
      }
    }
    const active = renderer.render(context({ lifecycle: 'active' })).text;
    expect(active).toContain('every 30 days');
  });

  it('keeps customer-supplied values verbatim in the plain-text output (HTML escaping belongs to HTML views)', () => {
    const name = '<script>alert("x")</script> & Co';
    for (const locale of LOCALES) {
      const out = renderer.render(
        context({
          locale,
          customerName: name,
          topCategory: '<b>chairs</b>',
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
    expect(renderer.render(context({ locale: 'zh_cn' })).locale).toBe('zh-CN');
    expect(renderer.render(context({ locale: 'zh' })).locale).toBe('zh-CN');
  });

  it('uses the neutral track for a missing or unknown personality', () => {
    expect(renderer.render(context({ personality: null })).personality).toBe('neutral');
    const stale = 'dominant' as unknown as Personality;
    expect(renderer.render(context({ personality: stale })).personality).toBe('neutral');
  });

  it('says so when no offer applies, and never invents one', () => {
    const en = renderer.render(context({ offer: null })).text;
    expect(en).toContain("[No offer applies today. Don't improvise a discount.]");
    expect(en).not.toContain('Offer code');
    const zh = renderer.render(context({ offer: null, locale: 'zh-CN' })).text;
    expect(zh).toContain('今天没有适用的优惠');
  });

  it('follows the order cycle: overdue, due, early', () => {
    const text = (days: number): string =>
      renderer.render(context({ personality: 'stable', daysSinceLastOrder: days, usualCycleDays: 30 })).text;
    expect(text(45)).toContain('it might be time to restock');
    expect(text(27)).toContain("you're coming up to the point where you usually reorder");
    expect(text(5)).toContain('I wanted to see how everything is going');
  });

  it('pluralises days and rounds fractional cycles', () => {
    const text = renderer.render(
      context({ lifecycle: 'new', daysSinceLastOrder: 1, usualCycleDays: 27.6 }),
    ).text;
    expect(text).toContain('first order 1 day ago');
    const overdue = renderer.render(context({ daysSinceLastOrder: 60, usualCycleDays: 27.6 })).text;
    expect(overdue).toContain('every 28 days');
  });

  it('lists reasons with their phrases, and unknown codes made readable', () => {
    const en = renderer.render(
      context({ reasons: ['overdue_vs_cycle', 'some_new_code', 'overdue_vs_cycle'] }),
    ).text;
    expect(en).toContain('[Why today: due or overdue against their own order cycle; some new code]');
    const zh = renderer.render(context({ locale: 'zh-CN', reasons: ['win_back'] })).text;
    expect(zh).toContain('【今日致电原因：可尝试挽回】');
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
      loyal_champion: true,
      prospect: true,
    };
    for (const locale of LOCALES) {
      const strings = JSON.parse(fs.readFileSync(path.join(TEMPLATES, locale, 'strings.json'), 'utf8')) as {
        labels: { reason: Record<string, string> };
      };
      expect(Object.keys(strings.labels.reason).sort()).toEqual(Object.keys(codes).sort());
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
      context({ offer: { title: 'T', description: 'ten percent off.', code: 'C' } }),
    ).text;
    expect(text).toContain('ten percent off.\n');
    expect(text).not.toContain('off..');
  });

  it('rejects values it cannot print sensibly', () => {
    expect(() => renderer.render(context({ daysSinceLastOrder: Number.NaN }))).toThrow(TalkTrackContextError);
    expect(() => renderer.render(context({ daysSinceLastOrder: -3 }))).toThrow(/daysSinceLastOrder/);
    expect(() => renderer.render(context({ lastOrderAmount: 12.5 }))).toThrow(/lastOrderAmount/);
    expect(() => renderer.render(context({ currency: 'XXXX' }))).toThrow(/currency/);
    expect(() => renderer.render(context({ customerName: '  ' }))).toThrow(/customerName/);
    expect(() => renderer.render(context({ lastComplaint: { date: 'soon', note: '' } }))).toThrow(
      /lastComplaint.date/,
    );
    expect(() => renderer.render(context({ lifecycle: 'gone' as Lifecycle }))).toThrow(/lifecycle/);
  });

  it('prints template syntax in values literally (no template injection)', () => {
    const text = renderer.render(context({ customerName: '{{repName}}', topCategory: '{{> header}}' })).text;
    expect(text).toContain('Hi {{repName}}, it');
    expect(text).toContain('{{> header}}');
  });

  it('renders any well-formed context cleanly (property)', () => {
    // Values that would trip the leftover-marker check below on their own are covered by the test above.
    const text = (min: number, max: number): fc.Arbitrary<string> =>
      fc
        .string({ minLength: min, maxLength: max })
        .filter((s) => !/[{}]|undefined|NaN|\[object/.test(s) && (min === 0 || s.trim() !== ''));
    const days = fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null });
    const arbContext = fc.record({
      customerName: text(1, 30),
      repName: fc.constantFrom('Bob', '王芳'),
      locale: fc.constantFrom('en', 'zh-CN', 'de', 'zh-Hans'),
      personality: fc.constantFrom<Personality | null>(...PERSONALITIES, null),
      lifecycle: fc.constantFrom(...LIFECYCLES),
      valueTier: fc.constantFrom(...TIERS),
      rfmSegment: fc.constantFrom<RfmSegment | null>('champions', 'lost', null),
      daysSinceLastOrder: days,
      usualCycleDays: days,
      lastOrderAmount: fc.option(fc.integer({ min: 0, max: 10 ** 12 }), { nil: null }),
      currency: fc.constantFrom('CNY', 'USD', 'JPY', 'EUR'),
      topCategory: fc.option(fc.constantFrom('tea', '茶叶', ' '), { nil: null }),
      lastComplaint: fc.option(
        fc.record({ date: fc.constantFrom('2024-02-29', '2023-12-31'), note: text(0, 20) }),
        { nil: null },
      ),
      offer: fc.option(
        fc.record({
          title: fc.constant('TITLE'),
          description: fc.constant('desc'),
          code: fc.constant('CODE'),
        }),
        { nil: null },
      ),
      reasons: fc.array(fc.constantFrom('overdue_vs_cycle', 'prospect', 'x_y'), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arbContext, (ctx) => {
        const out = renderer.render(ctx);
        expect(out.text).not.toMatch(/\{\{|undefined|NaN|\[object /);
        expect(out.text).not.toMatch(/\n{3,}/);
        if (ctx.offer) expect(out.text).toContain('TITLE');
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

describe('template errors name the file', () => {
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

  it('reports a syntax error with the file', () => {
    const file = write('zh-CN/leader.hbs', '{{#if stage}}\nunclosed');
    const err = errorOf(() => createTalkTrackRenderer(dir));
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/cannot compile/);
  });

  it('reports an unknown track file', () => {
    const file = write('en/dominant.hbs', 'hi');
    expect(errorOf(() => createTalkTrackRenderer(dir)).file).toBe(file);
  });

  it('reports a reference to a partial that does not exist', () => {
    const file = write('en/stable.hbs', '{{> header}}\n{{> closing}}');
    const err = errorOf(() => createTalkTrackRenderer(dir));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/partial 'closing'/);
  });

  it('reports a missing neutral track and a missing fallback locale', () => {
    fs.rmSync(path.join(dir, 'zh-CN/neutral.hbs'));
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/neutral/);
    fs.rmSync(path.join(dir, 'en'), { recursive: true });
    fs.rmSync(path.join(dir, 'zh-CN'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'fr'));
    fs.writeFileSync(path.join(dir, 'fr/neutral.hbs'), 'Bonjour');
    fs.copyFileSync(path.join(TEMPLATES, 'en/strings.json'), path.join(dir, 'fr/strings.json'));
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/fallback locale/);
  });

  it('reports a bad strings.json', () => {
    const file = write('en/strings.json', '{"sentenceSeparator": " "');
    expect(errorOf(() => createTalkTrackRenderer(dir)).file).toBe(file);
    write(
      'en/strings.json',
      '{"sentenceSeparator": " ", "listSeparator": 1, "dayUnit": {"other": "{n}"}, "labels": {}}',
    );
    expect(errorOf(() => createTalkTrackRenderer(dir)).message).toMatch(/listSeparator/);
  });

  it('reports a missing directory', () => {
    expect(errorOf(() => createTalkTrackRenderer(path.join(dir, 'nope'))).message).toMatch(/not found/);
  });

  it('names the partial when a render fails inside it', () => {
    const file = write('en/partials/signoff.hbs', 'Bye {{custmerName}}.\n');
    const r = createTalkTrackRenderer(dir);
    const err = errorOf(() => r.render(context()));
    expect(err.file).toBe(file);
    expect(err.message).toMatch(/custmerName/);
  });

  it('names the track when a render fails in the track itself', () => {
    const file = write('en/rational.hbs', '{{> header}}\n{{missingField}}');
    const r = createTalkTrackRenderer(dir);
    expect(errorOf(() => r.render(context())).file).toBe(file);
  });

  it('does no file I/O after creation', () => {
    const r = createTalkTrackRenderer(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.render(context()).text).toContain('Ms Chen');
  });
});
