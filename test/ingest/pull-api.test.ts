import { ApiKeysService } from '../../src/auth/api-keys.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { FakeCrm, fakeCrmConnector, seedFakeCrm } from '../fake-crm/fake-crm-server';
import { queueBackends } from '../support/test-db';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';

const backend = queueBackends().at(-1) as { name: string; redisUrl?: string };

/** The connector admin API: validated definitions, write-only secrets, role checks, on-demand pulls as jobs. */
describe(`pull connector API over HTTP (queues on ${backend.name})`, () => {
  const nest = useTestApp({ http: true, redis: backend.redisUrl });
  const contract = useContract(nest);
  let keys: { admin: string; integration: string; rep: string };
  let workspaceId: string;
  const crm = new FakeCrm();

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'api' })).id;
    const [rep] = await nest.db.query(
      `INSERT INTO reps (workspace_id, external_id, name) VALUES ($1, 'r1', 'Rep') RETURNING id`,
      [workspaceId],
    );
    const make = async (role: 'admin' | 'integration' | 'rep', repId?: string) =>
      (await nest.app.get(ApiKeysService).create({ workspaceId, name: role, role, repId })).key;
    keys = {
      admin: await make('admin'),
      integration: await make('integration'),
      rep: await make('rep', rep.id),
    };
    await crm.start();
    seedFakeCrm(crm, { customers: 20, seed: 5 });
  });

  afterAll(async () => {
    await crm.stop();
  });

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${nest.url}${path}`, {
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

  it('creates a HubSpot connector (admin only, validated, token write-only) and pushes its write-back', async () => {
    const hubspot = {
      kind: 'hubspot',
      name: 'hubspot',
      baseUrl: crm.url,
      auth: { privateAppToken: 'pat-na1-secret-token' },
    };
    const bad = await call('POST', '/v1/crm/connectors', keys.admin, {
      ...hubspot,
      contacts: { pageSize: 500 },
      writeBack: { batchSize: 200 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'contacts.pageSize',
      'writeBack.batchSize',
    ]);
    const noToken = await call('POST', '/v1/crm/connectors', keys.admin, { ...hubspot, auth: {} });
    expect(noToken.body.error.details.map((d: { path: string }) => d.path)).toEqual(['auth.privateAppToken']);
    expect((await call('POST', '/v1/crm/connectors', keys.integration, hubspot)).status).toBe(403);

    const created = await call('POST', '/v1/crm/connectors', keys.admin, hubspot);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'hubspot',
      config: { contacts: { pageSize: 200 }, writeBack: { batchSize: 100 } },
      writeBack: { events: 0, customers: 0, failures: 0 },
    });
    expect(JSON.stringify(created.body)).not.toContain('pat-na1-secret-token');
    const id = created.body.id as string;

    // another workspace's admin sees none of it
    const other = (await nest.app.get(WorkspacesService).ensure({ slug: 'api-other' })).id;
    const otherAdmin = (
      await nest.app.get(ApiKeysService).create({ workspaceId: other, name: 'a', role: 'admin' })
    ).key;
    expect((await call('GET', `/v1/crm/connectors/${id}`, otherAdmin)).status).toBe(404);
    expect((await call('POST', `/v1/crm/connectors/${id}/push`, otherAdmin)).status).toBe(404);
    expect((await call('GET', `/v1/crm/connectors/${id}/write-back-failures`, otherAdmin)).status).toBe(404);
    expect(
      (await call('GET', `/v1/crm/connectors/${id}/write-back-failures?limit=0`, keys.admin)).status,
    ).toBe(400);

    const generic = await call('POST', '/v1/crm/connectors', keys.admin, fakeCrmConnector(crm));
    const refused = await call('POST', `/v1/crm/connectors/${generic.body.id}/push`, keys.admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_supported');

    const pushed = await call('POST', `/v1/crm/connectors/${id}/push`, keys.integration);
    expect(pushed.status).toBe(202);
    expect(pushed.body.jobId).toMatch(/^push-/);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await call('GET', `/v1/crm/connectors/${id}`, keys.integration);
      if (view.body.writeBack.lastPushAt) {
        expect(view.body.writeBack).toMatchObject({ lastError: null, events: 0 });
        break;
      }
      if (Date.now() > deadline) throw new Error('the push job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await call('GET', `/v1/crm/connectors/${id}/write-back-failures`, keys.admin)).body).toEqual([]);

    // Salesforce: its own schema, OAuth tokens write-only
    const salesforce = {
      kind: 'salesforce',
      name: 'salesforce',
      baseUrl: crm.url,
      auth: { accessToken: '00Dxx!access-secret', refreshToken: 'refresh-secret-5Aep' },
    };
    const sfBad = await call('POST', '/v1/crm/connectors', keys.admin, {
      ...salesforce,
      apiVersion: '62',
      writeBack: { batchSize: 201 },
    });
    expect(sfBad.status).toBe(400);
    expect(sfBad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'apiVersion',
      'writeBack.batchSize',
    ]);
    const sf = await call('POST', '/v1/crm/connectors', keys.admin, salesforce);
    expect(sf.status).toBe(201);
    expect(sf.body).toMatchObject({ kind: 'salesforce', config: { records: { pageSize: 2000 } } });
    expect(JSON.stringify(sf.body)).not.toMatch(/access-secret|refresh-secret/);
  });

  it('answers as its OpenAPI document says (status, content type, schema)', () => {
    expect(contract.problems()).toEqual([]);
  });
});
