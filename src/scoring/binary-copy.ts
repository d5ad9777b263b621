/**
 * PostgreSQL's binary COPY format, for the one hot write of a run (a million score rows): numbers go as their
 * 4 or 8 bytes instead of decimal text, which halves the worker's cost per row (no shortest-round-trip printing of
 * doubles) and trims the server's parsing. Format: signature + flags + header extension, then per row a field
 * count and per field a length (−1 = NULL) and the bytes, then a −1 trailer. No framework imports.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 4_294_967_296;

/** Strings up to this length are checked for ASCII and copied byte by byte (no call into the UTF-8 encoder). */
const SHORT_TEXT = 48;

/**
 * Builds binary COPY rows into a growing buffer; take() hands out what is written so far. Numbers go through a
 * DataView (inlined by the JIT; Buffer's writeInt32BE and friends are calls with their own checks) and short ASCII
 * text byte by byte: a million score rows of 21 fields are ~20M of these writes.
 */
export class BinaryCopyWriter {
  private buf: Buffer;
  private view: DataView;
  private at = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = viewOf(this.buf);
  }

  /** The stream's header: write it once, before the first row. */
  header(): this {
    this.ensure(SIGNATURE.length + 8);
    SIGNATURE.copy(this.buf, this.at);
    this.at += SIGNATURE.length;
    this.view.setInt32(this.at, 0); // flags
    this.view.setInt32(this.at + 4, 0); // header extension length
    this.at += 8;
    return this;
  }

  /** The stream's trailer: write it once, after the last row. */
  trailer(): this {
    this.ensure(2);
    this.view.setInt16(this.at, -1);
    this.at += 2;
    return this;
  }

  row(fields: number): this {
    this.ensure(2);
    this.view.setInt16(this.at, checked(fields, -32768, 32767));
    this.at += 2;
    return this;
  }

  null(): this {
    this.ensure(4);
    this.view.setInt32(this.at, -1);
    this.at += 4;
    return this;
  }

  /** bigint; integral values within ±2^53 */
  int8(v: number | null): this {
    if (v === null) return this.null();
    if (!Number.isSafeInteger(v)) throw new RangeError(`int8: not a safe integer: ${v}`);
    this.ensure(12);
    const hi = Math.floor(v / TWO_32);
    this.view.setInt32(this.at, 8);
    this.view.setInt32(this.at + 4, hi);
    this.view.setUint32(this.at + 8, v - hi * TWO_32);
    this.at += 12;
    return this;
  }

  int4(v: number | null): this {
    if (v === null) return this.null();
    this.ensure(8);
    this.view.setInt32(this.at, 4);
    this.view.setInt32(this.at + 4, checked(v, -2147483648, 2147483647));
    this.at += 8;
    return this;
  }

  int2(v: number | null): this {
    if (v === null) return this.null();
    this.ensure(6);
    this.view.setInt32(this.at, 2);
    this.view.setInt16(this.at + 4, checked(v, -32768, 32767));
    this.at += 6;
    return this;
  }

  float8(v: number | null): this {
    if (v === null) return this.null();
    this.ensure(12);
    this.view.setInt32(this.at, 8);
    this.view.setFloat64(this.at + 4, v);
    this.at += 12;
    return this;
  }

  /** text, varchar, char(n): the UTF-8 bytes */
  text(v: string | null): this {
    if (v === null) return this.null();
    const n = this.utf8(v, 4);
    this.view.setInt32(this.at, n);
    this.at += 4 + n;
    return this;
  }

  /** jsonb: format version 1, then the JSON text */
  jsonb(json: string): this {
    const n = this.utf8(json, 5);
    this.view.setInt32(this.at, n + 1);
    this.buf[this.at + 4] = 1;
    this.at += 5 + n;
    return this;
  }

  /** The bytes written since the last take() (a copy: the buffer is reused). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  /** Writes `v` as UTF-8 `skip` bytes after the current position (room for its length); its byte count. */
  private utf8(v: string, skip: number): number {
    const len = v.length;
    if (len <= SHORT_TEXT) {
      this.ensure(skip + len);
      const buf = this.buf;
      const from = this.at + skip;
      let i = 0;
      for (; i < len; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        buf[from + i] = c;
      }
      if (i === len) return len;
    }
    this.ensure(skip + Buffer.byteLength(v));
    return this.buf.write(v, this.at + skip, 'utf8');
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
    this.view = viewOf(grown);
  }
}

function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** As Buffer's writeIntBE: a value outside the column's range is an error, not a silently wrapped number. */
function checked(v: number, min: number, max: number): number {
  if (v > max || v < min) throw new RangeError(`value ${v} out of range [${min}, ${max}]`);
  return v;
}

/** One row of a binary COPY stream as BinaryCopyReader hands it out: valid only during the onRow call. */
export interface BinaryCopyRow {
  readonly fields: number;
  isNull(k: number): boolean;
  /** an int2, int4 or int8 field (told apart by its length); an int8 beyond ±2^53 is an error, not a rounding */
  int(k: number): number;
  float8(k: number): number;
  /** a text field's UTF-8 */
  text(k: number): string;
  /** whether a text field holds exactly this ASCII word (no string is made) */
  textIs(k: number, word: string): boolean;
}

