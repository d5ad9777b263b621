import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './config/config';
import { buildOpenApiDocument } from './openapi';

/**
 * `npm run openapi [-- <file>]`: writes the OpenAPI document (default openapi.json) without a database — the app is
 * built in Nest's preview mode, which reads the controllers' metadata and starts no provider.
 */
export async function openApiJson(): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    // throwaway keys: preview mode starts no provider, nothing is encrypted
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
  });
  const app = await NestFactory.create(
    AppModule.forRoot(config, config.databaseUrl as string, { http: true, workers: false, scheduler: false }),
    { preview: true, logger: false, bodyParser: false },
  );
  const json = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  await app.close();
  return json;
}

if (require.main === module) {
  const file = resolve(process.argv[2] ?? 'openapi.json');
  openApiJson()
    .then((json) => {
      writeFileSync(file, json);
      process.stdout.write(`wrote ${file}\n`);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
