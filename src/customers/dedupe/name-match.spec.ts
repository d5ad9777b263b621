import fc from 'fast-check';
import { anyNamesCompatible, nameForms, namesCompatible } from './name-match';

describe('namesCompatible', () => {
  it.each([
    ['李娜', ' 李 娜\u3000'],
    ['李娜', 'Li Na'],
    ['李娜', 'NA LI'],
    ['李秀英', 'Li Xiuying'],
    ['欧阳志强', 'Ouyang Zhiqiang'],
    ['曾伟', 'Ceng Wei'],
    ['John  Smith', 'SMITH, John'],
    ['Café Müller', 'cafe muller'],
    ['北京安泰制造有限公司', '北京安泰制造'],
    ['北京安泰制造有限公司', '北京安泰制造股份有限公司'],
    ['Acme Trading Co., Ltd.', 'ACME TRADING LTD'],
    ['Müller Logistik GmbH', 'Muller Logistik'],
  ])('%s ~ %s', (a, b) => {
    expect(namesCompatible(a, b)).toBe(true);
    expect(namesCompatible(b, a)).toBe(true);
  });

  it.each([
    ['北京安泰制造有限公司', '上海华盛贸易有限公司'],
    ['李娜', '王强'],
    ['李娜', '李强'],
    ['李娜', 'Wang Qiang'],
    ['John Smith', 'Jane Smith'],
    ['Acme Trading Ltd', 'Acme Logistics Ltd'],
    ['', ''],
    ['Li Na', null],
    ['有限公司', '北京有限公司'],
  ])('%s ≁ %s', (a, b) => {
    expect(namesCompatible(a, b)).toBe(false);
  });

  it('a name of unknown characters still matches itself, never a pinyin spelling', () => {
    expect(namesCompatible('龘靐', '龘 靐')).toBe(true);
    expect(nameForms('龘靐')).toEqual(new Set(['h:龘靐']));
  });

  it('any name of a customer and its merged records counts', () => {
    expect(anyNamesCompatible(['李娜', null], ['Na Li'])).toBe(true);
    expect(anyNamesCompatible([null], [null])).toBe(false);
  });

  it('is symmetric, and every non-empty name is compatible with itself written in another case and spacing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (a, b) => {
        expect(namesCompatible(a, b)).toBe(namesCompatible(b, a));
        if (nameForms(a).size > 0) expect(namesCompatible(a, `  ${a.toUpperCase()} `)).toBe(true);
      }),
    );
  });
});
