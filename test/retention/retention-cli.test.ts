import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { compileApp, runCli } from '../cli/compiled-app';
import { useTestDatabase } from '../support/use-test-app';

/** `callplan retention show|run [--dry-run]` as a user runs them (a compiled CLI in its own process). */
describe('callplan retention (CLI process, PostgreSQL)', () => {
  const db = useTestDatabase();
  let app: ReturnType<typeof compileApp>;
  let dataDir: string;
  const prefix = `t${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    app = compileApp();
    dataDir = mkdtempSync(join(tmpdir(), 'callplan-retention-'));
  });

  afterAll(() => {
    app.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const callplan = (...args: string[]) =>
    runCli(app.dir, args, { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, DATA_DIR: dataDir });

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  const inboxRows = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM crm_inbox`))[0].n;

  it('shows the settings, dry-runs without deleting, runs, and shows the last run', async () => {
    const first = await callplan('retention', 'show');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('last run: never');
    expect(first.stdout).toMatch(/inboxProcessed\s+would remove\s+0\s+inboxProcessedDays=30/);
    expect(first.stdout).toMatch(/audit\s+would remove\s+0\s+auditDays=400/);

    await sql(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc, status, processed_at)
       SELECT id, 'old', now(), 1, '\\x00', 'processed', now() - interval '31 days' FROM workspaces WHERE slug = 'default'`,
    );
    const dry = await callplan('retention', 'run', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: nothing deleted');
    expect(dry.stdout).toMatch(/inboxProcessed\s+would remove\s+1\b/);
    expect(await inboxRows()).toBe(1);

    const run = await callplan('retention', 'run');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/inboxProcessed\s+removed\s+1\b/);
    expect(await inboxRows()).toBe(0);

    const shown = await callplan('retention', 'show');
    expect(shown.stdout).toMatch(/last run \S+: removed inboxProcessed=1 inboxFailed=0 /);
  }, 120_000);
});
