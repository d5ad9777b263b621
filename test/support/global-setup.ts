import { resolveDatabase } from '../../src/embedded/embedded-postgres';
import { createTemplateDatabase, dropDatabase } from './test-db';

/** What the setup leaves for the teardown (jest runs both in its parent process). */
export const testGlobals = globalThis as {
  __stopTestDb?: () => Promise<void>;
  __dropTemplate?: () => Promise<void>;
};

/**
 * Integration tests use TEST_DATABASE_URL (any database on the server; each test file creates and drops its own)
 * and, when unset, an embedded PostgreSQL of their own under .data/pg-test. TEST_REDIS_URL, when set, adds the
 * Redis backend to the queue tests; PostgreSQL-backed queues are always tested.
 *
 * Every suite's database is a copy of one template migrated here (TEST_TEMPLATE_DATABASE, dropped by the teardown):
 * on the 2-core CI machine that saves ~0.3 s of migrations per suite.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_DATABASE_URL) {
    const db = await resolveDatabase({
      dataDir: `${__dirname}/../../.data`,
      name: 'pg-test',
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54339),
      database: 'postgres',
    });
    process.env.TEST_DATABASE_URL = db.url;
    testGlobals.__stopTestDb = db.stop;
  }
  const server = process.env.TEST_DATABASE_URL;
  const template = await createTemplateDatabase(server);
  process.env.TEST_TEMPLATE_DATABASE = template;
  testGlobals.__dropTemplate = () => dropDatabase(server, template);
}
