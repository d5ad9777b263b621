import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Transactions } from '../../src/database/transactions';
import { OutboxService } from '../../src/webhooks/outbox.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { verifySignedBody } from '../../src/webhooks/webhook-signing';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';
import { TestReceiver } from './test-receiver';

/** The endpoint API over HTTP: CRUD, enable/disable, rotation overlap, event catalog, delivery log, replay, recover. */
describe('webhook endpoint API', () => {
  const nest = useTestApp({ http: true, workers: false });
  const keys: Record<'admin' | 'integration' | 'rep' | 'otherAdmin', string> = {} as never;
  let workspaceId: string;
  const crm = new TestReceiver();

  beforeAll(async () => {
    const workspaces = nest.app.get(WorkspacesService);
    workspaceId = (await workspaces.ensure({ slug: 'hooks' })).id;
    const otherId = (await workspaces.ensure({ slug: 'hooks-other' })).id;
    const [rep] = await nest.db.query(
      `INSERT INTO reps (workspace_id, external_id, name) VALUES ($1, 'r1', 'Rep') RETURNING id`,
      [workspaceId],
    );
    const apiKeys = nest.app.get(ApiKeysService);
    keys.admin = (await apiKeys.create({ workspaceId, name: 'a', role: 'admin' })).key;
    keys.integration = (await apiKeys.create({ workspaceId, name: 'i', role: 'integration' })).key;
    keys.rep = (await apiKeys.create({ workspaceId, name: 'r', role: 'rep', repId: rep.id })).key;
    keys.otherAdmin = (await apiKeys.create({ workspaceId: otherId, name: 'o', role: 'admin' })).key;
    await crm.start();
  });
  afterAll(() => crm.stop());

  const call = async (method: string, path: string, body?: unknown, key = keys.admin) => {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const emit = (type: 'worklist.outcome_recorded' | 'scores.updated', data: unknown) =>
    nest.app.get(Transactions).run((tx) => nest.app.get(OutboxService).append(tx, workspaceId, type, data));
  const deliverNow = async () => {
    const d = nest.app.get(WebhookDeliveryService);
    await d.dispatchPending();
    return d.deliverDue();
  };

  it('lists every emitted event type with a schema and an example', async () => {
    const r = await call('GET', '/v1/webhook-event-types', undefined, keys.integration);
    expect(r.status).toBe(200);
    expect(r.body.map((t: { type: string }) => t.type).sort()).toEqual(
      [
        'assignment.changed',
        'customer.scores_changed',
        'endpoint.disabled',
        'scores.updated',
        'worklist.item_inserted',
        'worklist.outcome_recorded',
        'worklist.published',
      ].sort(),
    );
    for (const t of r.body)
      expect(t).toEqual(expect.objectContaining({ schema: expect.any(Object), example: expect.any(Object) }));
    expect((await call('GET', '/v1/webhook-event-types', undefined, keys.rep)).status).toBe(403);
  });

  it('accepts every catalog type in the filter and names an unknown one', async () => {
    const ok = await call('POST', '/v1/webhook-endpoints', {
      url: crm.url,
      eventTypes: ['worklist.outcome_recorded', 'worklist.item_inserted', 'customer.scores_changed'],
    });
    expect(ok.status).toBe(201);
    expect(ok.body.secret).toMatch(/^whsec_/);
    const bad = await call('POST', '/v1/webhook-endpoints', { url: crm.url, eventTypes: ['no.such.event'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(bad.body.error.details)).toContain('eventTypes');
    expect((await call('DELETE', `/v1/webhook-endpoints/${ok.body.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhook-endpoints/${ok.body.id}`)).status).toBe(404);
  });

  it('reads, updates, disables and enables an endpoint; other workspaces get 404, reps 403', async () => {
    const ep = (await call('POST', '/v1/webhook-endpoints', { url: crm.url, eventTypes: ['scores.updated'] }))
      .body;
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`)).body).toMatchObject({
      id: ep.id,
      url: crm.url,
      active: true,
      eventTypes: ['scores.updated'],
    });
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.secret).toBeUndefined();
    const patched = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      eventTypes: ['scores.updated', 'worklist.outcome_recorded'],
      active: false,
    });
    expect(patched.body).toMatchObject({ active: false, disabledReason: 'manual' });
    const enabled = await call('POST', `/v1/webhook-endpoints/${ep.id}/enable`);
    expect(enabled.body).toMatchObject({ active: true, disabledReason: null });
    expect((await call('POST', `/v1/webhook-endpoints/${ep.id}/disable`)).body.active).toBe(false);
    await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { active: true });
    // null is not "leave it": each field refuses it by name, and the endpoint is unchanged (it was a 500)
    for (const field of ['url', 'eventTypes', 'active']) {
      const res = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, { [field]: null });
      expect([field, res.status, res.body.error.code]).toEqual([field, 400, 'validation_failed']);
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`)).body).toMatchObject({
      active: true,
      eventTypes: ['scores.updated', 'worklist.outcome_recorded'],
    });

    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${ep.id}`],
      ['PATCH', `/v1/webhook-endpoints/${ep.id}`],
      ['DELETE', `/v1/webhook-endpoints/${ep.id}`],
      ['POST', `/v1/webhook-endpoints/${ep.id}/disable`],
      ['POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`],
      ['GET', `/v1/webhook-endpoints/${ep.id}/deliveries`],
      ['POST', `/v1/webhook-endpoints/${ep.id}/recover`],
      ['POST', `/v1/webhook-endpoints/not-a-uuid/test`],
    ]) {
      const body =
        method === 'GET' || method === 'DELETE'
          ? undefined
          : path.endsWith('recover')
            ? { since: '2026-01-01T00:00:00Z' }
            : {};
      expect([method, path, (await call(method, path, body, keys.otherAdmin)).status]).toEqual([
        method,
        path,
        404,
      ]);
      expect([method, path, (await call(method, path, body, keys.rep)).status]).toEqual([method, path, 403]);
    }
    expect((await call('GET', '/v1/webhook-endpoints', undefined, keys.otherAdmin)).body).toEqual([]);
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`)).body.active).toBe(true);
    await call('DELETE', `/v1/webhook-endpoints/${ep.id}`);
  });

  it('signs with both secrets during the rotation overlap, then with the new one only', async () => {
    const created = (await call('POST', '/v1/webhook-endpoints', { url: crm.url })).body;
    const rotated = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, {
      overlapHours: 24,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(new Date(rotated.body.previousSecretExpiresAt).getTime()).toBeGreaterThan(
      Date.now() + 23 * 3_600_000,
    );
    const sent = await call('POST', `/v1/webhook-endpoints/${created.id}/test`, {
      eventType: 'worklist.outcome_recorded',
    });
    expect(sent.body).toMatchObject({ status: 'delivered', httpStatus: 204 });
    const d = crm.received.at(-1)!;
    const headers = d.headers as Record<string, string>;
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifySignedBody(created.secret, d.body, headers)).toMatchObject({
      type: 'worklist.outcome_recorded',
      test: true,
    });
    expect(verifySignedBody(rotated.body.secret, d.body, headers)).toBeTruthy();

    const again = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, {
      overlapHours: 0,
    });
    await call('POST', `/v1/webhook-endpoints/${created.id}/test`, {});
    const last = crm.received.at(-1)!;
    expect(String(last.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(
      verifySignedBody(again.body.secret, last.body, last.headers as Record<string, string>),
    ).toBeTruthy();
    expect(() =>
      verifySignedBody(rotated.body.secret, last.body, last.headers as Record<string, string>),
    ).toThrow();
    const bad = await call('POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`, {
      overlapHours: 1000,
    });
    expect(bad.status).toBe(400);
    await call('DELETE', `/v1/webhook-endpoints/${created.id}`);
  });

  it('logs deliveries (status, attempts, code, truncated body), filters them, replays one and recovers failed ones', async () => {
    const ep = (await call('POST', '/v1/webhook-endpoints', { url: crm.url, eventTypes: ['scores.updated'] }))
      .body;
    const since = new Date(Date.now() - 1000).toISOString();
    crm.answer = () => ({ status: 500, body: 'x'.repeat(10_000) });
    const first = await emit('scores.updated', { runId: 'r1' });
    const second = await emit('scores.updated', { runId: 'r2' });
    await deliverNow();
    crm.answer = () => ({ status: 204 });
    const log = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=failed`);
    expect(log.status).toBe(200);
    expect(log.body.map((d: { messageId: string }) => d.messageId).sort()).toEqual([first, second].sort());
    for (const d of log.body) {
      expect(d).toMatchObject({
        status: 'failed',
        attempts: 1,
        responseStatus: 500,
        error: 'HTTP 500',
        eventType: 'scores.updated',
      });
      expect(d.responseBody).toHaveLength(2048);
      expect(d.nextAttemptAt).not.toBeNull();
    }
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=delivered`)).body).toEqual(
      [],
    );
    expect(
      (await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?since=2999-01-01T00:00:00Z`)).body,
    ).toEqual([]);
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?limit=1`)).body).toHaveLength(1);
    const badQuery = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries?status=lost&limit=9999`);
    expect(badQuery.status).toBe(400);

    const one = log.body.find((d: { messageId: string }) => d.messageId === first);
    const replayed = await call('POST', `/v1/webhook-deliveries/${one.id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ id: one.id, status: 'pending' });
    expect(
      (await call('POST', `/v1/webhook-deliveries/${one.id}/replay`, undefined, keys.otherAdmin)).status,
    ).toBe(404);
    await deliverNow();
    expect(crm.received.at(-1)!.webhookId).toBe(first);

    const recovered = await call('POST', `/v1/webhook-endpoints/${ep.id}/recover`, { since });
    expect(recovered).toEqual({ status: 202, body: { scheduled: 1 } });
    expect(
      (await call('POST', `/v1/webhook-endpoints/${ep.id}/recover`, { since: 'yesterday' })).status,
    ).toBe(400);
    await deliverNow();
    const after = await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`);
    expect(after.body.map((d: { status: string }) => d.status)).toEqual(['delivered', 'delivered']);
    expect(after.body.map((d: { attempts: number }) => d.attempts)).toEqual([2, 2]);
    await call('DELETE', `/v1/webhook-endpoints/${ep.id}`);
  });
});
