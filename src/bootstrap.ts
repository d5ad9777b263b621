import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import { raw } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { answerClientErrors } from './common/client-error';
import { ErrorFilter } from './common/error.filter';
import { HostileInputPipe } from './common/hostile-input.pipe';
import { jsonBody } from './common/json-body.middleware';
import { Runtime } from './common/runtime';
import { CRM_EVENTS_BODY_LIMIT, CRM_EVENTS_PATH } from './ingest/events/crm-events.limits';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { applyMigrations } from './database/migrations';
import { buildOpenApiDocument } from './openapi';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { Metrics } from './metrics/metrics';
import { APP_CONFIG } from './config/config.module';
import { TenantScope } from './database/tenant-scope';
import { ServedListDoor } from './worklist/served-list.door';
import { resolveDatabase, ResolvedDatabase } from './embedded/embedded-postgres';
import { EmbeddedPostgresError } from './embedded/embedded-server';

/** Loads config or exits 1 with a readable message (no stack trace for a typo in an env var). */
export function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

/** The last word of a process entry point that failed to start: one sentence for known causes, else the stack. */
export function exitOnStartupError(e: unknown): never {
  if (e instanceof EmbeddedPostgresError) process.stderr.write(`${e.message}\n`);
  else console.error(e);
  process.exit(1);
}

/**
 * Resolves the database (embedded when DATABASE_URL is unset) and applies pending migrations. An embedded server
 * started here is stopped last on SIGINT/SIGTERM/SIGHUP, after every app of this process has closed (see
 * `onShutdown`); `stop()` may be called any number of times.
 */
export async function prepareDatabase(
  config: AppConfig,
  log?: (m: string) => void,
  opts: { migrate?: boolean } = {},
): Promise<ResolvedDatabase> {
  const before = signalListeners();
  const resolved = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    log,
  });
  // nothing the database layer registers may stop the server on a signal while the apps still have workers and
  // pools on it (57P01 floods, failed jobs): our ordered shutdown stops it last. (The server runs in a session of
  // its own, so a terminal's Ctrl-C does not reach it either; see src/embedded/embedded-server.ts.)
  dropNewSignalListeners(before);
  const database = onceStopped(resolved);
  if (opts.migrate === false) return database;
  for (const name of await applyMigrations(database.url)) log?.(`applied migration ${name}`);
  return database;
}

function onceStopped(db: ResolvedDatabase): ResolvedDatabase {
  if (!db.embedded) return db;
  let stopping: Promise<void> | undefined;
  const unregister = onShutdown(() => stop());
  const stop = () => {
    unregister();
    return (stopping ??= db.stop());
  };
  return { ...db, stop };
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];
const SIGNAL_NUMBERS: Record<ShutdownSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

function signalListeners(): Map<string, Set<(...args: unknown[]) => void>> {
  return new Map(
    SHUTDOWN_SIGNALS.map((s) => [s, new Set(process.listeners(s) as Array<(...args: unknown[]) => void>)]),
  );
}

function dropNewSignalListeners(before: Map<string, Set<(...args: unknown[]) => void>>): void {
  for (const s of SHUTDOWN_SIGNALS) {
    for (const l of process.listeners(s) as Array<(...args: unknown[]) => void>) {
      if (!before.get(s)?.has(l) && l !== onSignal) process.removeListener(s, l);
    }
  }
}

/** What closes on a signal, in the order of registration; run last first (apps, then the database they use). */
const closers: Array<() => Promise<void>> = [];
let shuttingDown = false;

/**
 * Registers `close` to run on SIGINT/SIGTERM/SIGHUP, after everything registered later: an app registered after
 * its database closes first — workers stop, running jobs finish, queues and pools close — and only then is the
 * embedded PostgreSQL stopped. Returns the unregistration (for a close done by the program itself).
 */
