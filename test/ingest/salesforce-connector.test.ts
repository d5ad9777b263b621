import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { PiiCipher } from '../../src/customers/pii/pii';
import { Transactions } from '../../src/database/transactions';
import { ConnectorPushService } from '../../src/ingest/pull/connector-push.service';
import { ConnectorsService } from '../../src/ingest/pull/connectors.service';
import { PullConnectorService } from '../../src/ingest/pull/pull-connector.service';
import { OutboxService } from '../../src/webhooks/outbox.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { SalesforceFake, salesforceConnector, seedSalesforce } from '../fake-crm/salesforce-fake';
import { ordersByExternalId, syncRejectCount } from '../support/crm-fixture';
import { useTestApp } from '../support/use-test-app';

const N = 10_000;
const FIELDS = {
  externalId: 'externalId',
  tier: 'Callplan_Tier__c',
  clv: 'Callplan_CLV__c',
  priority: 'Callplan_Priority__c',
  nextCallDate: 'Callplan_Next_Call__c',
  reasonCodes: 'Callplan_Reasons__c',
};

function changed(id: string, round: number, over: Record<string, unknown> = {}) {
  return {
    externalId: id,
    Callplan_Tier__c: ['core', 'growth', 'watch'][(id.charCodeAt(id.length - 4) + round) % 3],
    Callplan_CLV__c: { amountMinor: 150_000 + round * 100, currency: 'EUR' },
    Callplan_Priority__c: round,
    Callplan_Next_Call__c: '2026-12-09',
    Callplan_Reasons__c: ['likely_to_buy', 'overdue_vs_cycle'],
    ...over,
  };
}

/**
 * The Salesforce connector against a faithful fake org (test/fake-crm/salesforce-fake.ts): a full pull of 10,000
 * Contacts by SOQL and nextRecordsUrl, a write-back of 10,000 changes in sObject Collections of 200, an expired
 * session renewed with the refresh token (kept encrypted), an expired query locator, the daily API allocation.
 */
