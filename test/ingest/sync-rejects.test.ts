import { Client } from 'pg';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { PiiCipher } from '../../src/customers/pii/pii';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { CrmInboxRepository } from '../../src/ingest/events/crm-inbox.repository';
import { CrmInboxService } from '../../src/ingest/events/crm-inbox.service';
import { ConnectorsService } from '../../src/ingest/pull/connectors.service';
import { PullConnectorService } from '../../src/ingest/pull/pull-connector.service';
import { SyncRejectsService } from '../../src/ingest/sync-rejects.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t } from '../fake-crm/crm-events';
import { FakeCrm, fakeCrmConnector, FakeOrder, seedFakeCrm } from '../fake-crm/fake-crm-server';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';

/**
 * GET /v1/sync/rejects and its replay: a failed webhook message, an order parked for its customer and a pull record
 * the connector's mapping could not read are one list, each with its reason and field path, and each applies after
 * its fix — through the inbox's, the parked records' and the pull's own code.
 */
describe('sync rejects: one list of what waits, replayed after a fix (PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  const contract = useContract(nest);
  const crm = new FakeCrm();
  let ws: string;
  let admin: string;
  let integration: string;

  beforeAll(async () => {
    await crm.start();
    seedFakeCrm(crm, { customers: 3, seed: 5 });
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'rejects' })).id;
    const keys = nest.app.get(ApiKeysService);
    admin = (await keys.create({ workspaceId: ws, name: 'a', role: 'admin' })).key;
    integration = (await keys.create({ workspaceId: ws, name: 'i', role: 'integration' })).key;
  });
  afterAll(async () => {
    await crm.stop();
  });

  const http = () => request(nest.app.getHttpServer());
  const rejects = (key = admin, query = '') =>
    http().get(`/v1/sync/rejects${query}`).set('authorization', `Bearer ${key}`).expect(200);
  const replay = (body: object) =>
    http().post('/v1/sync/rejects/replay').set('authorization', `Bearer ${admin}`).send(body).expect(200);

  /** DDL on the app's tables is the owner's (the app's own connections run as callplan_app: row-level security). */
  const asOwner = async (sql: string) => {
    const owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    try {
      await owner.query(sql);
    } finally {
      await owner.end();
    }
  };

  it('lists a failed message, a parked order and an invalid pull record with reasons and paths; each replays after its fix', async () => {
    const sync = nest.app.get(RecordSyncService);
    const pii = nest.app.get<PiiCipher>(PII_CIPHER);
    const inbox = nest.app.get(CrmInboxService);

    // 1. a stored webhook message that fails while applied (here: a database rule, removed later as "the fix")
    await asOwner(`CREATE FUNCTION refuse_x() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.external_id = 'X-1' THEN RAISE EXCEPTION 'refused by a rule'; END IF; RETURN NEW; END $$`);
    await asOwner(
      `CREATE TRIGGER refuse_x BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION refuse_x()`,
    );
    const body = JSON.stringify({ events: [ev.customer('X-1', t(1), { name: 'Xu Lan' })] });
    const inboxId = (await nest.app
      .get(CrmInboxRepository)
      .insert(ws, 'msg-1', new Date(), 1, pii.encrypt(body)))!;
    await expect(inbox.process(inboxId)).rejects.toThrow('refused by a rule');

    // 2. an order whose customer is not known yet
    await sync.applyBatch(ws, 'crm', [{ type: 'order.upserted', data: parsedOrder('SO-9', 'C-LATE') }]);

    // 3. a pull record the connector's mapping cannot read (the CRM renamed customer_id to client_id)
    const def = fakeCrmConnector(crm, { name: 'main' });
    const connector = await nest.app.get(ConnectorsService).upsert(ws, def, 'test');
    crm.upsert('orders', {
      id: 'O-RENAMED',
      client_id: 'C0001',
      placed_at: '2026-01-01T00:00:00Z',
      total_minor: 500,
      currency: 'CNY',
      updated_at: '2026-02-01T00:00:00Z',
    } as unknown as FakeOrder);
    const pulled = await nest.app.get(PullConnectorService).run(connector.id);
    expect(pulled.entities.find((e) => e.entity === 'orders')?.rejected).toBe(1);

    const list = (await rejects(integration)).body;
    expect(list.counts).toEqual({ inbox: 1, parked: 1, pull: 1 });
    expect(list.total).toBe(3);
    const byKind = Object.fromEntries(list.items.map((i: { kind: string }) => [i.kind, i]));
    expect(byKind.inbox).toMatchObject({
      id: `inbox:${inboxId}`,
      origin: 'webhook:msg-1',
      reason: { code: 'apply_failed', message: expect.stringContaining('refused by a rule') },
      replay: { automatic: false },
    });
    expect(byKind.parked).toMatchObject({
      entity: 'order',
      externalId: 'SO-9',
      reason: { code: 'unknown_customer' },
      problems: [{ path: 'customerExternalId', message: expect.stringContaining('"C-LATE"') }],
      replay: { automatic: true },
    });
    expect(byKind.pull).toMatchObject({
      origin: 'pull:main',
      entity: 'orders',
      externalId: 'O-RENAMED',
      reason: { code: 'validation_failed' },
      problems: [
        { path: expect.stringMatching(/^orders\[\d+\]\.data\.customerExternalId$/), code: 'required' },
      ],
    });
    expect((await rejects(admin, '?kind=pull&limit=1')).body).toMatchObject({
      total: 1,
      items: [{ kind: 'pull' }],
    });
    await http().get('/v1/sync/rejects?limit=0').set('authorization', `Bearer ${admin}`).expect(400);
    await http()
      .post('/v1/sync/rejects/replay')
      .set('authorization', `Bearer ${integration}`)
      .send({})
      .expect(403);
    await http()
      .post('/v1/sync/rejects/replay')
      .set('authorization', `Bearer ${admin}`)
      .send({ ids: ['nope:1'] })
      .expect(422);

    // nothing fixed yet: a replay changes nothing and says so
    const early = (await replay({ kind: 'pull' })).body;
    expect(early.pull).toEqual({ applied: 0, stillRejected: 1, skipped: 0 });
    // explicit nulls mean "not given" (they were a 500; the route fuzzer found it)
    expect((await replay({ kind: 'pull', ids: null })).body.pull).toEqual(early.pull);

    // the fixes: the rule goes, the customer arrives without unparking (as when a concurrent batch missed it), the
    // connector maps the renamed field
    await asOwner(`DROP TRIGGER refuse_x ON customers`);
    await nest.db.query(
      `INSERT INTO customers (workspace_id, source, external_id, name) VALUES ($1, 'crm', 'C-LATE', 'Late')`,
      [ws],
    );
    (def.entities.orders.fields as Record<string, string>).customerExternalId = 'client_id';
    await nest.app.get(ConnectorsService).upsert(ws, def, 'test');

    // over HTTP the inbox message is queued (the workers apply it); the CLI's inline replay applies it here
    expect((await replay({ kind: 'inbox' })).body.inbox).toEqual({ queued: 1 });
    const r = await nest.app.get(SyncRejectsService).replay(ws, { inline: true, actor: 'cli' });
    expect(r).toMatchObject({
      inbox: { applied: 1, failed: [] },
      parked: { unparked: 1 },
      pull: { applied: 1, stillRejected: 0, skipped: 0 },
      remaining: { inbox: 0, parked: 0, pull: 0 },
    });
    const applied = await nest.db.query(
      `SELECT c.external_id, (SELECT array_agg(o.external_id ORDER BY o.external_id) FROM orders o WHERE o.customer_id = c.id) AS orders
       FROM customers c WHERE c.workspace_id = $1 AND c.external_id IN ('X-1', 'C-LATE', 'C0001') ORDER BY 1`,
      [ws],
    );
    expect(applied).toEqual([
      { external_id: 'C-LATE', orders: ['SO-9'] },
      { external_id: 'C0001', orders: expect.arrayContaining(['O-RENAMED']) },
      { external_id: 'X-1', orders: null },
    ]);
    expect((await rejects()).body).toMatchObject({ total: 0, items: [] });
    const audited = await nest.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'sync.rejects_replayed'`,
      [ws],
    );
    expect(audited[0].n).toBe(4); // the early replays (ids absent, ids null), the HTTP one and the inline one
  });

  it('answers as its OpenAPI document says (status, content type, schema)', () => {
    expect(contract.problems()).toEqual([]);
  });
});

function parsedOrder(externalId: string, customerExternalId: string) {
  return {
    externalId,
    customerExternalId,
    updatedAt: t(2),
    placedAt: t(1),
    amountMinor: 12_500,
    currency: 'CNY',
    status: 'paid' as const,
    channel: null,
    lines: [],
  };
}
