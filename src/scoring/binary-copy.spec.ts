import fc from 'fast-check';
import { BinaryCopyReader, BinaryCopyWriter } from './binary-copy';

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

describe('BinaryCopyReader', () => {
  /** Every row read, as [null, int, float, text] per field; the stream cut into pieces at `cuts`. */
  function readAll(stream: Buffer, cuts: number[], kinds: Array<'int' | 'float' | 'text'>): unknown[][] {
    const rows: unknown[][] = [];
    const reader = new BinaryCopyReader((row) => {
      expect(row.fields).toBe(kinds.length);
      rows.push(
        kinds.map((kind, k) =>
          row.isNull(k) ? null : kind === 'int' ? row.int(k) : kind === 'float' ? row.float8(k) : row.text(k),
        ),
      );
    });
    let from = 0;
    for (const at of [...new Set(cuts)].sort((a, b) => a - b)) {
      reader.push(stream.subarray(from, at));
      from = at;
    }
    reader.push(stream.subarray(from));
    expect(reader.end()).toBe(rows.length);
    return rows;
  }

  it('reads back what the writer wrote, however the stream is cut into pieces', () => {
    const value = fc.tuple(
      fc.option(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
      fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      fc.option(fc.integer({ min: -32768, max: 32767 })),
      fc.option(fc.double()),
      fc.option(fc.string({ unit: 'grapheme' })),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (rows, cuts) => {
        const w = new BinaryCopyWriter(1).header();
        for (const [i8, i4, i2, f8, text] of rows) w.row(5).int8(i8).int4(i4).int2(i2).float8(f8).text(text);
        const stream = w.trailer().take();
        const read = readAll(
          stream,
          cuts.map((c) => c % (stream.length + 1)),
          ['int', 'int', 'int', 'float', 'text'],
        );
        expect(read).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });

  it('skips a header extension', () => {
    const w = new BinaryCopyWriter().header();
    const body = w.row(1).int4(5).trailer().take();
    const withExtension = Buffer.concat([
      body.subarray(0, 15),
      Buffer.from([0, 0, 0, 3, 9, 9, 9]),
      body.subarray(19),
    ]);
    expect(readAll(withExtension, [], ['int'])).toEqual([[5]]);
  });

  it('refuses what is not a whole binary COPY stream', () => {
    const stream = new BinaryCopyWriter().header().row(1).int4(1).trailer().take();
    const unended = new BinaryCopyReader(() => undefined);
    unended.push(stream.subarray(0, stream.length - 2));
    expect(() => unended.end()).toThrow('before its trailer');
    expect(() => new BinaryCopyReader(() => undefined).push(Buffer.from('PGCOPY\nxxxxxxxxxxxxxxx'))).toThrow(
      'signature',
    );
    const extra = new BinaryCopyReader(() => undefined);
    expect(() => extra.push(Buffer.concat([stream, Buffer.from([0])]))).toThrow('after the trailer');
  });

  it('refuses to read a field as what it is not, rather than guessing', () => {
    const big = Buffer.alloc(12);
    big.writeInt32BE(8, 0);
    big.writeBigInt64BE(2n ** 60n, 4);
    const stream = Buffer.concat([
      new BinaryCopyWriter().header().row(4).null().text('abc').float8(1.5).take(),
      big,
      new BinaryCopyWriter().trailer().take(),
    ]);
    const errors: string[] = [];
    new BinaryCopyReader((row) => {
      for (const read of [
        () => row.int(0),
        () => row.text(0),
        () => row.int(1),
        () => row.float8(1),
        () => row.int(3),
        () => row.int(4),
      ]) {
        try {
          read();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      expect(row.float8(2)).toBe(1.5);
      expect([row.textIs(1, 'abc'), row.textIs(1, 'abd'), row.textIs(1, 'ab'), row.textIs(0, '')]).toEqual([
        true,
        false,
        false,
        false,
      ]);
    }).push(stream);
    expect(errors).toEqual([
      'binary COPY: field 0 is not an integer (-1 bytes)',
      'binary COPY: field 0 is NULL',
      'binary COPY: field 1 is not an integer (3 bytes)',
      'binary COPY: field 1 is not a float8 (3 bytes)',
      'binary COPY: int8 field 3 beyond ±2^53',
      'binary COPY: field 4 of 4',
    ]);
  });
});
