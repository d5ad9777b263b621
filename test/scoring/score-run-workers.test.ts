import { ScoreRunService } from '../../src/scoring/score-run.service';
import { seedCrm } from '../support/crm-fixture';
import { queueBackends } from '../support/test-db';
import { useTestApp } from '../support/use-test-app';
import { importCrmDir, runScoring, scoresByExternalId } from './scoring-fixture';
import {
  compileScoringWorker,
  removeCompiledWorker,
  startScoringWorker,
  WorkerProcess,
} from './worker-processes';

/**
 * Real worker processes: this test process only produces jobs and reads the database; the chunks run in child
 * processes started from the compiled code, one of which is killed with SIGKILL in the middle of a chunk.
 */
describe.each(queueBackends())('scoring over worker processes (queues on $name)', ({ redisUrl }) => {
  const AS_OF = '2026-11-23';
  const nest = useTestApp({ redis: redisUrl, workers: false });
  let dir: string;
  let reference: Record<string, Record<string, unknown>>;
  const workers: WorkerProcess[] = [];

  /** The worker's environment: same database and queue prefix as this process, short locks, slow chunks. */
  const workerEnv = (chunkDelayMs: number): Record<string, string> => ({
    DATABASE_URL: nest.config.databaseUrl as string,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    QUEUE_PREFIX: nest.config.queuePrefix,
    DATA_DIR: nest.config.dataDir,
    PII_ENCRYPTION_KEYS: `${nest.config.pii.encryption[0].version}:${nest.config.pii.encryption[0].key.toString('base64')}`,
    PII_HASH_KEY: nest.config.pii.hashKey.toString('base64'),
    SCORING_CHUNK_SIZE: '100',
    WORKER_CONCURRENCY: '1',
    SCORING_LOCK_MS: '2000',
    SCORING_STALLED_CHECK_MS: '1000',
    SCORING_CHUNK_DELAY_MS: String(chunkDelayMs),
  });
  const start = async (chunkDelayMs: number) => {
    const w = await startScoringWorker(workerEnv(chunkDelayMs));
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    compileScoringWorker();
    let workspaceId: string;
    ({ workspaceId, dir } = await seedCrm(nest.app, {
      slug: 'clean',
      customers: 420,
      seed: 5,
      asOf: '2026-11-24',
    }));
    // the reference: a clean run by one worker that nobody disturbs
    const worker = await start(0);
    const run = await runScoring(nest.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    reference = await scoresByExternalId(nest.db, run.id);
    await worker.stop();
  });

  nest.cleanup(() => Promise.all(workers.map((w) => w.stop('SIGKILL'))));

  it('re-runs a chunk whose worker was killed mid-chunk on another worker, with the same final scores', async () => {
    const workspaceId = await importCrmDir(nest.app, 'killed', dir);
    const doomed = await start(1_500);
    const { run } = await nest.app
      .get(ScoreRunService)
      .start({ workspaceId, asOf: AS_OF, trigger: 'test', publishWorklists: false });
    // wait until the worker is inside a chunk (started, not written), then kill it without warning
    const inFlight = await poll(async () => {
      const [c] = await nest.db.query(
        `SELECT chunk_no FROM score_run_chunks WHERE run_id = $1 AND started_at IS NOT NULL AND done_at IS NULL`,
        [run.id],
      );
      return c ? (c.chunk_no as number) : null;
    });
    expect(await doomed.stop('SIGKILL')).toBe('SIGKILL');
    const rescuer = await start(0);
    const done = await nest.app.get(ScoreRunService).waitFor(workspaceId, run.id, undefined, 60_000);
    expect(done.status).toBe('completed');

    const [chunk] = await nest.db.query(
      `SELECT attempts, worker FROM score_run_chunks WHERE run_id = $1 AND chunk_no = $2`,
      [run.id, inFlight],
    );
    expect(chunk.attempts).toBe(2);
    expect(chunk.worker).toMatch(new RegExp(`-${rescuer.pid}$`));
    expect(await scoresByExternalId(nest.db, run.id)).toEqual(reference);
    await rescuer.stop();
  });

  it('spreads the chunks over two worker processes with an identical result', async () => {
    const workspaceId = await importCrmDir(nest.app, 'spread', dir);
    const pair = [await start(300), await start(300)];
    const run = await runScoring(nest.app, workspaceId, AS_OF, 60_000);
    expect(run.status).toBe('completed');
    const perWorker: Array<{ worker: string; chunks: number }> = await nest.db.query(
      `SELECT worker, count(*)::int AS chunks FROM score_run_chunks WHERE run_id = $1 GROUP BY 1 ORDER BY 1`,
      [run.id],
    );
    expect(perWorker.map((w) => w.worker.replace(/^.*-/, '')).sort()).toEqual(
      pair.map((w) => String(w.pid)).sort(),
    );
    expect(perWorker.reduce((n, w) => n + w.chunks, 0)).toBe(run.chunksTotal);
    expect((run.report as { workers: unknown[] }).workers).toHaveLength(2);
    expect(await scoresByExternalId(nest.db, run.id)).toEqual(reference);
    await Promise.all(pair.map((w) => w.stop()));
  });
});

afterAll(() => removeCompiledWorker());

async function poll<T>(fn: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
