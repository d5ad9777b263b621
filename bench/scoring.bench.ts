import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { AppConfig, loadConfig } from '../src/config/config';
import { CsvImportService } from '../src/ingest/csv/csv-import.service';
import { ImportKind } from '../src/ingest/csv/csv-rows';
import { writeCrmCsvs } from '../src/generator/crm-csv-writer';
import { createDataSource } from '../src/database/data-source';
import { ensureDatabase, quoteIdent } from '../src/embedded/embedded-postgres';
import { fitBgNbd } from '../src/scoring/models/bg-nbd';
import { BgNbdForecaster, Forecast } from '../src/scoring/bg-nbd-forecaster';
import { BGNBD_SAMPLE_TARGET } from '../src/scoring/run-models';
import type { BgNbdParams } from '../src/scoring/models/types';
import { ScoreRunService, ScoreRunView } from '../src/scoring/score-run.service';
import { WorkspacesService } from '../src/workspaces/workspaces.service';
import { queueToken } from '../src/queue/queue.module';
import { QUEUES } from '../src/queue/queue-factory';
import type { Queue } from 'bullmq';
import { writeBackJobId } from '../src/write-back/write-back.service';
import { Benchmark, BenchContext, BenchFigure, BenchResult } from './benchmark';
import { withClient } from './bench-support';
import { databaseWithLayout, describeLayout, layoutFromEnv } from './dataset-layout';

/**
 * Scoring benchmarks (docs/benchmarks.md): the nightly run end to end through BullMQ and real worker processes,
 * timed beside `SELECT customer_id, count(*), max(placed_at), sum(amount_minor) FROM orders GROUP BY 1` on the same
 * data in the same run. Generated data and imported databases are kept (tmpdir, database
 * `callplan_bench_s<seed>_<customers>`) and reused by later runs; the skeleton benchmark always imports afresh,
 * since the import is part of what it measures.
 *
 * Knobs: BENCH_SCALE (customers × scale), BENCH_WORKERS (worker processes, default 2), BENCH_WORKER_CONCURRENCY
 * (jobs per process, default 1), BENCH_CHUNK_SIZE (default 50,000), BENCH_WORKER_NODE_OPTIONS (NODE_OPTIONS of the
 * worker processes, e.g. --max-old-space-size=256); for scoring-1m, BENCH_LAYOUT=arrival and BENCH_REVERSALS=<share>
 * (dataset-layout.ts: a copy of the data in arrival order, with refund records of their own), and BENCH_DAY_SCALE
 * (default 1): the day of CRM writes between the two nights × that share — 1 touches ≈ 3 % of the customers, 0.32
 * ≈ 1 %, the issue's "night with ~1 % changed customers".
 */

// This file runs from dist/bench/, the repository is two levels up.
const ROOT = join(__dirname, '..', '..');
export const DATA_END = '2026-11-24'; // the generator's default: nothing happens on or after it
const IMPORT_KINDS: ImportKind[] = ['reps', 'customers', 'orders', 'interactions'];
const SEED = 1;

export interface Dataset {
  url: string;
  workspaceId: string;
  customers: number;
  orders: number;
  /** seconds the import took, when this run imported */
  importSeconds: number | null;
}

export interface Knobs {
  workers: number;
  concurrency: number;
  chunkSize: number;
}

export function knobs(): Knobs {
  // the benchmark harness is the one place outside src/config that reads its own BENCH_* variables
  const env = process.env;
  return {
    workers: Number(env.BENCH_WORKERS ?? 2),
    concurrency: Number(env.BENCH_WORKER_CONCURRENCY ?? 1),
    chunkSize: Number(env.BENCH_CHUNK_SIZE ?? 50_000),
  };
}

function appConfig(
  url: string,
  ctx: BenchContext,
  prefix: string,
  extra: Record<string, string> = {},
): AppConfig {
  return loadConfig(configEnv(url, ctx, prefix, extra));
}

function configEnv(url: string, ctx: BenchContext, prefix: string, extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    ...(ctx.redisUrl ? { REDIS_URL: ctx.redisUrl } : {}),
    QUEUE_PREFIX: prefix,
    // development keys are generated once here and shared by the importer and the workers
    DATA_DIR: join(ROOT, '.data'),
    ...extra,
  };
}

