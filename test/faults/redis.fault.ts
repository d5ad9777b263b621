import { spawnSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { QUEUES } from '../../src/queue/queue-factory';
import { queueToken } from '../../src/queue/queue.module';
import { ScoreRunService, ScoreRunView } from '../../src/scoring/score-run.service';
import { importCrmDir, runScoring, scoresByExternalId } from '../scoring/scoring-fixture';
import {
  compileScoringWorker,
  removeCompiledWorker,
  startScoringWorker,
  WorkerProcess,
} from '../scoring/worker-processes';
import { seedCrm } from '../support/crm-fixture';
import { createTestContext, testConfig } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';
import {
  chunkInFlight,
  contentHash,
  health,
  healthSays,
  poll,
  PrivateRedis,
  record,
  runEnds,
  workerEnv,
  WORKER_START_MS,
} from './fault-harness';

const AS_OF = '2026-11-23';

/**
 * A Redis of the suite's own (never the shared 6379): the queues of the test app and of its worker processes live
 * on it, and the cases stop, restart and wipe it in the middle of a scoring run.
 */
function useRedisScoring(env: Record<string, string> = {}) {
  let redis: PrivateRedis | undefined;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  const t = useTestApp({
    workers: false,
    env: { WORKER_HEARTBEAT_MS: '250', ...env },
    // read when the app starts, after the beforeAll above
    get redis() {
      return redis?.url;
    },
  });
  const workers: WorkerProcess[] = [];
  const ctx = {
    t,
    get redis() {
      return redis as PrivateRedis;
    },
    dir: '',
    reference: {} as Record<string, Record<string, unknown>>,
    async start(chunkDelayMs: number) {
      const w = await startScoringWorker(
        workerEnv(t.config, redis?.url, { SCORING_CHUNK_DELAY_MS: String(chunkDelayMs), ...env }),
        WORKER_START_MS,
      );
      workers.push(w);
      return w;
    },
    async startRun(slug: string) {
      const workspaceId = await importCrmDir(t.app, slug, ctx.dir);
      const { run } = await t.app
        .get(ScoreRunService)
        .start({ workspaceId, asOf: AS_OF, trigger: 'test', publishWorklists: false });
      return { workspaceId, runId: run.id };
    },
    async expectReference(run: ScoreRunView) {
      expect(run.status).toBe('completed');
      const scores = await scoresByExternalId(t.db, run.id);
      expect(Object.keys(scores)).toHaveLength(Object.keys(ctx.reference).length);
      expect(scores).toEqual(ctx.reference);
    },
  };
  beforeAll(async () => {
    compileScoringWorker();
    let workspaceId: string;
    ({ workspaceId, dir: ctx.dir } = await seedCrm(t.app, {
      slug: 'clean',
      customers: 420,
      seed: 5,
      asOf: '2026-11-24',
    }));
    const worker = await ctx.start(0);
    const run = await runScoring(t.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    ctx.reference = await scoresByExternalId(t.db, run.id);
    await worker.stop();
  });
  afterEach(() => Promise.all(workers.splice(0).map((w) => w.stop())));
  t.cleanup(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await redis?.remove();
  });
  return ctx;
}

const describeRedis = spawnSync('redis-server', ['--version']).status === 0 ? describe : describe.skip;

describeRedis('faults of Redis during a scoring run (private redis-server)', () => {
  // a run that makes no progress for 6 s with none of its jobs queued is stuck (read by /health and by start())
  const f = useRedisScoring({ SCORING_STALE_RUN_MINUTES: '0.1' });

  it.each([
    ['Redis restarted mid-run', 1_000],
    ["Redis down longer than the workers' reconnect delay", 12_000],
  ])('%s (down %d ms): /health says "queue", the run ends with the clean scores', async (label, downFor) => {
    await f.start(400);
    const { workspaceId, runId } = await f.startRun(`redis-${downFor}`);
    await poll('a chunk in flight', () => chunkInFlight(f.t.db, runId));
    const t0 = Date.now();
    await f.redis.stop();
    const downMs = await healthSays(f.t.app, 'queue', 'down', 10_000);
    const report = await health(f.t.app);
    expect(report.status).toBe('error');
    expect(report.failing).toContain('queue');
    const left = downFor - (Date.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    await f.redis.start();
    const backMs = await healthSays(f.t.app, 'queue', 'up', 30_000);
    const run = await runEnds(f.t, workspaceId, runId);
    const recoverMs = Date.now() - t0;
    await f.expectReference(run);
    await healthSays(f.t.app, 'workers', 'up', 10_000);
    record({
      case: label,
      backend: 'redis',
      observed: `/health 503 "queue" while down, "up" ${backMs} ms after Redis was back; scores = clean run (${contentHash(f.reference)})`,
      recoverMs,
      healthDownMs: downMs,
    });
  });

  it('Redis data wiped: a scheduler process puts the nightly job schedulers back within SCHEDULES_REFRESH_MS', async () => {
    const workspaceId = await importCrmDir(f.t.app, 'schedules', f.dir);
    const scheduler = await createTestContext(
      testConfig(f.t.databaseUrl, {
        redisUrl: f.redis.url,
        env: { QUEUE_PREFIX: f.t.config.queuePrefix, SCHEDULES_REFRESH_MS: '1000' },
      }),
      { workers: false, scheduler: true },
    );
    try {
      const queue = f.t.app.get<Queue>(queueToken(QUEUES.scoring));
      const nightly = () => queue.getJobScheduler(`nightly-score-${workspaceId}`);
      expect(await nightly()).toBeDefined();
      await f.redis.flushAll();
      expect(await nightly()).toBeUndefined();
      const t0 = Date.now();
      await poll('the nightly schedule to come back', async () => ((await nightly()) ? true : null), 10_000);
      record({
        case: 'Redis data wiped: job schedulers',
        backend: 'redis',
        observed:
          'nightly scoring (and pool sweep, CRM pull) schedulers upserted again by the scheduler process',
        recoverMs: Date.now() - t0,
      });
    } finally {
      await scheduler.close();
    }
  });

  it('Redis data wiped mid-run: /health names the stuck run; the next trigger fails it and runs again from the database', async () => {
    await f.start(400);
    const { workspaceId, runId } = await f.startRun('wiped');
    await poll('a chunk in flight', () => chunkInFlight(f.t.db, runId));
    const t0 = Date.now();
    await f.redis.flushAll();
    const downMs = await healthSays(f.t.app, 'scoring', 'down', 60_000);
    expect((await health(f.t.app)).checks.scoring.message).toMatch(
      /scoring run\(s\) active with no progress/,
    );
    // the next trigger (nightly, CLI or API): the stuck run is failed, a new one runs from what the database holds
    const runs = f.t.app.get(ScoreRunService);
    const { run: again, started } = await runs.start({
      workspaceId,
      asOf: AS_OF,
      trigger: 'test',
      publishWorklists: false,
    });
    expect(started).toBe(true);
    expect(again.id).not.toBe(runId);
    expect((await runs.get(workspaceId, runId)).status).toBe('failed');
    const run = await runEnds(f.t, workspaceId, again.id);
    const recoverMs = Date.now() - t0;
    await f.expectReference(run);
    await healthSays(f.t.app, 'scoring', 'up', 10_000);
    record({
      case: 'Redis data wiped mid-run',
      backend: 'redis',
      observed: `run stuck (its jobs gone); /health 503 "scoring" after the stale window (SCORING_STALE_RUN_MINUTES=0.1); next trigger failed it and a new run ended = clean run`,
      recoverMs,
      healthDownMs: downMs,
    });
  });
});

afterAll(() => removeCompiledWorker());
