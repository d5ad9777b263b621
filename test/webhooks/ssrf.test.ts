import { ApiKeysService } from '../../src/auth/api-keys.service';
import { PullConnectorService } from '../../src/ingest/pull/pull-connector.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookEndpointsService } from '../../src/webhooks/webhook-endpoints.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { FakeCrm, fakeCrmConnector } from '../fake-crm/fake-crm-server';
import { useTestApp } from '../support/use-test-app';
import { TestReceiver } from './test-receiver';

/**
 * The SSRF guard over HTTP: registration refuses internal addresses (webhook endpoints and pull connectors), and a
 * delivery whose URL now points at a refused address sends nothing. Only 127.0.0.1 is allow-listed here (the
 * receivers), so ::1 and the rest of 127.0.0.0/8 stay refused.
 */
describe('SSRF guard on tenant-chosen URLs', () => {
  const nest = useTestApp({ http: true, workers: false, env: { WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32' } });
  let admin: string;
  let workspaceId: string;
  const receiver = new TestReceiver();

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'ssrf' })).id;
    admin = (await nest.app.get(ApiKeysService).create({ workspaceId, name: 'admin', role: 'admin' })).key;
    // 127.0.0.2 is loopback on Linux but outside the allow-list: an "internal" host that answers
    await receiver.start('127.0.0.2');
  });
  afterAll(() => receiver.stop());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[::1]:6379/',
    'http://metadata.google.internal/',
    'http://[::ffff:169.254.169.254]/',
    'http://2130706434/', // 127.0.0.2 in decimal
    'http://user:pw@10.0.0.1/',
    'http://127.0.0.2/',
    'file:///etc/passwd',
  ])('POST /v1/webhook-endpoints refuses %s with 422 url_not_allowed on the field url', async (url) => {
    const r = await call('POST', '/v1/webhook-endpoints', { url });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('url_not_allowed');
    expect(r.body.error.details).toEqual([expect.objectContaining({ path: 'url', code: 'url_not_allowed' })]);
  });

  it('refuses a private URL on PATCH too, and nothing was stored', async () => {
    const ok = await call('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(ok.status).toBe(201);
    const r = await call('PATCH', `/v1/webhook-endpoints/${ok.body.id}`, { url: 'http://169.254.169.254/' });
    expect(r.status).toBe(422);
    expect(r.body.error.details[0].path).toBe('url');
    expect((await call('GET', `/v1/webhook-endpoints/${ok.body.id}`)).body.url).toBe(
      'http://127.0.0.1:9/hook',
    );
    const all = await call('GET', '/v1/webhook-endpoints');
    expect(all.body.map((e: { url: string }) => e.url)).toEqual(['http://127.0.0.1:9/hook']);
    await call('DELETE', `/v1/webhook-endpoints/${ok.body.id}`);
  });

  it('refuses a pull connector whose base URL is internal (create and replace)', async () => {
    const crm = new FakeCrm();
    await crm.start();
    try {
      const good = fakeCrmConnector(crm);
      expect((await call('POST', '/v1/crm/connectors', good)).status).toBe(201);
      for (const baseUrl of ['http://169.254.169.254/latest', 'http://10.0.0.1/api', 'http://[::1]:6379/']) {
        const r = await call('POST', '/v1/crm/connectors', { ...good, baseUrl });
        expect([baseUrl, r.status, r.body.error.code]).toEqual([baseUrl, 422, 'url_not_allowed']);
        expect(r.body.error.details[0].path).toBe('baseUrl');
      }
    } finally {
      await crm.stop();
    }
  });

  it('does not pull from a connector whose base URL now points at a refused address', async () => {
    const crm = new FakeCrm();
    await crm.start();
    try {
      const saved = await call('POST', '/v1/crm/connectors', { ...fakeCrmConnector(crm), name: 'moved' });
      expect(saved.status).toBe(201);
      const internal = new URL(receiver.url).origin;
      await nest.db.query(`UPDATE crm_connectors SET base_url = $2 WHERE id = $1`, [saved.body.id, internal]);
      await expect(nest.app.get(PullConnectorService).run(saved.body.id)).rejects.toMatchObject({
        code: 'url_not_allowed',
        message: expect.stringContaining('127.0.0.2'),
      });
      expect(receiver.received).toHaveLength(0);
      expect((await call('GET', `/v1/crm/connectors/${saved.body.id}`)).body.lastError).toContain(
        '127.0.0.2',
      );
    } finally {
      await crm.stop();
    }
  });

  it('does not contact an endpoint whose URL now resolves to a refused address: a failed attempt, no request', async () => {
    // registered while allowed, then the address behind it changed (a DNS change, a legacy row)
    const ep = await nest.app.get(WebhookEndpointsService).create(workspaceId, 'http://127.0.0.1:9/hook');
    await nest.db.query(`UPDATE webhook_endpoints SET url = $2 WHERE id = $1`, [ep.id, receiver.url]);
    await nest.db.query(
      `INSERT INTO outbox_events (workspace_id, message_id, event_type, payload) VALUES ($1, 'msg_ssrf', 'scores.updated', '{}')`,
      [workspaceId],
    );
    const delivery = nest.app.get(WebhookDeliveryService);
    await delivery.dispatchPending();
    const results = await delivery.deliverDue();
    expect(results).toEqual([
      expect.objectContaining({
        status: 'failed',
        httpStatus: null,
        error: expect.stringMatching(/^url_not_allowed: .*127\.0\.0\.2/),
      }),
    ]);
    expect(receiver.received).toHaveLength(0);
    const log = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`);
    expect(log.body[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: expect.stringContaining('url_not_allowed'),
    });
  });

  it('does not follow a redirect to an internal address', async () => {
    const local = await new TestReceiver().start('127.0.0.1');
    local.answer = () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    try {
      const ep = await nest.app.get(WebhookEndpointsService).create(workspaceId, local.url);
      const r = await nest.app.get(WebhookEndpointsService).sendTest(workspaceId, ep.id, 'scores.updated');
      expect(r).toMatchObject({ status: 'failed', httpStatus: 302, error: 'HTTP 302' });
      expect(local.received).toHaveLength(1);
    } finally {
      await local.stop();
    }
  });
});