export function onShutdown(close: () => Promise<void>): () => void {
  if (closers.length === 0 && !shuttingDown) {
    for (const s of SHUTDOWN_SIGNALS) if (!process.listeners(s).includes(onSignal)) process.on(s, onSignal);
  }
  closers.push(close);
  return () => {
    const i = closers.indexOf(close);
    if (i >= 0) closers.splice(i, 1);
  };
}

function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + (SIGNAL_NUMBERS[signal as ShutdownSignal] ?? 0);
  if (shuttingDown) {
    // a second Ctrl-C: the user does not want to wait for running jobs (a killed worker's jobs are taken over)
    process.stderr.write(`${signal} again: exiting without waiting\n`);
    process.exit(code);
  }
  shuttingDown = true;
  void (async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((e: Error) => process.stderr.write(`shutdown: ${e.message}\n`));
    }
    process.exit(code);
  })();
}

const appClosers = new WeakMap<
  INestApplicationContext,
  { unregister: () => void; closing?: Promise<void> }
>();

/** Closes `app` on a signal in its place in the order (see onShutdown). */
function closeInOrder<A extends INestApplicationContext>(app: A): A {
  // Nest's application proxy ignores property writes, so the once-only close lives beside it, not on it
  appClosers.set(app, { unregister: onShutdown(() => closeApp(app)) });
  return app;
}

/**
 * Closes an app started by startHttp/startContext once, however many callers (a signal, the command's own clean-up)
 * ask: every caller waits for the same close — workers stopped, running jobs finished, queues and pools closed.
 */
export function closeApp(app: INestApplicationContext): Promise<void> {
  const entry = appClosers.get(app);
  if (!entry) return app.close();
  entry.unregister();
  return (entry.closing ??= app.close());
}

export function configureHttp(app: INestApplication): void {
  // the client address the rate limits count by: the socket's, or X-Forwarded-For from TRUST_PROXY's proxies
  (app.getHttpAdapter().getInstance() as Express).set(
    'trust proxy',
    app.get<AppConfig>(APP_CONFIG).trustProxy,
  );
  // A remembered `GET /v1/me/worklist` is answered first, before anything below runs (worklist/served-list.door.ts)
  app.use(app.get(ServedListDoor).handler());
  app.use(httpMetrics(app.get(Metrics)));
  // Inbound CRM webhooks are verified over their exact bytes: a raw parser reads them first (jsonBody then skips
  // them; the inbox checks the same things after the signature).
  app.use(CRM_EVENTS_PATH, raw({ type: () => true, limit: CRM_EVENTS_BODY_LIMIT }));
  // Every other JSON body: UTF-8, depth-guarded, no NUL or lone surrogates — or a 400 naming the path (common/).
  app.use(jsonBody({ limit: '1mb' }));
  // Each request runs in a tenant scope of its own, bound to a workspace once the caller is known (the API key
  // guard); until then it sees no tenant rows (database/tenant-scope.ts). Last, so the body parsers' stream
  // callbacks do not run outside it.
  app.use((_req: unknown, _res: unknown, next: () => void) => TenantScope.request(next));
  app.useGlobalPipes(
    new HostileInputPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new ErrorFilter());
  answerClientErrors(app.getHttpServer());
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
}

/** Starts the HTTP app (with workers/scheduler when asked) on the configured port; it closes on a signal (onShutdown). */
export async function startHttp(
  config: AppConfig,
  database: ResolvedDatabase,
  runtime: Runtime,
  port = config.port,
) {
  const app = await NestFactory.create(AppModule.forRoot(config, database.url, runtime), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  closeInOrder(app);
  configureHttp(app);
  await app.listen(port, config.host);
  return app;
}

/** An application context without HTTP (worker, CLI); it closes on a signal (onShutdown). */
export async function startContext(
  config: AppConfig,
  database: ResolvedDatabase,
  runtime: Runtime,
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database.url, runtime), {
    bufferLogs: true,
    logger: runtime.quiet ? ['warn', 'error'] : undefined,
  });
  app.useLogger(app.get(Logger));
  return closeInOrder(app);
}
