import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { compileApp, runCli } from '../cli/compiled-app';
import { useTestDatabase } from '../support/use-test-app';

/** `callplan apikey list|create|revoke|rotate` as a user runs it (compiled CLI, its own process, the suite's DB). */
describe('callplan apikey (CLI process, PostgreSQL)', () => {
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

  async function keyRow(id: string) {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (
        await c.query(`SELECT revoked_at, expires_at, rotated_from_id FROM api_keys WHERE id = $1`, [id])
      ).rows[0];
    } finally {
      await c.end();
    }
  }

  it('creates with an expiry, lists without secrets, rotates with overlap, revokes', async () => {
    const expires = `${new Date().getUTCFullYear() + 1}-01-01T00:00:00Z`;
    const created = await callplan(
      'apikey',
      'create',
      '--role',
      'integration',
      '--name',
      'crm',
      '--expires',
      expires,
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^cpk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    const id = /key ([0-9a-f-]{36}) expires (\S+)/.exec(created.stderr)?.[1];
    expect(created.stderr).toContain(`expires ${expires.replace('Z', '.000Z')}`);
    expect(id).toBeDefined();

    const list = await callplan('apikey', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/id\s+key\s+name\s+role\s+rep\s+created\s+last used\s+expires\s+status/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain(expires);
    expect(list.stdout).not.toContain(key);

    const rotated = await callplan('apikey', 'rotate', id!, '--overlap', '600');
    expect(rotated.code).toBe(0);
    const newId = /key ([0-9a-f-]{36}) replaces/.exec(rotated.stderr)![1];
    expect(rotated.stderr).toMatch(/works until /);
    expect(rotated.stdout.trim()).toMatch(/^cpk_/);
    expect(rotated.stdout.trim()).not.toBe(key);
    const old = await keyRow(id!);
    expect(old.revoked_at).toBeNull();
    expect(old.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + 601_000);
    expect((await keyRow(newId)).rotated_from_id).toBe(id);

    expect((await callplan('apikey', 'revoke', newId)).stdout).toContain(`revoked ${newId}`);
    expect((await keyRow(newId)).revoked_at).not.toBeNull();
    const again = await callplan('apikey', 'revoke', newId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error (key_revoked)');
    const json = JSON.parse((await callplan('apikey', 'list', '--all', '--json')).stdout) as Array<{
      id: string;
      status: string;
    }>;
    expect(json.find((k) => k.id === newId)?.status).toBe('revoked');
  });

  it('refuses bad options naming them', async () => {
    const bad = await callplan('apikey', 'create', '--role', 'integration', '--expires', 'tomorrow');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--expires');
    const past = await callplan(
      'apikey',
      'create',
      '--role',
      'integration',
      '--expires',
      '2001-01-01T00:00:00Z',
    );
    expect(past.stderr).toContain('error (invalid_expiry)');
    const overlap = await callplan(
      'apikey',
      'rotate',
      '00000000-0000-0000-0000-000000000000',
      '--overlap',
      'soon',
    );
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain('--overlap');
    const missing = await callplan('apikey', 'revoke', '00000000-0000-0000-0000-000000000000');
    expect(missing.stderr).toContain('error (not_found)');
  });
});
