import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { signedWebhookHeaders } from '../../src/ingest/events/webhook-signature';
import { WebhookSecretsService } from '../../src/ingest/events/webhook-secrets.service';
import { PiiCipher } from '../../src/customers/pii/pii';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, postEvents, t } from '../fake-crm/crm-events';
import { queueBackends } from '../support/test-db';
import { useTestApp } from '../support/use-test-app';

const backend = queueBackends().at(-1) as { name: string; redisUrl?: string }; // Redis when available

/** Inbound webhooks over HTTP: signatures, limits, validation, the inbox and the job that applies it. */
describe(`inbound CRM webhooks over HTTP (queues on ${backend.name})`, () => {
  const nest = useTestApp({ http: true, redis: backend.redisUrl });
  let pii: PiiCipher;
  let secret: string;
  let workspaceId: string;
  let adminKey: string;
  const slug = 'hooks';

  beforeAll(async () => {
    pii = nest.app.get(PII_CIPHER);
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug })).id;
    adminKey = (await nest.app.get(ApiKeysService).create({ workspaceId, name: 'admin', role: 'admin' })).key;
    const rotated = await fetch(`${nest.url}/v1/crm/webhook-secret/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(rotated.status).toBe(201);
    secret = ((await rotated.json()) as { secret: string }).secret;
    expect(secret).toMatch(/^whsec_/);
  });

  const post = (body: unknown, opts: Parameters<typeof postEvents>[4] = {}) =>
    postEvents(nest.url, slug, secret, body, opts);
  async function processed(inboxId: unknown): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [row] = await nest.db.query(`SELECT status, result, last_error FROM crm_inbox WHERE id = $1`, [
        inboxId,
      ]);
      if (row?.status === 'processed') return row;
      if (Date.now() > deadline) throw new Error(`inbox ${inboxId} not processed: ${JSON.stringify(row)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const customer = async (ext: string) =>
    (
      await nest.db.query(
        `SELECT c.*, w.external_id AS merged_into FROM customers c LEFT JOIN customers w ON w.id = c.merged_into_id
         WHERE c.workspace_id = $1 AND c.external_id = $2`,
        [workspaceId, ext],
      )
    )[0];
  const send = async (events: unknown[]) => {
    const r = await post({ events });
    expect(r.status).toBe(202);
    return processed(r.body.inboxId);
  };

  it('accepts a signed batch with 202, stores it encrypted, and a job applies it', async () => {
    const r = await post({
      events: [
        ev.customer('c1', t(1), {
          kind: 'business',
          name: 'Acme',
          email: 'buyer@acme.cn',
          contacts: [{ externalId: 'p1', name: 'Li' }],
        }),
        ev.order('o1', 'c1', t(1), { lines: [{ productCode: 'SKU', quantity: 1, amountMinor: 12_500 }] }),
        ev.interaction('i1', 'c1', t(1), { kind: 'survey', score: 10 }),
      ],
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ events: 3, duplicate: false });
    const [stored] = await nest.db.query(`SELECT payload_enc FROM crm_inbox WHERE id = $1`, [r.body.inboxId]);
    expect(stored.payload_enc.toString('latin1')).not.toContain('buyer@acme.cn');
    const row = await processed(r.body.inboxId);
    expect(row.result).toMatchObject({ customersWritten: 1, ordersWritten: 1, interactionsWritten: 1 });
    const c = await customer('c1');
    expect(pii.decrypt(c.email_enc)).toBe('buyer@acme.cn');
    const [o] = await nest.db.query(
      `SELECT count(*)::int AS lines FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.workspace_id = $1`,
      [workspaceId],
    );
    expect(o.lines).toBe(1);
  });

  it('verifies signatures made by the standardwebhooks reference library', async () => {
    const body = JSON.stringify({ events: [ev.customer('ref-lib', t(1))] });
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, body);
    const res = await fetch(`${nest.url}/v1/crm/events/${slug}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': `v1,bm9wZQ== ${signature}`, // several signatures: any valid one is enough
      },
      body,
    });
    expect(res.status).toBe(202);
  });

  it('refuses forged, stale and unsigned messages with 401 and a code', async () => {
    const body = { events: [ev.customer('x', t(1))] };
    const forged = await postEvents(
      nest.url,
      slug,
      `whsec_${Buffer.from('not the secret').toString('base64')}`,
      body,
    );
    expect([forged.status, forged.body.error?.code]).toEqual([401, 'invalid_signature']);
    const text = JSON.stringify(body);
    // signed over one body, sent with another (one byte of whitespace is enough)
    const tampered = await fetch(`${nest.url}/v1/crm/events/${slug}`, {
      method: 'POST',
      headers: signedWebhookHeaders(secret, `msg_${randomUUID()}`, text),
      body: `${text} `,
    });
    expect(tampered.status).toBe(401);
    const garbage = await post(body, { headers: { 'webhook-signature': 'v1,AAAA' } });
    expect([garbage.status, garbage.body.error?.code]).toEqual([401, 'invalid_signature']);
    const stale = await post(body, { at: new Date(Date.now() - 6 * 60_000) });
    expect([stale.status, stale.body.error?.code]).toEqual([401, 'stale_signature']);
    const future = await post(body, { at: new Date(Date.now() + 6 * 60_000) });
    expect([future.status, future.body.error?.code]).toEqual([401, 'stale_signature']);
    const unsigned = await fetch(`${nest.url}/v1/crm/events/${slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe(
      'missing_signature_headers',
    );
    const unknown = await postEvents(nest.url, 'no-such-workspace', secret, body);
    expect([unknown.status, unknown.body.error?.code]).toEqual([401, 'invalid_signature']);
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM customers WHERE external_id = 'x'`);
    expect(n).toBe(0);
  });

  it('accepts a duplicate webhook-id without a second effect', async () => {
    const webhookId = `msg_${randomUUID()}`;
    const first = await post({ events: [ev.customer('dup', t(1), { name: 'first' })] }, { webhookId });
    await processed(first.body.inboxId);
    const second = await post({ events: [ev.customer('dup', t(2), { name: 'second' })] }, { webhookId });
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ duplicate: true, inboxId: first.body.inboxId });
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM crm_inbox WHERE webhook_id = $1`, [
      webhookId,
    ]);
    expect(n).toBe(1);
    expect((await customer('dup')).name).toBe('first');
  });

  it('applies reordered updates newest-wins, keeps deletes against late updates, restores, merges', async () => {
    await send([ev.customer('r1', t(5), { name: 'newest' })]);
    await send([ev.customer('r1', t(3), { name: 'older' })]);
    expect((await customer('r1')).name).toBe('newest');

    await send([ev.customerDeleted('r1', t(6))]);
    await send([ev.customer('r1', t(7), { name: 'late update' })]);
    expect((await customer('r1')).deleted_at).toEqual(new Date(t(6)));
    await send([ev.customerRestored('r1', t(8))]);
    expect(await customer('r1')).toMatchObject({ deleted_at: null, name: 'late update' });

    await send([ev.customer('w', t(1)), ev.customer('l', t(1)), ev.order('lo1', 'l', t(1))]);
    await send([ev.merged('w', 'l', t(2))]);
    await send([ev.order('lo2', 'l', t(3))]);
    expect((await customer('l')).merged_into).toBe('w');
    const owners = await nest.db.query(
      `SELECT o.external_id, c.external_id AS customer FROM orders o JOIN customers c ON c.id = o.customer_id
       WHERE o.workspace_id = $1 AND o.external_id IN ('lo1', 'lo2') ORDER BY 1`,
      [workspaceId],
    );
    expect(owners.map((o: { customer: string }) => o.customer)).toEqual(['w', 'w']);
  });

  it('stores a credit note sent with a negative amount as a reversal of |amount|', async () => {
    await send([
      ev.customer('cn', t(1)),
      ev.order('cn-1', 'cn', t(1), { amountMinor: 50_000 }),
      ev.order('cn-1c', 'cn', t(2), { amountMinor: -20_000, reverses: 'cn-1' }),
    ]);
    const rows = await nest.db.query(
      `SELECT external_id, amount_minor, status, reversal, reverses_external_id FROM orders
       WHERE workspace_id = $1 AND external_id LIKE 'cn-%' ORDER BY 1`,
      [workspaceId],
    );
    expect(rows).toEqual([
      {
        external_id: 'cn-1',
        amount_minor: '50000',
        status: 'paid',
        reversal: false,
        reverses_external_id: null,
      },
      {
        external_id: 'cn-1c',
        amount_minor: '20000',
        status: 'refunded',
        reversal: true,
        reverses_external_id: 'cn-1',
      },
    ]);
  });

  it('parks orders of unknown customers (listed for admins) until the customer arrives', async () => {
    const row = await send([ev.order('po1', 'later', t(1))]);
    expect(row.result).toMatchObject({ parked: 1 });
    const parked = await fetch(`${nest.url}/v1/crm/parked`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(await parked.json()).toEqual([
      expect.objectContaining({
        entity: 'order',
        externalId: 'po1',
        customerExternalId: 'later',
        reason: 'unknown_customer',
      }),
    ]);
    await send([ev.customer('later', t(1))]);
    const [o] = await nest.db.query(`SELECT 1 FROM orders WHERE workspace_id = $1 AND external_id = 'po1'`, [
      workspaceId,
    ]);
    expect(o).toBeDefined();
  });

  it('answers 413 for oversized bodies and too many events', async () => {
    const big = { events: [ev.customer('big', t(1), { name: 'x'.repeat(400) })], pad: 'y'.repeat(1_100_000) };
    const tooBig = await post(big);
    expect([tooBig.status, tooBig.body.error?.code]).toEqual([413, 'payload_too_large']);
    const many = { events: Array.from({ length: 1001 }, (_, i) => ev.customerDeleted(`m${i}`, t(1))) };
    const tooMany = await post(many);
    expect([tooMany.status, tooMany.body.error?.code]).toEqual([413, 'too_many_events']);
  });

  it('answers 400 malformed_json for a signed body that is not JSON', async () => {
    const r = await post(null, { rawBody: '{"events": [' });
    expect([r.status, r.body.error?.code]).toEqual([400, 'malformed_json']);
  });

  it('rejects bad fields with codes and field paths, never a 5xx', async () => {
    const r = await post({
      events: [
        ev.customer('ok', t(1)),
        ev.order('b1', 'ok', t(1), { amountMinor: -1, status: 'paid' }),
        ev.order('b2', 'ok', t(1), { amountMinor: 10 ** 15 }),
        ev.order('b3', 'ok', t(1), { currency: 'XXQ' }),
        ev.order('b4', 'ok', 'not-a-date'),
        ev.order('b5', 'ok', t(1), { amountMinor: '12.50' }),
        ev.order('b6', 'ok', t(1), { discount: 5 }),
        { type: 'order.exploded', data: {} },
        ev.customer('c', '2026-02-30T00:00:00Z'),
        ev.interaction('i', 'ok', t(1), { score: 11 }),
        ev.order('b7', 'ok', '2100-01-01T00:00:00Z'),
      ],
      extra: true,
    });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('validation_failed');
    const details = r.body.error?.details as Array<{ path: string; code: string }>;
    const got = Object.fromEntries(details.map((d) => [d.path, d.code]));
    expect(got).toMatchObject({
      extra: 'unknown_field',
      'events[1].data.status': 'reversal_paid',
      'events[2].data.amountMinor': 'amount_too_large',
      'events[3].data.currency': 'unknown_currency',
      'events[4].data.updatedAt': 'invalid_date',
      'events[5].data.amountMinor': 'invalid_type',
      'events[6].data.discount': 'unknown_field',
      'events[7].type': 'invalid_event_type',
      'events[8].data.updatedAt': 'invalid_date',
      'events[9].data.score': 'too_big',
      'events[10].data.updatedAt': 'date_in_future',
    });
    const notAnObject = await post([1, 2, 3]);
    expect([notAnObject.status, notAnObject.body.error?.code]).toEqual([400, 'validation_failed']);
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM customers WHERE external_id = 'ok'`);
    expect(n).toBe(0); // nothing of a rejected message is applied
  });

  it('keeps verifying with the previous secret during a rotation', async () => {
    const old = secret;
    const { secret: fresh } = await nest.app.get(WebhookSecretsService).rotate(workspaceId, 'test');
    const body = { events: [ev.customer('rot', t(1))] };
    expect((await postEvents(nest.url, slug, old, body)).status).toBe(202);
    expect((await postEvents(nest.url, slug, fresh, body)).status).toBe(202);
    await nest.app.get(WebhookSecretsService).rotate(workspaceId, 'test', 0); // no grace: the old one stops at once
    const refused = await postEvents(nest.url, slug, old, body);
    expect(refused.status).toBe(401);
  });

  it('lists the inbox for admins and keeps other routes behind API keys', async () => {
    const list = await fetch(`${nest.url}/v1/crm/inbox?status=processed&limit=5`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(list.status).toBe(200);
    const rows = (await list.json()) as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain('payload');
    expect((await fetch(`${nest.url}/v1/crm/inbox`)).status).toBe(401);
    expect((await fetch(`${nest.url}/v1/crm/webhook-secret/rotate`, { method: 'POST' })).status).toBe(401);
  });
});
