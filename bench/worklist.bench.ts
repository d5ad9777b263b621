import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { loadConfig } from '../src/config/config';
import { CsvImportService } from '../src/ingest/csv/csv-import.service';
import { ImportKind } from '../src/ingest/csv/csv-rows';
import { writeCrmCsvs } from '../src/generator/crm-csv-writer';
import { createDataSource } from '../src/database/data-source';
import { quoteIdent } from '../src/embedded/embedded-postgres';
import { ScoreRunService } from '../src/scoring/score-run.service';
import { COUNTRY_TIME_ZONES } from '../src/worklist/country-time-zones';
import { callableByRep, repShiftOf } from '../src/worklist/ranking';
import { WorklistPolicyService } from '../src/worklist/worklist-policy.service';
import { PublishPhases, WorklistPublisher } from '../src/worklist/worklist-publisher.service';
import { LIST_HEAD_SQL, LIST_ITEMS_SQL } from '../src/worklist/worklist.sql';
import { CANDIDATES_SQL, candidateParams } from '../src/worklist/worklist.sql';
import { WorkspacesService } from '../src/workspaces/workspaces.service';
import { Benchmark, BenchContext, BenchFigure, BenchResult } from './benchmark';
import { withDatabase, withClient, freePort, waitForHttp } from './bench-support';
import type { BareAnswer, BareBodies } from './worklist-bare-server';

// autocannon ships no types; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  /** bytes received, headers included */
  throughput: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}

/** Lists are published for this day (a Tuesday): the generator's default as-of, so CSVs can be reused. */
const AS_OF = '2026-11-24';
const CONNECTIONS = 200;
/** The goal's second load: p99 ≤ 15 ms here (issue 16 item 3). */
const FEW_CONNECTIONS = 50;
/** Customers when no scale is asked for: a run of under 3 minutes on a shared 2-CPU machine. */
const DEFAULT_SCALE = 0.02;

/**
 * Worklists at scale: (1) publishing the lists of 500 reps over 1M customers, beside the scoring run of the same
 * data and the candidate query alone; (2) `GET /v1/me/worklist` from 200 concurrent connections (autocannon,
 * loopback, API in its own process as in production), beside the same three SQL statements run directly through
 * a pool of the same size in the same run, and beside a bare node:http server answering each key with the same
 * bytes (worklist-bare-server.ts), at 200 and 50 connections; then both again with `Accept-Encoding: gzip` (the API's
 * compressed pages, the bare server sending the same compressed bytes). `--scale=` (or BENCH_SCALE) scales customers and reps
 * (0.1 → 100k customers, 50 reps; 1 → 1M, 500); without it the run is at 20k customers, 20 reps.
 */
