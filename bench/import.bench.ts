import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { from as copyFrom } from 'pg-copy-streams';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config';
import { CsvImportService, ImportReport } from '../src/ingest/csv/csv-import.service';
import { writeCrmCsvs } from '../src/generator/crm-csv-writer';
import { createDataSource } from '../src/database/data-source';
import { quoteIdent } from '../src/embedded/embedded-postgres';
import { WorkspacesService } from '../src/workspaces/workspaces.service';
import { Benchmark, BenchContext, BenchResult } from './benchmark';
import { withDatabase, withClient } from './bench-support';

/**
 * CSV import of the generator's orders file (9.9 M orders for 1 M customers at BENCH_SCALE=1) through
 * CsvImportService, beside — in the same run, same server, same file — (1) plain COPY of the file into an unindexed
 * table, the baseline, and (2) the floor of any import into `orders`: INSERT … SELECT of those COPY'd rows
 * into a copy of `orders` with the same indexes and foreign keys. Peak RSS is sampled during the import.
 */
export const importBenchmark: Benchmark = {
  name: 'import',
  description: 'CSV import of ~10M orders vs plain COPY of the same file into an unindexed table',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const customers = Math.max(1_000, Math.round(1_000_000 * ctx.scale));
    const dir = await crmFiles(customers, ctx);
    const ordersFile = join(dir, 'orders.csv');
    const dbName = `callplan_bench_import_${randomBytes(4).toString('hex')}`;
    const dbUrl = withDatabase(ctx.serverUrl, dbName);
    await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
      c.query(`CREATE DATABASE ${quoteIdent(dbName)}`),
    );
    let app: INestApplicationContext | undefined;
    try {
      const ds = createDataSource(dbUrl, 2);
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.destroy();
      app = await NestFactory.createApplicationContext(
        AppModule.forRoot(loadConfig(benchEnv(dbUrl)), dbUrl, {
          http: false,
          workers: false,
          scheduler: false,
          quiet: true,
        }),
        { logger: ['error'] },
      );
      await app.init();
      const workspaceId = (await app.get(WorkspacesService).ensure({ slug: 'bench' })).id;
      const importer = app.get(CsvImportService);
      await importer.import({ workspaceId, kind: 'reps', file: join(dir, 'reps.csv') });
      const cust = await importer.import({
        workspaceId,
        kind: 'customers',
        file: join(dir, 'customers.csv'),
      });
      ctx.log(
        `customers: ${cust.inserted} in ${cust.seconds.toFixed(1)} s (load ${cust.phases.load.toFixed(1)} s, ` +
          `merge ${cust.phases.merge.toFixed(1)} s, dedupe ${cust.phases.dedupe?.toFixed(1)} s: ` +
          `${cust.dedupe?.merged} duplicates merged)`,
      );

      const bytes = statSync(ordersFile).size;
      const copy = await rawCopy(dbUrl, ordersFile);
      ctx.log(`plain COPY: ${copy.rows} rows in ${copy.seconds.toFixed(1)} s`);
      const floor = await indexedInsert(dbUrl);
      ctx.log(`bare INSERT into a copy of orders: ${floor.rows} rows in ${floor.seconds.toFixed(1)} s`);
      await withClient(dbUrl, (c) => c.query(`DROP TABLE bench_raw_orders, bench_orders_copy; CHECKPOINT`));

      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      let report: ImportReport;
      try {
        report = await importer.import({
          workspaceId,
          kind: 'orders',
          file: ordersFile,
          rejectFile: join(tmpdir(), `${dbName}-rejects.csv`),
        });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      ctx.log(
        `import: ${report.inserted} inserted, ${report.rejected} rejected in ${report.seconds.toFixed(1)} s ` +
          `(load ${report.phases.load.toFixed(1)} s, merge ${report.phases.merge.toFixed(1)} s)`,
      );
      const importRate = report.rows / report.seconds;
      const copyRate = copy.rows / copy.seconds;
      const floorRate = floor.rows / floor.seconds;
      const mb = (b: number) => b / 1024 / 1024;
      return {
        figures: [
          {
            label: 'CSV import of orders (parse, validate, COPY to staging, merge)',
            value: importRate,
            unit: 'rows/s',
          },
          {
            label: 'file read and parsed after (chunks merged meanwhile)',
            value: report.phases.load,
            unit: 's',
          },
          { label: 'merge of the last chunk, orphans, commit', value: report.phases.merge, unit: 's' },
          { label: 'peak RSS during the import', value: mb(peak), unit: 'MB' },
          { label: 'RSS growth during the import', value: mb(peak - rssBefore), unit: 'MB' },
        ],
        baselines: [
          { label: 'plain COPY of the same file into an unindexed table', value: copyRate, unit: 'rows/s' },
          {
            label:
              'bare INSERT of the same rows, typed and resolved, into a copy of orders (same indexes, FKs)',
            value: floorRate,
            unit: 'rows/s',
          },
        ],
        ratios: [
          `import / plain COPY = ${pct(importRate / copyRate)}`,
          `bare INSERT into indexed orders / plain COPY = ${pct(floorRate / copyRate)}`,
          `import / bare INSERT into indexed orders = ${pct(importRate / floorRate)}`,
        ],
        notes: [
          `${report.rows} orders, ${(bytes / 1e6).toFixed(0)} MB, ${customers} customers`,
          `customers import ${cust.seconds.toFixed(1)} s incl. dedupe ${cust.phases.dedupe?.toFixed(1)} s ` +
            `(${cust.dedupe?.merged} merged)`,
        ],
      };
    } finally {
      await app?.close();
      await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`),
      );
    }
  },
};

/** The baseline: the CSV streamed by COPY (FORMAT csv) into a table of the file's columns, no indexes. */
async function rawCopy(dbUrl: string, file: string): Promise<{ rows: number; seconds: number }> {
  return withClient(dbUrl, async (c) => {
    await c.query(`CREATE TABLE bench_raw_orders (external_id text, customer_external_id text,
      placed_at timestamptz, amount numeric, currency text, status text)`);
    const t = Date.now();
    const stream = c.query(copyFrom(`COPY bench_raw_orders FROM STDIN WITH (FORMAT csv, HEADER true)`));
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
    return { rows: Number(stream.rowCount), seconds: (Date.now() - t) / 1000 };
  });
}

/**
 * What any import pays to land rows in `orders`, without parsing, validation or lookups: the COPY'd rows, already
 * typed and resolved to customer ids in a temporary table (as the importer's staging table is), INSERTed into a
 * copy of `orders` with the same indexes, checks and foreign keys.
 */
async function indexedInsert(dbUrl: string): Promise<{ rows: number; seconds: number }> {
  return withClient(dbUrl, async (c) => {
    await c.query(`CREATE TABLE bench_orders_copy (LIKE orders INCLUDING ALL);
      ALTER TABLE bench_orders_copy ADD FOREIGN KEY (customer_id) REFERENCES customers(id),
        ADD FOREIGN KEY (workspace_id) REFERENCES workspaces(id)`);
    await c.query(`CREATE TEMP TABLE bench_resolved AS
      SELECT c.workspace_id, r.external_id, COALESCE(c.merged_into_id, c.id) AS customer_id, r.placed_at,
             (r.amount * 100)::bigint AS amount_minor, r.currency, r.status
      FROM bench_raw_orders r JOIN customers c ON c.source = 'crm' AND c.external_id = r.customer_external_id;
      ANALYZE bench_resolved; CHECKPOINT`);
    const t = Date.now();
    const res = await c.query(`
      INSERT INTO bench_orders_copy (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
      SELECT workspace_id, 'crm', external_id, customer_id, placed_at, amount_minor, currency, status FROM bench_resolved`);
    return { rows: res.rowCount ?? 0, seconds: (Date.now() - t) / 1000 };
  });
}

function benchEnv(dbUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: '4',
    QUEUE_PREFIX: `bimp${randomBytes(3).toString('hex')}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'callplan-bench-')),
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
  };
}

/** Generated CRM files, cached under .data/bench (the generator is deterministic: same seed, same bytes). */
async function crmFiles(customers: number, ctx: BenchContext): Promise<string> {
  const dir = join(__dirname, '..', '..', '.data', 'bench', `crm-${customers}-s1`);
  const done = join(dir, 'summary.json');
  if (existsSync(done)) {
    ctx.log(`reusing ${dir}`);
    return dir;
  }
  const t = Date.now();
  const summary = await writeCrmCsvs({ customers, seed: 1, outDir: dir });
  writeFileSync(done, JSON.stringify(summary));
  ctx.log(`generated ${customers} customers in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}
