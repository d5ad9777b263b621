import { loadavg } from 'node:os';
import { Benchmark, BenchFigure, BenchResult } from './benchmark';
import {
  asFirstNight,
  DATA_END,
  dataset,
  dayOfChanges,
  fig,
  groupByBaseline,
  knobs,
  median,
  nightlyRun,
  phases,
  scaled,
} from './scoring.bench';

/**
 * The scaling slope of the nightly run (issue 16 item 4, docs/scaling.md): the same protocol at several workspace
 * sizes (the generator's data, ~10 orders per customer), each beside the GROUP BY baseline of its own database in
 * the same run, so that seconds per customer and the ratio can be compared across sizes on a noisy machine. Per
 * size: a first night (the summaries built), a day of changes (1 % of the customers buy) and the next night, then
 * the same night re-run on one worker process and on two, for the chunk phase's scaling.
 *
 * Sizes: BENCH_SLOPE_SIZES (customers, comma-separated; default 100000,300000,1000000), × BENCH_SCALE when given.
 * Data sets are generated and imported once and kept (scoring.bench.ts dataset); 1M takes ~15 minutes to import.
 */

const DEFAULT_SIZES = [100_000, 300_000, 1_000_000];

interface SizeResult {
  customers: number;
  orders: number;
  literal: number;
  server: number;
  first: number;
  next: number;
  oneWorker: { total: number; chunks: number; jobs: number };
  twoWorkers: { total: number; chunks: number; jobs: number };
  /** 1-minute load average before and after the size's runs */
  load: [number, number];
  notes: string[];
}

function sizes(scale: number, scaleGiven: boolean): number[] {
  // the benchmark harness is the one place outside src/config that reads its own BENCH_* variables
  const listed = process.env.BENCH_SLOPE_SIZES?.split(',').map(Number) ?? DEFAULT_SIZES;
  if (listed.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`BENCH_SLOPE_SIZES: whole numbers of customers, got ${process.env.BENCH_SLOPE_SIZES}`);
  return scaleGiven ? listed.map((n) => scaled(n, scale)) : listed;
}

const chunkPhase = (run: { report: Record<string, unknown> }): number =>
  (run.report.phases as { chunks?: number } | null)?.chunks ?? Number.NaN;

/** The chunk jobs' own seconds, summed: equal on one and two workers when each worker has a core of its own. */
const chunkJobs = (run: { report: Record<string, unknown> }): number => {
  const s = run.report.chunkSeconds as { read: number; score: number; write: number } | null;
  return s ? s.read + s.score + s.write : Number.NaN;
};