export const worklistBenchmark: Benchmark = {
  name: 'worklist',
  description:
    'publish lists for every rep (20k customers by default; --scale=1: 1M, 500 reps); GET /v1/me/worklist at 200 ' +
    'and 50 connections, identity and gzip, beside a bare node:http server with the same bytes',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const scale = ctx.scaleGiven ? ctx.scale : DEFAULT_SCALE;
    const customers = Math.max(2_000, Math.round(1_000_000 * scale));
    const teams = Math.min(99, Math.max(2, Math.round(50 * scale)));
    const repsPerTeam = 10;
    const seconds = Math.max(5, Math.round(15 * Math.min(1, scale * 4)));
    const dbName = `callplan_bench_wl_${randomBytes(4).toString('hex')}`;
    const dbUrl = withDatabase(ctx.serverUrl, dbName);
    const env = benchEnv(dbUrl, ctx.redisUrl);
    await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
      c.query(`CREATE DATABASE ${quoteIdent(dbName)}`),
    );
    let app: INestApplicationContext | undefined;
    let server: ChildProcess | undefined;
    let bare: ChildProcess | undefined;
    try {
      const ds = createDataSource(dbUrl, 2);
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.destroy();

      const dir = await crmFiles(customers, teams, repsPerTeam, ctx);
      const config = loadConfig(env);
      app = await NestFactory.createApplicationContext(
        AppModule.forRoot(config, dbUrl, { http: false, workers: true, scheduler: false, quiet: true }),
        { logger: ['error'] },
      );
      await app.init();
      const ws = await app.get(WorkspacesService).ensure({ slug: 'bench' });
      let t = Date.now();
      for (const kind of ['reps', 'customers', 'orders', 'interactions'] as ImportKind[]) {
        await app.get(CsvImportService).import({ workspaceId: ws.id, kind, file: join(dir, `${kind}.csv`) });
      }
      const importSeconds = (Date.now() - t) / 1000;
      ctx.log(`imported ${customers} customers in ${importSeconds.toFixed(1)} s`);

      const runs = app.get(ScoreRunService);
      const { run } = await runs.start({
        workspaceId: ws.id,
        asOf: AS_OF,
        trigger: 'bench',
        publishWorklists: false,
      });
      const scored = await runs.waitFor(ws.id, run.id, undefined, 6 * 3_600_000);
      if (scored.status !== 'completed') throw new Error(`score run ${scored.status}: ${scored.error}`);
      const scoringSeconds = ((scored.finishedAt as Date).getTime() - scored.createdAt.getTime()) / 1000;
      ctx.log(`scored in ${scoringSeconds.toFixed(1)} s`);

      const sql = app.get(DataSource);
      await sql.query('VACUUM ANALYZE');
      const reps: Array<{ id: string; external_id: string }> = await sql.query(
        `SELECT id, external_id FROM reps WHERE workspace_id = $1 AND active AND role = 'rep'`,
        [ws.id],
      );
      // the candidate query alone, for all reps (also warms the cache the same way for the publish that follows)
      const policy = await app.get(WorklistPolicyService).load(ws.id);
      const known = Object.keys(COUNTRY_TIME_ZONES);
      t = Date.now();
      const candidates = await sql.query(
        CANDIDATES_SQL,
        candidateParams({
          workspaceId: ws.id,
          runId: policy.run!.id,
          listDate: AS_OF,
          timeZone: policy.timeZone,
          scoredAsOf: policy.run!.asOf,
          horizonDays: policy.run!.horizonDays,
          currency: policy.currency,
          repIds: reps.map((r) => r.id),
          settings: policy.settings,
          referenceValue: policy.run!.referenceValue,
          callable: callableByRep(
            reps.map((r) => ({
              id: r.id,
              shift: repShiftOf(r.external_id, policy.timeZone, policy.settings),
            })),
            known,
            { listDate: AS_OF, timeZone: policy.timeZone },
            policy.settings,
            1,
          ),
          knownCountries: known,
        }),
      );
      const candidateSeconds = (Date.now() - t) / 1000;
      t = Date.now();
      const published = await app.get(WorklistPublisher).publish(ws.id, AS_OF);
      const publishSeconds = (Date.now() - t) / 1000;
      ctx.log(
        `published ${published.lists} lists / ${published.items} items in ${publishSeconds.toFixed(2)} s ` +
          `(candidate query alone ${candidateSeconds.toFixed(2)} s, ${candidates.length} rows)`,
      );
      const publishPhases = phasesLine(published.phases);
      ctx.log(`publish phases: ${publishPhases}`);

      // one key per rep; the load spreads over every list
      const keys: string[] = [];
      for (const r of reps) {
        keys.push(
          (
            await app
              .get(ApiKeysService)
              .create({ workspaceId: ws.id, name: 'bench', role: 'rep', repId: r.id })
          ).key,
        );
      }
      await app.close();
      app = undefined;

      const port = await freePort();
      // BENCH_CPU_PROF=<dir>: the API process writes a V8 CPU profile there when it stops (where its time goes)
      const profile = process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : [];
      server = spawn(process.execPath, [...profile, join(__dirname, '..', 'src', 'main.api.js')], {
        env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', METRICS_TOKEN },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health`, 60_000);

      const load = (opts: { connections: number; etags?: string[]; url?: string; gzip?: boolean }) => {
        let i = 0;
        return autocannon({
          url: opts.url ?? base,
          connections: opts.connections,
          duration: seconds,
          requests: [
            {
              method: 'GET',
              path: `/v1/me/worklist?date=${AS_OF}`,
              setupRequest: (req: { headers?: Record<string, string> }) => {
                const n = i++ % keys.length;
                const headers: Record<string, string> = {
                  ...req.headers,
                  authorization: `Bearer ${keys[n]}`,
                };
                if (opts.etags) headers['if-none-match'] = opts.etags[n];
                if (opts.gzip) headers['accept-encoding'] = 'gzip';
                return { ...req, headers };
              },
            },
          ],
        });
      };
      const load1 = loadavg()[0];
      await load({ connections: CONNECTIONS }); // warm-up: connection pools, JIT, plan caches
      await processHealth(base, METRICS_TOKEN); // a scrape resets the event loop's delay histogram
      const api = await load({ connections: CONNECTIONS });
      const health = await processHealth(base, METRICS_TOKEN);
      ctx.log(
        `API process during the ${CONNECTIONS}-connection run: event loop delay p99 ${health.lagP99Ms} ms, ` +
          `max ${health.lagMaxMs} ms; garbage collection ${health.gc}; slowest request ${api.latency.max} ms`,
      );
      ctx.log(
        `API: ${api.requests.total} requests, ${api['2xx']} 2xx, ${api.non2xx} non-2xx, ${api.errors} errors`,
      );
      if (api.non2xx > 0 || api['2xx'] === 0) {
        throw new Error(
          `the API answered ${api.non2xx} non-2xx of ${api.requests.total}: check keys and list date`,
        );
      }
      const apiFew = await load({ connections: FEW_CONNECTIONS });
      const apiCpu = await cpuPerRequest(server.pid, () => load({ connections: CONNECTIONS }));
      ctx.log(`API, ${FEW_CONNECTIONS} connections: ${summary(apiFew)}; ${CONNECTIONS}: ${summary(api)}`);
      // the same with Accept-Encoding: gzip (pages compressed once, when remembered)
      const apiGz = await load({ connections: CONNECTIONS, gzip: true });
      const apiGzFew = await load({ connections: FEW_CONNECTIONS, gzip: true });
      const apiGzCpu = await cpuPerRequest(server.pid, () => load({ connections: CONNECTIONS, gzip: true }));
      ctx.log(
        `API gzip, ${FEW_CONNECTIONS} connections: ${summary(apiGzFew)}; ${CONNECTIONS}: ${summary(apiGz)}`,
      );
      if (apiGz.non2xx > 0 || apiGz['2xx'] === 0) throw new Error(`gzip run: ${apiGz.non2xx} non-2xx`);
      // each key's answers as sent (bytes and page headers), for the 304 run and for the bare server to send
      // byte for byte
      const etags: string[] = [];
      const answers: BareBodies = {};
      const path = `/v1/me/worklist?date=${AS_OF}`;
      for (const key of keys) {
        const identity = await wireAnswer(`${base}${path}`, key, {});
        const gzip = await wireAnswer(`${base}${path}`, key, { 'accept-encoding': 'gzip' });
        if (gzip.headers['content-encoding'] !== 'gzip') throw new Error('the API did not answer gzip');
        etags.push(identity.headers.etag ?? '');
        answers[`Bearer ${key}`] = { identity, gzip };
      }
      const revalidate = await load({ connections: CONNECTIONS, etags });
      server.kill('SIGTERM');
      server = undefined;

      // the bare server alone on the machine, as the API was
      const bodiesFile = join(mkdtempSync(join(tmpdir(), 'callplan-bench-bare-')), 'bodies.json');
      writeFileSync(bodiesFile, JSON.stringify(answers));
      const first = answers[`Bearer ${keys[0]}`];
      const barePort = await freePort();
      bare = spawn(process.execPath, [join(__dirname, 'worklist-bare-server.js')], {
        env: { ...process.env, BARE_PORT: String(barePort), BARE_BODIES: bodiesFile },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve) => bare!.once('message', () => resolve()));
      const bareUrl = `http://127.0.0.1:${barePort}`;
      for (const [headers, sent] of [
        [{}, first.identity],
        [{ 'accept-encoding': 'gzip' }, first.gzip],
      ] as const) {
        const sample = await wireAnswer(`${bareUrl}/`, keys[0], headers);
        if (sample.body !== sent.body || JSON.stringify(sample.headers) !== JSON.stringify(sent.headers))
          throw new Error('the bare server does not answer the same bytes and headers as the API');
      }
      await load({ connections: CONNECTIONS, url: bareUrl }); // warm-up
      const bareMany = await load({ connections: CONNECTIONS, url: bareUrl });
      const bareFew = await load({ connections: FEW_CONNECTIONS, url: bareUrl });
      const bareCpu = await cpuPerRequest(bare.pid, () => load({ connections: CONNECTIONS, url: bareUrl }));
      ctx.log(
        `bare, ${FEW_CONNECTIONS} connections: ${summary(bareFew)}; ${CONNECTIONS}: ${summary(bareMany)}`,
      );
      await load({ connections: CONNECTIONS, url: bareUrl, gzip: true }); // warm-up
      const bareGz = await load({ connections: CONNECTIONS, url: bareUrl, gzip: true });
      const bareGzFew = await load({ connections: FEW_CONNECTIONS, url: bareUrl, gzip: true });
      const bareGzCpu = await cpuPerRequest(bare.pid, () =>
        load({ connections: CONNECTIONS, url: bareUrl, gzip: true }),
      );
      ctx.log(
        `bare gzip, ${FEW_CONNECTIONS} connections: ${summary(bareGzFew)}; ${CONNECTIONS}: ${summary(bareGz)}`,
      );
      bare.kill('SIGTERM');
      bare = undefined;
      const bodyBytes = Object.values(answers).map((a) => Buffer.from(a.identity.body, 'base64').length);
      const gzipBytes = Object.values(answers).map((a) => Buffer.from(a.gzip.body, 'base64').length);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

      const raw = await rawSqlBaseline(dbUrl, keys, ws.id, seconds, Number(env.DATABASE_POOL_SIZE));
      const figures: BenchFigure[] = [
        {
          label: `publish ${published.lists} lists (${published.items} items) over ${customers.toLocaleString('en')} customers`,
          value: publishSeconds,
          unit: 's',
        },
        ...loadFigures('GET /v1/me/worklist', api, ` (${CONNECTIONS} connections)`),
        ...loadFigures('GET /v1/me/worklist', apiFew, ` (${FEW_CONNECTIONS} connections)`),
        ...loadFigures('GET /v1/me/worklist with If-None-Match (304)', revalidate, ''),
        {
          label: `GET /v1/me/worklist CPU time of the API process per request (${CONNECTIONS} connections)`,
          value: apiCpu,
          unit: 'ms',
        },
        ...loadFigures('GET /v1/me/worklist gzip', apiGz, ` (${CONNECTIONS} connections)`),
        ...loadFigures('GET /v1/me/worklist gzip', apiGzFew, ` (${FEW_CONNECTIONS} connections)`),
        {
          label: `GET /v1/me/worklist gzip CPU time of the API process per request (${CONNECTIONS} connections)`,
          value: apiGzCpu,
          unit: 'ms',
        },
        { label: 'bytes per response on the wire, identity (headers included)', value: wire(api), unit: 'B' },
        { label: 'bytes per response on the wire, gzip (headers included)', value: wire(apiGz), unit: 'B' },
      ];
      const baselines: BenchFigure[] = [
        { label: 'scoring run of the same data', value: scoringSeconds, unit: 's' },
        { label: 'candidate query alone (all reps)', value: candidateSeconds, unit: 's' },
        ...loadFigures('bare node:http, same bytes,', bareMany, ` (${CONNECTIONS} connections)`),
        ...loadFigures('bare node:http, same bytes,', bareFew, ` (${FEW_CONNECTIONS} connections)`),
        {
          label: `bare node:http CPU time per request (${CONNECTIONS} connections)`,
          value: bareCpu,
          unit: 'ms',
        },
        ...loadFigures('bare node:http, same gzip bytes,', bareGz, ` (${CONNECTIONS} connections)`),
        ...loadFigures('bare node:http, same gzip bytes,', bareGzFew, ` (${FEW_CONNECTIONS} connections)`),
        {
          label: `bare node:http gzip CPU time per request (${CONNECTIONS} connections)`,
          value: bareGzCpu,
          unit: 'ms',
        },
        {
          label: `raw SQL of the same read p50 (${CONNECTIONS} clients, pool ${env.DATABASE_POOL_SIZE})`,
          value: raw.p50,
          unit: 'ms',
        },
        {
          label: `raw SQL of the same read p99 (${CONNECTIONS} clients, pool ${env.DATABASE_POOL_SIZE})`,
          value: raw.p99,
          unit: 'ms',
        },
        { label: 'raw SQL of the same read throughput', value: raw.perSecond, unit: 'reads/s' },
      ];
      return {
        figures,
        baselines,
        ratios: [
          `publish / scoring run = ${(publishSeconds / scoringSeconds).toFixed(3)}×`,
          `publish / candidate query = ${(publishSeconds / candidateSeconds).toFixed(2)}×`,
          `API p99 / raw SQL p99 = ${(api.latency.p99 / raw.p99).toFixed(2)}×`,
          `API throughput / raw SQL throughput = ${(api.requests.average / raw.perSecond).toFixed(2)}×`,
          `API throughput / bare server's (${CONNECTIONS} connections) = ${(api.requests.average / bareMany.requests.average).toFixed(2)} (goal ≥ 0.5)`,
          `API p99 / bare server's (${CONNECTIONS} connections) = ${(api.latency.p99 / bareMany.latency.p99).toFixed(2)}× (goal ≤ 3×)`,
          `API throughput / bare server's (${FEW_CONNECTIONS} connections) = ${(apiFew.requests.average / bareFew.requests.average).toFixed(2)}`,
          `API p99 / bare server's (${FEW_CONNECTIONS} connections) = ${(apiFew.latency.p99 / bareFew.latency.p99).toFixed(2)}×`,
          `CPU per request, API / bare server = ${(apiCpu / bareCpu).toFixed(2)}× (the same-run ratio least moved by other work on the machine)`,
          `gzip: API throughput / bare server's (${CONNECTIONS} connections) = ${(apiGz.requests.average / bareGz.requests.average).toFixed(2)}`,
          `gzip: API p99 / bare server's (${CONNECTIONS} connections) = ${(apiGz.latency.p99 / bareGz.latency.p99).toFixed(2)}×`,
          `gzip: API throughput / bare server's (${FEW_CONNECTIONS} connections) = ${(apiGzFew.requests.average / bareGzFew.requests.average).toFixed(2)}`,
          `gzip: API p99 / bare server's (${FEW_CONNECTIONS} connections) = ${(apiGzFew.latency.p99 / bareGzFew.latency.p99).toFixed(2)}×`,
          `gzip: CPU per request, API / bare server = ${(apiGzCpu / bareGzCpu).toFixed(2)}×`,
          `API gzip / identity throughput (${FEW_CONNECTIONS} connections) = ${(apiGzFew.requests.average / apiFew.requests.average).toFixed(2)}×; p99 ${(apiGzFew.latency.p99 / apiFew.latency.p99).toFixed(2)}×`,
          `API gzip / identity throughput (${CONNECTIONS} connections) = ${(apiGz.requests.average / api.requests.average).toFixed(2)}×; p99 ${(apiGz.latency.p99 / api.latency.p99).toFixed(2)}×`,
          `bare gzip / identity throughput (${FEW_CONNECTIONS} connections) = ${(bareGzFew.requests.average / bareFew.requests.average).toFixed(2)}×`,
          `bytes per body, gzip / identity = ${(mean(gzipBytes) / mean(bodyBytes)).toFixed(3)} (mean ${Math.round(mean(gzipBytes))} of ${Math.round(mean(bodyBytes))})`,
        ],
        notes: [
          `import ${importSeconds.toFixed(1)} s; ${teams * repsPerTeam} reps; ${seconds} s per load run after a warm-up run`,
          `publish phases (s): ${publishPhases}`,
          `API: ${api.non2xx} non-2xx, ${api.errors} errors; 304 run: ${revalidate.non2xx} non-2xx (304s count as non-2xx)`,
          `loopback on one machine: autocannon, the API process and PostgreSQL share ${cpus().length} CPUs`,
          `1-minute load average before the API runs: ${load1.toFixed(2)} (other work on the machine skews latency)`,
          `goal p99 ≤ 15 ms at ${FEW_CONNECTIONS} connections: identity ${apiFew.latency.p99 <= 15 ? 'met' : 'not met'}, gzip ${apiGzFew.latency.p99 <= 15 ? 'met' : 'not met'}`,
          `list bodies ${Math.min(...bodyBytes)}–${Math.max(...bodyBytes)} bytes (first page of 50 open items); gzip ${Math.min(...gzipBytes)}–${Math.max(...gzipBytes)} bytes`,
          `closed loop (Little's law): mean latency = connections / throughput, so with ${FEW_CONNECTIONS} connections a p99 of 15 ms needs well over ${Math.round(FEW_CONNECTIONS / 0.015)} req/s; the bare server sending the same bytes did ${Math.round(bareFew.requests.average)} identity, ${Math.round(bareGzFew.requests.average)} gzip`,
        ],
      };
    } finally {
      server?.kill('SIGKILL');
      bare?.kill('SIGKILL');
      await app?.close().catch(() => undefined);
      await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`),
      );
    }
  },
};

/** The bearer token of the API process's GET /metrics in this benchmark (not a secret: loopback, a throwaway DB). */
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

/**
 * The API process's event loop delay since the previous scrape (prom-client resets its histogram on every
 * collection) and its garbage collection so far, from its own GET /metrics: whether slow requests of a run are
 * the process stalling (a long GC pause, blocking work) or waiting elsewhere (the machine's other work, sockets).
 */
async function processHealth(
  base: string,
  token: string,
): Promise<{ lagP99Ms: number; lagMaxMs: number; gc: string }> {
  const text = await (
    await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
  const gc = ['minor', 'major', 'incremental']
    .map((kind) => {
      const sum = Number(
        new RegExp(`^nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ??
          0,
      );
      const count = Number(
        new RegExp(`^nodejs_gc_duration_seconds_count\\{kind="${kind}"\\} ([0-9.e+-]+)`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
      return `${kind} ${count} (${(sum * 1000).toFixed(0)} ms)`;
    })
    .join(', ');
  return {
    lagP99Ms: Math.round(value('nodejs_eventloop_lag_p99_seconds') * 1000),
    lagMaxMs: Math.round(value('nodejs_eventloop_lag_max_seconds') * 1000),
    gc: `${gc}, since start`,
  };
}

/**
 * CPU time (user + system) the process `pid` spent per request during `run`, ms, from /proc (Linux): unlike
 * throughput and latency it does not depend on how much of the machine other work leaves the process.
 */
async function cpuPerRequest(pid: number | undefined, run: () => Promise<AutocannonResult>): Promise<number> {
  const ticks = () => {
    // fields after the command name: state is field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const before = ticks();
  const r = await run();
  return ((ticks() - before) * 10) / Math.max(1, r.requests.total);
}

/** Bytes received per response (status line, headers and body) in an autocannon run. */
function wire(r: AutocannonResult): number {
  return Math.round(r.throughput.total / Math.max(1, r.requests.total));
}

/**
 * One GET as it went on the wire (node:http: fetch would decode the gzip): the page's headers, and the body as
 * base64, for the bare server to send the same.
 */
function wireAnswer(url: string, key: string, headers: Record<string, string>): Promise<BareAnswer> {
  const names = ['etag', 'cache-control', 'vary', 'content-type', 'content-encoding', 'content-length'];
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false, headers: { authorization: `Bearer ${key}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
        const kept: Record<string, string> = {};
        for (const name of names) {
          const v = res.headers[name];
          if (typeof v === 'string') kept[name] = v;
        }
        resolve({ headers: kept, body: Buffer.concat(chunks).toString('base64') });
      });
    }).on('error', reject);
  });
}

function summary(r: AutocannonResult): string {
  return `${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;
}

/** Env for the in-process app and the API child: same database, PII keys and queue prefix. */
/** The publish report's phases as one line: `context 0.05, lists 0.01, candidates 1.2, …`. */
function phasesLine(phases: PublishPhases): string {
  return Object.entries(phases)
    .map(([phase, s]) => `${phase} ${s.toFixed(2)}`)
    .join(', ');
}

function benchEnv(dbUrl: string, redisUrl: string | undefined): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: '10',
    // the per-key limit stays on (one counter hit per request, as in production) but above what the load
    // generator's few keys send, so no read is refused
    RATE_LIMIT_KEY: '100000000/1m',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    QUEUE_PREFIX: `bwl${randomBytes(3).toString('hex')}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'callplan-bench-')),
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
  };
}

/** Generated CRM files, cached under .data/bench (the generator is deterministic). */
async function crmFiles(
  customers: number,
  teams: number,
  repsPerTeam: number,
  ctx: BenchContext,
): Promise<string> {
  const dir = join(__dirname, '..', '..', '.data', 'bench', `crm-${customers}-${teams}x${repsPerTeam}-s1`);
  const done = join(dir, 'summary.json');
  if (existsSync(done)) {
    ctx.log(`reusing ${dir}`);
    return dir;
  }
  const t = Date.now();
  const summary = await writeCrmCsvs({ customers, seed: 1, outDir: dir, teams, repsPerTeam });
  writeFileSync(done, JSON.stringify(summary));
  ctx.log(`generated ${customers} customers in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * The same read without HTTP, Nest, JSON or decryption: API-key lookup, list head, first page of items, through
 * a pool of the API's size, from 200 concurrent clients for `seconds`.
 */
async function rawSqlBaseline(
  dbUrl: string,
  keys: string[],
  workspaceId: string,
  seconds: number,
  poolSize: number,
): Promise<{ p50: number; p99: number; perSecond: number }> {
  const pool = new Pool({ connectionString: dbUrl, max: poolSize });
  const hashes = keys.map((k) => createHash('sha256').update(k).digest());
  const reps: string[] = [];
  for (const h of hashes) {
    const { rows } = await pool.query(`SELECT rep_id FROM api_keys WHERE key_hash = $1`, [h]);
    reps.push(rows[0].rep_id);
  }
  const latencies: number[] = [];
  let n = 0;
  const read = async (i: number) => {
    const { rows: key } = await pool.query(
      `SELECT id, workspace_id, role, rep_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [hashes[i]],
    );
    const { rows: head } = await pool.query(LIST_HEAD_SQL, [
      key[0].workspace_id ?? workspaceId,
      reps[i],
      AS_OF,
    ]);
    if (head[0]) await pool.query(LIST_ITEMS_SQL, [head[0].id, head[0].score_run_id, 'open', null, 51, []]);
  };
  const run = async (until: number, record: boolean) => {
    while (Date.now() < until) {
      const i = n++ % keys.length;
      const t = process.hrtime.bigint();
      await read(i);
      if (record) latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(Date.now() + 3_000, false)));
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(started + seconds * 1000, true)));
  const elapsed = (Date.now() - started) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: pct(0.5), p99: pct(0.99), perSecond: latencies.length / elapsed };
}

/** An autocannon run's p50, p99 and throughput as three figures: `${what} p50${where}` and so on. */
function loadFigures(what: string, r: AutocannonResult, where: string): BenchFigure[] {
  return [
    { label: `${what} p50${where}`, value: r.latency.p50, unit: 'ms' },
    { label: `${what} p99${where}`, value: r.latency.p99, unit: 'ms' },
    { label: `${what} throughput${where}`, value: r.requests.average, unit: 'req/s' },
  ];
}
