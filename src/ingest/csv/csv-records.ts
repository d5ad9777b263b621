/**
 * A streaming RFC 4180 reader tuned for bulk imports: records come in batches with the file line each starts on
 * (for reject reports), a line without quotes is split without a character-by-character scan, and memory holds
 * one input chunk plus one unfinished record. Same results as csv-parse with `bom`, `relax_column_count` and
 * `skip_empty_lines` (property-tested), at several times its speed: csv-parse with line numbers was the largest
 * cost of a 10-million-row import after validation.
 */

/** Thrown for input that is not CSV (an unterminated or stray quote); `code` starts with CSV_ like csv-parse's. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly line: number,
  ) {
    super(`${message} (line ${line})`);
  }
}

/**
 * Thrown for text that cannot be stored as it stands: U+FFFD (a byte the decoder could not read, or a character an
 * earlier conversion already lost) or a lone UTF-16 surrogate. `line` and `column` (1-based, in characters) say
 * where.
 */
export class CsvEncodingError extends Error {
  constructor(
    readonly code: 'CSV_UNDECODABLE' | 'CSV_LONE_SURROGATE',
    readonly line: number,
    readonly column: number,
  ) {
    super(
      code === 'CSV_UNDECODABLE'
        ? `line ${line}, column ${column}: bytes that cannot be decoded (or a U+FFFD replacement character left by an earlier conversion)`
        : `line ${line}, column ${column}: a lone UTF-16 surrogate (half a character)`,
    );
  }
}

export interface CsvBatch {
  records: string[][];
  /** 1-based line of the file on which each record starts */
  lines: number[];
  /** some record of the batch may hold a NUL character (PostgreSQL cannot store it: the rows are rejected) */
  nul?: boolean;
}

export interface CsvReaderOptions {
  /** check for lone surrogates (text from a UTF-16 decoder; the UTF-8 decoder never makes them) */
  checkSurrogates?: boolean;
}

/** Reads records from a stream of text or UTF-8 bytes, yielding one batch per input chunk. */
export async function* readCsvRecords(
  input: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
  options: CsvReaderOptions = {},
): AsyncGenerator<CsvBatch> {
  const reader = new CsvRecordReader(options);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const batch = reader.push(text);
    if (batch.records.length) yield batch;
  }
  const tail = decoder.decode();
  const batch = reader.push(tail, true);
  if (batch.records.length) yield batch;
}

/** The parser state between chunks; `push` returns the records completed by that chunk. */
export class CsvRecordReader {
  private carry = '';
  /** line of the first character of `carry` */
  private line = 1;
  private started = false;

  constructor(private readonly options: CsvReaderOptions = {}) {}

  push(chunk: string, end = false): CsvBatch {
    let text = this.carry + chunk;
    if (!this.started && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.started = true;
    }
    this.checkText(text, text.length - chunk.length);
    const records: string[][] = [];
    const lines: number[] = [];
    let pos = 0;
    let line = this.line;
    const n = text.length;
    // position of the next quote at or after pos (n when none): searched again only once pos passes it
    let quote = -1;
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      if (nl === -1 && !end) break; // unfinished line: wait for more input
      const lineEnd = nl === -1 ? n : nl;
      if (quote < pos) {
        quote = text.indexOf('"', pos);
        if (quote === -1) quote = n;
      }
      if (quote >= lineEnd) {
        // fast path: a line without quotes is one record
        let content = text.slice(pos, lineEnd);
        if (content.endsWith('\r')) content = content.slice(0, -1);
        if (content.length > 0) {
          records.push(content.split(','));
          lines.push(line);
        }
        pos = lineEnd + 1;
        line++;
        continue;
      }
      const parsed = parseQuotedRecord(text, pos, line, end);
      if (parsed === null) break; // a quoted field continues past this chunk
      records.push(parsed.fields);
      lines.push(line);
      pos = parsed.next;
      line = parsed.nextLine;
    }
    this.carry = pos < n ? text.slice(pos) : '';
    this.line = line;
    if (end && this.carry.length > 0)
      throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', 'quote not closed', line);
    // One scan of the text: the importer checks the fields of a batch only when there is a NUL somewhere.
    return records.length && text.indexOf('\0') !== -1 ? { records, lines, nul: true } : { records, lines };
  }

  /** Refuses U+FFFD and (when asked) lone surrogates in the new part of `text` (from `from`), naming where. */
  private checkText(text: string, from: number): void {
    const bad = text.indexOf('\uFFFD', from);
    if (bad !== -1) throw new CsvEncodingError('CSV_UNDECODABLE', ...this.position(text, bad));
    if (this.options.checkSurrogates && !(text as unknown as WellFormedCheck).isWellFormed()) {
      const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
      if (lone) throw new CsvEncodingError('CSV_LONE_SURROGATE', ...this.position(text, lone.index));
    }
  }

  /** Line and column (1-based, characters) of `index` in `text`, which starts on `this.line`. */
  private position(text: string, index: number): [number, number] {
    const before = text.slice(0, index);
    return [this.line + countNewlines(before), index - (before.lastIndexOf('\n') + 1) + 1];
  }
}

/**
 * Parses one record that contains a quote, starting at `start`. Returns null when the input ends inside the
 * record and more may come; throws on a stray quote or, at the end of input, an unterminated one.
 */
function parseQuotedRecord(
  text: string,
  start: number,
  line: number,
  end: boolean,
): { fields: string[]; next: number; nextLine: number } | null {
  const fields: string[] = [];
  const n = text.length;
  let pos = start;
  let currentLine = line;
  for (;;) {
    if (pos < n && text.charCodeAt(pos) === 34 /* " */) {
      // quoted field: runs to the next quote not followed by another quote
      let value = '';
      let from = pos + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) {
          if (!end) return null;
          throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', 'quote not closed', line);
        }
        if (q + 1 >= n && !end) return null; // cannot tell "" from " yet
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        pos = q + 1;
        break;
      }
      currentLine += countNewlines(value);
      fields.push(value);
    } else {
      // unquoted field: to the next comma or line end; a quote inside it is not CSV
      let stop = pos;
      while (stop < n) {
        const c = text.charCodeAt(stop);
        if (c === 44 /* , */ || c === 10 /* \n */) break;
        if (c === 13 /* \r */ && (stop + 1 >= n || text.charCodeAt(stop + 1) === 10)) break;
        if (c === 34)
          throw new CsvSyntaxError(
            'CSV_INVALID_OPENING_QUOTE',
            'quote inside an unquoted field',
            currentLine,
          );
        stop++;
      }
      if (stop >= n && !end) return null;
      fields.push(text.slice(pos, stop));
      pos = stop;
    }
    // after a field: a comma, a line end, or the end of input
    if (pos >= n) {
      if (!end) return null;
      return { fields, next: n, nextLine: currentLine + 1 };
    }
    const c = text.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 13 && pos + 1 < n && text.charCodeAt(pos + 1) === 10) pos++;
    else if (c === 13 && pos + 1 >= n && !end) return null;
    if (text.charCodeAt(pos) === 10 || (c === 13 && pos + 1 >= n)) {
      return { fields, next: pos + 1, nextLine: currentLine + 1 };
    }
    throw new CsvSyntaxError('CSV_INVALID_CLOSING_QUOTE', 'characters after a closing quote', currentLine);
  }
}

/** String.prototype.isWellFormed (Node 20; the TypeScript lib here is ES2022). */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

function countNewlines(s: string): number {
  let count = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) count++;
  return count;
}
