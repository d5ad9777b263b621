import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { PiiCipher } from '../../src/customers/pii/pii';
import { Transactions } from '../../src/database/transactions';
import { ConnectorPushService } from '../../src/ingest/pull/connector-push.service';
import { ConnectorsService } from '../../src/ingest/pull/connectors.service';
import { PullConnectorService } from '../../src/ingest/pull/pull-connector.service';
import { OutboxService } from '../../src/webhooks/outbox.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { HubSpotFake, hubspotConnector, seedHubSpot } from '../fake-crm/hubspot-fake';
import { ordersByExternalId, syncRejectCount } from '../support/crm-fixture';
import { useTestApp } from '../support/use-test-app';

const N = 10_000;

/** The write-back fields as a workspace maps them to HubSpot contact properties (docs/write-back.md). */
const FIELDS = {
  externalId: 'externalId',
  tier: 'callplan_tier',
  lifecycle: 'callplan_lifecycle',
  clv: 'callplan_clv',
  priority: 'callplan_priority',
  nextCallDate: 'callplan_next_call',
  reasonCodes: 'callplan_reasons',
};
const PROPERTIES = {
  callplan_tier: 'string',
  callplan_lifecycle: 'string',
  callplan_clv: 'number',
  callplan_priority: 'number',
  callplan_next_call: 'date',
  callplan_reasons: 'string',
} as const;

/** One customer of a `customer.scores_changed` event, as the write-back diff builds it under FIELDS. */
function changed(id: string, round: number, over: Record<string, unknown> = {}) {
  return {
    externalId: id,
    callplan_tier: ['core', 'growth', 'watch'][(Number(id) + round) % 3],
    callplan_lifecycle: 'loyal',
    callplan_clv: { amountMinor: (Number(id) % 97) * 100 + round * 100, currency: 'EUR' },
    callplan_priority: (Number(id) + round) % 100,
    callplan_next_call: '2026-12-09',
    callplan_reasons: ['likely_to_buy', 'overdue_vs_cycle'],
    ...over,
  };
}

/**
 * The HubSpot connector against a faithful fake HubSpot (test/fake-crm/hubspot-fake.ts) with HubSpot's own limits:
 * a full pull of 10,000 contacts and a write-back of 10,000 score changes, with no record lost and no 429 storm;
 * a pull killed mid-way resumes at its cursor; refused records are kept visible; the limiter learns the window
 * HubSpot reports and backs off when a 429 says it was too generous.
 */
