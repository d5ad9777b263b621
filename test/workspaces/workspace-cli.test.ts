import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { compileApp, runCli } from '../cli/compiled-app';
import { useTestDatabase } from '../support/use-test-app';

/**
 * `callplan` as a user runs it (a compiled CLI in its own process, on the suite's database): unknown workspaces
 * fail with the command that creates them instead of being created; workspace create, show and update.
 */
describe('callplan workspace (CLI process, PostgreSQL)', () => {
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

  async function slugs(): Promise<string[]> {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ slug: string }>(`SELECT slug FROM workspaces ORDER BY slug`);
      return rows.map((r) => r.slug);
    } finally {
      await c.end();
    }
  }

  it('fails on an unknown workspace with the command that creates it, and creates nothing', async () => {
    const r = await callplan('-w', 'typo', 'apikey', 'create', '--role', 'admin');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "error: no workspace 'typo' (create it with: callplan workspace create --slug typo)",
    );
    expect(r.stdout).toBe('');
    const show = await callplan('workspace', 'show', '--slug', 'typo');
    expect(show.code).toBe(1);
    expect(show.stderr).toContain("no workspace 'typo' (create it with");
    const update = await callplan('workspace', 'update', '--slug', 'typo', '--currency', 'USD');
    expect(update.code).toBe(1);
    expect(update.stderr).toContain("no workspace 'typo' (create it with");
    expect(await slugs()).not.toContain('typo');
  });

  it('creates the default workspace on first use, as the README commands expect', async () => {
    const r = await callplan('workspace', 'show');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('workspace default — default');
    expect(r.stdout).toContain('time zone        Asia/Shanghai');
    expect(await slugs()).toContain('default');
  });

  it('creates a workspace with its settings, shows it, and refuses to create it twice', async () => {
    const created = await callplan(
      'workspace',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme GmbH',
      '--timezone',
      'Europe/Berlin',
      '--currency',
      'EUR',
      '--locale',
      'en',
      '--business-hours',
      'mon-fri 08:00-17:00',
      '--set',
      'worklist.contactCaps.core.maxCalls=2',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created workspace acme');

    const show = await callplan('workspace', 'show', '--slug', 'acme');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('workspace acme — Acme GmbH');
    expect(show.stdout).toContain('time zone        Europe/Berlin');
    expect(show.stdout).toContain('currency         EUR');
    expect(show.stdout).toContain('business hours   mon,tue,wed,thu,fri 08:00-17:00');
    expect(show.stdout).toContain('contact caps     core 2 per 3 d');

    const again = await callplan('workspace', 'create', '--slug', 'acme');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("workspace 'acme' already exists");

    const list = await callplan('workspace', 'list');
    expect(list.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['acme', 'default', '']);
    expect(list.stdout).toMatch(/^acme +Europe\/Berlin +EUR +en +Acme GmbH$/m);

    // commands on it now work
    const key = await callplan('-w', 'acme', 'apikey', 'create', '--role', 'admin');
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/^cpk_/);
  });

  it('refuses invalid settings with exit 2, naming each option or field path, and keeps the workspace as it was', async () => {
    const r = await callplan(
      'workspace',
      'update',
      '--slug',
      'acme',
      '--timezone',
      'Europe/Berln',
      '--scoring-cron',
      '0 2 * *',
      '--set',
      'pool.followUpDays.core=1',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid settings:');
    expect(r.stderr).toContain(
      '--timezone: "Europe/Berln" is not an IANA time zone (did you mean Europe/Berlin?)',
    );
    expect(r.stderr).toContain('--scoring-cron: "0 2 * *" must have five fields');
    expect(r.stderr).toContain('settings.pool.followUpDays.core: must be more than reminderDaysBefore (3)');
    const bad = await callplan('workspace', 'update', '--slug', 'acme', '--business-hours', 'weekdays 9-5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--business-hours "weekdays 9-5": expected');

    const ok = await callplan('workspace', 'update', '--slug', 'acme', '--currency', 'USD');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('currency: "EUR" → "USD"');
    const show = await callplan('workspace', 'show', '--slug', 'acme', '--json');
    expect(JSON.parse(show.stdout)).toMatchObject({
      timezone: 'Europe/Berlin',
      currency: 'USD',
      scoringCron: '0 2 * * *',
    });
  });
});
