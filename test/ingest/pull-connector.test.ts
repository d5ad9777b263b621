import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { PiiCipher } from '../../src/customers/pii/pii';
import { ConnectorsService } from '../../src/ingest/pull/connectors.service';
import { PullConnectorService, PullReport } from '../../src/ingest/pull/pull-connector.service';
import { Queue } from 'bullmq';
import { queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { FakeCrm, FakeCustomer, fakeCrmConnector, seedFakeCrm } from '../fake-crm/fake-crm-server';
import { syncState } from '../fake-crm/sync-state';
import { useTestApp } from '../support/use-test-app';

/**
 * The pull connector against the fake CRM: a clean run, then every fault of the brief (crash between fetch and
 * commit, a 429 storm, 500s, slow pages, pages served twice, deletions) must end in the same state as a clean run.
 */
describe('pull connector against the fake CRM (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let pii: PiiCipher;
  let connectors: ConnectorsService;
  let pull: PullConnectorService;
  const crm = new FakeCrm();
  let n = 0;
  let clean: { workspaceId: string; connectorId: string; report: PullReport };

  beforeAll(async () => {
    pii = nest.app.get(PII_CIPHER);
    connectors = nest.app.get(ConnectorsService);
    pull = nest.app.get(PullConnectorService);
    await crm.start();
    seedFakeCrm(crm, { customers: 60, seed: 3 });
    clean = await setup();
    clean.report = await pull.run(clean.connectorId);
  });

  afterAll(async () => {
    await crm.stop();
  });

  async function setup(overrides: Parameters<typeof fakeCrmConnector>[1] = {}) {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: `pull-${++n}` });
    const c = await connectors.upsert(ws.id, fakeCrmConnector(crm, overrides), 'test');
    return { workspaceId: ws.id, connectorId: c.id, report: null as unknown as PullReport };
  }
  const state = (ws: string) => syncState(nest.db, ws, pii);

  it('pulls customers, contacts, orders with lines and interactions, and a second run changes nothing', async () => {
    const ws = clean.workspaceId;
    const s = await state(ws);
    expect(s.customers).toHaveLength(crm.count('customers'));
    expect(s.orders).toHaveLength(crm.count('orders'));
    expect(s.interactions).toHaveLength(crm.count('interactions'));
    expect(s.contacts.length).toBe(2 * 20);
    expect(s.parked).toEqual([]);
    const c3 = s.customers.find((c: { external_id: string }) => c.external_id === 'C0003');
    expect(c3).toMatchObject({ kind: 'business', email: 'user3@example.cn', phone: '+8613800138003' });
    expect(s.orders.every((o: { lines: unknown[] }) => o.lines.length > 0)).toBe(true);
    const byEntity = Object.fromEntries(clean.report.entities.map((e) => [e.entity, e]));
    expect(byEntity.customers.pages).toBe(Math.ceil(60 / 25));
    const view = await connectors.get(ws, clean.connectorId);
    expect(view.cursors.map((c) => c.entity)).toEqual(['customers', 'orders', 'interactions']);
    expect(JSON.stringify(view)).not.toContain(crm.token); // the secret never leaves
    const [stored] = await nest.db.query(`SELECT auth_header_value_enc FROM crm_connectors WHERE id = $1`, [
      clean.connectorId,
    ]);
    expect(stored.auth_header_value_enc.toString('latin1')).not.toContain(crm.token);

    const again = await pull.run(clean.connectorId);
    expect(again.entities.every((e) => e.records === 0)).toBe(true);
    expect(await state(ws)).toEqual(s);
    // the pages wrote customers: a delayed duplicate check of the workspace is queued (DEDUPE_AFTER_SYNC_DELAY_MS)
    const dedupe = await nest.app.get<Queue>(queueToken(QUEUES.crmSync)).getJob(`dedupe-sync-${ws}`);
    expect(dedupe?.name).toBe('dedupe');
    expect(await dedupe?.getState()).toBe('delayed');
  });

  it('re-fetches a page after a crash between fetch and commit; the result equals a clean run', async () => {
    const w = await setup();
    let crashed = false;
    await expect(
      pull.run(w.connectorId, {
        beforeCommit: ({ entity, pageNo }) => {
          if (entity === 'orders' && pageNo === 2 && !crashed) {
            crashed = true;
            throw new Error('worker killed mid-page');
          }
        },
      }),
    ).rejects.toThrow('worker killed mid-page');
    const mid = await connectors.get(w.workspaceId, w.connectorId);
    expect(mid.cursors.find((c) => c.entity === 'orders')?.pages).toBe(1); // page 2 rolled back with its cursor
    expect(mid.lastError).toContain('worker killed mid-page');
    await pull.run(w.connectorId);
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('rides out a 429 storm, honouring Retry-After', async () => {
    const w = await setup();
    crm.failNext(20, 429, '0');
    crm.failNext(1, 429, '1');
    const started = Date.now();
    const r = await pull.run(w.connectorId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r.http.rateLimited).toBe(21);
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('backs off on 500s, gives up after maxAttempts keeping its cursor, and resumes there', async () => {
    const w = await setup({ http: { maxAttempts: 3 } });
    crm.failNext(2, 500);
    const r = await pull.run(w.connectorId);
    expect(r.http.serverErrors).toBe(2);
    expect(r.http.waitedMs).toBeGreaterThan(0);

    const w2 = await setup({ http: { maxAttempts: 3 } });
    const first = await pull
      .run(w2.connectorId, {
        beforeCommit: ({ entity, pageNo }) => {
          if (entity === 'orders' && pageNo === 1) crm.failNext(3, 503);
        },
      })
      .catch((e: { code?: string }) => e);
    expect((first as { code?: string }).code).toBe('pull_server_error');
    const mid = await connectors.get(w2.workspaceId, w2.connectorId);
    expect(mid.cursors.find((c) => c.entity === 'orders')?.pages).toBe(1);
    await pull.run(w2.connectorId);
    expect(await state(w2.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('retries slow pages that time out', async () => {
    const w = await setup({ http: { timeoutMs: 200 } });
    crm.slowNext(2, 600);
    const r = await pull.run(w.connectorId);
    expect(r.http.serverErrors).toBe(2);
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('is unmoved by pages served twice', async () => {
    const w = await setup();
    crm.duplicatePages = true;
    try {
      const r = await pull.run(w.connectorId);
      const customers = r.entities.find((e) => e.entity === 'customers');
      expect(customers?.records).toBe(2 * crm.count('customers'));
    } finally {
      crm.duplicatePages = false;
    }
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('pulls by an inclusive updated_since watermark with the same result', async () => {
    const w = await setup({
      name: 'fake-since',
      paging: { mode: 'updated_since', hasMorePath: undefined, pageSize: 40 },
    });
    await pull.run(w.connectorId);
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('applies deletions, restores and merges that appear in the feeds, incrementally', async () => {
    const w = await setup();
    await pull.run(w.connectorId);
    const before = crm.requests.length;
    crm.delete('customers', 'C0001', '2026-01-02T00:00:00Z');
    crm.delete('orders', 'O00001', '2026-01-02T00:00:00Z');
    crm.delete('customers', 'C0002', '2026-01-02T00:00:00Z');
    crm.restore('customers', 'C0002', '2026-01-03T00:00:00Z');
    crm.merge('C0004', 'C0005', '2026-01-04T00:00:00Z');
    crm.change<FakeCustomer>('customers', 'C0006', { name: 'Renamed', updated_at: '2026-01-05T00:00:00Z' });
    const r = await pull.run(w.connectorId);
    expect(r.entities.find((e) => e.entity === 'customers')?.records).toBe(4);
    expect(crm.requests.length - before).toBe(3); // one page per feed: only what changed
    const rows: Array<Record<string, unknown>> = await nest.db.query(
      `SELECT c.external_id, c.name, c.deleted_at IS NOT NULL AS deleted, w.external_id AS merged_into
       FROM customers c LEFT JOIN customers w ON w.id = c.merged_into_id
       WHERE c.workspace_id = $1 AND c.external_id IN ('C0001', 'C0002', 'C0005', 'C0006') ORDER BY 1`,
      [w.workspaceId],
    );
    expect(rows.map((x) => [x.external_id, x.deleted, x.merged_into])).toEqual([
      ['C0001', true, null],
      ['C0002', false, null],
      ['C0005', false, 'C0004'],
      ['C0006', false, null],
    ]);
    expect(rows[3].name).toBe('Renamed');
    const [o] = await nest.db.query(
      `SELECT deleted_at FROM orders WHERE workspace_id = $1 AND external_id = 'O00001'`,
      [w.workspaceId],
    );
    expect(o.deleted_at).toEqual(new Date('2026-01-02T00:00:00Z'));
    // the clean workspace catches up to the same picture
    await pull.run(clean.connectorId);
    expect(await state(w.workspaceId)).toEqual(await state(clean.workspaceId));
  });

  it('keeps invalid records with their reasons and applies the rest', async () => {
    const w = await setup({ name: 'fake-rejects' });
    crm.upsert('orders', {
      id: 'O-BAD',
      customer_id: 'C0001',
      placed_at: 'yesterday',
      // not whole minor units (a negative amount would be a credit note, a valid reversal)
      total_minor: 1.5,
      currency: 'XXY',
      updated_at: '2026-02-01T00:00:00Z',
    });
    try {
      const r = await pull.run(w.connectorId);
      expect(r.entities.find((e) => e.entity === 'orders')?.rejected).toBe(1);
      const rejects = await nest.db.query(
        `SELECT origin, entity, external_id, problems FROM crm_sync_rejects WHERE workspace_id = $1`,
        [w.workspaceId],
      );
      expect(rejects).toHaveLength(1);
      expect(rejects[0]).toMatchObject({
        origin: 'pull:fake-rejects',
        entity: 'orders',
        external_id: 'O-BAD',
      });
      const paths = rejects[0].problems.map((p: { path: string }) => p.path.replace(/\[\d+\]/, '[i]')).sort();
      expect(paths).toEqual([
        'orders[i].data.amountMinor',
        'orders[i].data.currency',
        'orders[i].data.placedAt',
      ]);
    } finally {
      crm.change('orders', 'O-BAD', {
        total_minor: 5,
        currency: 'CNY',
        placed_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-02-02T00:00:00Z',
      });
    }
  });

  it('carries a credit note as a reversal naming the order it credits', async () => {
    const w = await setup({ name: 'fake-credits' });
    await pull.run(w.connectorId);
    const [paid] = await nest.db.query(
      `SELECT o.external_id, o.amount_minor::int AS amount, c.external_id AS customer FROM orders o
       JOIN customers c ON c.id = o.customer_id
       WHERE o.workspace_id = $1 AND o.status = 'paid' ORDER BY o.external_id LIMIT 1`,
      [w.workspaceId],
    );
    crm.upsert('orders', {
      id: 'CN-1',
      customer_id: paid.customer,
      placed_at: '2026-03-01T00:00:00Z',
      total_minor: paid.amount,
      currency: 'CNY',
      status: 'refunded',
      credit_note: true,
      credits: paid.external_id,
      updated_at: '2026-03-01T00:00:00Z',
    });
    const r = await pull.run(w.connectorId);
    expect(r.entities.find((e) => e.entity === 'orders')?.rejected).toBe(0);
    const [credit] = await nest.db.query(
      `SELECT status, amount_minor::int AS amount, reversal, reverses_external_id FROM orders
       WHERE workspace_id = $1 AND external_id = 'CN-1'`,
      [w.workspaceId],
    );
    expect(credit).toEqual({
      status: 'refunded',
      amount: paid.amount,
      reversal: true,
      reverses_external_id: paid.external_id,
    });
  });

  it('rejects bad connector definitions with field paths', async () => {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: 'pull-bad' });
    const bad = { ...fakeCrmConnector(crm), baseUrl: 'ftp://x', paging: { pageSize: 0 }, extra: 1 };
    await expect(connectors.upsert(ws.id, bad, 'test')).rejects.toMatchObject({
      code: 'validation_failed',
      details: expect.arrayContaining([
        expect.objectContaining({ path: 'baseUrl' }),
        expect.objectContaining({ path: 'paging.pageSize' }),
      ]),
    });
  });
});
