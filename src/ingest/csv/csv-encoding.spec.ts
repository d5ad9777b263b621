import fc from 'fast-check';
import * as iconv from 'iconv-lite';
import { CsvEncoding, decodeCsvBytes, detectEncoding, parseEncoding } from './csv-encoding';
import { CsvEncodingError, readCsvRecords } from './csv-records';

const CSV = 'external_id,name,region\nc-1,Café Müller,北京\nc-2,Zoë Ørsted,上海\n';
const LATIN = 'external_id,name\nc-1,Café Müller\nc-2,Ærø Straße\n';

function encode(text: string, encoding: CsvEncoding | 'utf-8-bom'): Buffer {
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  if (encoding === 'utf-16le' || encoding === 'utf-16be')
    return iconv.encode(text, encoding, { addBOM: true });
  return iconv.encode(text, encoding);
}

async function* bytesOf(...pieces: Buffer[]): AsyncGenerator<Buffer> {
  yield* pieces;
}

async function decodeAll(bytes: Buffer, cuts: number[] = [], forced?: CsvEncoding) {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, to));
    from = to;
  }
  let encoding: string | undefined;
  let text = '';
  for await (const t of decodeCsvBytes(
    (async function* () {
      yield* pieces;
    })(),
    forced,
    (g) => (encoding = g.encoding),
  ))
    text += t;
  return { text: text.replace(/^\uFEFF/, ''), encoding };
}

describe('detectEncoding', () => {
  it('tells UTF-8 (with and without BOM), UTF-16 (BOM), GB18030 and Windows-1252 apart', () => {
    expect(detectEncoding(encode(CSV, 'utf-8'), true)).toEqual({ encoding: 'utf-8', by: 'content' });
    expect(detectEncoding(encode(CSV, 'utf-8-bom'), true)).toEqual({ encoding: 'utf-8', by: 'bom' });
    expect(detectEncoding(encode(CSV, 'utf-16le'), true)).toEqual({ encoding: 'utf-16le', by: 'bom' });
    expect(detectEncoding(encode(CSV, 'utf-16be'), true)).toEqual({ encoding: 'utf-16be', by: 'bom' });
    expect(detectEncoding(encode(CSV, 'gb18030'), true)).toEqual({ encoding: 'gb18030', by: 'content' });
    expect(detectEncoding(encode(LATIN, 'windows-1252'), true)).toEqual({
      encoding: 'windows-1252',
      by: 'content',
    });
    expect(detectEncoding(Buffer.from('a,b\n1,2\n'), true)).toEqual({ encoding: 'utf-8', by: 'ascii' });
    expect(detectEncoding(iconv.encode('a,b\n1,2\n', 'utf-16le'), true)).toEqual({
      encoding: 'utf-16le',
      by: 'content',
    });
  });

  it('reads short GBK as GB18030 and a lone Latin-1 word as Windows-1252', () => {
    // chardet calls these two ISO-8859-1 and Big5
    expect(detectEncoding(iconv.encode('id,city\n1,北京\n', 'gbk'), true).encoding).toBe('gb18030');
    expect(detectEncoding(iconv.encode('id,name\n1,Müller\n', 'windows-1252'), true).encoding).toBe(
      'windows-1252',
    );
  });

  it('knows the usual names of the encodings', () => {
    expect(parseEncoding('GBK')).toBe('gb18030');
    expect(parseEncoding('latin1')).toBe('windows-1252');
    expect(parseEncoding('UTF8')).toBe('utf-8');
    expect(parseEncoding('ebcdic')).toBeNull();
  });
});

describe('decodeCsvBytes', () => {
  it('gives back the text of every encoding, however the bytes are cut', async () => {
    const text = fc.stringMatching(/^[a-z0-9,\n éüßÆø中国北京上海]{0,200}$/);
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.constantFrom<CsvEncoding>('utf-8', 'utf-16le', 'utf-16be', 'gb18030'),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (t, encoding, cuts) => {
          const got = await decodeAll(encode(t, encoding), cuts, encoding);
          expect(got.text).toBe(t);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('detects from the first bytes and decodes the rest alike', async () => {
    for (const enc of ['utf-8', 'utf-8-bom', 'utf-16le', 'gb18030'] as const) {
      const got = await decodeAll(encode(CSV, enc), [5, 17]);
      expect(got.text).toBe(CSV);
      expect(got.encoding).toBe(enc === 'utf-8-bom' ? 'utf-8' : enc);
    }
    expect(await decodeAll(encode(LATIN, 'windows-1252'))).toEqual({ text: LATIN, encoding: 'windows-1252' });
  });

  it('refuses undecodable bytes through the reader, with line and column', async () => {
    const bytes = Buffer.concat([
      Buffer.from('external_id,name\nc-1,ok\nc-2,Caf'),
      Buffer.from([0xe9, 0x2c]),
      Buffer.from('x\n'),
    ]);
    const read = async () => {
      for await (const _ of readCsvRecords(decodeCsvBytes(bytesOf(bytes), 'utf-8', () => undefined)));
    };
    await expect(read()).rejects.toThrow(CsvEncodingError);
    await expect(read()).rejects.toMatchObject({ line: 3, column: 8 });
    // a character cut off at the very end of a UTF-8 file, too
    const cut = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from('北').subarray(0, 2)]);
    await expect(
      (async () => {
        for await (const _ of readCsvRecords(decodeCsvBytes(bytesOf(cut), 'utf-8', () => undefined)));
      })(),
    ).rejects.toMatchObject({ line: 2, column: 3 });
  });
});

describe('detectEncoding of a damaged UTF-8 file', () => {
  it('stays UTF-8 (so the bad byte is refused) rather than reading UTF-8 text as another encoding', () => {
    const damaged = Buffer.concat([
      Buffer.from('external_id,name,region\nc-1,Café Müller,北京\nc-2,王强,上海\nc-3,'),
      Buffer.from([0xe9]),
      Buffer.from(',x\n'),
    ]);
    expect(detectEncoding(damaged, true)).toEqual({ encoding: 'utf-8', by: 'content' });
  });
});