describe('HubSpot connector against the fake HubSpot (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let connectors: ConnectorsService;
  let pull: PullConnectorService;
  let push: ConnectorPushService;
  let pii: PiiCipher;
  const hubspot = new HubSpotFake(); // HubSpot's defaults: 100 per 10 s, search 4 per second
  let ids: string[];
  let n = 0;

  beforeAll(async () => {
    connectors = nest.app.get(ConnectorsService);
    pull = nest.app.get(PullConnectorService);
    push = nest.app.get(ConnectorPushService);
    pii = nest.app.get(PII_CIPHER);
    await hubspot.start();
    hubspot.defineProperties(PROPERTIES);
    ids = seedHubSpot(hubspot, N);
  });

  afterAll(async () => {
    await hubspot.stop();
  });

  async function setup(fake: HubSpotFake, overrides: Record<string, unknown> = {}) {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: `hubspot-${++n}` });
    const c = await connectors.upsert(ws.id, hubspotConnector(fake, overrides), 'test');
    return { workspaceId: ws.id, connectorId: c.id };
  }

  const customers = (workspaceId: string) =>
    nest.db.query(
      `SELECT external_id, name, email_enc, country, industry, source_updated_at FROM customers
        WHERE workspace_id = $1 ORDER BY external_id::bigint`,
      [workspaceId],
    ) as Promise<
      Array<{
        external_id: string;
        name: string;
        email_enc: Buffer;
        country: string | null;
        industry: string | null;
      }>
    >;

  /** Appends `customer.scores_changed` events of ≤ 500 customers, as WriteBackService does after a pass. */
  async function scoresChanged(workspaceId: string, rows: Array<Record<string, unknown>>): Promise<void> {
    const outbox = nest.app.get(OutboxService);
    await nest.app.get(Transactions).run(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) {
        await outbox.append(tx, workspaceId, 'customer.scores_changed', {
          customers: rows.slice(i, i + 500),
          fields: FIELDS,
        });
      }
    });
  }

  let pulled: { workspaceId: string; connectorId: string };

  it('pulls 10,000 contacts at 200 per search under the search limit: none lost, no 429', async () => {
    pulled = await setup(hubspot);
    hubspot.resetStats();
    const report = await pull.run(pulled.connectorId);
    const rows = await customers(pulled.workspaceId);
    expect(rows).toHaveLength(N);
    expect(rows.map((r) => r.external_id)).toEqual(ids);
    const c13 = rows[12];
    expect(c13).toMatchObject({ name: 'First13 Last13', country: 'DE', industry: 'Retail' });
    expect(pii.decrypt(c13.email_enc)).toBe('contact13@example.com');
    expect(rows[2].country).toBeNull(); // HubSpot's free-text "Germany" is not an ISO code: left empty
    expect(hubspot.stats.rateLimited).toBe(0);
    const searches = hubspot.stats.byRoute['POST /crm/v3/objects/contacts/search'];
    // 50 full pages, plus the re-read of each page's last instant: ≤ 6 calls per 1,000 contacts
    expect(searches).toBe(report.http.requests);
    expect(searches).toBeGreaterThanOrEqual(N / 200);
    expect((searches / N) * 1000).toBeLessThanOrEqual(6);
    expect(report.entities[0]).toMatchObject({ entity: 'customers', rejected: 0 });

    // a second run reads from the watermark: only the newest instant again, nothing changes
    hubspot.resetStats();
    const again = await pull.run(pulled.connectorId);
    expect(again.entities[0].records).toBeLessThanOrEqual(2);
    expect(again.entities[0].applied.customersWritten).toBe(0);
    expect(hubspot.stats.requests).toBe(1);

    // a contact changed in HubSpot comes over on the next run, newer than the watermark
    hubspot.changeContact(ids[41], { firstname: 'Renamed' }, new Date(Date.parse('2026-06-01T00:00:00Z')));
    await pull.run(pulled.connectorId);
    expect((await customers(pulled.workspaceId))[41].name).toBe('Renamed Last42');
  }, 120_000);

  it('writes 10,000 score changes back in batches of 100, learning the window from the headers: no 429', async () => {
    // the portal is stricter than the connector's configuration (100 per 10 s): 25 per second
    hubspot.options.requestsPerInterval = 25;
    hubspot.options.intervalMs = 1000;
    const rows = ids.map((id) => changed(id, 1));
    await scoresChanged(pulled.workspaceId, rows);
    hubspot.resetStats();
    const report = await push.push(pulled.connectorId);
    expect(report).toMatchObject({ status: 'completed', events: N / 500, customers: N, failed: 0 });
    expect(hubspot.stats.byRoute['POST /crm/v3/objects/contacts/batch/update']).toBe(N / 100);
    expect(hubspot.stats.rateLimited).toBe(0);
    expect(report.http.requests).toBe(N / 100); // 10 calls per 1,000 customers
    for (const i of [0, 1234, N - 1]) {
      const props = hubspot.contact(ids[i]).properties;
      const want = changed(ids[i], 1);
      expect(props).toMatchObject({
        callplan_tier: want.callplan_tier,
        callplan_priority: String(want.callplan_priority),
        callplan_clv: (want.callplan_clv.amountMinor / 100).toFixed(2),
        callplan_next_call: '2026-12-09',
        callplan_reasons: 'likely_to_buy;overdue_vs_cycle',
      });
    }
    const view = await connectors.get(pulled.workspaceId, pulled.connectorId);
    expect(view.writeBack).toMatchObject({ events: N / 500, customers: N, calls: N / 100, failures: 0 });
    expect(view.writeBack?.lastError).toBeNull();

    // nothing pending: a second push sends nothing
    hubspot.resetStats();
    expect(await push.push(pulled.connectorId)).toMatchObject({ events: 0, customers: 0 });
    expect(hubspot.stats.requests).toBe(0);
  }, 120_000);

  it('coalesces a window of events: a customer changed twice is written once, with the newest values', async () => {
    const some = ids.slice(0, 300);
    await scoresChanged(
      pulled.workspaceId,
      some.map((id) => changed(id, 2)),
    );
    await scoresChanged(
      pulled.workspaceId,
      some.slice(0, 100).map((id) => changed(id, 3)),
    );
    hubspot.resetStats();
    const report = await push.push(pulled.connectorId);
    expect(report).toMatchObject({ events: 2, customers: 300 });
    expect(hubspot.stats.requests).toBe(3);
    expect(hubspot.contact(some[0]).properties.callplan_tier).toBe(changed(some[0], 3).callplan_tier);
    expect(hubspot.contact(some[200]).properties.callplan_tier).toBe(changed(some[200], 2).callplan_tier);
  });

  it('keeps refused records visible and writes the rest; a missing property stops the push until fixed', async () => {
    await scoresChanged(pulled.workspaceId, [
      changed(ids[0], 4),
      changed('cus-from-csv', 4), // not a HubSpot record
      changed('99999999', 4), // no such contact: 207 OBJECT_NOT_FOUND
      changed(ids[1], 4, { callplan_priority: 'high' }), // not a number: 400 for its batch, narrowed down
      changed(ids[2], 4),
    ]);
    const report = await push.push(pulled.connectorId);
    expect(report).toMatchObject({ events: 1, customers: 5, failed: 3 });
    expect(hubspot.contact(ids[0]).properties.callplan_tier).toBe(changed(ids[0], 4).callplan_tier);
    expect(hubspot.contact(ids[2]).properties.callplan_tier).toBe(changed(ids[2], 4).callplan_tier);
    const failures = await connectors.writeBackFailures(pulled.workspaceId, pulled.connectorId);
    expect(Object.fromEntries(failures.map((f) => [f.external_id, f.code]))).toEqual({
      'cus-from-csv': 'not_a_hubspot_id',
      '99999999': 'OBJECT_NOT_FOUND',
      [ids[1]]: 'VALIDATION_ERROR',
    });
    // the record written successfully later is cleared from the failures
    await scoresChanged(pulled.workspaceId, [changed(ids[1], 5)]);
    await push.push(pulled.connectorId);
    const after = await connectors.writeBackFailures(pulled.workspaceId, pulled.connectorId);
    expect(after.map((f) => f.external_id).sort()).toEqual(['99999999', 'cus-from-csv']);

    // a property the portal lacks: the push fails with HubSpot's message, the position stays
    await scoresChanged(pulled.workspaceId, [{ ...changed(ids[3], 6), callplan_owner: 'rep-1' }]);
    await expect(push.push(pulled.connectorId)).rejects.toThrow(/callplan_owner/);
    const stuck = await connectors.get(pulled.workspaceId, pulled.connectorId);
    expect(stuck.writeBack?.lastError).toMatch(/pull_http_error.*does not exist/);
    hubspot.defineProperties({ callplan_owner: 'string' });
    expect(await push.push(pulled.connectorId)).toMatchObject({ events: 1, customers: 1, failed: 0 });
    expect(hubspot.contact(ids[3]).properties.callplan_owner).toBe('rep-1');
  });

  it('resumes at its cursor after a kill mid-pull: the result equals a clean run', async () => {
    const fast = new HubSpotFake({ searchPerSecond: 50 });
    await fast.start();
    try {
      seedHubSpot(fast, 3000);
      const w = await setup(fast);
      let killed = false;
      await expect(
        pull.run(w.connectorId, {
          beforeCommit: ({ pageNo }) => {
            if (pageNo === 7 && !killed) {
              killed = true;
              throw new Error('worker killed mid-pull');
            }
          },
        }),
      ).rejects.toThrow('worker killed mid-pull');
      const mid = await connectors.get(w.workspaceId, w.connectorId);
      expect(mid.cursors[0].pages).toBe(6); // page 7 rolled back with its cursor
      expect(mid.lastError).toContain('worker killed mid-pull');
      const midCount = (await customers(w.workspaceId)).length;
      expect(midCount).toBeGreaterThan(1000);
      expect(midCount).toBeLessThan(3000);
      fast.resetStats();
      await pull.run(w.connectorId);
      const rows = await customers(w.workspaceId);
      expect(rows).toHaveLength(3000);
      expect(fast.stats.requests).toBeLessThanOrEqual(Math.ceil((3000 - midCount) / 200) + 2);
    } finally {
      await fast.stop();
    }
  }, 60_000);

  it('backs off when a 429 says the configured search rate was too generous: no storm', async () => {
    const strict = new HubSpotFake({ searchPerSecond: 2 });
    await strict.start();
    try {
      seedHubSpot(strict, 2000);
      const w = await setup(strict, { limits: { searchPerSecond: 10 }, contacts: { pageSize: 100 } });
      const report = await pull.run(w.connectorId);
      expect(report.entities[0].records).toBeGreaterThanOrEqual(2000);
      expect((await customers(w.workspaceId)).length).toBe(2000);
      // the window shrinks at each 429 until it fits: a handful, never one per request
      expect(strict.stats.rateLimited).toBeGreaterThan(0);
      expect(strict.stats.rateLimited).toBeLessThanOrEqual(4);
      expect(strict.stats.longest429Run).toBe(1);
    } finally {
      await strict.stop();
    }
  }, 60_000);

  it('pulls companies and won deals: amounts, currencies, one associations call per page, parks, resumes, replays', async () => {
    const crm = new HubSpotFake({ searchPerSecond: 50 });
    await crm.start();
    try {
      const t0 = Date.parse('2026-02-01T00:00:00Z');
      const at = (s: number) => new Date(t0 + s * 1000);
      const c1 = crm.addContact({ firstname: 'Ada', lastname: 'One' }, at(1));
      const c2 = crm.addContact({ firstname: 'Bo', lastname: 'Two' }, at(2));
      const acme = crm.addCompany(
        { name: 'Acme GmbH', domain: 'acme.de', country: 'DE', phone: '+4930123' },
        at(3),
      );
      const beta = crm.addCompany({ name: '', domain: 'beta.io' }, at(4));
      const won = (amount: string, currency: string | null) => ({
        dealstage: 'closedwon',
        amount,
        deal_currency_code: currency,
        closedate: '2026-03-01T10:00:00Z',
      });
      const eur = crm.addDeal(won('1234.5', 'EUR'), { contacts: [c1], companies: [acme] }, at(10));
      const jpy = crm.addDeal(won('1000', 'JPY'), { contacts: [c2, c1] }, at(11));
      const lost = crm.addDeal({ ...won('50', 'EUR'), dealstage: 'closedlost' }, { contacts: [c1] }, at(12));
      const open = crm.addDeal(
        { ...won('60', 'EUR'), dealstage: 'appointmentscheduled' },
        { contacts: [c1] },
        at(13),
      );
      const noCode = crm.addDeal(won('99.99', null), { contacts: [c1] }, at(14)); // the default currency
      const orphan = crm.addDeal(won('10', 'EUR'), {}, at(15)); // no contact: refused, kept
      const bulk = Array.from({ length: 25 }, (_, i) =>
        crm.addDeal(won(String(100 + i), 'USD'), { contacts: [c2] }, at(20 + i)),
      );
      // a contact and its deal created while the pull reads deals: the deal arrives before its contact
      let late: { contact: string; deal: string } | null = null;
      let armed = false;
      crm.onRequest = (route) => {
        if (armed && route === 'POST /crm/v3/objects/deals/search' && !late) {
          const contact = crm.addContact({ firstname: 'Late', lastname: 'Comer' }, at(100));
          late = { contact, deal: crm.addDeal(won('5', 'EUR'), { contacts: [contact] }, at(100)) };
        }
      };
      const def = (currency: string) => ({
        limits: { searchPerSecond: 50 },
        companies: { enabled: true, pageSize: 10 },
        deals: { enabled: true, pageSize: 10, currency },
      });
      const w = await setup(crm, def('ZZZ')); // a currency that is no ISO code: deals without a code are refused

      // killed after the first deals page: the rerun resumes at the orders cursor
      let killed = false;
      await expect(
        pull.run(w.connectorId, {
          beforeCommit: ({ entity, pageNo }) => {
            if (entity === 'orders' && pageNo === 2 && !killed) {
              killed = true;
              throw new Error('worker killed mid-pull');
            }
          },
        }),
      ).rejects.toThrow('worker killed mid-pull');
      const mid = await connectors.get(w.workspaceId, w.connectorId);
      expect(mid.cursors.find((k) => k.entity === 'orders')?.pages).toBe(1);
      crm.resetStats();
      armed = true; // from now on, the first deals search makes a new contact and its deal
      await pull.run(w.connectorId);
      // no contact or company page again: the customers watermark had reached its end
      expect(crm.stats.byRoute['POST /crm/v3/objects/contacts/search']).toBe(1);
      const searches = crm.stats.byRoute['POST /crm/v3/objects/deals/search'];
      const assoc = crm.stats.byRoute['POST /crm/v4/associations/deals/contacts/batch/read'];
      expect(assoc).toBeGreaterThanOrEqual(Math.ceil(27 / 10) - 1); // the 27 won deals left after page 1
      expect(assoc).toBeLessThanOrEqual(searches); // one per page with deals, never one per deal
      expect(assoc).toBeLessThan(10);
      expect(crm.stats.rateLimited).toBe(0);

      const cust = await nest.db.query(
        `SELECT external_id, kind, name, country FROM customers WHERE workspace_id = $1 ORDER BY external_id`,
        [w.workspaceId],
      );
      expect(cust).toEqual(
        expect.arrayContaining([
          { external_id: c1, kind: 'individual', name: 'Ada One', country: null },
          { external_id: `company-${acme}`, kind: 'business', name: 'Acme GmbH', country: 'DE' },
          { external_id: `company-${beta}`, kind: 'business', name: 'beta.io', country: null },
        ]),
      );
      const orderRows = async () =>
        (await nest.db.query(
          `SELECT o.external_id, c.external_id AS customer, o.amount_minor::int AS amount, o.currency,
                  o.placed_at, o.status
             FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1`,
          [w.workspaceId],
        )) as Array<{
          external_id: string;
          customer: string;
          amount: number;
          currency: string;
          placed_at: Date;
        }>;
      const byId = new Map((await orderRows()).map((o) => [o.external_id, o]));
      expect(byId.get(eur)).toMatchObject({ customer: c1, amount: 123450, currency: 'EUR', status: 'paid' });
      expect(byId.get(eur)?.placed_at.toISOString()).toBe('2026-03-01T10:00:00.000Z');
      expect(byId.get(jpy)).toMatchObject({ customer: c1, amount: 1000, currency: 'JPY' }); // lowest contact id
      expect(byId.get(bulk[24])).toMatchObject({ customer: c2, amount: 12400, currency: 'USD' });
      for (const id of bulk) expect(byId.has(id)).toBe(true);
      expect(byId.has(lost)).toBe(false);
      expect(byId.has(open)).toBe(false);
      expect(byId.has(noCode)).toBe(false);
      expect(byId.has(orphan)).toBe(false);

      // the deal whose contact came later is parked, not dropped; the next run brings the contact and applies it
      const lateDeal = (late as unknown as { deal: string }).deal;
      expect(byId.has(lateDeal)).toBe(false);
      const parked = await nest.db.query(
        `SELECT external_id FROM crm_parked WHERE workspace_id = $1 AND entity = 'order'`,
        [w.workspaceId],
      );
      expect(parked.map((r: { external_id: string }) => r.external_id)).toEqual([lateDeal]);
      await pull.run(w.connectorId);
      expect((await orderRows()).find((o) => o.external_id === lateDeal)).toMatchObject({ amount: 500 });

      // refused deals are stored and replay with the connector's current mapping
      const rejects = await nest.db.query(
        `SELECT external_id FROM crm_sync_rejects WHERE workspace_id = $1 ORDER BY external_id::bigint`,
        [w.workspaceId],
      );
      expect(rejects.map((r: { external_id: string }) => r.external_id)).toEqual([noCode, orphan]);
      await connectors.upsert(w.workspaceId, hubspotConnector(crm, def('EUR')), 'test');
      expect(await pull.replayRejects(w.workspaceId, null)).toEqual({
        applied: 1,
        stillRejected: 1,
        skipped: 0,
      });
      expect((await orderRows()).find((o) => o.external_id === noCode)).toMatchObject({
        amount: 9999,
        currency: 'EUR',
      });
    } finally {
      await crm.stop();
    }
  }, 60_000);

  it('carries refunds and cancellations: a refund deal becomes a reversal, a won deal moved to lost a cancelled order', async () => {
    const crm = new HubSpotFake({ searchPerSecond: 50 });
    await crm.start();
    try {
      const t0 = Date.parse('2026-02-01T00:00:00Z');
      const at = (s: number) => new Date(t0 + s * 1000);
      const c1 = crm.addContact({ firstname: 'Ada', lastname: 'One' }, at(1));
      const deal = (amount: string, stage = 'closedwon', extra: Record<string, string> = {}) => ({
        dealstage: stage,
        amount,
        deal_currency_code: 'GBP',
        closedate: '2026-03-01T10:00:00Z',
        ...extra,
      });
      const big = crm.addDeal(deal('168469.60'), { contacts: [c1] }, at(10));
      const small = crm.addDeal(deal('2.90'), { contacts: [c1] }, at(11));
      const kept = crm.addDeal(deal('500'), { contacts: [c1] }, at(12));
      // a refund booked as a deal of its own, naming the deal it refunds in a custom property
      const refund = crm.addDeal(
        deal('-100', 'closedwon', { refunded_deal_id: kept }),
        { contacts: [c1] },
        at(13),
      );
      // lost without ever being won: no order at all
      const neverWon = crm.addDeal(deal('70', 'closedlost'), { contacts: [c1] }, at(14));
      const w = await setup(crm, {
        limits: { searchPerSecond: 50 },
        deals: { enabled: true, pageSize: 10, currency: 'GBP', fields: { reverses: 'refunded_deal_id' } },
      });
      await pull.run(w.connectorId);
      const rows = () => ordersByExternalId(nest.db, w.workspaceId);
      let byId = await rows();
      expect(byId.get(big)).toMatchObject({ amount: 16_846_960, status: 'paid', reversal: false });
      expect(byId.get(refund)).toMatchObject({
        amount: 10_000,
        status: 'refunded',
        reversal: true,
        reverses: kept,
      });
      expect(byId.has(neverWon)).toBe(false);

      // the big deal is cancelled 12 minutes later: it moves to closed lost, keeping its "entered closed won" date
      crm.changeObject('deals', big, { dealstage: 'closedlost' }, at(20));
      await pull.run(w.connectorId);
      byId = await rows();
      expect(byId.get(big)).toMatchObject({ amount: 16_846_960, status: 'cancelled', reversal: false });
      expect(byId.get(small)).toMatchObject({ status: 'paid' });
      expect(byId.has(neverWon)).toBe(false);
      expect(await syncRejectCount(nest.db, w.workspaceId)).toBe(0);
    } finally {
      await crm.stop();
    }
  }, 60_000);

  it('stores the private app token encrypted and never shows it', async () => {
    const [row] = await nest.db.query(
      `SELECT kind, auth_header_value_enc FROM crm_connectors WHERE id = $1`,
      [pulled.connectorId],
    );
    expect(row.kind).toBe('hubspot');
    expect(row.auth_header_value_enc.toString('latin1')).not.toContain(hubspot.token);
    const view = await connectors.get(pulled.workspaceId, pulled.connectorId);
    expect(JSON.stringify(view)).not.toContain(hubspot.token);
  });
});
