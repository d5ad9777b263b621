import { StringDecoder } from 'node:string_decoder';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** A value of a COPY text row: null → \N; numbers as JS prints them (shortest exact form, as the driver sends). */
export type CopyValue = string | number | null;

/** Escapes a text field for COPY … FROM STDIN (text format). */
function field(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`COPY: non-finite number ${v}`);
    return String(v);
  }
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : v;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Rows as one COPY text payload. */
export function copyText(rows: CopyValue[][]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out += '\t';
      out += field(row[i]);
    }
    out += '\n';
  }
  return out;
}

/**
 * `COPY table (columns) FROM STDIN` of `rows` on `client` (inside the caller's transaction). COPY is the fastest
 * bulk path into PostgreSQL: no per-row statement, no array literal parsing. Sends in ~1 MB pieces.
 */
export async function copyRows(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  rows: CopyValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const batch = 4_000;
  for (let i = 0; i < rows.length; i += batch) {
    if (!stream.write(copyText(rows.slice(i, i + batch)))) {
      await new Promise<void>((resolve, reject) => {
        stream.once('drain', resolve);
        stream.once('error', reject);
      });
    }
  }
  stream.end();
  await done;
}

/**
 * `COPY (query) TO STDOUT` (text format) on `client`, calling `onLine` with each row's fields as strings (\N for
 * null; the callers' columns are numbers, which need no unescaping). The fastest way to read a million rows into
 * the worker: no per-row protocol messages or result objects.
 */
export async function copyOutLines(
  client: PoolClient,
  query: string,
  onLine: (fields: string[]) => void,
): Promise<number> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lines = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      onLine(text.slice(start, nl).split('\t'));
      lines++;
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) {
    onLine(rest.split('\t'));
    lines++;
  }
  return lines;
}
