import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { QueueFactory, QUEUES } from '../../src/queue/queue-factory';
import { createTestContext, testConfig } from '../support/test-app';
import { seedCrm } from '../support/crm-fixture';
import { useTestApp } from '../support/use-test-app';
import { compileApp, runApp } from './compiled-app';

const REDIS = process.env.TEST_REDIS_URL;
const describeRedis = REDIS ? describe : describe.skip;

/** The same Redis server, another database number ('' without TEST_REDIS_URL: the suite is skipped). */
function redisDb(url: string, db: number): string {
  // a skipped describe still runs its body, so this runs without a URL too
  if (!url) return '';
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * `callplan score` decides whether to run the queue's jobs itself from the worker heartbeats of its own queue target
 * (database, Redis database, prefix), and a wait on the queue ends with a message when nothing moves and no worker
 * is alive — it never waits forever in silence.
 */
describeRedis('callplan score: worker liveness (CLI process, Redis)', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'callplan-cli-'));
  const env = {
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
  };
  const t = useTestApp({ redis: redisDb(REDIS ?? '', 0), workers: false, env });
  let compiled: ReturnType<typeof compileApp>;
  let otherDbWorker: INestApplicationContext | undefined;

  beforeAll(async () => {
    compiled = compileApp();
    await seedCrm(t.app, { slug: 'default', customers: 300 });
  }, 120_000);

  afterAll(async () => {
    await otherDbWorker?.close();
    compiled?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function score(args: string[], extraEnv: Record<string, string> = {}) {
    return runApp(compiled.dir, 'cli/main.js', ['score', '--no-publish', ...args], {
      ...env,
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: redisDb(REDIS ?? '', 0),
      ...extraEnv,
    });
  }

  const target = () =>
    new QueueFactory({ redisUrl: redisDb(REDIS ?? '', 0), databaseUrl: t.databaseUrl, prefix }).target;

  it('stops with a message naming the queue when the only worker dies and the run stands still', async () => {
    // a worker that is alive when the command starts (so it starts none of its own) and dies once the run is
    // queued: its heartbeat goes stale 4 × 250 ms after its last beat
    const beat = () =>
      t.db.query(
        `INSERT INTO worker_heartbeats (id, queue_target, host, pid, queues) VALUES ($1, $2, 'gone', 1, $3)
         ON CONFLICT (id) DO UPDATE SET last_seen_at = now()`,
        [`gone-${prefix}`, target(), [QUEUES.scoring, QUEUES.worklist]],
      );
    await beat();
    const beating = setInterval(() => void beat(), 100);
    const started = Date.now();
    const cli = score(['--stall-timeout', '3'], { WORKER_HEARTBEAT_MS: '250' });
    await cli.waitFor('score run').finally(() => clearInterval(beating));
    const { code } = await cli.exited;
    await t.db.query(`DELETE FROM worker_heartbeats WHERE id = $1`, [`gone-${prefix}`]);
    expect(cli.stderr).toContain(', worker processes)');
    expect(code).toBe(1);
    expect(cli.stderr).toMatch(
      /score run [0-9a-f-]{36} made no progress for 3 s and no live worker process serves the "scoring" queue/,
    );
    expect(cli.stderr).toContain(`(${target()})`);
    expect(cli.stderr).toContain('callplan score');
    expect(cli.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('runs the jobs itself when the only worker serves another Redis database with the same prefix', async () => {
    // a real worker process of the same prefix on Redis database 1 of the same server (and the same PostgreSQL)
    otherDbWorker = await createTestContext(
      testConfig(t.databaseUrl, { redisUrl: redisDb(REDIS ?? '', 1), env: { ...env } }),
      { workers: true },
    );
    // the trap: BullMQ's count reads the server-wide client list and sees that worker on database 0's queue
    const probe = new QueueFactory({ redisUrl: redisDb(REDIS ?? '', 0), databaseUrl: t.databaseUrl, prefix });
    try {
      expect(await probe.queue(QUEUES.scoring).getWorkersCount()).toBeGreaterThan(0);
    } finally {
      await probe.closeAll();
    }
    const cli = score([]);
    const { code } = await cli.exited;
    expect(cli.stderr).toContain('in-process worker');
    // it joins the run the previous test left standing and finishes it
    expect(cli.stderr).toContain('joined the running score run');
    expect(code).toBe(0);
    const report = JSON.parse(cli.stdout) as { customers?: number; tiers?: unknown };
    expect(report.tiers).toBeDefined();
    const runs = await t.db.query<Array<{ status: string }>>(`SELECT status FROM score_runs`);
    expect(runs.map((r) => r.status)).toEqual(['completed']);
  }, 120_000);
});
