import { Writable } from 'node:stream';

/** Encodes one value for PostgreSQL's COPY text format (NULL as \N; backslash, tab, CR, LF escaped). */
export function copyValue(v: string | number | bigint | boolean | Buffer | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (typeof v !== 'string') return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** Buffers COPY lines and writes them in ~256 KB chunks, waiting on backpressure so memory stays flat. */
export class CopyLineWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly target: Writable) {}

  async push(values: Array<Parameters<typeof copyValue>[0]>): Promise<void> {
    const line = values.map(copyValue).join('\t') + '\n';
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= 256 * 1024) await this.flush();
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