const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * Reads a binary COPY … TO STDOUT stream piece by piece, calling `onRow` with each complete row. Numbers come
 * straight out of their 4 or 8 bytes: no decimal text to print on the server, split and parse in the worker, and no
 * string per field (a chunk is ~1M fields). The caller's query casts every column it reads as a number to int2,
 * int4, int8 or float8, so that each field's length says what it is.
 */
export class BinaryCopyReader implements BinaryCopyRow {
  fields = 0;
  private buf: Buffer = Buffer.alloc(0);
  private view = viewOf(this.buf);
  /** per field of the current row: its bytes' offset in buf, and its length (−1: NULL) */
  private starts = new Int32Array(32);
  private lengths = new Int32Array(32);
  private headerRead = false;
  private ended = false;
  private rows = 0;

  constructor(private readonly onRow: (row: BinaryCopyRow) => void) {}

  /** Takes the next piece of the stream: every row it completes is handed to onRow before this returns. */
  push(piece: Buffer): void {
    if (this.ended) {
      if (piece.length > 0) throw new Error('binary COPY: bytes after the trailer');
      return;
    }
    this.buf = this.buf.length === 0 ? piece : Buffer.concat([this.buf, piece]);
    this.view = viewOf(this.buf);
    let at = 0;
    if (!this.headerRead) {
      if (this.buf.length < HEADER_BYTES) return;
      if (!this.buf.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('binary COPY: no PGCOPY signature');
      const extension = this.view.getInt32(SIGNATURE.length + 4);
      if (this.buf.length < HEADER_BYTES + extension) return;
      at = HEADER_BYTES + extension;
      this.headerRead = true;
    }
    for (;;) {
      const next = this.rowAt(at);
      if (next === -1) break;
      at = next;
      if (this.ended) {
        if (at !== this.buf.length) throw new Error('binary COPY: bytes after the trailer');
        break;
      }
      this.rows++;
      this.onRow(this);
    }
    this.buf = this.buf.subarray(at);
  }

  /** The stream is over: the number of rows read; an error if it stopped before its trailer. */
  end(): number {
    if (!this.ended) throw new Error('binary COPY: the stream ended before its trailer');
    return this.rows;
  }

  isNull(k: number): boolean {
    return this.lengths[this.field(k)] === -1;
  }

  int(k: number): number {
    const at = this.starts[this.field(k)];
    switch (this.lengths[k]) {
      case 2:
        return this.view.getInt16(at);
      case 4:
        return this.view.getInt32(at);
      case 8: {
        const v = this.view.getInt32(at) * TWO_32 + this.view.getUint32(at + 4);
        if (!Number.isSafeInteger(v)) throw new RangeError(`binary COPY: int8 field ${k} beyond ±2^53`);
        return v;
      }
      default:
        throw new TypeError(`binary COPY: field ${k} is not an integer (${this.lengths[k]} bytes)`);
    }
  }

  float8(k: number): number {
    if (this.lengths[this.field(k)] !== 8)
      throw new TypeError(`binary COPY: field ${k} is not a float8 (${this.lengths[k]} bytes)`);
    return this.view.getFloat64(this.starts[k]);
  }

  text(k: number): string {
    const length = this.lengths[this.field(k)];
    if (length === -1) throw new TypeError(`binary COPY: field ${k} is NULL`);
    return this.buf.toString('utf8', this.starts[k], this.starts[k] + length);
  }

  textIs(k: number, word: string): boolean {
    const length = this.lengths[this.field(k)];
    if (length !== word.length) return false;
    const buf = this.buf;
    const from = this.starts[k];
    for (let i = 0; i < length; i++) if (buf[from + i] !== word.charCodeAt(i)) return false;
    return true;
  }

  /** Parses the row starting at `at` into starts/lengths; the offset after it, or −1 when it is not all here. */
  private rowAt(at: number): number {
    const end = this.buf.length;
    if (at + 2 > end) return -1;
    const fields = this.view.getInt16(at);
    if (fields === -1) {
      this.ended = true;
      return at + 2;
    }
    if (fields < 0) throw new Error(`binary COPY: field count ${fields}`);
    if (fields > this.starts.length) {
      this.starts = new Int32Array(fields);
      this.lengths = new Int32Array(fields);
    }
    let p = at + 2;
    for (let k = 0; k < fields; k++) {
      if (p + 4 > end) return -1;
      const length = this.view.getInt32(p);
      p += 4;
      this.starts[k] = p;
      this.lengths[k] = length;
      if (length > 0) p += length;
      else if (length < -1) throw new Error(`binary COPY: field length ${length}`);
      if (p > end) return -1;
    }
    this.fields = fields;
    return p;
  }

  private field(k: number): number {
    if (!(k >= 0 && k < this.fields)) throw new RangeError(`binary COPY: field ${k} of ${this.fields}`);
    return k;
  }
}
