import { copyValue } from './copy-writer';

describe('copyValue', () => {
  it('escapes what COPY text format treats specially', () => {
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(12n)).toBe('12');
    expect(copyValue(Buffer.from([1, 255]))).toBe('\\\\x01ff');
  });
});
