import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { verifySignedBody } from '../../src/webhooks/webhook-signing';
import { seedCrm } from '../support/crm-fixture';
import { queueBackends } from '../support/test-db';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** The thin end-to-end path through HTTP: CRM data in → scoring job → ranked lists → signed webhook out. */
describe.each(queueBackends())('walking skeleton over HTTP (queues on $name)', ({ redisUrl }) => {
  const AS_OF = '2026-11-24';
  const nest = useTestApp({ http: true, redis: redisUrl });
  const contract = useContract(nest);
  let receiver: Server;
  const received: Received[] = [];
  let keys: { admin: string; rep1: string; rep2: string; integration: string };
  let workspaceId: string;

  beforeAll(async () => {
    ({ workspaceId } = await seedCrm(nest.app, { customers: 300, seed: 11, asOf: AS_OF }));
    const reps: Array<{ id: string; external_id: string }> = await nest.db.query(
      `SELECT id, external_id FROM reps WHERE workspace_id = $1 AND role = 'rep' ORDER BY external_id LIMIT 2`,
      [workspaceId],
    );
    const apiKeys = nest.app.get(ApiKeysService);
    const make = async (role: 'admin' | 'rep' | 'integration', repId?: string) =>
      (await apiKeys.create({ workspaceId, name: role, role, repId })).key;
    keys = {
      admin: await make('admin'),
      rep1: await make('rep', reps[0].id),
      rep2: await make('rep', reps[1].id),
      integration: await make('integration'),
    };
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });

  nest.cleanup(() => receiver?.close());

  const http = () => request(nest.app.getHttpServer());

  it('serves health and the OpenAPI document without a key, and nothing else', async () => {
    await http().get('/health').expect(200);
    const doc = await http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/reps/{repId}/worklist', '/v1/score-runs']),
    );
    const denied = await http().get('/v1/score-runs').expect(401);
    expect(denied.body.error.code).toBe('unauthenticated');
    await http().get('/v1/score-runs').set('authorization', 'Bearer cpk_aaaaaaaa_nope').expect(401);
  });

  it('scores through the queue, publishes ranked lists and delivers signed webhooks', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const endpoint = await http()
      .post('/v1/webhook-endpoints')
      .set('authorization', `Bearer ${keys.admin}`)
      .send({ url, eventTypes: ['worklist.published'] })
      .expect(201);
    expect(endpoint.body.secret).toMatch(/^whsec_/);
    await http().post('/v1/score-runs').set('authorization', `Bearer ${keys.rep1}`).send({}).expect(403);
    await http()
      .post('/v1/score-runs')
      .set('authorization', `Bearer ${keys.admin}`)
      .send({ asOf: AS_OF, extra: 1 })
      .expect(400)
      .expect((r) => expect(r.body.error.code).toBe('validation_failed'));

    const started = await http()
      .post('/v1/score-runs')
      .set('authorization', `Bearer ${keys.admin}`)
      .send({ asOf: AS_OF, horizonDays: 365 })
      .expect(201);
    const runId: string = started.body.run.id;
    const run = await poll(async () => {
      const r = await http()
        .get(`/v1/score-runs/${runId}`)
        .set('authorization', `Bearer ${keys.admin}`)
        .expect(200);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : null;
    });
    expect(run).toMatchObject({ status: 'completed', customersTotal: expect.any(Number) });
    expect(run.chunksDone).toBe(run.chunksTotal);

    const list = await poll(() => repList(keys.rep1));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.length).toBeLessThanOrEqual(list.capacity);
    // Ranked items come by expected value of calling today; callbacks, pins and retries go first, prospects are mixed in.
    const ranked = list.items
      .filter((i: { kind: string }) => i.kind === 'ranked')
      .map((i: { expectedValue: number }) => i.expectedValue);
    expect(ranked.length).toBeGreaterThan(0);
    expect([...ranked].sort((a, b) => b - a)).toEqual(ranked);
    expect(list.items.map((i: { rank: number }) => i.rank)).toEqual(
      list.items.map((_: unknown, n: number) => n + 1),
    );
    for (const item of list.items) {
      expect(item.reasons.length).toBeGreaterThan(0);
      expect(item.talkTrack).toContain(item.customer.name ?? item.customer.externalId);
      expect(['rational', 'emotional', 'leader', 'stable', 'neutral']).toContain(item.personality);
      if (item.offer) expect(item.talkTrack).toContain(item.offer.title);
    }

    const deliveries = await poll(async () => (received.length > 0 ? received : null));
    const first = deliveries[0];
    const payload = verifySignedBody(
      endpoint.body.secret,
      first.body,
      first.headers as Record<string, string>,
    ) as {
      type: string;
      data: { rep: string; items: unknown[] };
    };
    expect(payload.type).toBe('worklist.published');
    expect(payload.data.items.length).toBeGreaterThan(0);
    expect(() =>
      verifySignedBody(
        'whsec_' + Buffer.alloc(24).toString('base64'),
        first.body,
        first.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('lets a rep key read only its own list; another rep list answers 404 by external id and by uuid', async () => {
    const own = await repList(keys.rep1);
    const other = await repList(keys.rep2);
    await http()
      .get(`/v1/reps/${other.rep.externalId}/worklist?date=${AS_OF}`)
      .set('authorization', `Bearer ${keys.rep1}`)
      .expect(404);
    await http()
      .get(`/v1/reps/${other.rep.id}/worklist?date=${AS_OF}`)
      .set('authorization', `Bearer ${keys.rep1}`)
      .expect(404);
    await http()
      .get(`/v1/reps/${own.rep.externalId}/worklist?date=${AS_OF}`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(200);
    const bad = await http()
      .get(`/v1/reps/${own.rep.externalId}/worklist?date=25-11-2026`)
      .set('authorization', `Bearer ${keys.rep1}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_date', details: { field: 'date' } });
  });

  it('shows phone numbers to the rep and masks them for machine keys', async () => {
    const own = await repList(keys.rep1);
    const withPhone = own.items.find((i: { customer: { phone: string | null } }) => i.customer.phone);
    expect(withPhone.customer.phone).toMatch(/^\+\d+$/);
    const machine = await http()
      .get(`/v1/reps/${own.rep.externalId}/worklist?date=${AS_OF}`)
      .set('authorization', `Bearer ${keys.integration}`)
      .expect(200);
    const same = machine.body.items.find((i: { id: string }) => i.id === withPhone.id);
    expect(same.customer.phone).toMatch(/\*{3,}/);
  });

  it('serves the embeddable page through a short-lived token, never an API key', async () => {
    const own = await repList(keys.rep1);
    const minted = await http()
      .post('/v1/embed-tokens')
      .set('authorization', `Bearer ${keys.rep1}`)
      .send({ rep: own.rep.externalId })
      .expect(201);
    const page = await http().get(`${minted.body.path}&date=${AS_OF}`).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(page.text).toContain(own.rep.name);
    expect(page.text).toContain(`#1`);
    const other = await repList(keys.rep2);
    await http()
      .post('/v1/embed-tokens')
      .set('authorization', `Bearer ${keys.rep1}`)
      .send({ rep: other.rep.externalId })
      .expect(404);
    const broken = await http()
      .get(`/embed/worklist?token=${minted.body.token.slice(0, -2)}xx`)
      .expect(401);
    // a friendly page, not JSON
    expect(broken.headers['content-type']).toContain('text/html');
    expect(broken.text).toContain('This link has expired');
  });

  async function repList(key: string) {
    const me = await nest.db.query(
      `SELECT r.external_id FROM api_keys k JOIN reps r ON r.id = k.rep_id WHERE k.key_prefix = $1`,
      [key.split('_')[1]],
    );
    const r = await http()
      .get(`/v1/reps/${me[0].external_id}/worklist?date=${AS_OF}`)
      .set('authorization', `Bearer ${key}`);
    if (r.status !== 200) return null;
    return r.body;
  }

  it('answered every request above as its OpenAPI document says (status, content type, schema)', () => {
    expect(contract.problems()).toEqual([]);
  });
});

async function poll<T>(fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
