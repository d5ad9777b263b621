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
import { queueBackends } from '../support/test-db';
import { TestApp, useTestApp } from '../support/use-test-app';
import {
  chunkInFlight,
  contentHash,
  health,
  healthSays,
  poll,
  record,
  runEnds,
  terminateBackends,
  workerEnv,
  WORKER_START_MS,
} from './fault-harness';

const AS_OF = '2026-11-23';

/** How often each chunk of a run was attempted. */
async function chunkAttempts(t: TestApp, runId: string): Promise<number[]> {
  const rows = (await t.db.query(
    `SELECT attempts FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
    [runId],
  )) as Array<{ attempts: number }>;
  return rows.map((r) => r.attempts);
}

/**
 * Scoring under faults, over real worker processes (compiled app), on both queue backends: each case scores a
 * fresh copy of the same CRM and must end with the scores of a clean run (same rows, same content hash), with
 * /health naming the failing part while it fails and all up after. Worker SIGKILL mid-chunk is
 * test/scoring/score-run-workers.test.ts (both backends) with /health's side in test/health/health.test.ts.
 */
describe.each(queueBackends())('faults during a scoring run (queues on $name)', ({ name, redisUrl }) => {
  const t = useTestApp({ redis: redisUrl, workers: false, env: { WORKER_HEARTBEAT_MS: '250' } });
  let dir: string;
  let reference: Record<string, Record<string, unknown>>;
  const workers: WorkerProcess[] = [];
  const start = async (chunkDelayMs: number) => {
    const w = await startScoringWorker(
      workerEnv(t.config, redisUrl, { SCORING_CHUNK_DELAY_MS: String(chunkDelayMs) }),
      WORKER_START_MS,
    );
    workers.push(w);
    return w;
  };
  const expectReference = async (run: ScoreRunView) => {
    expect(run.status).toBe('completed');
    const scores = await scoresByExternalId(t.db, run.id);
    expect(Object.keys(scores)).toHaveLength(Object.keys(reference).length);
    expect(contentHash(scores)).toBe(contentHash(reference));
    expect(scores).toEqual(reference);
  };

  beforeAll(async () => {
    compileScoringWorker();
    let workspaceId: string;
    ({ workspaceId, dir } = await seedCrm(t.app, {
      slug: 'clean',
      customers: 420,
      seed: 5,
      asOf: '2026-11-24',
    }));
    const worker = await start(0);
    const run = await runScoring(t.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    reference = await scoresByExternalId(t.db, run.id);
    await worker.stop();
  });

  t.cleanup(() => Promise.all(workers.map((w) => w.stop('SIGKILL'))));
  // each case starts its own workers: none of an earlier case may answer for them
  afterEach(() => Promise.all(workers.splice(0).map((w) => w.stop())));

  const startRun = async (slug: string) => {
    const workspaceId = await importCrmDir(t.app, `${slug}-${name}`, dir);
    const { run } = await t.app
      .get(ScoreRunService)
      .start({ workspaceId, asOf: AS_OF, trigger: 'test', publishWorklists: false });
    return { workspaceId, runId: run.id };
  };

  it('worker SIGTERM mid-chunk: the chunk is finished, nothing runs twice, another worker ends the run', async () => {
    const doomed = await start(1_500);
    await healthSays(t.app, 'workers', 'up');
    const { workspaceId, runId } = await startRun('sigterm');
    const chunk = await poll('a chunk in flight', () => chunkInFlight(t.db, runId));
    const t0 = Date.now();
    doomed.child.kill('SIGTERM');
    expect(await doomed.exited).toBe('0');
    // it wrote the chunk it was inside before leaving
    const [c] = (await t.db.query(
      `SELECT done_at FROM score_run_chunks WHERE run_id = $1 AND chunk_no = $2`,
      [runId, chunk],
    )) as Array<{ done_at: Date | null }>;
    expect(c.done_at).not.toBeNull();
    const downMs = await healthSays(t.app, 'workers', 'down', 10_000);
    expect((await health(t.app)).failing).toContain('workers');
    await start(0);
    const run = await runEnds(t, workspaceId, runId);
    const recoverMs = Date.now() - t0;
    await expectReference(run);
    expect(new Set(await chunkAttempts(t, runId))).toEqual(new Set([1]));
    await healthSays(t.app, 'workers', 'up', 10_000);
    record({
      case: 'worker SIGTERM mid-chunk',
      backend: name,
      observed: `chunk finished before exit; all ${run.chunksTotal} chunks attempted once; scores = clean run (${contentHash(reference)})`,
      recoverMs,
      healthDownMs: downMs,
    });
  });

  it('PostgreSQL backends terminated mid-run: the run still ends with the clean scores', async () => {
    const worker = await start(800);
    const { workspaceId, runId } = await startRun('pgterm');
    await poll('a chunk in flight', () => chunkInFlight(t.db, runId));
    const t0 = Date.now();
    const terminated = await terminateBackends(t.databaseUrl);
    expect(terminated).toBeGreaterThan(0);
    const run = await runEnds(t, workspaceId, runId).catch((e: Error) => {
      throw new Error(
        `${e.message}; worker exit ${worker.child.exitCode ?? worker.child.signalCode ?? 'none'}\n${worker.stderr.slice(-3000)}`,
      );
    });
    const recoverMs = Date.now() - t0;
    await expectReference(run);
    await healthSays(t.app, 'database', 'up', 10_000);
    const report = await health(t.app);
    expect(report.checks.database.status).toBe('up');
    expect(report.checks.scoring.status).toBe('up');
    record({
      case: 'PostgreSQL backends terminated mid-run',
      backend: name,
      observed: `${terminated} backends terminated; failed steps retried; chunk attempts ${JSON.stringify(await chunkAttempts(t, runId))}; scores = clean run`,
      recoverMs,
    });
  });

  // one run per workspace is the database's rule (score_runs_one_active), whatever the queue backend
  (name === 'postgres' ? it : it.skip)('nightly run triggered 5× at once: one run', async () => {
    const workspaceId = await importCrmDir(t.app, `nightly-${name}`, dir);
    await start(0);
    await start(0);
    const queue = t.app.get<Queue>(queueToken(QUEUES.scoring));
    const t0 = Date.now();
    await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        queue.add('nightly', { workspaceId }, { jobId: `nightly-${workspaceId}-${i}` }),
      ),
    );
    const runs = await poll('the nightly run to complete', async () => {
      const rows = (await t.db.query(`SELECT id, status FROM score_runs WHERE workspace_id = $1`, [
        workspaceId,
      ])) as Array<{ id: string; status: string }>;
      return rows.length > 0 && rows.every((r) => r.status === 'completed' || r.status === 'failed')
        ? rows
        : null;
    });
    // every trigger has been handled by now
    await poll('the five nightly jobs to finish', async () => {
      const states = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => queue.getJobState(`nightly-${workspaceId}-${i}`)),
      );
      return states.every((s) => s === 'completed') ? true : null;
    });
    expect(runs.map((r) => r.status)).toEqual(['completed']);
    record({
      case: 'nightly run triggered 5× at once',
      backend: name,
      observed: '5 jobs completed, 1 run (score_runs_one_active)',
      recoverMs: Date.now() - t0,
    });
  });
});

afterAll(() => removeCompiledWorker());
