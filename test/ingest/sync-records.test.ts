import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { PiiCipher } from '../../src/customers/pii/pii';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { SyncEvent } from '../../src/ingest/sync/sync-events';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t, WireEvent } from '../fake-crm/crm-events';
import { syncState } from '../fake-crm/sync-state';
import { useTestApp } from '../support/use-test-app';

/** The rules of record sync, applied through the real service against PostgreSQL. */
describe('record sync rules (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let sync: RecordSyncService;
  let pii: PiiCipher;
  let n = 0;

  beforeAll(async () => {
    sync = nest.app.get(RecordSyncService);
    pii = nest.app.get(PII_CIPHER);
  });

  const workspace = async () => (await nest.app.get(WorkspacesService).ensure({ slug: `rules-${++n}` })).id;
  const events = (wire: WireEvent[]): SyncEvent[] =>
    wire.map((w) => {
      const r = parseEvent(w);
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.event;
    });
  const apply = (ws: string, wire: WireEvent[]) => sync.applyBatch(ws, 'crm', events(wire));
  const customer = async (ws: string, ext: string) =>
    (
      await nest.db.query(
        `SELECT c.*, w.external_id AS merged_into FROM customers c LEFT JOIN customers w ON w.id = c.merged_into_id
         WHERE c.workspace_id = $1 AND c.external_id = $2`,
        [ws, ext],
      )
    )[0];
  const order = async (ws: string, ext: string) =>
    (
      await nest.db.query(
        `SELECT o.*, c.external_id AS customer FROM orders o JOIN customers c ON c.id = o.customer_id
         WHERE o.workspace_id = $1 AND o.external_id = $2`,
        [ws, ext],
      )
    )[0];

  it('writes customers with encrypted PII, contacts, orders with lines, interactions', async () => {
    const ws = await workspace();
    const report = await apply(ws, [
      ev.customer('c1', t(1), {
        kind: 'business',
        name: 'Acme Trading',
        email: ' Buyer@Acme.CN ',
        phone: '138 0013 8000',
        country: 'cn',
        size: '50-199',
        sourceChannel: 'trade_show',
        contacts: [
          { externalId: 'p1', name: 'Li Wei', title: 'Buyer', email: 'li@acme.cn', isPrimary: true },
        ],
      }),
      ev.order('o1', 'c1', t(2), {
        channel: 'online',
        lines: [
          { productCode: 'SKU-1', productName: 'Tea', category: 'drinks', quantity: 2, amountMinor: 10_000 },
          { productCode: 'SKU-2', quantity: 0.5, amountMinor: 2_500 },
        ],
      }),
      ev.interaction('i1', 'c1', t(3), { kind: 'survey', score: 9 }),
    ]);
    expect(report).toMatchObject({
      customersWritten: 1,
      ordersWritten: 1,
      interactionsWritten: 1,
      parked: 0,
    });
    const c = await customer(ws, 'c1');
    expect(c.email_enc.toString()).not.toContain('acme');
    expect(pii.decrypt(c.email_enc)).toBe('buyer@acme.cn');
    expect(pii.decrypt(c.phone_enc)).toBe('+8613800138000');
    expect(c).toMatchObject({
      kind: 'business',
      country: 'CN',
      size: '50-199',
      source_channel: 'trade_show',
    });
    const state = await syncState(nest.db, ws, pii);
    expect(state.contacts).toEqual([
      expect.objectContaining({ listed_by: 'c1', belongs_to: 'c1', external_id: 'p1', email: 'li@acme.cn' }),
    ]);
    expect(state.orders[0]).toMatchObject({ customer: 'c1', channel: 'online', amount_minor: '12500' });
    expect(state.orders[0].lines).toEqual([
      [1, 'SKU-1', 'Tea', 'drinks', 2, 10000],
      [2, 'SKU-2', null, null, 0.5, 2500],
    ]);
    expect(state.interactions[0]).toMatchObject({ kind: 'survey', score: 9 });
  });

  it('writes a refund booked as an order of its own (reversal, reverses) and updates it with a newer version', async () => {
    const ws = await workspace();
    await apply(ws, [
      ev.customer('c1', t(1)),
      ev.order('o1', 'c1', t(1)),
      ev.order('r1', 'c1', t(2), { reverses: 'o1' }),
      ev.order('r2', 'c1', t(2), { reversal: true, status: 'cancelled' }),
    ]);
    expect(await order(ws, 'o1')).toMatchObject({
      status: 'paid',
      reversal: false,
      reverses_external_id: null,
    });
    expect(await order(ws, 'r1')).toMatchObject({
      status: 'refunded',
      reversal: true,
      reverses_external_id: 'o1',
    });
    expect(await order(ws, 'r2')).toMatchObject({
      status: 'cancelled',
      reversal: true,
      reverses_external_id: null,
    });
    await apply(ws, [ev.order('r2', 'c1', t(3), { reversal: true, status: 'cancelled', reverses: 'o1' })]);
    expect(await order(ws, 'r2')).toMatchObject({ reversal: true, reverses_external_id: 'o1' });
  });

  it('is idempotent: the same batch twice changes nothing', async () => {
    const ws = await workspace();
    const batch = [ev.customer('c1', t(1), { name: 'A' }), ev.order('o1', 'c1', t(1))];
    await apply(ws, batch);
    const before = await syncState(nest.db, ws, pii);
    const again = await apply(ws, batch);
    expect(again).toMatchObject({ customersWritten: 0, customersStale: 1, ordersWritten: 0 });
    expect(await syncState(nest.db, ws, pii)).toEqual(before);
  });

  it('lets the newest source updatedAt win, whatever the arrival order', async () => {
    const ws = await workspace();
    await apply(ws, [ev.customer('c1', t(5), { name: 'new' })]);
    await apply(ws, [ev.customer('c1', t(4), { name: 'old' })]);
    expect((await customer(ws, 'c1')).name).toBe('new');
    await apply(ws, [ev.order('o1', 'c1', t(9), { amountMinor: 900 })]);
    await apply(ws, [ev.order('o1', 'c1', t(8), { amountMinor: 800 })]);
    expect((await order(ws, 'o1')).amount_minor).toBe('900');
    // same instant, different records: the digest decides, identically in both orders
    const [ws1, ws2] = [await workspace(), await workspace()];
    const a = ev.customer('c1', t(1), { name: 'A' });
    const b = ev.customer('c1', t(1), { name: 'B' });
    await apply(ws1, [a]);
    await apply(ws1, [b]);
    await apply(ws2, [b]);
    await apply(ws2, [a]);
    expect((await customer(ws1, 'c1')).name).toBe((await customer(ws2, 'c1')).name);
  });

  it('keeps a delete final against late updates; a newer restore brings the record back', async () => {
    const ws = await workspace();
    await apply(ws, [ev.customer('c1', t(1), { name: 'v1' })]);
    await apply(ws, [ev.customerDeleted('c1', t(3))]);
    await apply(ws, [ev.customer('c1', t(2), { name: 'late' }), ev.customer('c1', t(4), { name: 'after' })]);
    let c = await customer(ws, 'c1');
    expect(c.deleted_at).toEqual(new Date(t(3)));
    expect(c.name).toBe('after'); // data keeps the newest version; the record stays deleted
    await apply(ws, [ev.customerRestored('c1', t(2))]); // older than the delete: stale
    expect((await customer(ws, 'c1')).deleted_at).not.toBeNull();
    await apply(ws, [ev.customerRestored('c1', t(5))]);
    c = await customer(ws, 'c1');
    expect(c.deleted_at).toBeNull();
    expect(c.name).toBe('after');
    // a delete that arrives before the record leaves a tombstone the record cannot escape
    await apply(ws, [ev.customerDeleted('c2', t(10))]);
    await apply(ws, [ev.customer('c2', t(11), { name: 'ghost' })]);
    expect(await customer(ws, 'c2')).toMatchObject({ name: 'ghost', deleted_at: new Date(t(10)) });
  });

  it('deletes and restores orders, and keeps tombstones of orders not seen yet', async () => {
    const ws = await workspace();
    await apply(ws, [ev.customer('c1', t(0))]);
    await apply(ws, [ev.orderDeleted('o1', t(5))]);
    expect(await order(ws, 'o1')).toBeUndefined();
    await apply(ws, [ev.order('o1', 'c1', t(4))]);
    expect((await order(ws, 'o1')).deleted_at).toEqual(new Date(t(5)));
    await apply(ws, [ev.orderRestored('o1', t(6))]);
    expect((await order(ws, 'o1')).deleted_at).toBeNull();
    expect(
      (await nest.db.query(`SELECT count(*)::int AS n FROM crm_parked WHERE workspace_id = $1`, [ws]))[0].n,
    ).toBe(0);
  });

  it('parks orders and interactions of unknown customers and applies them when the customer arrives', async () => {
    const ws = await workspace();
    const r1 = await apply(ws, [ev.order('o1', 'c9', t(1)), ev.interaction('i1', 'c9', t(1))]);
    expect(r1.parked).toBe(2);
    const parked = await sync.listParked(ws, 10);
    expect(parked.map((p) => [p.entity, p.externalId, p.customerExternalId, p.reason]).sort()).toEqual([
      ['interaction', 'i1', 'c9', 'unknown_customer'],
      ['order', 'o1', 'c9', 'unknown_customer'],
    ]);
    // a newer version of the parked order replaces the parked one; an older one does not
    await apply(ws, [ev.order('o1', 'c9', t(3), { amountMinor: 3 })]);
    await apply(ws, [ev.order('o1', 'c9', t(2), { amountMinor: 2 })]);
    const r2 = await apply(ws, [ev.customer('c9', t(0))]);
    expect(r2.unparked).toBe(2);
    expect(await order(ws, 'o1')).toMatchObject({ customer: 'c9', amount_minor: '3' });
    expect(await sync.listParked(ws, 10)).toEqual([]);
  });

  it('the sweep applies parked records whose customer arrived in a concurrent batch', async () => {
    const ws = await workspace();
    await apply(ws, [ev.order('o1', 'late', t(1))]);
    // the customer committed by a batch that ran concurrently (it could not see the parked order)
    await nest.db.query(`INSERT INTO customers (workspace_id, external_id) VALUES ($1, 'late')`, [ws]);
    await apply(ws, [ev.customer('other', t(1))]); // an unrelated batch does not scan every parked record
    expect(await order(ws, 'o1')).toBeUndefined();
    expect(await sync.resolveParked()).toBeGreaterThanOrEqual(1);
    expect((await order(ws, 'o1')).customer).toBe('late');
  });

  it('applies CRM merges: references resolve to the winner, also for events after the merge', async () => {
    const ws = await workspace();
    await apply(ws, [
      ev.customer('w', t(0), { kind: 'business', contacts: [{ externalId: 'pw' }] }),
      ev.customer('l', t(0), { kind: 'business', contacts: [{ externalId: 'pl' }] }),
      ev.order('o1', 'l', t(0)),
    ]);
    const r = await apply(ws, [ev.merged('w', 'l', t(1))]);
    expect(r.merges).toBe(1);
    expect((await customer(ws, 'l')).merged_into).toBe('w');
    expect((await order(ws, 'o1')).customer).toBe('w');
    await apply(ws, [
      ev.order('o2', 'l', t(2)),
      ev.customer('l', t(3), { kind: 'business', contacts: [{ externalId: 'pl2' }] }),
    ]);
    expect((await order(ws, 'o2')).customer).toBe('w');
    const state = await syncState(nest.db, ws, pii);
    expect(
      state.contacts.map((c: { listed_by: string; belongs_to: string; external_id: string }) => [
        c.listed_by,
        c.belongs_to,
        c.external_id,
      ]),
    ).toEqual([
      ['l', 'w', 'pl2'],
      ['w', 'w', 'pw'],
    ]);
    expect((await apply(ws, [ev.merged('w', 'l', t(1))])).merges).toBe(0); // replay: no second merge
    // a merge naming customers never seen: placeholders, filled later
    await apply(ws, [ev.merged('x', 'y', t(4))]);
    await apply(ws, [ev.customer('y', t(5), { name: 'Y' }), ev.order('o3', 'y', t(5))]);
    expect((await order(ws, 'o3')).customer).toBe('x');
  });

  it('never writes personal data back into an erased customer', async () => {
    const ws = await workspace();
    await apply(ws, [ev.customer('c1', t(1), { name: 'Zhang San', email: 'z@example.com' })]);
    await nest.db.query(
      `UPDATE customers SET name = NULL, email_enc = NULL, email_hash = NULL, erased_at = now() WHERE workspace_id = $1`,
      [ws],
    );
    await apply(ws, [
      ev.customer('c1', t(2), { name: 'Zhang San', email: 'z@example.com' }),
      ev.interaction('i1', 'c1', t(2), { note: 'called Zhang San' }),
    ]);
    const c = await customer(ws, 'c1');
    expect([c.name, c.email_enc, c.email_hash]).toEqual([null, null, null]);
    expect(
      (await nest.db.query(`SELECT note FROM interactions WHERE workspace_id = $1`, [ws]))[0].note,
    ).toBeNull();
  });
});
