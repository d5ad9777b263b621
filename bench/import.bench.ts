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
 * CSV import of the generator's orders file (9.9 M orders for 1 M customers at BENCH_SCALE=1) into an empty
 * workspace through CsvImportService — which takes the bulk path there (import-path.ts) — beside, in the same run,
 * same server, same file: (1) plain COPY of the file into an unindexed table, the baseline; (2) the same
 * import forced down the incremental path (chunk by chunk) into a second workspace; and the two floors of the
 * database's share: (3) a bare INSERT … SELECT of the COPY'd rows, typed and resolved, into a copy of `orders` with
 * its indexes and reference checks (what any import landing rows in `orders` in place pays; also with the per-row
 * foreign keys it had before migration 1769200000000), and (4) the same rows into
 * an unindexed copy of `orders`, then its indexes built and foreign keys validated (what a table swap would pay).
 * Peak RSS is sampled during the bulk import.
 */
export const importBenchmark: Benchmark = {
  name: 'import-10m',
  aliases: ['import'],
  description:
    'CSV import of ~10M orders (bulk path) vs plain COPY of the same file, and the incremental path',
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
      const workspaces = app.get(WorkspacesService);
      const importer = app.get(CsvImportService);
      // the bulk import's workspace and the incremental one's, each with the same reps and customers
      const bulkWs = (await workspaces.ensure({ slug: 'bench' })).id;
      const incWs = (await workspaces.ensure({ slug: 'bench-incremental' })).id;
      let cust: ImportReport | undefined;
      for (const workspaceId of [bulkWs, incWs]) {
        await importer.import({ workspaceId, kind: 'reps', file: join(dir, 'reps.csv') });
        const report = await importer.import({
          workspaceId,
          kind: 'customers',
          file: join(dir, 'customers.csv'),
        });
        cust ??= report;
        ctx.log(
          `customers: ${report.inserted} in ${report.seconds.toFixed(1)} s (load ${report.phases.load.toFixed(1)} s, ` +
            `merge ${report.phases.merge.toFixed(1)} s, dedupe ${report.phases.dedupe?.toFixed(1)} s: ` +
            `${report.dedupe?.merged} duplicates merged)`,
        );
      }
      const customersReport = cust as ImportReport;

      const bytes = statSync(ordersFile).size;
      const copy = await rawCopy(dbUrl, ordersFile);
      ctx.log(`plain COPY: ${copy.rows} rows in ${copy.seconds.toFixed(1)} s`);
      await resolveRawOrders(dbUrl, bulkWs);
      const floorFk = await indexedInsert(dbUrl, 'per-row foreign keys');
      ctx.log(
        `bare INSERT into a copy of orders, per-row FKs: ${floorFk.rows} rows in ${floorFk.seconds.toFixed(1)} s`,
      );
      const floor = await indexedInsert(dbUrl, 'statement trigger');
      ctx.log(
        `bare INSERT into a copy of orders, statement trigger: ${floor.rows} rows in ${floor.seconds.toFixed(1)} s`,
      );
      const swap = await insertThenIndex(dbUrl);
      ctx.log(
        `INSERT into an unindexed copy of orders, then indexes and FKs: ${swap.rows} rows in ` +
          `${swap.seconds.toFixed(1)} s (insert ${swap.insert.toFixed(1)} s)`,
      );
      await withClient(dbUrl, (c) =>
        c.query(
          `DROP TABLE IF EXISTS bench_raw_orders, bench_resolved, bench_orders_copy, bench_orders_copy_fk, bench_orders_fresh;
            CHECKPOINT`,
        ),
      );

      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      let bulk: ImportReport;
      try {
        bulk = await importer.import({
          workspaceId: bulkWs,
          kind: 'orders',
          file: ordersFile,
          // the choice by size (import-path.ts): bulk into the empty workspace
          path: 'auto',
          rejectFile: join(tmpdir(), `${dbName}-bulk-rejects.csv`),
        });
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      ctx.log(
        `bulk import (${bulk.path}: ${bulk.pathReason}): ${bulk.inserted} inserted, ${bulk.rejected} rejected in ` +
          `${bulk.seconds.toFixed(1)} s (parse + staging ${bulk.phases.load.toFixed(1)} s, ` +
          `anti-join + INSERT … SELECT + commit ${bulk.phases.merge.toFixed(1)} s)`,
      );
      if (bulk.path !== 'bulk')
        throw new Error(`expected the bulk path into an empty workspace, got ${bulk.path}`);
      await withClient(dbUrl, (c) => c.query(`CHECKPOINT`));
      const inc = await importer.import({
        workspaceId: incWs,
        kind: 'orders',
        file: ordersFile,
        path: 'incremental',
        rejectFile: join(tmpdir(), `${dbName}-incremental-rejects.csv`),
      });
      ctx.log(
        `incremental import: ${inc.inserted} inserted, ${inc.rejected} rejected in ${inc.seconds.toFixed(1)} s ` +
          `(load ${inc.phases.load.toFixed(1)} s, merge ${inc.phases.merge.toFixed(1)} s)`,
      );
      // Issue 16's goal for customers: a customer row at most 2× the time of an order row (same machine, same run).
      const perRow = customersPerRow(customersReport, inc, bulk);
      ctx.log(
        `customers import per row: ${perRow.customerUs.toFixed(1)} µs (dedupe ${pct(perRow.dedupeShare)} of it) ` +
          `vs orders ${perRow.ordersUs.toFixed(1)} µs (incremental path; bulk ${perRow.bulkOrdersUs.toFixed(1)} µs) ` +
          `= ${perRow.ratio.toFixed(2)}× (goal ≤ 2×)`,
      );
      const bulkRate = bulk.rows / bulk.seconds;
      const incRate = inc.rows / inc.seconds;
      const copyRate = copy.rows / copy.seconds;
      const floorRate = floor.rows / floor.seconds;
      const floorFkRate = floorFk.rows / floorFk.seconds;
      const swapRate = swap.rows / swap.seconds;
      const mb = (b: number) => b / 1024 / 1024;
      return {
        figures: [
          {
            label:
              'CSV import of orders, bulk path (parse, validate, COPY to staging, anti-join, one INSERT)',
            value: bulkRate,
            unit: 'rows/s',
          },
          { label: 'bulk: file read, parsed and staged after', value: bulk.phases.load, unit: 's' },
          { label: 'bulk: anti-join, INSERT … SELECT, orphans, commit', value: bulk.phases.merge, unit: 's' },
          {
            label: 'customers import, per row (parse, encrypt, merge, dedupe)',
            value: perRow.customerUs,
            unit: 'µs',
          },
          { label: 'customers import: dedupe share', value: 100 * perRow.dedupeShare, unit: '%' },
          { label: 'peak RSS during the bulk import', value: mb(peak), unit: 'MB' },
          { label: 'RSS growth during the bulk import', value: mb(peak - rssBefore), unit: 'MB' },
        ],
        baselines: [
          { label: 'plain COPY of the same file into an unindexed table', value: copyRate, unit: 'rows/s' },
          { label: 'the same import, incremental path (chunk by chunk)', value: incRate, unit: 'rows/s' },
          {
            label: 'orders import per row, incremental path (the default)',
            value: perRow.ordersUs,
            unit: 'µs',
          },
          {
            label:
              'bare INSERT of the same rows, typed and resolved, into a copy of orders (same indexes, statement-level reference check)',
            value: floorRate,
            unit: 'rows/s',
          },
          {
            label:
              'the same bare INSERT with the per-row foreign keys orders had before migration 1769200000000',
            value: floorFkRate,
            unit: 'rows/s',
          },
          {
            label: 'the same rows into an unindexed copy of orders, then its indexes built and FKs validated',
            value: swapRate,
            unit: 'rows/s',
          },
        ],
        ratios: [
          `bulk import / plain COPY = ${pct(bulkRate / copyRate)}`,
          `incremental import / plain COPY = ${pct(incRate / copyRate)}`,
          `bulk / incremental = ${(bulkRate / incRate).toFixed(2)}×`,
          `bare INSERT into indexed orders / plain COPY = ${pct(floorRate / copyRate)}`,
          `bare INSERT, statement-level check / per-row foreign keys = ${(floorRate / floorFkRate).toFixed(2)}×`,
          `insert into an unindexed table + build indexes and FKs / plain COPY = ${pct(swapRate / copyRate)}`,
          `customers import per row / orders import per row (incremental) = ${perRow.ratio.toFixed(2)}× (goal ≤ 2×); ` +
            `/ bulk orders = ${(perRow.customerUs / perRow.bulkOrdersUs).toFixed(2)}×`,
        ],
        notes: [
          `${bulk.rows} orders, ${(bytes / 1e6).toFixed(0)} MB, ${customers} customers`,
          `customers import ${customersReport.seconds.toFixed(1)} s incl. dedupe ${customersReport.phases.dedupe?.toFixed(1)} s ` +
            `(${customersReport.dedupe?.merged} merged)`,
          `the bulk import ran first, into an empty orders table; the incremental one after it`,
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

/** The COPY'd rows typed and resolved to the workspace's customer ids, as the importer's staging table has them. */
async function resolveRawOrders(dbUrl: string, workspaceId: string): Promise<void> {
  await withClient(dbUrl, (c) =>
    c.query(
      `CREATE TABLE bench_resolved AS
       SELECT c.workspace_id, r.external_id, COALESCE(c.merged_into_id, c.id) AS customer_id, r.placed_at,
              (r.amount * 100)::bigint AS amount_minor, r.currency, r.status
       FROM bench_raw_orders r
       JOIN customers c ON c.workspace_id = '${workspaceId}' AND c.source = 'crm' AND c.external_id = r.customer_external_id;
       ANALYZE bench_resolved`,
    ),
  );
}

const INSERT_RESOLVED = (table: string) => `
  INSERT INTO ${table} (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
  SELECT workspace_id, 'crm', external_id, customer_id, placed_at, amount_minor, currency, status FROM bench_resolved`;

/**
 * What any import pays to land rows in `orders` in place, without parsing, validation or lookups: the resolved
 * rows INSERTed into a copy of `orders` with the same indexes and checks, and its references to `customers` and
 * `workspaces` guarded either as `orders` guards them since migration 1769200000000 (one statement-level trigger
 * over the transition table) or as it did before (two per-row foreign keys).
 */
async function indexedInsert(
  dbUrl: string,
  references: 'statement trigger' | 'per-row foreign keys',
): Promise<{ rows: number; seconds: number }> {
  return withClient(dbUrl, async (c) => {
    const table = references === 'statement trigger' ? 'bench_orders_copy' : 'bench_orders_copy_fk';
    await c.query(`CREATE TABLE ${table} (LIKE orders INCLUDING ALL)`);
    await c.query(
      references === 'statement trigger'
        ? `CREATE TRIGGER ${table}_references AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows
             FOR EACH STATEMENT EXECUTE FUNCTION check_customer_references('orders_customer_id_fkey')`
        : `ALTER TABLE ${table} ADD FOREIGN KEY (customer_id) REFERENCES customers(id),
             ADD FOREIGN KEY (workspace_id) REFERENCES workspaces(id)`,
    );
    await c.query(`CHECKPOINT`);
    const t = Date.now();
    const res = await c.query(INSERT_RESOLVED(table));
    return { rows: res.rowCount ?? 0, seconds: (Date.now() - t) / 1000 };
  });
}

/**
 * What a table swap would pay: the resolved rows into a fresh copy of `orders` with its checks but no index, then
 * its primary key, unique key and indexes built and its foreign keys validated (one set-based check each).
 */
async function insertThenIndex(dbUrl: string): Promise<{ rows: number; seconds: number; insert: number }> {
  return withClient(dbUrl, async (c) => {
    await c.query(`CREATE TABLE bench_orders_fresh (LIKE orders INCLUDING DEFAULTS INCLUDING IDENTITY
      INCLUDING CONSTRAINTS INCLUDING GENERATED); CHECKPOINT`);
    const t = Date.now();
    const res = await c.query(INSERT_RESOLVED('bench_orders_fresh'));
    const insert = (Date.now() - t) / 1000;
    await c.query(`ALTER TABLE bench_orders_fresh ADD PRIMARY KEY (id),
        ADD UNIQUE (workspace_id, source, external_id);
      CREATE INDEX ON bench_orders_fresh (customer_id, placed_at);
      CREATE INDEX ON bench_orders_fresh (workspace_id, customer_id, placed_at) WHERE reversal;
      CREATE INDEX ON bench_orders_fresh (workspace_id, updated_at) WHERE deleted_at IS NOT NULL;
      ALTER TABLE bench_orders_fresh ADD FOREIGN KEY (customer_id) REFERENCES customers(id),
        ADD FOREIGN KEY (workspace_id) REFERENCES workspaces(id)`);
    return { rows: res.rowCount ?? 0, seconds: (Date.now() - t) / 1000, insert };
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

/**
 * The customers import's time per row (all of it: parse, validation, encryption, merge, dedupe) beside an order
 * row's in the same run, and the dedupe's share of the customers import.
 */
function customersPerRow(customers: ImportReport, incremental: ImportReport, bulk: ImportReport) {
  const us = (r: ImportReport) => (r.seconds * 1e6) / r.rows;
  const customerUs = us(customers);
  const ordersUs = us(incremental);
  return {
    customerUs,
    ordersUs,
    bulkOrdersUs: us(bulk),
    ratio: customerUs / ordersUs,
    dedupeShare: (customers.phases.dedupe ?? 0) / customers.seconds,
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}
