import fc from 'fast-check';
import { BinaryCopyReader, BinaryCopyWriter } from './binary-copy';
import { ChunkInputColumns } from './chunk-input-columns';
import type { ChunkInputRow } from './chunk-scoring';
import type { Lifecycle, ValueTier } from './models/types';

const int4 = fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const int8 = fc.option(fc.integer({ min: -1e12, max: 1e12 }));
const float8 = fc.option(fc.double({ noDefaultInfinity: true, min: -1e9, max: 1e9 }));

/** One row of SCORE_RUN_SQL.chunkRows as the database could send it: any nullable column may be null. */
const inputRow = fc.record({
  id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  kind: fc.constantFrom('business', 'individual', 'other'),
  transactions: int4,
  monetary: int8,
  repeatMean: float8,
  age: int4,
  recency: int4,
  sinceInteraction: int4,
  complaints: int4,
  survey: int4,
  prevClv: int8,
  tier: fc.option(fc.constantFrom<ValueTier>('core', 'potential', 'general')),
  lifecycle: fc.option(
    fc.constantFrom<Lifecycle>('new', 'active', 'loyal', 'at_risk', 'churned', 'prospect'),
  ),
  prevPriority: float8,
  refunded: int4,
  sinceTwoWay: int4,
  placed: int4,
  undone: int4,
  gross: int8,
  undoneMinor: int8,
});
type InputRow = typeof inputRow extends fc.Arbitrary<infer T> ? T : never;

/** The row in the chunk query's column order and types, as binary COPY. */
function write(w: BinaryCopyWriter, r: InputRow): void {
  w.row(20)
    .int8(r.id)
    .text(r.kind)
    .int4(r.transactions)
    .int8(r.monetary)
    .float8(r.repeatMean)
    .int4(r.age)
    .int4(r.recency)
    .int4(r.sinceInteraction)
    .int4(r.complaints)
    .int4(r.survey)
    .int8(r.prevClv)
    .text(r.tier)
    .text(r.lifecycle)
    .float8(r.prevPriority)
    .int4(r.refunded)
    .int4(r.sinceTwoWay)
    .int4(r.placed)
    .int4(r.undone)
    .int8(r.gross)
    .int8(r.undoneMinor);
}

/** What the scorer must get: nullable columns as null, a null in a never-null column as NaN. */
function expected(r: InputRow): ChunkInputRow {
  const v = (x: number | null) => x ?? NaN;
  return {
    customer_id: String(r.id),
    kind: r.kind === 'business' ? 'business' : 'individual',
    transactions: v(r.transactions),
    monetary: v(r.monetary),
    repeat_mean_minor: r.repeatMean,
    age_days: r.age,
    recency_days: r.recency,
    days_since_interaction: r.sinceInteraction,
    complaints_90d: v(r.complaints),
    last_survey: r.survey,
    prev_clv: r.prevClv,
    prev_tier: r.tier,
    prev_lifecycle: r.lifecycle,
    prev_priority: r.prevPriority,
    refunded_orders: v(r.refunded),
    days_since_two_way: r.sinceTwoWay,
    orders_placed: v(r.placed),
    orders_undone: v(r.undone),
    gross_minor: v(r.gross),
    undone_minor: v(r.undoneMinor),
  };
}

function columnsOf(rows: InputRow[], capacity?: number): ChunkInputColumns {
  const w = new BinaryCopyWriter().header();
  for (const r of rows) write(w, r);
  const columns = new ChunkInputColumns(capacity);
  const reader = new BinaryCopyReader((row) => columns.add(row));
  reader.push(w.trailer().take());
  reader.end();
  return columns;
}

describe('ChunkInputColumns', () => {
  it('gives back every row the chunk query sent, nulls and all, across growth', () => {
    fc.assert(
      fc.property(
        fc.array(inputRow, { maxLength: 300 }),
        fc.integer({ min: 1, max: 8 }),
        (rows, capacity) => {
          const columns = columnsOf(rows, capacity);
          expect(columns.length).toBe(rows.length);
          rows.forEach((r, i) => expect(columns.row(i)).toStrictEqual(expected(r)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps null apart from the number a field holds (a NaN or a zero is not null)', () => {
    const row = columnsOf([
      {
        id: 7,
        kind: 'business',
        transactions: 3,
        monetary: 15000,
        repeatMean: NaN,
        age: 0,
        recency: null,
        sinceInteraction: null,
        complaints: 1,
        survey: null,
        prevClv: 0,
        tier: 'core',
        lifecycle: null,
        prevPriority: null,
        refunded: 2,
        sinceTwoWay: 12,
        placed: 9,
        undone: 4,
        gross: 90000,
        undoneMinor: 41000,
      },
    ]).row(0);
    expect(row.repeat_mean_minor).toBeNaN();
    expect(row.age_days).toBe(0);
    expect(row.recency_days).toBeNull();
    expect(row.prev_clv).toBe(0);
    expect(row.prev_tier).toBe('core');
    expect(row.prev_lifecycle).toBeNull();
    expect(row.prev_priority).toBeNull();
  });

  it('codes a word that is not ASCII once, however many rows hold it', () => {
    const base = { ...fc.sample(inputRow, { numRuns: 1, seed: 1 })[0], tier: null, lifecycle: null };
    const words = ['prémium', 'core', 'prémium', '核心', '核心'] as ValueTier[];
    const columns = columnsOf(words.map((tier, i) => ({ ...base, id: i + 1, tier })));
    expect(words.map((_, i) => columns.row(i).prev_tier)).toEqual(words);
  });

  it('refuses a row it does not hold', () => {
    const columns = new ChunkInputColumns();
    expect(() => columns.row(0)).toThrow(RangeError);
  });
});
