import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config';
import { CrmInboxService } from '../src/ingest/events/crm-inbox.service';
import { signedWebhookHeaders } from '../src/ingest/events/webhook-signature';
import { WebhookSecretsService } from '../src/ingest/events/webhook-secrets.service';
import { createDataSource } from '../src/database/data-source';
import { quoteIdent } from '../src/embedded/embedded-postgres';
import { WorkspacesService } from '../src/workspaces/workspaces.service';
import { Benchmark, BenchContext, BenchResult } from './benchmark';
import { withDatabase, withClient, freePort, waitForHttp } from './bench-support';

const CONNECTIONS = 32;
const EVENTS_PER_BATCH = 100;

interface Signed {
  body: string;
  headers: Record<string, string>;
}

interface LoadResult {
  batches: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/**
 * Inbound CRM webhooks: signed batches of 100 events POSTed from 32 keep-alive connections on loopback to the API
 * (its own process, as in production: signature check over the raw body, zod validation, encrypted INSERT into the
 * inbox, BullMQ enqueue, 202). Beside it, in the same run: the same batches against a bare node:http process that
 * only verifies the signature and parses the JSON, and the inbox INSERTs alone through a pg pool. Then the
 * applying side: stored messages applied by CrmInboxService (2 at a time, as one worker process does).
 * BENCH_SCALE scales the number of batches (1 → 2,000 batches = 200,000 events).
 */
export const webhooksInboundBenchmark: Benchmark = {
  name: 'webhooks-inbound',
  description:
    'signed CRM webhook batches of 100 events: events/s and p99 on loopback, beside bare verify + raw INSERT',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const batches = Math.max(200, Math.round(2_000 * ctx.scale));
    const dbName = `callplan_bench_wh_${randomBytes(4).toString('hex')}`;
    const dbUrl = withDatabase(ctx.serverUrl, dbName);
    const env = benchEnv(dbUrl, ctx.redisUrl);
    await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
      c.query(`CREATE DATABASE ${quoteIdent(dbName)}`),
    );
    let app: INestApplicationContext | undefined;
    const children: ChildProcess[] = [];
    try {
      const ds = createDataSource(dbUrl, 2);
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.destroy();
      const config = loadConfig(env);
      app = await NestFactory.createApplicationContext(
        AppModule.forRoot(config, dbUrl, { http: false, workers: false, scheduler: false, quiet: true }),
        { logger: ['error'] },
      );
      await app.init();
      const ws = await app.get(WorkspacesService).ensure({ slug: 'bench' });
      const { secret } = await app.get(WebhookSecretsService).rotate(ws.id, 'bench');
      await app.close();
      app = undefined;

      // Signed ahead of time (timestamps stay within the 5-minute tolerance for the run): the client measures the
      // server, not its own HMACs.
      const sign = (n: number, tag: string): Signed[] =>
        Array.from({ length: n }, (_, i) => {
          const body = JSON.stringify(batch(`${tag}${i}`));
          return { body, headers: signedWebhookHeaders(secret, `msg_${randomUUID()}`, body) };
        });
      const warm = sign(Math.min(200, batches), 'w');
      const measured = sign(batches, 'm');
      ctx.log(
        `${batches} batches of ${EVENTS_PER_BATCH} events, ${(measured[0].body.length / 1024).toFixed(1)} KB each`,
      );

      const apiPort = await freePort();
      // BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the API process
      const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const api = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'src', 'main.api.js')], {
        env: { ...process.env, ...env, PORT: String(apiPort), HOST: '127.0.0.1' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(api);
      await waitForHttp(`http://127.0.0.1:${apiPort}/health`, 60_000);
      const path = '/v1/crm/events/bench';
      await load(apiPort, path, warm);
      const service = await load(apiPort, path, measured);
      ctx.log(`API: ${service.batches} batches, ${service.non2xx} non-2xx`);
      api.kill('SIGTERM');

      const barePort = await freePort();
      const bare = fork(join(__dirname, 'webhooks-bare-server.js'), [], {
        env: { ...process.env, BARE_PORT: String(barePort), BARE_SECRET: secret },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(bare);
      await new Promise<void>((resolve) => bare.once('message', () => resolve()));
      await load(barePort, path, warm);
      const baseline = await load(barePort, path, measured);
      bare.kill('SIGTERM');

      const raw = await rawInserts(dbUrl, measured);

      // The applying side: stored messages (new customers, orders with lines, interactions) applied by the job code.
      app = await NestFactory.createApplicationContext(
        AppModule.forRoot(config, dbUrl, { http: false, workers: false, scheduler: false, quiet: true }),
        { logger: ['error'] },
      );
      await app.init();
      const ids: Array<{ id: string }> = await app
        .get(DataSource)
        .query(`SELECT id::text AS id FROM crm_inbox WHERE status = 'pending' ORDER BY id LIMIT $1`, [
          Math.min(500, batches),
        ]);
      const inbox = app.get(CrmInboxService);
      const t0 = Date.now();
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < ids.length) await inbox.process(ids[next++].id);
        }),
      );
      const applied = (ids.length * EVENTS_PER_BATCH) / ((Date.now() - t0) / 1000);

      return {
        figures: [
          {
            label: 'API events accepted per second (signed, validated, stored, queued)',
            value: service.eventsPerSecond,
            unit: 'events/s',
          },
          { label: 'API p50 latency per batch of 100', value: service.p50, unit: 'ms' },
          { label: 'API p99 latency per batch of 100', value: service.p99, unit: 'ms' },
          { label: 'events applied per second (inbox jobs, 2 concurrent)', value: applied, unit: 'events/s' },
        ],
        baselines: [
          {
            label: 'bare node:http + signature check + JSON.parse',
            value: baseline.eventsPerSecond,
            unit: 'events/s',
          },
          { label: 'bare p99 latency per batch', value: baseline.p99, unit: 'ms' },
          {
            label: 'raw inbox INSERTs through a pg pool (no HTTP)',
            value: raw.eventsPerSecond,
            unit: 'events/s',
          },
          { label: 'raw INSERT p99', value: raw.p99, unit: 'ms' },
        ],
        ratios: [
          `API / bare verify = ${(service.eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}×`,
          `API / raw INSERT = ${(service.eventsPerSecond / raw.eventsPerSecond).toFixed(2)}×`,
        ],
        notes: [
          `${CONNECTIONS} keep-alive connections, loopback, queues on ${ctx.redisUrl ? 'Redis' : 'PostgreSQL'}`,
          `API non-2xx: ${service.non2xx}; bare non-2xx: ${baseline.non2xx}`,
        ],
      };
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
      await app?.close().catch(() => undefined);
      await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`),
      ).catch(() => undefined);
    }
  },
};

/** 100 events: 50 new customers (with email and phone), 40 orders with two lines, 10 interactions. */
function batch(tag: string) {
  const at = new Date(Date.now() - 60_000).toISOString();
  const events: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    events.push({
      id: `${tag}-c${i}`,
      type: 'customer.upserted',
      data: {
        externalId: `${tag}-c${i}`,
        updatedAt: at,
        kind: i % 5 === 0 ? 'business' : 'individual',
        name: `Customer ${tag} ${i}`,
        email: `c${i}.${tag}@example.cn`,
        phone: `1380013${String(1000 + i).padStart(4, '0')}`,
        country: 'CN',
        region: 'Shanghai',
      },
    });
  }
  for (let i = 0; i < 40; i++) {
    events.push({
      type: 'order.upserted',
      data: {
        externalId: `${tag}-o${i}`,
        customerExternalId: `${tag}-c${i}`,
        updatedAt: at,
        placedAt: at,
        amountMinor: 25_000,
        currency: 'CNY',
        channel: 'online',
        lines: [
          { productCode: 'TEA-01', category: 'tea', quantity: 2, amountMinor: 20_000 },
          { productCode: 'CUP-01', category: 'tableware', quantity: 1, amountMinor: 5_000 },
        ],
      },
    });
  }
  for (let i = 0; i < 10; i++) {
    events.push({
      type: 'interaction.created',
      data: {
        externalId: `${tag}-i${i}`,
        customerExternalId: `${tag}-c${i}`,
        occurredAt: at,
        kind: 'survey',
        score: 9,
      },
    });
  }
  return { events };
}

/** POSTs every signed batch once, CONNECTIONS at a time over keep-alive sockets; latency per request. */
async function load(port: number, path: string, items: Signed[]): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  const post = (s: Signed) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { ...s.headers, 'content-length': Buffer.byteLength(s.body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(s.body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < items.length) {
        const s = items[next++];
        const t = process.hrtime.bigint();
        const status = await post(s);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (status < 200 || status >= 300) non2xx++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    batches: items.length,
    eventsPerSecond: (items.length * EVENTS_PER_BATCH) / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    non2xx,
  };
}

/** The database floor: one INSERT per message of the same size into an unindexed table, pool of the API's size. */
async function rawInserts(dbUrl: string, items: Signed[]): Promise<LoadResult> {
  const pool = new Pool({ connectionString: dbUrl, max: 10 });
  await pool.query(
    `CREATE TABLE bench_raw_inbox (webhook_id text, received_at timestamptz DEFAULT now(), payload bytea)`,
  );
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < items.length) {
        const s = items[next++];
        const t = process.hrtime.bigint();
        await pool.query(`INSERT INTO bench_raw_inbox (webhook_id, payload) VALUES ($1, $2)`, [
          s.headers['webhook-id'],
          Buffer.from(s.body),
        ]);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    batches: items.length,
    eventsPerSecond: (items.length * EVENTS_PER_BATCH) / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
    non2xx: 0,
  };
}

function benchEnv(dbUrl: string, redisUrl: string | undefined): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: '10',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    QUEUE_PREFIX: `bwh${randomBytes(3).toString('hex')}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'callplan-bench-')),
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
  };
}
