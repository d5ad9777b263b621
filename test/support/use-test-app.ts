import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/config';
import { createTestContext, createTestHttpApp, testConfig } from './test-app';
import { createTestDatabase, TestDatabase } from './test-db';

/**
 * What a suite runs for real. Everything else is the same for every suite: its own migrated database, queue
 * prefix and data dir, no scheduler, logs at warn.
 */
export interface TestAppOptions {
  /** Listen on a random local port with production's HTTP set-up (validation, error filter). Default: no HTTP. */
  http?: boolean;
  /** Queue workers in this process. Default: true. */
  workers?: boolean;
  /** Queues on Redis: a URL (as `queueBackends()` gives), or true for TEST_REDIS_URL when set. Default: PostgreSQL. */
  redis?: string | boolean;
  /** Extra environment for the config (SCORING_CHUNK_SIZE, IMPORT_MAX_UPLOAD_BYTES, ...). */
  env?: Record<string, string>;
  /** The PostgreSQL server to create the suite's database on (a URL; read in `beforeAll`). Default: TEST_DATABASE_URL. */
  databaseServer?: string;
}

/** A suite's database, set in `beforeAll` and dropped in `afterAll`. Read its fields inside hooks and tests only. */
export interface TestDb {
  /** The database's connection URL. */
  readonly url: string;
  /** Runs `fn` in `afterAll` before the database is dropped (and before the app closes); last registered runs first. */
  cleanup(fn: () => unknown): void;
}

/** A suite's Nest application on its own database. Read its fields inside hooks and tests only. */
export interface TestApp<A extends INestApplicationContext = INestApplicationContext> {
  readonly app: A;
  /** The app's own DataSource, for the SQL a test arranges or reads. */
  readonly db: DataSource;
  readonly config: AppConfig;
  readonly databaseUrl: string;
  /** Runs `fn` in `afterAll` before the app closes and the database is dropped; last registered runs first. */
  cleanup(fn: () => unknown): void;
}

export interface TestHttpApp extends TestApp<INestApplication> {
  /** Base URL of the listening app, e.g. http://127.0.0.1:41234. */
  readonly url: string;
}

/**
 * Registers `beforeAll` (create and migrate a database, start the app) and `afterAll` (cleanups, close the app,
 * drop the database) for the enclosing `describe`. Call it first in the describe, so that the suite's own
 * `beforeAll` runs after the app is up.
 */
export function useTestApp(opts: TestAppOptions & { http: true }): TestHttpApp;
export function useTestApp(opts?: TestAppOptions & { http?: false }): TestApp;
export function useTestApp(opts: TestAppOptions = {}): TestHttpApp | TestApp {
  let app: INestApplicationContext | undefined;
  let config: AppConfig | undefined;
  let url: string | undefined;
  const database = setUp(
    () => opts.databaseServer,
    async (db) => {
      const redisUrl = opts.redis === true ? process.env.TEST_REDIS_URL : opts.redis || undefined;
      config = testConfig(db.url, { redisUrl, env: opts.env });
      const runtime = opts.workers === undefined ? {} : { workers: opts.workers };
      if (opts.http) {
        const http = await createTestHttpApp(config, runtime);
        app = http;
        url = (await http.getUrl()).replace('[::1]', '127.0.0.1');
      } else {
        app = await createTestContext(config, runtime);
      }
    },
    () => app?.close(),
  );
  return {
    get app() {
      // an INestApplication only when opts.http; the overloads give each caller the type it has
      return ready('app', app) as INestApplication;
    },
    get db() {
      return ready('app', app).get(DataSource);
    },
    get config() {
      return ready('config', config);
    },
    get url() {
      return ready('url', url);
    },
    get databaseUrl() {
      return database.url;
    },
    cleanup: database.cleanup,
  };
}

/** A migrated database of the suite's own, for suites that start no app (queue factories, plain pg clients). */
export function useTestDatabase(): TestDb {
  return setUp(
    () => undefined,
    async () => undefined,
  );
}

/** useTestDatabase with one plain `pg` client connected to it for the whole suite (ended before the drop). */
export function useTestClient(): TestDb & { readonly sql: Client } {
  const db = useTestDatabase();
  let sql: Client | undefined;
  beforeAll(async () => {
    sql = new Client({ connectionString: db.url });
    // a suite that terminates its database's backends must not take the jest worker down with an unheard 'error':
    // the client's next query fails instead, in the test that made it
    sql.on('error', () => undefined);
    await sql.connect();
  });
  db.cleanup(() => sql?.end());
  return {
    get url() {
      return db.url;
    },
    cleanup: db.cleanup,
    get sql() {
      return ready('client', sql);
    },
  };
}

function setUp(
  server: () => string | undefined,
  start: (db: TestDatabase) => Promise<void>,
  close: () => unknown = () => undefined,
): TestDb {
  let db: TestDatabase | undefined;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    db = await createTestDatabase(server());
    await start(db);
  });
  afterAll(async () => {
    try {
      for (const fn of cleanups.splice(0).reverse()) await fn();
      await close();
    } finally {
      await db?.drop();
    }
  });
  return {
    get url() {
      return ready('database', db).url;
    },
    cleanup: (fn) => void cleanups.push(fn),
  };
}

function ready<T>(what: string, value: T | undefined): T {
  if (value === undefined)
    throw new Error(`the test ${what} is not set up yet: read it inside a hook or a test`);
  return value;
}
