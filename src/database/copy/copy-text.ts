import { StringDecoder } from 'node:string_decoder';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

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
 * `COPY (query) TO STDOUT` (text format) on `client`, calling `onLine` with each row's fields as strings (\N for
 * null; text would arrive escaped: the callers read numbers and plain words). The fastest way to read many rows into
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
