/**
 * A chunk's input rows held column by column, from the read of its inputs to its last COPY batch.
 *
 * Why not an array of ChunkInputRow: a chunk holds its 50,000 rows for the whole job, so as objects they outlive
 * V8's young generation and are copied into the old one, ~40 MB a chunk. Old space is collected only when it has
 * grown by a multiple of what is live, so a worker process scoring chunk after chunk stood at 551 MB of RSS with
 * ~140 MB live (docs/benchmarks.md). Here the ids and numbers sit in typed arrays (outside the JS heap), the two
 * categorical columns in byte codes, and `row(i)` builds the object the scorer takes, which dies young. The rows
 * arrive as binary COPY (binary-copy.ts): no string is made per field. No framework imports.
 */
import type { BinaryCopyRow } from './binary-copy';
import type { ChunkInputRow } from './chunk-scoring';
import type { Lifecycle, ValueTier } from './models/types';

/**
 * The numeric fields of SCORE_RUN_SQL.chunkRows by position, in the order they are stored per row; the two
 * float8 ones (the repeat purchases' mean, the previous priority) are read as such, the others are integers.
 */
const NUMERIC_FIELDS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18, 19] as const;
const IS_FLOAT: readonly boolean[] = NUMERIC_FIELDS.map((field) => field === 4 || field === 13);
const STRIDE = NUMERIC_FIELDS.length;

/** A column of a few distinct words (or null), one byte per row: 0 is null, k the k-th word seen. */
class WordColumn<T extends string> {
  private readonly words: T[] = [];

  /** The code of text field `k` of `row`: its bytes are compared with the words seen before any string is made. */
  code(row: BinaryCopyRow, k: number): number {
    if (row.isNull(k)) return 0;
    for (let c = 0; c < this.words.length; c++) if (row.textIs(k, this.words[c])) return c + 1;
    const word = row.text(k) as T;
    const seen = this.words.indexOf(word); // a word textIs cannot match (not ASCII)
    if (seen !== -1) return seen + 1;
    if (this.words.length === 255) throw new RangeError(`more than 255 distinct values in a word column`);
    this.words.push(word);
    return this.words.length;
  }

  word(code: number): T | null {
    return code === 0 ? null : this.words[code - 1];
  }
}

export class ChunkInputColumns {
  private ids: Float64Array;
  private numbers: Float64Array;
  /** bit k set: NUMERIC_FIELDS[k] is null */
  private nulls: Uint16Array;
  private business: Uint8Array;
  private tierCodes: Uint8Array;
  private lifecycleCodes: Uint8Array;
  private readonly tiers = new WordColumn<ValueTier>();
  private readonly lifecycles = new WordColumn<Lifecycle>();
  private count = 0;

  constructor(capacity = 1_024) {
    const n = Math.max(1, capacity);
    this.ids = new Float64Array(n);
    this.numbers = new Float64Array(n * STRIDE);
    this.nulls = new Uint16Array(n);
    this.business = new Uint8Array(n);
    this.tierCodes = new Uint8Array(n);
    this.lifecycleCodes = new Uint8Array(n);
  }

  get length(): number {
    return this.count;
  }

  /** Appends one row of SCORE_RUN_SQL.chunkRows. */
  add(f: BinaryCopyRow): void {
    if (this.count === this.nulls.length) this.grow();
    const i = this.count++;
    this.ids[i] = f.int(0);
    this.business[i] = f.textIs(1, 'business') ? 1 : 0;
    this.tierCodes[i] = this.tiers.code(f, 11);
    this.lifecycleCodes[i] = this.lifecycles.code(f, 12);
    let nulls = 0;
    const base = i * STRIDE;
    for (let k = 0; k < STRIDE; k++) {
      const field = NUMERIC_FIELDS[k];
      if (f.isNull(field)) nulls |= 1 << k;
      else this.numbers[base + k] = IS_FLOAT[k] ? f.float8(field) : f.int(field);
    }
    this.nulls[i] = nulls;
  }

  /** Row `i` as the scorer's input: a fresh object. */
  row(i: number): ChunkInputRow {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`row ${i} of ${this.count}`);
    const base = i * STRIDE;
    const nulls = this.nulls[i];
    const x = this.numbers;
    // a null in a field the query never leaves null reads as NaN (as Number('\\N') did when rows came as text)
    const v = (k: number): number => (nulls & (1 << k) ? NaN : x[base + k]);
    const n = (k: number): number | null => (nulls & (1 << k) ? null : x[base + k]);
    return {
      customer_id: String(this.ids[i]),
      kind: this.business[i] === 1 ? 'business' : 'individual',
      transactions: v(0),
      monetary: v(1),
      repeat_mean_minor: n(2),
      age_days: n(3),
      recency_days: n(4),
      days_since_interaction: n(5),
      complaints_90d: v(6),
      last_survey: n(7),
      prev_clv: n(8),
      prev_tier: this.tiers.word(this.tierCodes[i]),
      prev_lifecycle: this.lifecycles.word(this.lifecycleCodes[i]),
      prev_priority: n(9),
      refunded_orders: v(10),
      days_since_two_way: n(11),
      orders_placed: v(12),
      orders_undone: v(13),
      gross_minor: v(14),
      undone_minor: v(15),
    };
  }

  private grow(): void {
    const capacity = this.nulls.length * 2;
    const numbers = new Float64Array(capacity * STRIDE);
    numbers.set(this.numbers);
    this.numbers = numbers;
    this.ids = grown(this.ids, new Float64Array(capacity));
    this.nulls = grown(this.nulls, new Uint16Array(capacity));
    this.business = grown(this.business, new Uint8Array(capacity));
    this.tierCodes = grown(this.tierCodes, new Uint8Array(capacity));
    this.lifecycleCodes = grown(this.lifecycleCodes, new Uint8Array(capacity));
  }
}

function grown<A extends Uint8Array | Uint16Array | Float64Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
