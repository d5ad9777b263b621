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
    let line = copyValue(values[0]);
    for (let i = 1; i < values.length; i++) line += '\t' + copyValue(values[i]);
    line += '\n';
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
