import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileApp, runCli } from './compiled-app';
import { useTestDatabase } from '../support/use-test-app';

/** `callplan score accuracy [--run id]` as a user runs it (compiled CLI, its own process, PostgreSQL queues). */
describe('callplan score accuracy (CLI process)', () => {
  const db = useTestDatabase();
  let app: ReturnType<typeof compileApp>;
  let dataDir: string;
  const prefix = `t${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    app = compileApp();
    dataDir = mkdtempSync(join(tmpdir(), 'callplan-cli-'));
  });

  afterAll(() => {
    app.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function callplan(...args: string[]) {
    return runCli(app.dir, args, { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });
  }

  it('prints the newest run’s backtest as JSON and a table, and names a run it cannot find', async () => {
    const crm = join(dataDir, 'crm');
    expect((await callplan('generate', '--customers', '300', '--seed', '4', '--out', crm)).code).toBe(0);
    for (const kind of ['reps', 'customers', 'orders', 'interactions']) {
      expect((await callplan('import', kind, '--file', join(crm, `${kind}.csv`))).code).toBe(0);
    }
    const none = await callplan('score', 'accuracy');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/completed score run/);

    const scored = await callplan('score', '--no-publish', '--as-of', '2026-11-23');
    expect(scored.code).toBe(0);
    const report = JSON.parse(scored.stdout);
    expect(report.models.reasons.join('\n')).toMatch(/self-backtest/);
    const latest = await callplan('score', 'accuracy');
    expect(latest.code).toBe(0);
    const view = JSON.parse(latest.stdout);
    expect(view.backtests.length).toBeGreaterThan(0);
    expect(latest.stderr).toMatch(/chosen (bg-nbd|mbg-nbd|pareto-nbd|none)/);
    expect(latest.stderr).toMatch(/model +horizon +customers +actual/);

    const byId = await callplan('score', 'accuracy', '--run', view.runId);
    expect(JSON.parse(byId.stdout)).toEqual(view);
    const missing = await callplan('score', 'accuracy', '--run', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/score run/);
  }, 300_000);
});
