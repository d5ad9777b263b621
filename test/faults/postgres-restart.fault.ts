import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportsService } from '../../src/ingest/imports/imports.service';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { importCrmDir, runScoring, scoresByExternalId } from '../scoring/scoring-fixture';
import { seedCrm } from '../support/crm-fixture';
import { useTestApp } from '../support/use-test-app';
import {
  chunkInFlight,
  contentHash,
  customersCsv,
  health,
  healthSays,
  poll,
  PrivatePostgres,
  record,
  runEnds,
} from './fault-harness';

const AS_OF = '2026-11-23';
const IMPORT_ROWS = 60_000;
/** How long the server stays down between its fast shutdown and its start. */
const DOWN_MS = 3_000;

/**
 * The PostgreSQL server restarted (fast shutdown, down 3 s, started on the same data) while a scoring run and an
 * import are both in flight, on a cluster of the test's own (never the shared server). The app's workers (queues
 * on PostgreSQL, so the queues go down with it) must finish both: the scores equal a clean run's, every imported row
 * once; /health says `database` down while it is down and everything up after.
 */
describe('faults: PostgreSQL restarted mid-run and mid-import', () => {
  let pg: PrivatePostgres | undefined;
  beforeAll(async () => {
    pg = await PrivatePostgres.start();
  });
  // after the inner suite has closed its app and dropped its database
  afterAll(() => pg?.remove());

  describe('queues on PostgreSQL, workers in the app', () => {
    const t = useTestApp({
      workers: true,
      env: {
        WORKER_HEARTBEAT_MS: '250',
        SCORING_CHUNK_SIZE: '100',
        SCORING_LOCK_MS: '2000',
        SCORING_STALLED_CHECK_MS: '1000',
        SCORING_CHUNK_DELAY_MS: '2000',
      },
      // read when the app starts, after the outer beforeAll
      get databaseServer() {
        return pg?.url;
      },
    });
    let dir: string;
    let reference: Record<string, Record<string, unknown>>;
    const files = mkdtempSync(join(tmpdir(), 'callplan-pg-restart-'));
    afterAll(() => rmSync(files, { recursive: true, force: true }));

    beforeAll(async () => {
      let workspaceId: string;
      ({ workspaceId, dir } = await seedCrm(t.app, {
        slug: 'clean',
        customers: 420,
        seed: 5,
        asOf: '2026-11-24',
      }));
      const run = await runScoring(t.app, workspaceId, AS_OF);
      expect(run.status).toBe('completed');
      reference = await scoresByExternalId(t.db, run.id);
    });

    /** Chunks started and not written. */
    const chunksInFlight = async (runId: string) =>
      (
        await t.db.query<Array<{ chunk_no: number }>>(
          `SELECT chunk_no FROM score_run_chunks WHERE run_id = $1 AND started_at IS NOT NULL AND done_at IS NULL`,
          [runId],
        )
      ).map((c) => c.chunk_no);

    const importStatus = async (id: string) => {
      const [row] = await t.db
        .query<Array<{ status: string }>>(`SELECT status FROM imports WHERE id = $1`, [id])
        .catch(() => [{ status: 'unknown' }]);
      return row.status;
    };

    it('the run and the import both end whole, nothing twice; /health says database down, then up', async () => {
      const scoredWs = await importCrmDir(t.app, 'restart-run', dir);
      const { run: started } = await t.app
        .get(ScoreRunService)
        .start({ workspaceId: scoredWs, asOf: AS_OF, trigger: 'test', publishWorklists: false });
      const importWs = (await t.app.get(WorkspacesService).ensure({ slug: 'restart-import' })).id;
      const csv = join(files, 'customers.csv');
      writeFileSync(csv, customersCsv(IMPORT_ROWS, 'R'));
      const imp = await t.app.get(ImportsService).create({
        workspaceId: importWs,
        kind: 'customers',
        fileName: 'customers.csv',
        path: csv,
        actor: 'test',
      });
      // the server goes down while both are in flight: a chunk started and not written, the import running
      await poll(
        'a chunk in flight while the import runs',
        async () =>
          (await chunkInFlight(t.db, started.id)) !== null && (await importStatus(imp.id)) === 'running'
            ? true
            : null,
        120_000,
      );

      const inFlight = await chunksInFlight(started.id);
      const t0 = Date.now();
      await pg!.stop();
      const downMs = await healthSays(t.app, 'database', 'down', 10_000);
      expect((await health(t.app)).failing).toContain('database');
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await pg!.start();
      const upMs = await healthSays(t.app, 'database', 'up', 30_000);

      const run = await runEnds(t, scoredWs, started.id, 120_000);
      const runMs = Date.now() - t0;
      expect(run.status).toBe('completed');
      const scores = await scoresByExternalId(t.db, run.id);
      expect(contentHash(scores)).toBe(contentHash(reference));
      expect(scores).toEqual(reference);
      const chunks = await t.db.query<Array<{ chunk_no: number; attempts: number }>>(
        `SELECT chunk_no, attempts FROM score_run_chunks WHERE run_id = $1 ORDER BY chunk_no`,
        [run.id],
      );
      const attempts = chunks.map((c) => c.attempts);
      // the chunks the restart cut off ran again (a job has 3 attempts), no other did
      for (const c of chunks) {
        if (inFlight.includes(c.chunk_no)) expect(c.attempts).toBeLessThanOrEqual(3);
        else expect({ chunk: c.chunk_no, attempts: c.attempts }).toEqual({ chunk: c.chunk_no, attempts: 1 });
      }

      const status = await poll(
        'the import to finish',
        async () => {
          const s = await importStatus(imp.id);
          return s === 'completed' || s === 'failed' ? s : null;
        },
        120_000,
      );
      const importMs = Date.now() - t0;
      expect(status).toBe('completed');
      const [{ n, distinct }] = await t.db.query<Array<{ n: number; distinct: number }>>(
        `SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS distinct FROM customers
         WHERE workspace_id = $1`,
        [importWs],
      );
      expect({ n, distinct }).toEqual({ n: IMPORT_ROWS, distinct: IMPORT_ROWS });

      const report = await health(t.app);
      expect(report.checks.database.status).toBe('up');
      expect(report.checks.scoring.status).toBe('up');
      record({
        case: 'PostgreSQL restarted mid-run and mid-import',
        backend: 'postgres',
        observed: `down ${DOWN_MS} ms; database up ${upMs} ms after the server started; run: scores = clean run (${contentHash(reference)}), chunks in flight ${JSON.stringify(inFlight)}, attempts ${JSON.stringify(attempts)}, ended ${runMs} ms after the stop; import: ${n} customers, ${distinct} distinct, ended ${importMs} ms after the stop`,
        recoverMs: Math.max(runMs, importMs),
        healthDownMs: downMs,
      });
    }, 300_000);
  });
});
