import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { configureHttp } from '../../src/bootstrap';
import { Runtime } from '../../src/common/runtime';
import { AppConfig, loadConfig } from '../../src/config/config';
import { TenantScope } from '../../src/database/tenant-scope';

// Test code drives services directly, as the CLI does: outside a request or a job it sees every workspace. HTTP
// requests and jobs run in their own scopes (test/database/row-level-security.test.ts).
TenantScope.setFallback({ crossTenant: 'test code acting as the operator' });

/** Config for a test: its own database, queue prefix and data dir; Redis only when asked. */
export function testConfig(
  databaseUrl: string,
  opts: { redisUrl?: string; env?: Record<string, string> } = {},
): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'callplan-test-')),
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
    SCORING_CHUNK_SIZE: '200',
    // receivers and fake CRMs of the tests listen on loopback, which the SSRF guard refuses otherwise
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    // suites fire hundreds of calls, many without a valid key, from one address: no limits (and no counting
    // statements) unless a suite sets them, as test/rate-limit does
    RATE_LIMIT_KEY: 'off',
    RATE_LIMIT_IP: 'off',
    RATE_LIMIT_AUTH_FAILURES: 'off',
    ...opts.env,
  });
}

const ALL: Runtime = { http: true, workers: true, scheduler: false, quiet: true };

/** A Nest application context (no HTTP) with queue workers in-process. */
export async function createTestContext(
  config: AppConfig,
  runtime: Partial<Runtime> = {},
): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, config.databaseUrl as string, { ...ALL, http: false, ...runtime }),
    { logger: ['error'] },
  );
  await app.init();
  return app;
}

/** The HTTP app as production configures it (validation, error filter, OpenAPI), listening on a random port. */
export async function createTestHttpApp(
  config: AppConfig,
  runtime: Partial<Runtime> = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.forRoot(config, config.databaseUrl as string, { ...ALL, ...runtime }),
    {
      logger: ['error'],
      bodyParser: false,
    },
  );
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}
