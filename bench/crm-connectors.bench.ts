import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config';
import { createDataSource } from '../src/database/data-source';
import { Transactions } from '../src/database/transactions';
import { quoteIdent } from '../src/embedded/embedded-postgres';
import { ConnectorPushService } from '../src/ingest/pull/connector-push.service';
import { ConnectorsService } from '../src/ingest/pull/connectors.service';
import { PullConnectorService, PullReport } from '../src/ingest/pull/pull-connector.service';
import { OutboxService } from '../src/webhooks/outbox.service';
import { WorkspacesService } from '../src/workspaces/workspaces.service';
import { FakeCrm, fakeCrmConnector, seedFakeCrm } from '../test/fake-crm/fake-crm-server';
import { HubSpotFake, hubspotConnector, seedHubSpot } from '../test/fake-crm/hubspot-fake';
import { SalesforceFake, salesforceConnector, seedSalesforce } from '../test/fake-crm/salesforce-fake';
import { Benchmark, BenchContext, BenchResult } from './benchmark';
import { withClient, withDatabase } from './bench-support';

/**
 * CRM-shaped connectors against their fake vendors, in one database: a full pull of N customers (10,000 at
 * BENCH_SCALE=1) and a write-back of N score changes, for HubSpot and for Salesforce. Figures: API calls per 1,000
 * customers and records/s, HubSpot under its own limits (search 4/s, 100 requests per 10 s) with the 429s seen;
 * beside them, in the same run, the generic pull connector against the generic fake CRM (customers only, 200 per
 * page) and the HubSpot pull with the limits lifted (what the connector's own code costs).
 */
