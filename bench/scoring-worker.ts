/**
 * A scoring worker process for the benchmarks and for the tests that need real, separate workers (kill one
 * mid-chunk, spread chunks over two): the application context with queue workers only (no schedulers,
 * no migrations), configured from the environment like src/main.worker.ts. Prints "ready" once it consumes jobs;
 * SIGTERM closes it gracefully. The benchmark reads its peak RSS from /proc.
 */
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config';

async function main() {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, config.databaseUrl as string, {
      http: false,
      workers: true,
      scheduler: false,
      quiet: true,
    }),
    { logger: ['error'] },
  );
  await app.init();
  process.on('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
  process.stdout.write('ready\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
