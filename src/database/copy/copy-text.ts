import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/**
 * The one COPY implementation: text-format encoding (copyValue, copyLine, CopyBatch), COPY … FROM STDIN with
 * buffered chunked writes and backpressure (copyIn, copyLines, copyPieces), and COPY … TO STDOUT in binary
 * (copyOutBinary).
 */

type CopyValue = string | number | bigint | boolean | Buffer | null | undefined;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Encodes one value for PostgreSQL's COPY text format (NULL as \N; backslash, tab, CR, LF escaped). */
export function copyValue(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (typeof v !== 'string') return String(v);
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** One line of COPY text: the values tab-separated, newline-terminated. */
export function copyLine(values: CopyValue[]): string {
  let line = copyValue(values[0]);
  for (let i = 1; i < values.length; i++) line += '\t' + copyValue(values[i]);
  return line + '\n';
}

/**
 * The COPY text of a batch of rows, held in ~1 MB pieces until `take()`: lets a bulk loader parse the next rows
 * while the database is still busy with the previous batch, within a memory bound the caller sets via `bytes`.
 */
export class CopyBatch {
  private pieces: string[] = [];
  private lines: string[] = [];
  private lineBytes = 0;
  rows = 0;
  /** characters of COPY text held */
  bytes = 0;

  add(values: CopyValue[]): void {
    const line = copyLine(values);
    this.lines.push(line);
    this.lineBytes += line.length;
    this.bytes += line.length;
    this.rows++;
    if (this.lineBytes >= 1 << 20) this.seal();
  }

  /** The pieces, leaving the batch empty. */
  take(): string[] {
    this.seal();
    const pieces = this.pieces;
    this.pieces = [];
    this.rows = 0;
    this.bytes = 0;
    return pieces;
  }

  private seal(): void {
    if (this.lines.length === 0) return;
    this.pieces.push(this.lines.join(''));
    this.lines = [];
    this.lineBytes = 0;
  }
}

/** A COPY … FROM STDIN in progress: write whole rows (text lines, or binary-copy.ts bytes), then end it. */
export interface CopyIn {
  /** sends `data`; resolves at once unless the socket asks to wait (backpressure) */
  write(data: string | Buffer): Promise<void>;
  end(): Promise<void>;
}

/** Starts `COPY table (columns) FROM STDIN` (text, or binary) on `client`, inside the caller's transaction. */
export function copyIn(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  format: 'text' | 'binary' = 'text',
): CopyIn {
  const options = format === 'binary' ? ' WITH (FORMAT binary)' : '';
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN${options}`));
  let failure: Error | null = null;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', (e: Error) => {
      failure = e;
      reject(e);
    });
  });
  done.catch(() => undefined); // surfaced by write() / end()
  return {
    async write(data) {
      if (failure) throw failure;
      if (!stream.write(data)) {
        await new Promise<void>((resolve, reject) => {
          stream.once('drain', resolve);
          stream.once('error', reject);
        });
      }
    },
    async end() {
      stream.end();
      await done;
    },
  };
}

/** `COPY table (columns) FROM STDIN` of ready-made text `lines` (each ending in a newline), in ~1 MB pieces. */
export async function copyLines(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  lines: string[],
): Promise<void> {
  if (lines.length === 0) return;
  const copy = copyIn(client, table, columns);
  for (let i = 0; i < lines.length; i += 4_000) await copy.write(lines.slice(i, i + 4_000).join(''));
  await copy.end();
}

/**
 * `COPY table FROM STDIN` (all columns, text format) of ready-made `pieces` (CopyBatch.take()), with backpressure.
 * On failure the unfinished COPY is aborted (CopyFail), so the connection can roll back and return to the pool.
 */
export async function copyPieces(client: PoolClient, table: string, pieces: string[]): Promise<void> {
  const copy = client.query(copyFrom(`COPY ${table} FROM STDIN`));
  // Failures surface through writeAll; the listener keeps a late one from crashing the process.
  copy.on('error', () => undefined);
  try {
    await writeAll(copy, pieces);
  } catch (e) {
    if (!copy.writableFinished) {
      copy.destroy(e as Error);
      await new Promise((r) => setImmediate(r));
    }
    throw e;
  }
}

/** Writes pieces to a `COPY … FROM STDIN` stream and ends it, with backpressure; rejects with the stream's error. */
async function writeAll(target: Writable, pieces: string[]): Promise<void> {
  for (const piece of pieces) if (!target.write(piece)) await once(target, 'drain');
  await new Promise<void>((resolve, reject) => {
    target.once('error', reject);
    target.end(() => resolve());
  });
}

/**
 * `COPY (query) TO STDOUT (FORMAT binary)` on `client`, handing each piece of the stream to `onPiece` as it
 * arrives (scoring/binary-copy.ts BinaryCopyReader reads the rows): the fastest way to read many rows into the
 * worker, with no per-row protocol messages, result objects or decimal text.
 */
export async function copyOutBinary(
  client: PoolClient,
  query: string,
  onPiece: (piece: Buffer) => void,
): Promise<void> {
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
  for await (const piece of stream as AsyncIterable<Buffer>) onPiece(piece);
}
