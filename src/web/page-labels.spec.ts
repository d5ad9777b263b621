import fc from 'fast-check';
import { codeLabel, codeOptions, fill, MANAGER_UI, pageLocale, UI } from './page-labels';

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
        ) as fc.Arbitrary<Parameters<typeof codeLabel>[0]>,
        fc.stringMatching(/^[a-z]+(_[a-z]+)*$/),
        fc.constantFrom('en', 'zh-CN') as fc.Arbitrary<'en' | 'zh-CN'>,
        (group, code, locale) => !codeLabel(group, code, locale).includes('_'),
      ),
    );
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
