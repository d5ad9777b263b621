import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { AUTH_LISTENER_NAME, AuthInvalidationService } from '../../src/auth/auth-invalidation.service';
import { Org } from '../assignments/factory';
import { createTestHttpApp, testConfig } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';
import { until } from '../support/until';

/**
 * Issue 16 item 3: API processes cache verified keys (30 s) and forget them at once when any process revokes,
 * rotates or deactivates (LISTEN/NOTIFY). Two API processes on one database: what one revokes, the other refuses
 * within a second, although it had the key cached.
 */
describe('API-key verification cache across API processes (PostgreSQL LISTEN/NOTIFY)', () => {
  const one = useTestApp({ http: true, workers: false });
  let two: INestApplication;
  let twoUrl: string;
  let org: Org;
  let admin: string;

  const status = async (base: string, key: string, path = '/v1/audit-log') =>
    (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } })).status;
  const cacheOf = (app: INestApplication) => app.get(AuthInvalidationService);
  /** Waits at most a second for the second process to refuse the key. */
  const refusedByTwoWithinASecond = (key: string, path?: string) =>
    until(
      'the second API process to refuse the key',
      async () => (await status(twoUrl, key, path)) === 401,
      1_000,
    );

  beforeAll(async () => {
    two = await createTestHttpApp(testConfig(one.databaseUrl), { workers: false });
    twoUrl = (await two.getUrl()).replace('[::1]', '127.0.0.1');
    one.cleanup(() => two.close());
    org = await Org.create(one.app, 'key-cache');
    await org.team('t1');
    await org.rep('rep-1', { team: 't1' });
    await org.rep('mgr', { team: 't1', role: 'manager' });
    admin = await org.key('admin');
    await until('both processes to listen', async () => cacheOf(one.app).live && cacheOf(two).live, 5_000);
  });

  it('refuses in the second process a key revoked in the first, though the second had it cached', async () => {
    const { key, id } = await one.app.get(ApiKeysService).create({
      workspaceId: org.workspaceId,
      name: 'to-revoke',
      role: 'admin',
    });
    expect(await status(twoUrl, key)).toBe(200);
    // cached now: the row is no longer what the second process goes by
    const before = cacheOf(two).keys.size;
    expect(before).toBeGreaterThan(0);
    expect(await status(twoUrl, key)).toBe(200);

    expect(
      (
        await fetch(`${one.url}/v1/api-keys/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${admin}` },
        })
      ).status,
    ).toBe(200);
    expect(await status(one.url, key)).toBe(401); // the revoking process at once, without waiting for its NOTIFY
    await refusedByTwoWithinASecond(key);
    expect(await status(twoUrl, admin)).toBe(200); // other keys of the workspace are verified again, still good
  });

  it('refuses in the second process a rotated key and the keys of a rep deactivated in the first', async () => {
    const old = await one.app
      .get(ApiKeysService)
      .create({ workspaceId: org.workspaceId, name: 'rot', role: 'admin' });
    const repKey = await org.key('rep', 'rep-1');
    const mgrKey = await org.key('manager', 'mgr');
    expect(await status(twoUrl, old.key)).toBe(200);
    expect(await status(twoUrl, repKey, '/v1/me/worklist')).not.toBe(401);

    const rotated = await fetch(`${one.url}/v1/api-keys/${old.id}/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(rotated.status).toBe(201);
    await refusedByTwoWithinASecond(old.key);

    expect(await status(twoUrl, repKey, '/v1/me/worklist')).not.toBe(401);
    const deactivated = await fetch(`${one.url}/v1/reps/rep-1/deactivate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mgrKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(deactivated.status).toBeLessThan(300);
    await refusedByTwoWithinASecond(repKey, '/v1/me/worklist');
  });

  it('verifies uncached while its listener is down, empties the cache and listens again on reconnect', async () => {
    const key = await org.key('admin');
    expect(await status(twoUrl, key)).toBe(200);
    const cache = cacheOf(two);
    // both processes' listeners of this database (the two share the application_name)
    const owner = new Client({ connectionString: one.databaseUrl });
    await owner.connect();
    try {
      await owner.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()`,
        [AUTH_LISTENER_NAME],
      );
    } finally {
      await owner.end();
    }
    await until('the second process to notice its listener is gone', async () => !cache.live, 5_000);
    expect(cache.keys.size).toBe(0);
    // a change no notification reports (by hand in SQL) is seen at once while the channel is down
    await one.db.query(`UPDATE api_keys SET revoked_at = now() WHERE key_prefix = $1`, [key.slice(4, 12)]);
    expect(await status(twoUrl, key)).toBe(401);
    await until('the second process to listen again', async () => cache.live, 5_000);
    const again = await org.key('admin');
    expect(await status(twoUrl, again)).toBe(200);
    expect(await status(twoUrl, again)).toBe(200);
    expect(cache.keys.size).toBeGreaterThan(0);
  });
});