export const crmConnectorsBenchmark: Benchmark = {
  name: 'crm-connectors',
  description:
    'HubSpot pull and write-back of N customers: API calls per 1k and records/s, beside the generic pull',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const n = Math.max(1000, Math.round(10_000 * ctx.scale));
    const dbName = `callplan_bench_crm_${randomBytes(4).toString('hex')}`;
    const dbUrl = withDatabase(ctx.serverUrl, dbName);
    await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
      c.query(`CREATE DATABASE ${quoteIdent(dbName)}`),
    );
    let app: INestApplicationContext | undefined;
    const generic = new FakeCrm();
    const hubspot = new HubSpotFake(); // HubSpot's documented limits
    const unlimited = new HubSpotFake({ searchPerSecond: 100_000, requestsPerInterval: 1_000_000 });
    const salesforce = new SalesforceFake({ apiMax: 100_000 });
    try {
      const ds = createDataSource(dbUrl, 2);
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.destroy();
      app = await NestFactory.createApplicationContext(
        AppModule.forRoot(loadConfig(benchEnv(dbUrl)), dbUrl, {
          http: false,
          workers: false,
          scheduler: false,
          quiet: true,
        }),
        { logger: ['error'] },
      );
      await app.init();
      const connectors = app.get(ConnectorsService);
      const pull = app.get(PullConnectorService);
      const workspace = async (slug: string) => (await app!.get(WorkspacesService).ensure({ slug })).id;
      for (const f of [generic, hubspot, unlimited, salesforce]) await f.start();
      seedFakeCrm(generic, { customers: n });
      seedHubSpot(hubspot, n);
      seedHubSpot(unlimited, n);
      const sfIds = seedSalesforce(salesforce, n);
      salesforce.defineFields({
        Callplan_Tier__c: 'string',
        Callplan_Priority__c: 'double',
        Callplan_CLV__c: 'double',
      });
      hubspot.defineProperties({
        callplan_tier: 'string',
        callplan_priority: 'number',
        callplan_clv: 'number',
      });

      // baseline: the generic connector, customers only, 200 per page
      const base = fakeCrmConnector(generic, { paging: { pageSize: 200 } }) as Record<string, unknown> & {
        entities: Record<string, unknown>;
      };
      const g = await connectors.upsert(
        await workspace('generic'),
        { ...base, entities: { customers: base.entities.customers } },
        'bench',
      );
      const gr = await timed(() => pull.run(g.id));
      ctx.log(
        `generic pull: ${records(gr.value)} records, ${gr.value.http.requests} requests, ${gr.seconds.toFixed(1)} s`,
      );

      const hsWs = await workspace('hubspot');
      const h = await connectors.upsert(hsWs, hubspotConnector(hubspot), 'bench');
      const hr = await timed(() => pull.run(h.id));
      ctx.log(
        `hubspot pull: ${records(hr.value)} records, ${hr.value.http.requests} requests, ` +
          `${hubspot.stats.rateLimited} 429s, ${hr.seconds.toFixed(1)} s`,
      );
      const u = await connectors.upsert(
        await workspace('unlimited'),
        hubspotConnector(unlimited, { limits: { searchPerSecond: 100, requestsPerInterval: 10_000 } }),
        'bench',
      );
      const ur = await timed(() => pull.run(u.id));

      // write-back: N score changes in events of 500, as the write-back pass appends them
      const outbox = app.get(OutboxService);
      const ids = Array.from({ length: n }, (_, i) => String(i + 1));
      await app.get(Transactions).run(async (tx) => {
        for (let i = 0; i < n; i += 500) {
          await outbox.append(tx, hsWs, 'customer.scores_changed', {
            customers: ids.slice(i, i + 500).map((id) => ({
              externalId: id,
              callplan_tier: 'core',
              callplan_priority: Number(id) % 100,
              callplan_clv: { amountMinor: 120_000, currency: 'EUR' },
            })),
            fields: {
              externalId: 'externalId',
              tier: 'callplan_tier',
              priority: 'callplan_priority',
              clv: 'callplan_clv',
            },
          });
        }
      });
      const pull429 = hubspot.stats.rateLimited;
      hubspot.resetStats();
      const wr = await timed(() => app!.get(ConnectorPushService).push(h.id));
      ctx.log(
        `hubspot write-back: ${wr.value.customers} records, ${wr.value.http.requests} requests, ` +
          `${hubspot.stats.rateLimited} 429s, ${wr.seconds.toFixed(1)} s`,
      );

      // Salesforce: the same pull and write-back (its limit is the org's daily allocation, no per-second window)
      const sfWs = await workspace('salesforce');
      const sf = await connectors.upsert(sfWs, salesforceConnector(salesforce), 'bench');
      const sr = await timed(() => pull.run(sf.id));
      await app.get(Transactions).run(async (tx) => {
        for (let i = 0; i < n; i += 500) {
          await outbox.append(tx, sfWs, 'customer.scores_changed', {
            customers: sfIds.slice(i, i + 500).map((id, j) => ({
              externalId: id,
              Callplan_Tier__c: 'core',
              Callplan_Priority__c: (i + j) % 100,
              Callplan_CLV__c: { amountMinor: 120_000, currency: 'EUR' },
            })),
            fields: {
              externalId: 'externalId',
              tier: 'Callplan_Tier__c',
              priority: 'Callplan_Priority__c',
              clv: 'Callplan_CLV__c',
            },
          });
        }
      });
      const sw = await timed(() => app!.get(ConnectorPushService).push(sf.id));
      ctx.log(
        `salesforce: pull ${records(sr.value)} records in ${sr.value.http.requests} requests, ` +
          `write-back ${sw.value.customers} in ${sw.value.http.requests} requests`,
      );
      const per1k = (calls: number, count: number) => (calls / count) * 1000;
      return {
        figures: [
          {
            label: 'HubSpot pull: API calls per 1,000 customers',
            value: per1k(hr.value.http.requests, n),
            unit: 'calls',
          },
          { label: "HubSpot pull under HubSpot's limits", value: n / hr.seconds, unit: 'records/s' },
          {
            label: 'HubSpot write-back: API calls per 1,000 customers',
            value: per1k(wr.value.http.requests, n),
            unit: 'calls',
          },
          { label: "HubSpot write-back under HubSpot's limits", value: n / wr.seconds, unit: 'records/s' },
          {
            label: 'Salesforce pull: API calls per 1,000 customers',
            value: per1k(sr.value.http.requests, n),
            unit: 'calls',
          },
          { label: 'Salesforce pull', value: n / sr.seconds, unit: 'records/s' },
          {
            label: 'Salesforce write-back: API calls per 1,000 customers',
            value: per1k(sw.value.http.requests, n),
            unit: 'calls',
          },
          { label: 'Salesforce write-back', value: n / sw.seconds, unit: 'records/s' },
          { label: '429 answers (pull + write-back)', value: pull429 + hubspot.stats.rateLimited, unit: '' },
        ],
        baselines: [
          {
            label: 'generic pull: API calls per 1,000 customers',
            value: per1k(gr.value.http.requests, n),
            unit: 'calls',
          },
          { label: 'generic pull (no vendor limits)', value: n / gr.seconds, unit: 'records/s' },
          { label: 'HubSpot pull with the limits lifted', value: n / ur.seconds, unit: 'records/s' },
        ],
        ratios: [
          `HubSpot pull under limits / limits lifted = ${pct(ur.seconds / hr.seconds)}`,
          `HubSpot pull (limits lifted) / generic pull = ${pct(gr.seconds / ur.seconds)}`,
        ],
        notes: [
          `${n} customers; HubSpot search 200 per page (4/s), batch/update 100 per call (100 per 10 s)`,
          `write-back: ${wr.value.events} customer.scores_changed events (500 customers each) coalesced per window`,
        ],
      };
    } finally {
      await app?.close();
      for (const f of [generic, hubspot, unlimited, salesforce]) await f.stop();
      await withClient(withDatabase(ctx.serverUrl, 'postgres'), (c) =>
        c.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`),
      );
    }
  },
};

const records = (r: PullReport) => r.entities.reduce((s, e) => s + e.records, 0);
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = Date.now();
  const value = await fn();
  return { value, seconds: (Date.now() - t) / 1000 };
}

function benchEnv(dbUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: '4',
    QUEUE_PREFIX: `bcrm${randomBytes(3).toString('hex')}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'callplan-bench-')),
    PII_ENCRYPTION_KEYS: `v1:${randomBytes(32).toString('base64')}`,
    PII_HASH_KEY: randomBytes(32).toString('base64'),
    // the fake vendors listen on loopback
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
  };
}
