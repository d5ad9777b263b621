import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { FakeCrm, fakeCrmConnector, seedFakeCrm } from '../fake-crm/fake-crm-server';
import { createTestHttpApp, testConfig } from '../support/test-app';
import { createTestDatabase, queueBackends, TestDatabase } from '../support/test-db';

const backend = queueBackends().at(-1) as { name: string; redisUrl?: string };

/** The connector admin API: validated definitions, write-only secrets, role checks, on-demand pulls as jobs. */
describe(`pull connector API over HTTP (queues on ${backend.name})`, () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;
  let keys: { admin: string; integration: string; rep: string };
  let workspaceId: string;
  const crm = new FakeCrm();

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestHttpApp(testConfig(db.url, { redisUrl: backend.redisUrl }));
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    workspaceId = (await app.get(WorkspacesService).ensure({ slug: 'api' })).id;
    const sql = app.get(DataSource);
    const [rep] = await sql.query(
      `INSERT INTO reps (workspace_id, external_id, name) VALUES ($1, 'r1', 'Rep') RETURNING id`,
      [workspaceId],
    );
    const make = async (role: 'admin' | 'integration' | 'rep', repId?: string) =>
      (await app.get(ApiKeysService).create({ workspaceId, name: role, role, repId })).key;
    keys = {
      admin: await make('admin'),
      integration: await make('integration'),
      rep: await make('rep', rep.id),
    };
    await crm.start();
    seedFakeCrm(crm, { customers: 20, seed: 5 });
  });

  afterAll(async () => {
    await app?.close();
    await crm.stop();
    await db?.drop();
  });

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  it('validates definitions, never returns the secret, and queues pulls', async () => {
    const bad = await call('POST', '/v1/crm/connectors', keys.admin, {
      ...fakeCrmConnector(crm),
      paging: { pageSize: 5000, mode: 'sometimes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'paging.mode',
      'paging.pageSize',
    ]);
    expect((await call('POST', '/v1/crm/connectors', keys.integration, fakeCrmConnector(crm))).status).toBe(
      403,
    );

    const created = await call('POST', '/v1/crm/connectors', keys.admin, fakeCrmConnector(crm));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'fake', authHeader: 'Authorization' });
    expect(JSON.stringify(created.body)).not.toContain(crm.token);

    const pulled = await call('POST', `/v1/crm/connectors/${created.body.id}/pull`, keys.integration);
    expect(pulled.status).toBe(202);
    expect(pulled.body.jobId).toMatch(/^pull-/);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await call('GET', `/v1/crm/connectors/${created.body.id}`, keys.integration);
      if (view.body.lastRunAt) {
        expect(view.body.lastError).toBeNull();
        expect(view.body.cursors.find((c: { entity: string }) => c.entity === 'customers').records).toBe(20);
        break;
      }
      if (Date.now() > deadline) throw new Error('the pull job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call('GET', '/v1/crm/connectors', keys.rep)).status).toBe(403);
    const list = await call('GET', '/v1/crm/connectors', keys.admin);
    expect(list.body).toHaveLength(1);
    expect((await call('DELETE', `/v1/crm/connectors/${created.body.id}`, keys.admin)).status).toBe(204);
    expect((await call('GET', `/v1/crm/connectors/${created.body.id}`, keys.admin)).status).toBe(404);
  });
});
