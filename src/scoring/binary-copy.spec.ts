import fc from 'fast-check';
import { BinaryCopyWriter } from './binary-copy';

describe('BinaryCopyWriter', () => {
  it('frames a stream with the PGCOPY signature and a -1 trailer', () => {
    const b = new BinaryCopyWriter(4).header().trailer().take();
    expect(b.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect([b.readInt32BE(11), b.readInt32BE(15), b.readInt16BE(19)]).toEqual([0, 0, -1]);
  });

  it('writes lengths and big-endian values, growing its buffer as needed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.double({ noNaN: true }),
        fc.string({ unit: 'grapheme' }),
        (i8, i4, i2, f8, text) => {
          const b = new BinaryCopyWriter(1)
            .row(6)
            .int8(i8)
            .int4(i4)
            .int2(i2)
            .float8(f8)
            .text(text)
            .int8(null)
            .take();
          let at = 2;
          expect(b.readInt16BE(0)).toBe(6);
          expect([b.readInt32BE(at), b.readBigInt64BE(at + 4)]).toEqual([8, BigInt(i8)]);
          at += 12;
          expect([b.readInt32BE(at), b.readInt32BE(at + 4)]).toEqual([4, i4]);
          at += 8;
          expect([b.readInt32BE(at), b.readInt16BE(at + 4)]).toEqual([2, i2]);
          at += 6;
          expect([b.readInt32BE(at), b.readDoubleBE(at + 4)]).toEqual([8, f8]);
          at += 12;
          const n = b.readInt32BE(at);
          expect(b.subarray(at + 4, at + 4 + n).toString('utf8')).toBe(text);
          at += 4 + n;
          expect(b.readInt32BE(at)).toBe(-1);
          expect(b.length).toBe(at + 4);
        },
      ),
    );
  });

  it('refuses an int8 that a double cannot hold exactly', () => {
    expect(() => new BinaryCopyWriter().int8(2 ** 60)).toThrow(RangeError);
  });

  it('refuses an int4 or int2 out of its range, as Buffer.writeInt32BE / writeInt16BE did', () => {
    expect(() => new BinaryCopyWriter().int4(2 ** 31)).toThrow(RangeError);
    expect(() => new BinaryCopyWriter().int2(-32769)).toThrow(RangeError);
  });

  it('writes any text, short ASCII or not, as its UTF-8 bytes', () => {
    for (const text of ['', 'core', 'ä', 'x'.repeat(48) + 'é', '€'.repeat(60), 'a'.repeat(300)]) {
      const b = new BinaryCopyWriter(1).text(text).jsonb(JSON.stringify(text)).take();
      const n = b.readInt32BE(0);
      expect(b.subarray(4, 4 + n).toString('utf8')).toBe(text);
      expect(b.readInt32BE(4 + n)).toBe(Buffer.byteLength(JSON.stringify(text)) + 1);
      expect(b.subarray(9 + n).toString('utf8')).toBe(JSON.stringify(text));
    }
  });
});
