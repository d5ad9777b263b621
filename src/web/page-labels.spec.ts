import fc from 'fast-check';
import type { CallReachView } from '../customers/call-reach.port';
import type { LifecycleReason } from '../scoring/models/customer-rules';
import { codeLabel, codeOptions, fill, MANAGER_UI, pageLocale, UI } from './page-labels';

// every code the scoring and the call reach can emit; the compiler fails when a code is added there and not here
const LIFECYCLE_REASONS: Record<LifecycleReason, true> = {
  no_purchase: true,
  refunds_only: true,
  far_overdue_vs_cycle: true,
  very_low_p_alive: true,
  no_two_way_contact: true,
  two_way_contact_delays_churn: true,
  first_purchase_recent: true,
  overdue_vs_cycle: true,
  low_p_alive: true,
  within_cycle: true,
  repeat_buyer: true,
  few_purchases: true,
  no_recent_complaint: true,
  recent_complaint: true,
  not_detractor: true,
  no_survey: true,
  detractor: true,
  high_cancellation_rate: true,
  reactivated: true,
};
const CALL_REACH_CODES: Record<
  NonNullable<CallReachView['reason']> | NonNullable<CallReachView['proposal']>,
  true
> = { owner_hours_never_meet: true, assign_to_rep_in_hours: true, no_rep_in_hours: true };

describe('page labels', () => {
  it('has every interface text in both locales', () => {
    expect(Object.keys(UI['zh-CN']).sort()).toEqual(Object.keys(UI.en).sort());
    expect(Object.keys(MANAGER_UI['zh-CN']).sort()).toEqual(Object.keys(MANAGER_UI.en).sort());
  });

  it('names codes in words, in the locale', () => {
    expect(codeLabel('lifecycle', 'at_risk', 'en')).toBe('at risk');
    expect(codeLabel('lifecycle', 'at_risk', 'zh-CN')).toBe('有流失风险');
    expect(codeLabel('tier', 'core', 'zh-CN')).toBe('核心');
    expect(codeLabel('outcome', null, 'en')).toBe('');
    expect(codeOptions('personality', 'zh-CN').map((o) => o.value)).toEqual([
      'rational',
      'emotional',
      'leader',
      'stable',
    ]);
  });

  it('names every lifecycle reason and call-reach code in both locales, with the same codes in each', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      expect(
        codeOptions('lifecycleReason', locale)
          .map((o) => o.value)
          .sort(),
      ).toEqual(Object.keys(LIFECYCLE_REASONS).sort());
      expect(
        codeOptions('callReach', locale)
          .map((o) => o.value)
          .sort(),
      ).toEqual(Object.keys(CALL_REACH_CODES).sort());
    }
    for (const o of [...codeOptions('lifecycleReason', 'zh-CN'), ...codeOptions('callReach', 'zh-CN')]) {
      expect(o.label).toMatch(/[\u4e00-\u9fff]/);
      expect(o.label).not.toMatch(/[a-z]_[a-z]/);
    }
  });

  it('never shows a code with its underscores, known or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'tier',
          'lifecycle',
          'rfm',
          'personality',
          'kind',
          'state',
          'outcome',
          'lifecycleReason',
          'callReach',
        ) as fc.Arbitrary<Parameters<typeof codeLabel>[0]>,
        fc.stringMatching(/^[a-z]+(_[a-z]+)*$/),
        fc.constantFrom('en', 'zh-CN') as fc.Arbitrary<'en' | 'zh-CN'>,
        (group, code, locale) => !codeLabel(group, code, locale).includes('_'),
      ),
    );
  });

  it('shows a code named after an Object member as words, not the member (fast-check found "constructor")', () => {
    for (const code of ['constructor', 'to_string', 'has_own_property', '__proto__', 'value_of'])
      for (const locale of ['en', 'zh-CN'] as const) {
        const label = codeLabel('tier', code, locale);
        expect(typeof label).toBe('string');
        expect(label).toBe(code.replace(/_/g, ' '));
      }
    expect(codeLabel('tier', 'core', 'zh-CN')).toBe('核心');
    expect(codeLabel('lifecycle', 'at_risk', 'en')).toBe('at risk');
  });

  it('picks zh-CN for Chinese locales and en otherwise; fills placeholders', () => {
    expect(pageLocale('zh')).toBe('zh-CN');
    expect(pageLocale('zh-Hans-CN')).toBe('zh-CN');
    expect(pageLocale('fr')).toBe('en');
    expect(pageLocale(undefined)).toBe('en');
    expect(fill(UI['zh-CN'].worked, { done: 12, total: 40 })).toBe('已处理 12 / 40');
    expect(fill(UI.en.worked, { done: 12, total: 40 })).toBe('12 of 40 worked');
  });
});
