import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { raw } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ErrorFilter } from './common/error.filter';
import { HostileInputPipe } from './common/hostile-input.pipe';
import { jsonBody } from './common/json-body.middleware';
import { Runtime } from './common/runtime';
import { CRM_EVENTS_BODY_LIMIT, CRM_EVENTS_PATH } from './ingest/events/crm-events.limits';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { applyMigrations } from './database/migrations';
import { resolveDatabase, ResolvedDatabase } from './embedded/embedded-postgres';

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

/** Resolves the database (embedded when DATABASE_URL is unset) and applies pending migrations. */
export async function prepareDatabase(
  config: AppConfig,
  log?: (m: string) => void,
  opts: { migrate?: boolean } = {},
): Promise<ResolvedDatabase> {
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    port: config.embeddedPgPort,
    log,
  });
  if (opts.migrate === false) return database;
  for (const name of await applyMigrations(database.url)) log?.(`applied migration ${name}`);
  return database;
}

export function configureHttp(app: INestApplication): void {
  // Inbound CRM webhooks are verified over their exact bytes: a raw parser reads them first (jsonBody then skips
  // them; the inbox checks the same things after the signature).
  app.use(CRM_EVENTS_PATH, raw({ type: () => true, limit: CRM_EVENTS_BODY_LIMIT }));
  // Every other JSON body: UTF-8, depth-guarded, no NUL or lone surrogates — or a 400 naming the path (common/).
  app.use(jsonBody({ limit: '1mb' }));
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
  const doc = new DocumentBuilder()
    .setTitle('Callplan API')
    .setDescription('Ranked daily call lists for sales reps: whom to call, what to say, what to offer.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (cpk_…)' })
    .build();
  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, doc));
}

/** Starts the HTTP app (with workers/scheduler when asked) on the configured port. */
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
  app.enableShutdownHooks();
  configureHttp(app);
  await app.listen(port, config.host);
  return app;
}

/** An application context without HTTP (worker, CLI). */
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
  app.enableShutdownHooks();
  return app;
}
