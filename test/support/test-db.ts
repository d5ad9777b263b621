import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource } from '../../src/database/data-source';
import { revertLastMigration } from '../../src/database/migrations';
import { quoteIdent } from '../../src/embedded/embedded-postgres';

/** A database of its own for one test file: created, migrated, and dropped at the end. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** On `server` (any database's URL on it), by default TEST_DATABASE_URL's server. */
export async function createTestDatabase(server = process.env.TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!server) throw new Error('TEST_DATABASE_URL is not set (the jest global setup sets it)');
  const name = `callplan_t_${randomBytes(5).toString('hex')}`;
  const admin = new URL(server);
  admin.pathname = '/postgres';
  await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const ds = createDataSource(url.toString(), 2);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  return {
    url: url.toString(),
    drop: () =>
      withClient(admin.toString(), (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/**
 * Reverts the newest migrations of the database at `url` down to and including `name` (later ones first): a
 * migration's test starts from the schema before it. The names reverted; throws when `name` was never applied.
 */
export async function revertThrough(url: string, name: string): Promise<string[]> {
  const reverted: string[] = [];
  while (reverted[reverted.length - 1] !== name) {
    const last = await revertLastMigration(url);
    if (last === null) throw new Error(`${name} was never applied`);
    reverted.push(last);
  }
  return reverted;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Queue backends to run queue tests on: PostgreSQL always, Redis when TEST_REDIS_URL is set (CI sets it). */
export function queueBackends(): Array<{ name: 'postgres' | 'redis'; redisUrl?: string }> {
  const backends: Array<{ name: 'postgres' | 'redis'; redisUrl?: string }> = [{ name: 'postgres' }];
  if (process.env.TEST_REDIS_URL) backends.push({ name: 'redis', redisUrl: process.env.TEST_REDIS_URL });
  return backends;
}
