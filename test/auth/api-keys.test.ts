import { Org } from '../assignments/factory';
import { useTestApp } from '../support/use-test-app';
import { until } from '../support/until';

/**
 * Key management (issue 12 item 4): list, create with expiry, revoke, rotate with and without overlap, last-used
 * without a write per request, audit of every change, and embed tokens that die with their rep or their key.
 */
describe('API key management (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let a: Org;
  let b: Org;
  let adminA: string;
  let adminB: string;

  const call = async (key: string | null, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies of many shapes
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  };

  beforeAll(async () => {
    a = await Org.create(nest.app, 'keys-a');
    b = await Org.create(nest.app, 'keys-b');
    await a.team('t1');
    await a.rep('rep-1', { team: 't1' });
    await a.rep('rep-2', { team: 't1' });
    await b.rep('rep-b');
    adminA = await a.key('admin');
    adminB = await b.key('admin');
  });

  it('creates a key with an expiry, shows its secret once and lists it without secret or hash', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await call(adminA, 'POST', '/v1/api-keys', {
      name: 'crm',
      role: 'integration',
      expiresAt,
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^cpk_[a-z0-9]{8}_/);
    expect(created.body).toMatchObject({
      name: 'crm',
      role: 'integration',
      expiresAt,
      status: 'active',
      lastUsedAt: null,
    });
    expect((await call(created.body.key, 'GET', '/v1/audit-log')).status).not.toBe(401);

    const list = await call(adminA, 'GET', '/v1/api-keys');
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({
      name: 'crm',
      role: 'integration',
      expiresAt,
      prefix: created.body.key.slice(0, 12),
    });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(JSON.stringify(list.body)).not.toMatch(/hash/i);
    // the other workspace's admin sees none of them
    const other = await call(adminB, 'GET', '/v1/api-keys');
    expect(other.body.items.map((k: { id: string }) => k.id)).not.toContain(created.body.id);
  });

  it('creates rep keys for the rep named, refuses bad input naming the field', async () => {
    const rep = await call(adminA, 'POST', '/v1/api-keys', { name: 'r', role: 'rep', rep: 'rep-1' });
    expect(rep.status).toBe(201);
    expect(rep.body.rep).toMatchObject({ externalId: 'rep-1' });

    const past = await call(adminA, 'POST', '/v1/api-keys', {
      name: 'x',
      role: 'integration',
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({ code: 'invalid_expiry', details: { field: 'expiresAt' } });
    const noOffset = await call(adminA, 'POST', '/v1/api-keys', {
      name: 'x',
      role: 'integration',
      expiresAt: '2030-01-01T00:00:00',
    });
    expect(noOffset.status).toBe(400);
    expect(JSON.stringify(noOffset.body.error.details)).toContain('expiresAt');
    expect((await call(adminA, 'POST', '/v1/api-keys', { name: 'x', role: 'root' })).status).toBe(400);
    const noRep = await call(adminA, 'POST', '/v1/api-keys', { name: 'x', role: 'manager' });
    expect(noRep.body.error).toMatchObject({ code: 'rep_required' });
    // a rep of another workspace is not found, exactly like a missing one
    expect(
      (await call(adminA, 'POST', '/v1/api-keys', { name: 'x', role: 'rep', rep: 'rep-b' })).status,
    ).toBe(404);
  });

  it('answers 401 key_expired for an expired key, 401 unauthenticated for an unknown one', async () => {
    const created = await call(adminA, 'POST', '/v1/api-keys', {
      name: 'soon',
      role: 'integration',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await nest.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      created.body.id,
    ]);
    const expired = await call(created.body.key, 'GET', '/v1/audit-log');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('key_expired');
    const listed = await call(adminA, 'GET', `/v1/api-keys/${created.body.id}`);
    expect(listed.body.status).toBe('expired');
    const unknown = await call(`cpk_abcdefgh_${'A'.repeat(43)}`, 'GET', '/v1/audit-log');
    expect(unknown.body.error.code).toBe('unauthenticated');
  });

  it('revokes a key at once; twice is a conflict; another workspace’s key or a bad id is not found', async () => {
    const created = await call(adminA, 'POST', '/v1/api-keys', { name: 'gone', role: 'admin' });
    const key = created.body.key as string;
    expect((await call(key, 'GET', '/v1/api-keys')).status).toBe(200);
    expect((await call(adminB, 'DELETE', `/v1/api-keys/${created.body.id}`)).status).toBe(404);
    expect((await call(adminA, 'DELETE', '/v1/api-keys/not-a-uuid')).status).toBe(404);
    const revoked = await call(adminA, 'DELETE', `/v1/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked' });
    expect((await call(key, 'GET', '/v1/api-keys')).status).toBe(401);
    const again = await call(adminA, 'DELETE', `/v1/api-keys/${created.body.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('key_revoked');
    // revoked keys are listed only when asked
    const active = await call(adminA, 'GET', '/v1/api-keys');
    expect(active.body.items.map((k: { id: string }) => k.id)).not.toContain(created.body.id);
    const all = await call(adminA, 'GET', '/v1/api-keys?includeRevoked=true');
    expect(all.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
  });

  it('is for admins only', async () => {
    const integration = await a.key('integration');
    const rep = await a.key('rep', 'rep-1');
    expect((await call(integration, 'GET', '/v1/api-keys')).status).toBe(403);
    expect((await call(rep, 'POST', '/v1/api-keys', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await call(null, 'GET', '/v1/api-keys')).status).toBe(401);
  });

  it('rotates: the old key stops at once, or overlaps for the time asked; the new one keeps the lifetime', async () => {
    const first = await call(adminA, 'POST', '/v1/api-keys', {
      name: 'rotating',
      role: 'integration',
      expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    const rotated = await call(adminA, 'POST', `/v1/api-keys/${first.body.id}/rotate`, {});
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'rotating', role: 'integration', rotatedFrom: first.body.id });
    expect(rotated.body.previous.status).toBe('revoked');
    const lifetime = Date.parse(rotated.body.expiresAt) - Date.now();
    expect(Math.abs(lifetime - 30 * 86_400_000)).toBeLessThan(60_000);
    expect((await call(first.body.key, 'GET', '/v1/crm/inbox')).status).toBe(401);
    expect((await call(rotated.body.key, 'GET', '/v1/crm/inbox')).status).toBe(200);

    const overlapped = await call(adminA, 'POST', `/v1/api-keys/${rotated.body.id}/rotate`, {
      overlapSeconds: 3600,
    });
    expect(overlapped.status).toBe(201);
    expect(overlapped.body.previous.status).toBe('active');
    expect(Date.parse(overlapped.body.previous.expiresAt)).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await call(rotated.body.key, 'GET', '/v1/crm/inbox')).status).toBe(200);
    expect((await call(overlapped.body.key, 'GET', '/v1/crm/inbox')).status).toBe(200);

    expect((await call(adminA, 'POST', `/v1/api-keys/${first.body.id}/rotate`, {})).body.error.code).toBe(
      'key_inactive',
    );
    expect(
      (await call(adminA, 'POST', `/v1/api-keys/${rotated.body.id}/rotate`, { overlapSeconds: -1 })).status,
    ).toBe(400);
    expect((await call(adminB, 'POST', `/v1/api-keys/${rotated.body.id}/rotate`, {})).status).toBe(404);
  });

  it('records last use without a write per request', async () => {
    const created = await call(adminA, 'POST', '/v1/api-keys', { name: 'used', role: 'integration' });
    await call(created.body.key, 'GET', '/v1/crm/inbox');
    const lastUsed = async () =>
      (await nest.db.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [created.body.id]))[0]
        .last_used_at as Date | null;
    await until('last_used_at written', async () => (await lastUsed()) !== null, 5_000);
    const first = (await lastUsed())!.getTime();
    for (let i = 0; i < 5; i++) await call(created.body.key, 'GET', '/v1/crm/inbox');
    await new Promise((r) => setTimeout(r, 200));
    expect((await lastUsed())!.getTime()).toBe(first);
    const listed = await call(adminA, 'GET', `/v1/api-keys/${created.body.id}`);
    expect(Date.parse(listed.body.lastUsedAt)).toBe(first);
  });

  it('audits every key change', async () => {
    const created = await call(adminA, 'POST', '/v1/api-keys', { name: 'audited', role: 'integration' });
    const rotated = await call(adminA, 'POST', `/v1/api-keys/${created.body.id}/rotate`, {
      overlapSeconds: 60,
    });
    await call(adminA, 'DELETE', `/v1/api-keys/${rotated.body.id}`);
    const rows: Array<{ action: string; subject: string; actor: string }> = await nest.db.query(
      `SELECT action, subject, actor FROM audit_log WHERE workspace_id = $1 AND subject = ANY ($2) ORDER BY id`,
      [a.workspaceId, [`apikey:${created.body.id}`, `apikey:${rotated.body.id}`]],
    );
    expect(rows.map((r) => r.action)).toEqual(['apikey.created', 'apikey.rotated', 'apikey.revoked']);
    expect(rows.every((r) => r.actor.startsWith('key:'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(created.body.key);
  });

  it('ends embed tokens at once when their rep is deactivated or the minting key revoked', async () => {
    const mint = async (key: string, rep: string) =>
      (await call(key, 'POST', '/v1/embed-tokens', { rep, ttlSeconds: 3600 })).body.path as string;
    const page = (path: string) => call(null, 'GET', path);
    // accepted: no list yet answers 404, not the token's 401
    const minter = (await call(adminA, 'POST', '/v1/api-keys', { name: 'embed', role: 'admin' })).body;
    const forRep2 = await mint(minter.key, 'rep-2');
    expect((await page(forRep2)).status).not.toBe(401);

    const forRep1 = await mint(adminA, 'rep-1');
    expect((await page(forRep1)).status).not.toBe(401);
    const deactivated = await call(adminA, 'POST', `/v1/reps/rep-1/deactivate`, {});
    expect(deactivated.status).toBeLessThan(300);
    const after = await page(forRep1);
    expect(after.status).toBe(401);
    // the page answers a browser: its own "link expired" page, not JSON
    expect(after.body).toContain('This link has expired');

    await call(adminA, 'DELETE', `/v1/api-keys/${minter.id}`);
    expect((await page(forRep2)).status).toBe(401);
  });
});
