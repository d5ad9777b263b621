import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Transactions } from '../../src/database/transactions';
import { OutboxService } from '../../src/webhooks/outbox.service';
import { WebhookDeliveryService } from '../../src/webhooks/webhook-delivery.service';
import { WebhookEndpointsService } from '../../src/webhooks/webhook-endpoints.service';
import { newWebhookSecret, verifySignedBody } from '../../src/webhooks/webhook-signing';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';
import { TestReceiver } from './test-receiver';

/** Part 6: signing secrets encrypted at rest; erasure removes the customer from stored payloads and answers. */
describe('webhook secrets at rest and erasure', () => {
  const nest = useTestApp({ http: true, workers: false });
  let workspaceId: string;
  let admin: string;
  const crm = new TestReceiver();

  beforeAll(async () => {
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'privacy' })).id;
    admin = (await nest.app.get(ApiKeysService).create({ workspaceId, name: 'a', role: 'admin' })).key;
    await crm.start();
  });
  afterAll(() => crm.stop());

  const endpoints = () => nest.app.get(WebhookEndpointsService);

  it('stores signing secrets encrypted, also after a rotation, and still signs with them', async () => {
    const ep = await endpoints().create(workspaceId, crm.url);
    const rotated = await endpoints().rotate(workspaceId, ep.id, 1);
    const [row] = await nest.db.query(
      `SELECT secret, secret_enc, previous_secret_enc FROM webhook_endpoints WHERE id = $1`,
      [ep.id],
    );
    expect(row.secret).toBeNull();
    for (const [enc, plain] of [
      [row.secret_enc, rotated.secret],
      [row.previous_secret_enc, ep.secret],
    ] as Array<[Buffer, string]>) {
      expect(Buffer.isBuffer(enc)).toBe(true);
      expect(enc.includes(Buffer.from(plain))).toBe(false);
      expect(enc.includes(Buffer.from(plain.slice(6), 'base64'))).toBe(false);
    }
    const r = await endpoints().sendTest(workspaceId, ep.id, 'scores.updated');
    expect(r.status).toBe('delivered');
    const d = crm.received.at(-1)!;
    expect(verifySignedBody(rotated.secret, d.body, d.headers as Record<string, string>)).toBeTruthy();
    expect(verifySignedBody(ep.secret, d.body, d.headers as Record<string, string>)).toBeTruthy();
    await endpoints().remove(workspaceId, ep.id);
  });

  it('encrypts the plaintext secret of an endpoint stored by an older version', async () => {
    const legacy = newWebhookSecret();
    const [row] = await nest.db.query(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret) VALUES ($1, $2, $3) RETURNING id`,
      [workspaceId, crm.url, legacy],
    );
    expect(await endpoints().encryptLegacySecrets()).toBe(1);
    const [after] = await nest.db.query(`SELECT secret, secret_enc FROM webhook_endpoints WHERE id = $1`, [
      row.id,
    ]);
    expect(after.secret).toBeNull();
    expect(after.secret_enc).not.toBeNull();
    expect(await endpoints().encryptLegacySecrets()).toBe(0);
    await endpoints().sendTest(workspaceId, row.id, 'scores.updated');
    const d = crm.received.at(-1)!;
    expect(verifySignedBody(legacy, d.body, d.headers as Record<string, string>)).toBeTruthy();
    await endpoints().remove(workspaceId, row.id);
  });

  it('erasing a customer scrubs it from stored outbox payloads (pending and sent) and from logged answers', async () => {
    const [erased] = await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, 'C-ERASE', 'Erin Erased') RETURNING id`,
      [workspaceId],
    );
    await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, 'C-KEEP', 'Kim Kept') RETURNING id`,
      [workspaceId],
    );
    const ep = await endpoints().create(workspaceId, crm.url, [
      'worklist.published',
      'worklist.outcome_recorded',
    ]);
    // the receiver echoes what it got: the logged answer holds the customer too
    crm.answer = (d) => ({ status: 500, body: d.body });
    const emit = (type: 'worklist.published' | 'worklist.outcome_recorded', data: unknown) =>
      nest.app.get(Transactions).run((tx) => nest.app.get(OutboxService).append(tx, workspaceId, type, data));
    await emit('worklist.published', {
      rep: 'r1',
      items: [
        { rank: 1, customer: 'C-ERASE', talkTrack: 'Hello Erin Erased' },
        { rank: 2, customer: 'C-KEEP', talkTrack: 'Hello Kim Kept' },
      ],
    });
    await emit('worklist.outcome_recorded', { customer: 'C-ERASE', rep: 'r1', notes: 'Erin wants a call' });
    const delivery = nest.app.get(WebhookDeliveryService);
    await delivery.dispatchPending();
    await delivery.deliverDue();
    await emit('worklist.published', { rep: 'r1', items: [{ rank: 1, customer: 'C-ERASE', why: 'Erin' }] }); // pending

    const res = await fetch(`${nest.url}/v1/customers/${erased.id}/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);

    const events: Array<{ payload: unknown }> = await nest.db.query(
      `SELECT payload FROM outbox_events WHERE workspace_id = $1 ORDER BY id`,
      [workspaceId],
    );
    const stored = JSON.stringify(events);
    expect(stored).not.toContain('Erin');
    expect(stored).not.toContain('C-ERASE');
    expect(stored).toContain('Hello Kim Kept');
    const logs = await endpoints().deliveries(workspaceId, ep.id, { limit: 50 });
    expect(JSON.stringify(logs)).not.toContain('Erin');
    // what is sent from now on (retries, the pending event) carries no trace either
    crm.answer = () => ({ status: 204 });
    await delivery.dispatchPending();
    await endpoints().recover(workspaceId, ep.id, new Date(Date.now() - 3_600_000));
    await delivery.deliverDue();
    const sentAfter = crm.received.slice(-3).map((d) => d.body);
    expect(sentAfter).toHaveLength(3);
    for (const body of sentAfter) expect(body).not.toContain('Erin');
  });
});