async function context(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, config.databaseUrl as string, {
      http: false,
      workers: false,
      scheduler: false,
      quiet: true,
    }),
    { logger: ['error'] },
  );
  await app.init();
  return app;
}

/** Generates (once, kept in tmpdir) and imports (once per database unless `fresh`) a synthetic CRM. */
export async function dataset(
  ctx: BenchContext,
  customers: number,
  opts: { fresh: boolean },
): Promise<Dataset> {
  const dir = join(tmpdir(), `callplan-bench-crm-${customers}-s${SEED}`);
  if (!existsSync(join(dir, 'generated.json'))) {
    ctx.log(`generating ${customers.toLocaleString('en')} customers into ${dir} …`);
    const summary = await writeCrmCsvs({ customers, seed: SEED, outDir: dir });
    writeFileSync(join(dir, 'generated.json'), JSON.stringify(summary));
  }
  const name = `callplan_bench_s${SEED}_${customers}`;
  const admin = new URL(ctx.serverUrl);
  admin.pathname = '/postgres';
  const url = new URL(ctx.serverUrl);
  url.pathname = `/${name}`;
  if (opts.fresh) {
    await withClient(admin.toString(), (c) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
    );
  }
  await ensureDatabase(admin.toString(), name);
  const ds = createDataSource(url.toString(), 2);
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    await ds.query(
      `CREATE TABLE IF NOT EXISTS bench_dataset (workspace_id uuid NOT NULL, customers int NOT NULL, orders int NOT NULL)`,
    );
    const [found] = await ds.query(`SELECT workspace_id, customers, orders FROM bench_dataset`);
    if (found) {
      ctx.log(`reusing database ${name} (${Number(found.orders).toLocaleString('en')} orders)`);
      return {
        url: url.toString(),
        workspaceId: found.workspace_id,
        customers,
        orders: found.orders,
        importSeconds: null,
      };
    }
  } finally {
    await ds.destroy();
  }
  ctx.log(`importing into ${name} …`);
  const app = await context(appConfig(url.toString(), ctx, `benchimport${randomBytes(3).toString('hex')}`));
  try {
    const ws = await app.get(WorkspacesService).ensure({ slug: 'bench' });
    const t0 = Date.now();
    for (const kind of IMPORT_KINDS) {
      const r = await app
        .get(CsvImportService)
        .import({ workspaceId: ws.id, kind, file: join(dir, `${kind}.csv`) });
      ctx.log(`  ${kind}: ${r.rows.toLocaleString('en')} rows in ${r.seconds.toFixed(1)} s`);
    }
    const importSeconds = (Date.now() - t0) / 1000;
    // a database that has been running for a day is vacuumed: hint bits set, visibility map current
    await withClient(url.toString(), async (c) => {
      for (const t of ['customers', 'orders', 'interactions']) await c.query(`VACUUM ANALYZE ${t}`);
    });
    const [{ orders }] = await withClient(url.toString(), (c) =>
      c
        .query(`SELECT count(*)::int AS orders FROM orders WHERE workspace_id = $1`, [ws.id])
        .then((r) => r.rows),
    );
    await withClient(url.toString(), (c) =>
      c.query(`INSERT INTO bench_dataset VALUES ($1, $2, $3)`, [ws.id, customers, orders]),
    );
    return { url: url.toString(), workspaceId: ws.id, customers, orders: Number(orders), importSeconds };
  } finally {
    await app.close();
  }
}

/** The GROUP BY baseline: the literal query with its rows delivered to the client, and server-side only. */
export async function groupByBaseline(
  url: string,
  times: number,
): Promise<{ literal: number[]; server: number[] }> {
  const out = { literal: [] as number[], server: [] as number[] };
  await withClient(url, async (c) => {
    for (let i = 0; i < times; i++) {
      let t = Date.now();
      await c.query({
        text: 'SELECT customer_id, count(*), max(placed_at), sum(amount_minor) FROM orders GROUP BY 1',
        rowMode: 'array',
      });
      out.literal.push((Date.now() - t) / 1000);
      t = Date.now();
      await c.query(
        'SELECT count(*) FROM (SELECT customer_id, count(*), max(placed_at), sum(amount_minor) FROM orders GROUP BY 1) s',
      );
      out.server.push((Date.now() - t) / 1000);
    }
  });
  return out;
}

interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
}

async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'scoring-worker.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.BENCH_WORKER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    void exited.then(() => reject(new Error(`worker exited before it was ready: ${stderr}`)));
  });
  return { pid: child.pid as number, child, exited };
}

/** Peak resident set size of a process, MB (VmHWM). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Current resident set size of a process, MB (VmRSS). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** One scoring run through the queue on fresh worker processes; seconds from the run's creation to its end. */
export async function nightlyRun(
  ctx: BenchContext,
  ds: Dataset,
  asOf: string,
  k: Knobs,
): Promise<{
  seconds: number;
  rssMb: number[];
  rssByPhase: Record<string, number>;
  run: ScoreRunView;
  writeBack: { changed: number; seconds: number } | null;
}> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const workerEnv = configEnv(ds.url, ctx, prefix, {
    WORKER_CONCURRENCY: String(k.concurrency),
    SCORING_CHUNK_SIZE: String(k.chunkSize),
  });
  const workers = await Promise.all(Array.from({ length: k.workers }, () => startWorker(workerEnv)));
  const app = await context(appConfig(ds.url, ctx, prefix));
  try {
    const runs = app.get(ScoreRunService);
    const { run } = await runs.start({
      workspaceId: ds.workspaceId,
      asOf,
      trigger: 'bench',
      publishWorklists: false,
    });
    // resident memory per run phase (max over the workers), sampled while the run goes
    const rssByPhase: Record<string, number> = {};
    let phase = 'queued';
    const sampler = setInterval(() => {
      const mb = Math.max(...workers.map((w) => rssMb(w.pid)));
      rssByPhase[phase] = Math.max(rssByPhase[phase] ?? 0, Math.round(mb));
    }, 100);
    const watcher = setInterval(() => {
      void runs.get(ds.workspaceId, run.id).then(
        (r) => (phase = r.status),
        () => undefined,
      );
    }, 200);
    let done = await runs.waitFor(ds.workspaceId, run.id, undefined, 3_600_000);
    if (done.status !== 'completed') throw new Error(`run ${run.id} ${done.status}: ${done.error}`);
    // the run is complete for readers at the swap; its clean-up (dropping inputs and old partitions) belongs to
    // the run too, so the clock stops when finalize has finished (report.finalizedAt)
    while (!(done.report as { finalizedAt?: string }).finalizedAt) {
      await new Promise((r) => setTimeout(r, 100));
      done = await runs.get(ds.workspaceId, run.id);
    }
    clearInterval(sampler);
    clearInterval(watcher);
    const end = Date.parse((done.report as { finalizedAt: string }).finalizedAt);
    return {
      seconds: (end - done.createdAt.getTime()) / 1000,
      rssMb: workers.map((w) => peakRssMb(w.pid)),
      rssByPhase,
      run: done,
      writeBack: await writeBackPass(app, ds, run.id),
    };
  } finally {
    await app.close();
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
  }
}

/**
 * The per-customer write-back pass that finalize queued after the run (a job of its own, not in the run's time):
 * waits for it, then reads its result — the customers it sent and how long it took.
 */
