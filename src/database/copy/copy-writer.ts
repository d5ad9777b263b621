import { once } from 'node:events';
import { Writable } from 'node:stream';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Encodes one value for PostgreSQL's COPY text format (NULL as \N; backslash, tab, CR, LF escaped). */
export function copyValue(v: string | number | bigint | boolean | Buffer | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (typeof v !== 'string') return String(v);
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/**
 * Buffers COPY lines and writes them in chunks (1 MB by default), waiting on backpressure so memory stays flat.
 * `add` + `flushIfFull` let a bulk loop encode a whole batch of rows without a promise per row.
 */
export class CopyLineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly target: Writable,
    private readonly chunkBytes = 1 << 20,
  ) {}

  async push(values: Array<Parameters<typeof copyValue>[0]>): Promise<void> {
    this.add(values);
    await this.flushIfFull();
  }

  add(values: Array<Parameters<typeof copyValue>[0]>): void {
    const line = copyLine(values);
    this.buffer.push(line);
    this.size += line.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.size >= this.chunkBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.target.write(chunk)) await new Promise<void>((resolve) => this.target.once('drain', resolve));
  }

  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.target.once('error', reject);
      this.target.end(() => resolve());
    });
  }
}

type CopyValue = Parameters<typeof copyValue>[0];

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

/** Writes pieces to a `COPY … FROM STDIN` stream and ends it, with backpressure; rejects with the stream's error. */
export async function writeCopy(target: Writable, pieces: string[]): Promise<void> {
  for (const piece of pieces) if (!target.write(piece)) await once(target, 'drain');
  await new Promise<void>((resolve, reject) => {
    target.once('error', reject);
    target.end(() => resolve());
  });
}
