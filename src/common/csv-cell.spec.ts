import { safeCsvText } from './csv-cell';

describe('safeCsvText', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'neutralises %j',
    (v) => {
      expect(safeCsvText(v)).toBe(`'${v}`);
    },
  );

  it.each(['cus-001', 'Café Müller', '北京', '', "'already"])('leaves %j alone', (v) => {
    expect(safeCsvText(v)).toBe(v);
  });
});
