import { CopyBatch, copyValue } from './copy-text';

describe('copyValue', () => {
  it('escapes what COPY text format treats specially', () => {
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(12n)).toBe('12');
    expect(copyValue(Buffer.from([1, 255]))).toBe('\\\\x01ff');
  });
});

describe('CopyBatch', () => {
  it('holds COPY lines in pieces and hands them over once', () => {
    const batch = new CopyBatch();
    batch.add([1, 'a\tb', null]);
    batch.add([2, 'c', Buffer.from([10])]);
    expect(batch.rows).toBe(2);
    expect(batch.take().join('')).toBe('1\ta\\tb\t\\N\n2\tc\t\\\\x0a\n');
    expect(batch).toMatchObject({ rows: 0, bytes: 0 });
    expect(batch.take()).toEqual([]);
  });
});
