import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations, revertLastMigration } from '../../src/database/migrations';
import { quoteIdent } from '../../src/embedded/embedded-postgres';

/** A database of its own for one test file: created, migrated, and dropped at the end. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * On `server` (any database's URL on it), by default TEST_DATABASE_URL's server. On that server the jest global
 * setup has migrated a template once (TEST_TEMPLATE_DATABASE): copying it takes ~50 ms against ~330 ms for running
 * every migration, once per suite. Another server (a suite's own cluster) is migrated here.
 */
export async function createTestDatabase(server = process.env.TEST_DATABASE_URL): Promise<TestDatabase> {
  if (!server) throw new Error('TEST_DATABASE_URL is not set (the jest global setup sets it)');
  const name = `callplan_t_${randomBytes(5).toString('hex')}`;
  const admin = adminUrl(server);
  const template = templateOn(server);
  await withClient(admin, (c) =>
    c.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`),
  );
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (!template) await applyMigrations(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(admin, name) };
}

/** Creates and migrates the template createTestDatabase copies on `server`; its name (the jest global setup's). */
export async function createTemplateDatabase(server: string): Promise<string> {
  const name = `callplan_tpl_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl(server), (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  return name;
}

export function dropDatabase(server: string, name: string): Promise<void> {
  return withClient(adminUrl(server), (c) =>
    c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  ).then(() => undefined);
}

/** The global setup's template when `server` is the server it was made on (same host and port), else undefined. */
function templateOn(server: string): string | undefined {
  const template = process.env.TEST_TEMPLATE_DATABASE;
  const main = process.env.TEST_DATABASE_URL;
  if (!template || !main) return undefined;
  return new URL(main).host === new URL(server).host ? template : undefined;
}

function adminUrl(server: string): string {
  const admin = new URL(server);
  admin.pathname = '/postgres';
  return admin.toString();
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