describe('Salesforce connector against the fake org (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let connectors: ConnectorsService;
  let pull: PullConnectorService;
  let push: ConnectorPushService;
  let pii: PiiCipher;
  const org = new SalesforceFake();
  let ids: string[];
  let n = 0;
  let main: { workspaceId: string; connectorId: string };

  beforeAll(async () => {
    connectors = nest.app.get(ConnectorsService);
    pull = nest.app.get(PullConnectorService);
    push = nest.app.get(ConnectorPushService);
    pii = nest.app.get(PII_CIPHER);
    await org.start();
    org.defineFields({
      Callplan_Tier__c: 'string',
      Callplan_CLV__c: 'double',
      Callplan_Priority__c: 'double',
      Callplan_Next_Call__c: 'date',
      Callplan_Reasons__c: 'string',
    });
    ids = seedSalesforce(org, N);
  });

  afterAll(async () => {
    await org.stop();
  });

  async function setup(fake: SalesforceFake, overrides: Record<string, unknown> = {}) {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: `salesforce-${++n}` });
    const c = await connectors.upsert(ws.id, salesforceConnector(fake, overrides), 'test');
    return { workspaceId: ws.id, connectorId: c.id };
  }

  const customers = (workspaceId: string) =>
    nest.db.query(
      `SELECT external_id, kind, name, email_enc, country, source_channel FROM customers
        WHERE workspace_id = $1 ORDER BY external_id`,
      [workspaceId],
    ) as Promise<Array<{ external_id: string; name: string; email_enc: Buffer; country: string | null }>>;

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

  it('pulls 10,000 Contacts by SOQL in batches of 2,000 following nextRecordsUrl', async () => {
    main = await setup(org);
    org.resetStats();
    const used = org.apiUsed;
    const report = await pull.run(main.connectorId);
    const rows = await customers(main.workspaceId);
    expect(rows).toHaveLength(N);
    expect(rows.map((r) => r.external_id)).toEqual([...ids].sort());
    const first = rows.find((r) => r.external_id === ids[6]);
    expect(first).toMatchObject({ name: 'First7 Last7', country: 'FR', kind: 'individual' });
    expect(pii.decrypt(first!.email_enc)).toBe('sf7@example.com');
    // one query and 4 locator pages: 0.5 calls per 1,000 records
    expect(org.stats.byRoute['GET /services/data/v62.0/query']).toBe(1);
    expect(org.stats.byRoute['GET /services/data/v62.0/query/{locator}']).toBe(4);
    expect(org.apiUsed - used).toBe(5);
    expect(report.http.requests).toBe(5);

    // the next run asks from the watermark: the newest instant again, nothing written
    org.resetStats();
    const again = await pull.run(main.connectorId);
    expect(again.entities[0].records).toBeLessThanOrEqual(2);
    expect(again.entities[0].applied.customersWritten).toBe(0);
    org.change(ids[99], { Name: 'Renamed' });
    await pull.run(main.connectorId);
    expect((await customers(main.workspaceId)).find((r) => r.external_id === ids[99])?.name).toBe('Renamed');
  }, 120_000);

  it('writes 10,000 score changes back in sObject Collections of 200, typed', async () => {
    await scoresChanged(
      main.workspaceId,
      ids.map((id) => changed(id, 1)),
    );
    org.resetStats();
    const report = await push.push(main.connectorId);
    expect(report).toMatchObject({ status: 'completed', events: N / 500, customers: N, failed: 0 });
    expect(org.stats.byRoute['PATCH /services/data/v62.0/composite/sobjects']).toBe(N / 200); // 5 per 1,000
    const r = org.record(ids[1234]);
    expect(r).toMatchObject({
      Callplan_Tier__c: changed(ids[1234], 1).Callplan_Tier__c,
      Callplan_CLV__c: 1501,
      Callplan_Priority__c: 1,
      Callplan_Next_Call__c: '2026-12-09',
      Callplan_Reasons__c: 'likely_to_buy;overdue_vs_cycle',
    });
    const view = await connectors.get(main.workspaceId, main.connectorId);
    expect(view.writeBack).toMatchObject({ customers: N, calls: N / 200, failures: 0, lastError: null });
  }, 120_000);

  it('keeps refused records visible; an unknown field stops the push with its position kept', async () => {
    await scoresChanged(main.workspaceId, [
      changed(ids[0], 2),
      changed('cus-from-csv', 2),
      changed('003Fk9999999999AAA', 2), // no such record
      changed(ids[1], 2, { Callplan_Priority__c: 'high' }), // not a number
    ]);
    expect(await push.push(main.connectorId)).toMatchObject({ customers: 4, failed: 3 });
    const failures = await connectors.writeBackFailures(main.workspaceId, main.connectorId);
    expect(Object.fromEntries(failures.map((f) => [f.external_id, f.code]))).toEqual({
      'cus-from-csv': 'not_a_salesforce_id',
      '003Fk9999999999AAA': 'INVALID_CROSS_REFERENCE_KEY',
      [ids[1]]: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
    });
    expect(org.record(ids[0]).Callplan_Priority__c).toBe(2);

    await scoresChanged(main.workspaceId, [{ ...changed(ids[2], 3), Callplan_Owner__c: 'rep-1' }]);
    await expect(push.push(main.connectorId)).rejects.toThrow(/No such column 'Callplan_Owner__c'/);
    org.defineFields({ Callplan_Owner__c: 'string' });
    expect(await push.push(main.connectorId)).toMatchObject({ events: 1, customers: 1, failed: 0 });
    expect(org.record(ids[2]).Callplan_Owner__c).toBe('rep-1');
  });

  it('renews an expired session with the refresh token once, and keeps the new token encrypted', async () => {
    const w = await setup(org);
    org.resetStats();
    let expired = false;
    org.onRequest = (route) => {
      if (route.endsWith('/query/{locator}') && !expired) {
        expired = true;
        org.expireSession();
      }
    };
    try {
      await pull.run(w.connectorId);
    } finally {
      org.onRequest = null;
    }
    expect(org.stats.refreshes).toBe(1);
    expect(await customers(w.workspaceId)).toHaveLength(N);
    const [row] = await nest.db.query(`SELECT auth_header_value_enc FROM crm_connectors WHERE id = $1`, [
      w.connectorId,
    ]);
    expect(row.auth_header_value_enc.toString('latin1')).not.toContain(org.accessToken);
    expect(JSON.parse(pii.decrypt(row.auth_header_value_enc)).accessToken).toBe(org.accessToken);
    expect(JSON.stringify(await connectors.get(w.workspaceId, w.connectorId))).not.toContain(
      org.refreshToken,
    );
  }, 120_000);

  it('starts a query again from the newest instant read when its locator expired mid-pull', async () => {
    const fresh = new SalesforceFake();
    await fresh.start();
    try {
      seedSalesforce(fresh, 3000);
      const w = await setup(fresh, { records: { pageSize: 500 } });
      let killed = false;
      await expect(
        pull.run(w.connectorId, {
          beforeCommit: ({ pageNo }) => {
            if (pageNo === 3 && !killed) {
              killed = true;
              throw new Error('worker killed mid-pull');
            }
          },
        }),
      ).rejects.toThrow('worker killed mid-pull');
      fresh.expireLocators(); // the worker came back after the locator's 15 minutes
      fresh.resetStats();
      await pull.run(w.connectorId);
      expect(await customers(w.workspaceId)).toHaveLength(3000);
      // the stored locator failed once; the query started again from the newest instant of page 2: the 2,000
      // records after it and the 2 sharing it, in 5 batches of 500
      expect(fresh.stats.byRoute['GET /services/data/v62.0/query']).toBe(1);
      expect(fresh.stats.byRoute['GET /services/data/v62.0/query/{locator}']).toBe(1 + 4);
    } finally {
      await fresh.stop();
    }
  }, 60_000);

  it('pulls won Opportunities as orders of the Contacts they look up, in exact minor units', async () => {
    const fresh = new SalesforceFake();
    await fresh.start();
    try {
      const contacts = seedSalesforce(fresh, 300);
      const t0 = Date.parse('2026-02-01T00:00:00Z');
      for (let i = 0; i < 300; i++) {
        fresh.add(
          'Opportunity',
          {
            ContactId: contacts[i],
            Amount: 1000 + i + 0.5,
            CloseDate: '2026-01-15',
            StageName: i % 3 === 0 ? 'Closed Lost' : 'Closed Won',
            IsWon: i % 3 !== 0,
          },
          t0 + i * 1000,
        );
      }
      const w = await setup(fresh, {
        records: { pageSize: 200, opportunities: { enabled: true, currency: 'EUR' } },
      });
      const report = await pull.run(w.connectorId);
      expect(report.entities.map((e) => [e.entity, e.records, e.rejected])).toEqual([
        ['customers', 300, 0],
        ['orders', 200, 0],
      ]);
      const orders = await nest.db.query(
        `SELECT o.external_id, c.external_id AS customer, o.amount_minor::int AS amount, o.currency, o.status
           FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1 ORDER BY o.amount_minor`,
        [w.workspaceId],
      );
      expect(orders).toHaveLength(200);
      expect(orders[0]).toMatchObject({
        customer: contacts[1],
        amount: 100150,
        currency: 'EUR',
        status: 'paid',
      });
      // the next run reads from each watermark: the boundary records only
      const again = await pull.run(w.connectorId);
      expect(again.entities.map((e) => e.applied.ordersWritten + e.applied.customersWritten)).toEqual([0, 0]);
    } finally {
      await fresh.stop();
    }
  }, 60_000);

  it('carries refunds and cancellations: a negative-Amount Opportunity as a reversal, a cancelled stage as a cancelled order', async () => {
    const fresh = new SalesforceFake();
    await fresh.start();
    try {
      fresh.defineFields({ Refunded_Opportunity__c: 'string' });
      const [contact] = seedSalesforce(fresh, 1);
      const t0 = Date.parse('2026-02-01T00:00:00Z');
      const opp = (fields: Record<string, string | number | boolean | null>, s: number) =>
        fresh.add(
          'Opportunity',
          { ContactId: contact, CloseDate: '2026-01-15', StageName: 'Closed Won', IsWon: true, ...fields },
          t0 + s * 1000,
        );
      const big = opp({ Amount: 168469.6 }, 1);
      const kept = opp({ Amount: 500 }, 2);
      const refund = opp({ Amount: -100, Refunded_Opportunity__c: kept }, 3);
      const lost = opp({ Amount: 70, StageName: 'Closed Lost', IsWon: false }, 4);
      const w = await setup(fresh, {
        records: {
          pageSize: 200,
          opportunities: {
            enabled: true,
            currency: 'GBP',
            cancelledStages: ['Cancelled'],
            reversesField: 'Refunded_Opportunity__c',
          },
        },
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
      expect(byId.has(lost)).toBe(false);

      // cancelled after it was won: the org moves it to its "Cancelled" stage (a closed stage that is not won)
      fresh.change(big, { StageName: 'Cancelled', IsWon: false }, t0 + 60_000);
      await pull.run(w.connectorId);
      byId = await rows();
      expect(byId.get(big)).toMatchObject({ amount: 16_846_960, status: 'cancelled', reversal: false });
      expect(byId.get(kept)).toMatchObject({ status: 'paid' });
      expect(byId.has(lost)).toBe(false);
      expect(await syncRejectCount(nest.db, w.workspaceId)).toBe(0);
    } finally {
      await fresh.stop();
    }
  }, 60_000);

  it("stops before the org's daily API reserve, and on REQUEST_LIMIT_EXCEEDED, keeping the cursor", async () => {
    const small = new SalesforceFake({ apiMax: 10 });
    await small.start();
    try {
      seedSalesforce(small, 3000);
      const w = await setup(small, { records: { pageSize: 200 }, limits: { dailyReserve: 0.5 } });
      const e = (await pull.run(w.connectorId).catch((x: unknown) => x)) as {
        code?: string;
        message: string;
      };
      expect(e.code).toBe('crm_api_budget');
      expect(small.apiUsed).toBe(5); // 10 × (1 − 0.5): the other half left to other integrations
      const mid = await connectors.get(w.workspaceId, w.connectorId);
      expect(mid.cursors[0].records).toBe(5 * 200);
      expect(mid.lastError).toMatch(/crm_api_budget: Salesforce API usage 5\/10/);

      // other integrations used up the rest: the org answers 403 REQUEST_LIMIT_EXCEEDED
      small.apiUsed = small.apiMax;
      const w2 = await setup(small, {
        name: 'no-reserve',
        records: { pageSize: 200 },
        limits: { dailyReserve: 0 },
      });
      const e2 = (await pull.run(w2.connectorId).catch((x: unknown) => x)) as { code?: string };
      expect(e2.code).toBe('crm_daily_limit');
      expect((await connectors.get(w2.workspaceId, w2.connectorId)).cursors[0].records).toBe(0);
    } finally {
      await small.stop();
    }
  });
});