async function writeBackPass(
  app: INestApplicationContext,
  ds: Dataset,
  runId: string,
): Promise<{ changed: number; seconds: number } | null> {
  const queue = app.get<Queue>(queueToken(QUEUES.scoring));
  const id = writeBackJobId(ds.workspaceId, runId);
  for (const t0 = Date.now(); Date.now() - t0 < 600_000;) {
    const state = await queue.getJobState(id);
    if (state === 'completed') {
      const job = await queue.getJob(id);
      const result = job?.returnvalue as { changed?: number } | undefined;
      const seconds = job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : NaN;
      return { changed: result?.changed ?? NaN, seconds };
    }
    if (state === 'failed') return null;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const fig = (label: string, value: number, unit: string): BenchFigure => ({ label, value, unit });
export const scaled = (n: number, scale: number) => Math.max(1000, Math.round(n * scale));

/** Phase timings of a run from its report, for the notes. */
export function phases(run: ScoreRunView): string {
  const r = run.report as {
    fitSeconds?: number;
    fitTimings?: Record<string, number>;
    finalizeSeconds?: number;
    finalizeTimings?: Record<string, number>;
    models?: {
      bgNbd?: { resolution?: string; distinctRows?: number; sampledBuyers?: number; seconds?: number };
    };
    history?: { mode?: string; rows?: number };
    chunkSeconds?: { read: number; score: number; write: number };
    phases?: Record<string, number>;
  };
  const b = r.models?.bgNbd;
  return (
    `phases ${JSON.stringify(r.phases)}; fit step ${r.fitSeconds?.toFixed(2)} s ${JSON.stringify(r.fitTimings)}; ` +
    `chunk jobs summed ${JSON.stringify(r.chunkSeconds)}; finalize ${r.finalizeSeconds?.toFixed(2)} s ` +
    `${JSON.stringify(r.finalizeTimings)}; BG/NBD ${b?.resolution} rows ${b?.distinctRows} of ${b?.sampledBuyers} buyers ` +
    `in ${b?.seconds} s; history ${r.history?.mode} ${r.history?.rows} rows`
  );
}

/** (a) The skeleton benchmark: import + scoring of 100k customers (~1M orders). */
export const scoringSkeletonBench: Benchmark = {
  name: 'scoring-skeleton',
  description: 'import + nightly scoring of 100k customers / ~1M orders beside the GROUP BY baseline',
  async run(ctx): Promise<BenchResult> {
    const k = knobs();
    const ds = await dataset(ctx, scaled(100_000, ctx.scale), { fresh: true });
    const before = await groupByBaseline(ds.url, 3);
    const nightly = await nightlyRun(ctx, ds, '2026-11-23', k);
    const after = await groupByBaseline(ds.url, 2);
    const literal = median([...before.literal, ...after.literal]);
    const server = median([...before.server, ...after.server]);
    return {
      figures: [
        fig(
          `import of ${ds.customers.toLocaleString('en')} customers / ${ds.orders.toLocaleString('en')} orders (+ interactions)`,
          ds.importSeconds ?? Number.NaN,
          's',
        ),
        fig('scoring run, end to end', nightly.seconds, 's'),
        fig('worker peak RSS (max)', Math.max(...nightly.rssMb), 'MB'),
      ],
      baselines: [
        fig('GROUP BY, rows to the client (median)', literal, 's'),
        fig('GROUP BY, server only (median)', server, 's'),
      ],
      ratios: [
        `scoring / GROUP BY = ${(nightly.seconds / literal).toFixed(2)}× (server-only: ${(nightly.seconds / server).toFixed(2)}×)`,
      ],
      notes: [
        `${k.workers} worker process(es) × concurrency ${k.concurrency}, chunks of ${k.chunkSize}`,
        `${phases(nightly.run)}; worker RSS by run status (MB) ${JSON.stringify(nightly.rssByPhase)}`,
      ],
    };
  },
};

/** (b) The full nightly run for 1M customers / ~10M orders, twice (first run, then the next night's). */
export const scoringNightlyBench: Benchmark = {
  name: 'scoring-1m',
  description: 'nightly scoring run of 1M customers / ~10M orders beside the GROUP BY baseline, worker RSS',
  async run(ctx): Promise<BenchResult> {
    const k = knobs();
    const layout = layoutFromEnv();
    const generated = await dataset(ctx, scaled(1_000_000, ctx.scale), { fresh: false });
    const ds = { ...generated, url: await databaseWithLayout(ctx, generated, layout) };
    const samples = await groupByBaseline(ds.url, 3);
    await asFirstNight(ds);
    const first = await nightlyRun(ctx, ds, '2026-11-23', k);
    const more = await groupByBaseline(ds.url, 2);
    // then a day of CRM changes, and the next night: a run with a previous run (moves, delta history) whose
    // summaries follow the day's changes
    const day = await dayOfChanges(ds, ctx.scale * dayScaleFromEnv());
    let second: Awaited<ReturnType<typeof nightlyRun>>;
    try {
      second = await nightlyRun(ctx, ds, DATA_END, k);
    } finally {
      await day.undo();
    }
    const stability = await nightOverNight(ds, first.run.id, second.run.id);
    const last = await groupByBaseline(ds.url, 2);
    const literal = median([...samples.literal, ...more.literal, ...last.literal]);
    const server = median([...samples.server, ...more.server, ...last.server]);
    const rss = Math.max(...first.rssMb, ...second.rssMb);
    return {
      figures: [
        fig(
          `nightly run, ${ds.customers.toLocaleString('en')} customers / ${ds.orders.toLocaleString('en')} orders (no previous run)`,
          first.seconds,
          's',
        ),
        fig('next night (previous run: moves, delta history, old partition dropped)', second.seconds, 's'),
        fig('worker peak RSS (max over workers and runs)', rss, 'MB'),
      ],
      baselines: [
        fig('GROUP BY, rows to the client (median of 7)', literal, 's'),
        fig('GROUP BY, server only (median of 7)', server, 's'),
      ],
      ratios: [
        `first run / GROUP BY = ${(first.seconds / literal).toFixed(2)}× (server-only: ${(first.seconds / server).toFixed(2)}×)`,
        `next night / GROUP BY = ${(second.seconds / literal).toFixed(2)}× (server-only: ${(second.seconds / server).toFixed(2)}×)`,
      ],
      notes: [
        `${k.workers} worker process(es) × concurrency ${k.concurrency}, chunks of ${k.chunkSize}`,
        `data: ${describeLayout(layout)} (BENCH_LAYOUT, BENCH_REVERSALS)`,
        `baseline samples: rows to client ${[...samples.literal, ...more.literal, ...last.literal].map((s) => s.toFixed(2)).join(', ')}; server ${[...samples.server, ...more.server, ...last.server].map((s) => s.toFixed(2)).join(', ')}`,
        `the day between the runs: ${day.description}`,
        `customer summaries: first run ${JSON.stringify(first.run.report.customerSummaries)}, next night ${JSON.stringify(second.run.report.customerSummaries)}`,
        `first run: ${phases(first.run)}; worker RSS by run status (MB) ${JSON.stringify(first.rssByPhase)}`,
        `next night: ${phases(second.run)}; worker RSS by run status (MB) ${JSON.stringify(second.rssByPhase)}`,
        `night over night (issue 13 stability): ${stability}`,
        `write-back pass after each night (docs/write-back.md): ${[first, second]
          .map((n) =>
            n.writeBack
              ? `${n.writeBack.changed.toLocaleString('en')} customers sent in ${n.writeBack.seconds.toFixed(1)} s`
              : 'did not complete',
          )
          .join(' / ')}`,
        `goal: ≤ 3× GROUP BY and < 60 s → first ${first.seconds <= 3 * literal && first.seconds < 60 ? 'met' : 'NOT met'}, next night ${second.seconds <= 3 * literal && second.seconds < 60 ? 'met' : 'NOT met'} (against the rows-to-client baseline); RSS < 512 MB ${rss < 512 ? 'met' : 'NOT met'}`,
      ],
    };
  },
};

/**
 * How much the scores moved between the two nights (models/incumbent.ts): the spread of each customer's CLV ratio,
 * tier and lifecycle changes, over customers scored both nights. A day that touched 3 % of customers should move
 * little else.
 */
async function nightOverNight(ds: Dataset, firstRunId: string, secondRunId: string): Promise<string> {
  return withClient(ds.url, async (c) => {
    const { rows } = await c.query<{ q: number[] | null; tiers: number; lifecycles: number; n: number }>(
      `SELECT percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY b.clv::float8 / a.clv)
                FILTER (WHERE a.clv > 0 AND b.clv IS NOT NULL) AS q,
              count(*) FILTER (WHERE a.value_tier <> b.value_tier)::int AS tiers,
              count(*) FILTER (WHERE a.lifecycle <> b.lifecycle)::int AS lifecycles, count(*)::int AS n
       FROM customer_scores a JOIN customer_scores b ON b.customer_id = a.customer_id AND b.run_id = $2
       WHERE a.run_id = $1`,
      [firstRunId, secondRunId],
    );
    const [r] = rows;
    const q = (r.q ?? []).map((v) => `×${v.toFixed(3)}`);
    return `CLV ratio 10th / 50th / 90th percentile ${q.join(' / ') || 'n/a'}; tier changes ${r.tiers.toLocaleString('en')}, lifecycle changes ${r.lifecycles.toLocaleString('en')} of ${r.n.toLocaleString('en')} customers`;
  });
}

/**
 * The workspace as on the first night after a bulk load: no customer summaries (the run builds them from all
 * orders and interactions) and no current snapshot. Without the latter, a data set scored by an earlier benchmark
 * run (whose last night is DATA_END) would make the first night, dated the day before, a backtest: kept apart,
 * no history rows, no swap (docs/scoring-run.md, "As of a date") — not the night this measures.
 */
export async function asFirstNight(ds: Dataset): Promise<void> {
  await withClient(ds.url, async (c) => {
    await c.query(`DELETE FROM customer_summary_state WHERE workspace_id = $1`, [ds.workspaceId]);
    await c.query(`UPDATE workspaces SET current_score_run_id = NULL WHERE id = $1`, [ds.workspaceId]);
  });
}

/**
 * A day of CRM writes between two nightly runs, in the bulk statements sync and import use: new paid orders on
 * DATA_END from 1 % of the customers, and 0.2 % of existing orders refunded. `undo` restores the data set (the
 * next benchmark run rebuilds its summaries anyway).
 */
/** BENCH_DAY_SCALE: the share of the benchmark's day of writes to make (a positive number; 1 when unset). */
function dayScaleFromEnv(): number {
  const raw = process.env.BENCH_DAY_SCALE;
  if (raw === undefined || raw === '') return 1;
  const share = Number(raw);
  if (!Number.isFinite(share) || share <= 0)
    throw new Error(`BENCH_DAY_SCALE must be a positive number, got "${raw}"`);
  return share;
}

export async function dayOfChanges(
  ds: Dataset,
  scale: number,
): Promise<{ description: string; undo: () => Promise<void> }> {
  const buyers = scaled(10_000, scale);
  const refunds = scaled(20_000, scale);
  return withClient(ds.url, async (c) => {
    const t = Date.now();
    const inserted = await c.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'bench-day', 'day-' || id, id, TIMESTAMPTZ '${DATA_END}T11:00:00+08:00' + (id % 600) * interval '1 minute',
              1000 + id % 90000, 'CNY', 'paid'
       FROM customers WHERE workspace_id = $1 AND id % 100 = 7 ORDER BY id LIMIT $2`,
      [ds.workspaceId, buyers],
    );
    const refunded = await c.query(
      `UPDATE orders SET status = 'refunded', source_updated_at = now()
       WHERE id IN (SELECT id FROM orders WHERE workspace_id = $1 AND status = 'paid' AND id % 500 = 3 LIMIT $2)
       RETURNING id`,
      [ds.workspaceId, refunds],
    );
    const seconds = (Date.now() - t) / 1000;
    const ids = refunded.rows.map((r: { id: string }) => r.id);
    return {
      description: `${inserted.rowCount} new orders, ${ids.length} refunds written in ${seconds.toFixed(2)} s`,
      undo: () =>
        withClient(ds.url, async (u) => {
          await u.query(`DELETE FROM orders WHERE workspace_id = $1 AND source = 'bench-day'`, [
            ds.workspaceId,
          ]);
          await u.query(`UPDATE orders SET status = 'paid' WHERE id = ANY($1::bigint[])`, [ids]);
        }),
    };
  });
}

/** (c) BG/NBD fit time on the summary of 1M customers: all buyers by day, by week, and the run's sample. */
export const bgNbdFitBench: Benchmark = {
  name: 'bgnbd-fit-1m',
  description: 'BG/NBD maximum-likelihood fit on the (x, t_x, T) summary of 1M customers',
  async run(ctx): Promise<BenchResult> {
    const ds = await dataset(ctx, scaled(1_000_000, ctx.scale), { fresh: false });
    const asOf = '2026-11-23';
    const rows: Array<{ id: number; x: number; tx: number; T: number }> = await withClient(
      ds.url,
      async (c) => {
        await c.query(`SET TimeZone = 'Asia/Shanghai'`);
        const r = await c.query({
          text: `SELECT customer_id, count(DISTINCT placed_at::date) - 1, max(placed_at::date) - min(placed_at::date),
                      $2::date - min(placed_at::date)
               FROM orders WHERE workspace_id = $1 AND status = 'paid' AND deleted_at IS NULL
                 AND placed_at < ($2::date + 1)::timestamptz
               GROUP BY customer_id`,
          values: [ds.workspaceId, asOf],
          rowMode: 'array',
        });
        return r.rows.map((f: string[]) => ({
          id: Number(f[0]),
          x: Number(f[1]),
          tx: Number(f[2]),
          T: Number(f[3]),
        }));
      },
    );
    const timed = (rs: Array<{ x: number; tx: number; T: number }>, unit = 1) => {
      const t = Date.now();
      const fit = fitBgNbd(
        unit === 1 ? rs : rs.map((r) => ({ x: r.x, tx: Math.round(r.tx / unit), T: Math.round(r.T / unit) })),
      );
      const seconds = (Date.now() - t) / 1000;
      return { seconds, fit, params: { ...fit.params, alpha: fit.params.alpha * unit } as BgNbdParams };
    };
    const distinct = (rs: Array<{ x: number; tx: number; T: number }>, unit = 1) =>
      new Set(rs.map((r) => `${r.x}|${Math.round(r.tx / unit)}|${Math.round(r.T / unit)}`)).size;
    const full = timed(rows);
    const week = timed(rows, 7);
    const modulus = Math.max(1, Math.ceil(rows.length / BGNBD_SAMPLE_TARGET));
    const sampleRows = rows.filter((r) => r.id % modulus === 0);
    const sample = timed(sampleRows);
    const show = (p: BgNbdParams) =>
      `r=${p.r.toFixed(4)} α=${p.alpha.toFixed(2)} d a=${p.a.toFixed(4)} b=${p.b.toFixed(4)}`;
    const off = (p: BgNbdParams) =>
      Math.max(
        ...(['r', 'alpha', 'a', 'b'] as const).map((n) => Math.abs(p[n] - full.params[n]) / full.params[n]),
      );
    // what the parameters are for: predictions. Total expected purchases in a year and P(alive), over every buyer.
    const predict = (p: BgNbdParams) => {
      const f = new BgNbdForecaster(p, { horizon: 365, periodLength: 365, discountRatePerPeriod: 0 });
      return rows.map((r) => f.forecast({ x: r.x, tx: r.tx, T: r.T }));
    };
    const reference = predict(full.params);
    const total = (fs: Forecast[]) => fs.reduce((n, f) => n + f.expectedPurchases, 0);
    const predictions = (p: BgNbdParams) => {
      const fs = predict(p);
      const mae = fs.reduce((n, f, i) => n + Math.abs(f.pAlive - reference[i].pAlive), 0) / fs.length;
      return `expected purchases in 365 days ${((total(fs) / total(reference) - 1) * 100).toFixed(2)} % vs all-by-day, mean |ΔP(alive)| ${mae.toFixed(4)}`;
    };
    return {
      figures: [
        fig(
          `fit on a 1-in-${modulus} sample by id (${sampleRows.length.toLocaleString('en')} buyers, ${distinct(sampleRows).toLocaleString('en')} distinct day rows), as the run does`,
          sample.seconds,
          's',
        ),
        fig(`fit on week rows (${distinct(rows, 7).toLocaleString('en')} distinct)`, week.seconds, 's'),
      ],
      baselines: [
        fig(
          `fit on all ${rows.length.toLocaleString('en')} buyers by day (${distinct(rows).toLocaleString('en')} distinct rows)`,
          full.seconds,
          's',
        ),
      ],
      ratios: [
        `all by day / sample = ${(full.seconds / sample.seconds).toFixed(1)}×, all by day / weeks = ${(full.seconds / week.seconds).toFixed(1)}×`,
      ],
      notes: [
        `all by day: ${show(full.params)}, ${full.fit.iterations} iterations, converged ${full.fit.converged}`,
        `weeks: ${show(week.params)}; largest parameter difference to all-by-day ${(off(week.params) * 100).toFixed(2)} %; ${predictions(week.params)}`,
        `sample: ${show(sample.params)}; largest parameter difference to all-by-day ${(off(sample.params) * 100).toFixed(2)} %; ${predictions(sample.params)}`,
      ],
    };
  },
};
