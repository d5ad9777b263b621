import fc from 'fast-check';
import { ChunkInputColumns } from './chunk-input-columns';
import { parseChunkLine } from './chunk-io';

const NULL = '\\N';
const numberField = fc.oneof(
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map(String),
  fc.constantFrom('0', '-0', '1e3', 'NaN', '12.50'),
);
const nullable = fc.oneof(numberField, fc.constant(NULL));
const word = (words: string[]) => fc.oneof(fc.constantFrom(...words), fc.constant(NULL));

/** One line of SCORE_RUN_SQL.chunkRows as split fields; any field may be \N, as the database could send it. */
const line = fc
  .tuple(
    fc.bigInt({ min: 1n, max: 9_007_199_254_740_991n }).map(String),
    fc.constantFrom('business', 'individual', 'other'),
    fc.array(nullable, { minLength: 9, maxLength: 9 }),
    word(['core', 'potential', 'general']),
    word(['new', 'active', 'loyal', 'at_risk', 'churned', 'won_back']),
    fc.array(nullable, { minLength: 7, maxLength: 7 }),
  )
  .map(([id, kind, a, tier, lifecycle, b]) => [id, kind, ...a, tier, lifecycle, ...b]);

describe('ChunkInputColumns', () => {
  it('gives back every row as parseChunkLine reads its line, across growth', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (lines, capacity) => {
        const columns = new ChunkInputColumns(capacity);
        for (const f of lines) columns.add(f);
        expect(columns.length).toBe(lines.length);
        lines.forEach((f, i) => expect(columns.row(i)).toStrictEqual(parseChunkLine(f)));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps null apart from the number a field holds (a NaN or a zero is not null)', () => {
    const f = [
      '7',
      'business',
      '3',
      '15000',
      'NaN',
      '0',
      NULL,
      NULL,
      '1',
      NULL,
      '0',
      'core',
      NULL,
      NULL,
      '2',
    ];
    f.push('12', '9', '4', '90000', '41000');
    const columns = new ChunkInputColumns();
    columns.add(f);
    const row = columns.row(0);
    expect(row.repeat_mean_minor).toBeNaN();
    expect(row.age_days).toBe(0);
    expect(row.recency_days).toBeNull();
    expect(row.prev_tier).toBe('core');
    expect(row.prev_lifecycle).toBeNull();
    expect(row).toStrictEqual(parseChunkLine(f));
  });

  it('refuses a row it does not hold', () => {
    const columns = new ChunkInputColumns();
    expect(() => columns.row(0)).toThrow(RangeError);
  });
});
