import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { CsvRecordReader, CsvSyntaxError, readCsvRecords } from './csv-records';

/** Feeds `text` to a reader in the given pieces and collects everything it returns. */
function readInPieces(text: string, cuts: number[]) {
  const reader = new CsvRecordReader();
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const records: string[][] = [];
  const lines: number[] = [];
  let from = 0;
  for (const [i, to] of [...points, text.length].entries()) {
    const batch = reader.push(text.slice(from, to), i === points.length);
    records.push(...batch.records);
    lines.push(...batch.lines);
    from = to;
  }
  return { records, lines };
}

const field = fc.stringMatching(/^[a-z0-9 ,"\n\u00e9\u4e2d]{0,8}$/);
const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 30 });

describe('CsvRecordReader', () => {
  it('reads what csv-parse reads, with the line each record starts on, however the input is cut', () => {
    fc.assert(
      fc.property(rows, fc.boolean(), fc.array(fc.nat(), { maxLength: 6 }), (data, crlf, cuts) => {
        const text = stringify(data, { record_delimiter: crlf ? '\r\n' : '\n', quoted_match: /\n/ });
        const expected = parse(text, {
          bom: true,
          relax_column_count: true,
          skip_empty_lines: true,
          info: true,
        }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
        const got = readInPieces(text, cuts);
        expect(got.records).toEqual(expected.map((e) => e.record));
        // csv-parse counts the line a record ends on; we report where it starts
        const breaks = (r: string[]) => r.join('').split('\n').length - 1;
        expect(got.lines.map((l, i) => l + breaks(got.records[i]))).toEqual(
          expected.map((e) => e.info.lines),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('skips empty lines, strips a BOM and keeps ragged rows', () => {
    const got = readInPieces('\uFEFFa,b\n\n1\r\n2,3,4\n', [3]);
    expect(got).toEqual({ records: [['a', 'b'], ['1'], ['2', '3', '4']], lines: [1, 3, 4] });
  });

  it('rejects input that is not CSV, with csv-parse style codes', () => {
    expect(() => readInPieces('a,b\n"x,unterminated\n', [])).toThrow(CsvSyntaxError);
    expect(() => readInPieces('a,b\n"x,unterminated\n', [])).toThrow(/line 2/);
    for (const [text, code] of [
      ['a,b\n"x,unterminated\n', 'CSV_QUOTE_NOT_CLOSED'],
      ['a,b\nx"y,z\n', 'CSV_INVALID_OPENING_QUOTE'],
      ['a,b\n"x"y,z\n', 'CSV_INVALID_CLOSING_QUOTE'],
    ]) {
      expect(() => readInPieces(text, [])).toThrow(expect.objectContaining({ code }));
    }
  });

  it('streams bytes, including multi-byte characters cut between chunks', async () => {
    const bytes = Buffer.from('name,note\n张伟,"多行\n备注"\n');
    const chunks = [bytes.subarray(0, 12), bytes.subarray(12, 20), bytes.subarray(20)];
    const batches = [];
    for await (const b of readCsvRecords(chunks)) batches.push(b);
    expect(batches.flatMap((b) => b.records)).toEqual([
      ['name', 'note'],
      ['张伟', '多行\n备注'],
    ]);
    expect(batches.flatMap((b) => b.lines)).toEqual([1, 2]);
  });
});
