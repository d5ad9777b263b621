import { resolveDatabase } from '../../src/embedded/embedded-postgres';

/**
 * Integration tests use TEST_DATABASE_URL (any database on the server; each test file creates and drops its own)
 * and, when unset, an embedded PostgreSQL of their own under .data/pg-test. TEST_REDIS_URL, when set, adds the
 * Redis backend to the queue tests; PostgreSQL-backed queues are always tested.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  const db = await resolveDatabase({
    dataDir: `${__dirname}/../../.data`,
    name: 'pg-test',
    port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
    database: 'postgres',
  });
  process.env.TEST_DATABASE_URL = db.url;
  (globalThis as { __stopTestDb?: () => Promise<void> }).__stopTestDb = db.stop;
}