export const scoringSlopeBench: Benchmark = {
  name: 'scoring-slope',
  description:
    'nightly scoring at 0.1M / 0.3M / 1M customers: seconds per customer beside each size’s GROUP BY, and the chunk phase on 1 vs 2 worker processes',
  async run(ctx): Promise<BenchResult> {
    const k = knobs();
    const results: SizeResult[] = [];
    for (const customers of sizes(ctx.scale, ctx.scaleGiven ?? false)) {
      const ds = await dataset(ctx, customers, { fresh: false });
      ctx.log(
        `${customers.toLocaleString('en')} customers: baseline, first night, next night, 1 vs 2 workers`,
      );
      const loadBefore = loadavg()[0];
      const before = await groupByBaseline(ds.url, 3);
      // the first night after the bulk load builds the summaries; the nights after it refresh the day's changes
      await asFirstNight(ds);
      const first = await nightlyRun(ctx, ds, '2026-11-23', { ...k, workers: 2 });
      const day = await dayOfChanges(ds, customers / 1_000_000);
      let next: Awaited<ReturnType<typeof nightlyRun>>;
      try {
        next = await nightlyRun(ctx, ds, DATA_END, { ...k, workers: 2 });
      } finally {
        await day.undo();
      }
      // the same night again (the undo's few customers refreshed by the first of them), one worker then two
      const one = await nightlyRun(ctx, ds, DATA_END, { ...k, workers: 1 });
      const two = await nightlyRun(ctx, ds, DATA_END, { ...k, workers: 2 });
      const after = await groupByBaseline(ds.url, 2);
      results.push({
        customers: ds.customers,
        orders: ds.orders,
        literal: median([...before.literal, ...after.literal]),
        server: median([...before.server, ...after.server]),
        first: first.seconds,
        next: next.seconds,
        oneWorker: { total: one.seconds, chunks: chunkPhase(one.run), jobs: chunkJobs(one.run) },
        twoWorkers: { total: two.seconds, chunks: chunkPhase(two.run), jobs: chunkJobs(two.run) },
        load: [loadBefore, loadavg()[0]],
        notes: [
          `${ds.customers.toLocaleString('en')}: the day: ${day.description}; next night ${phases(next.run)}`,
          `${ds.customers.toLocaleString('en')}: re-run on 1 worker ${phases(one.run)}`,
          `${ds.customers.toLocaleString('en')}: re-run on 2 workers ${phases(two.run)}`,
          `${ds.customers.toLocaleString('en')}: worker peak RSS ${Math.max(...first.rssMb, ...next.rssMb, ...one.rssMb, ...two.rssMb).toFixed(0)} MB`,
        ],
      });
    }
    const perCustomer = (r: SizeResult, s: number) => (s / r.customers) * 1e6;
    const smallest = results[0];
    const figures: BenchFigure[] = results.flatMap((r) => [
      fig(`${r.customers.toLocaleString('en')} customers, first night`, r.first, 's'),
      fig(`${r.customers.toLocaleString('en')} customers, next night`, r.next, 's'),
      fig(
        `${r.customers.toLocaleString('en')} customers, next night per customer`,
        perCustomer(r, r.next),
        'µs',
      ),
      fig(`${r.customers.toLocaleString('en')} customers, chunk phase on 1 worker`, r.oneWorker.chunks, 's'),
      fig(
        `${r.customers.toLocaleString('en')} customers, chunk phase on 2 workers`,
        r.twoWorkers.chunks,
        's',
      ),
    ]);
    const baselines: BenchFigure[] = results.flatMap((r) => [
      fig(
        `${r.customers.toLocaleString('en')} customers / ${r.orders.toLocaleString('en')} orders: GROUP BY, rows to the client (median of 5)`,
        r.literal,
        's',
      ),
      fig(
        `${r.customers.toLocaleString('en')} customers: GROUP BY per customer`,
        perCustomer(r, r.literal),
        'µs',
      ),
    ]);
    const ratios = results.flatMap((r) => [
      `${r.customers.toLocaleString('en')}: first night / GROUP BY = ${(r.first / r.literal).toFixed(2)}×, next night / GROUP BY = ${(r.next / r.literal).toFixed(2)}× (server-only ${(r.next / r.server).toFixed(2)}×); next night per customer = ${(perCustomer(r, r.next) / perCustomer(smallest, smallest.next)).toFixed(2)}× the smallest size's`,
      `${r.customers.toLocaleString('en')}: chunk phase 1 worker / 2 workers = ${(r.oneWorker.chunks / r.twoWorkers.chunks).toFixed(2)}× (whole re-run ${r.oneWorker.total.toFixed(1)} s / ${r.twoWorkers.total.toFixed(1)} s); chunk jobs' own seconds summed ${r.oneWorker.jobs.toFixed(1)} / ${r.twoWorkers.jobs.toFixed(1)} (equal when each worker has a core); load average ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`,
    ]);
    return {
      figures,
      baselines,
      ratios,
      notes: [
        `chunks of ${k.chunkSize}, concurrency ${k.concurrency} per worker process; first and next night on 2 workers`,
        ...results.flatMap((r) => r.notes),
      ],
    };
  },
};
