import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { CurrencyRatesService } from '../../src/ingest/csv/currency-rates.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';

/** GET/PUT /v1/currency-rates beside `callplan currency rates load|list`: one service, one rule per rate. */
describe('currency rates over the API (PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  const contract = useContract(nest);
  const dir = mkdtempSync(join(tmpdir(), 'callplan-rates-'));
  let ws: string;
  let admin: string;
  let integration: string;

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'rates-api' })).id;
    const keys = nest.app.get(ApiKeysService);
    admin = (await keys.create({ workspaceId: ws, name: 'a', role: 'admin' })).key;
    integration = (await keys.create({ workspaceId: ws, name: 'i', role: 'integration' })).key;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const http = () => request(nest.app.getHttpServer());
  const put = (body: unknown, key = admin) =>
    http()
      .put('/v1/currency-rates')
      .set('authorization', `Bearer ${key}`)
      .send(body as object);

  it('replaces the table, lists it as the CLI does, and audits before/after', async () => {
    const service = nest.app.get(CurrencyRatesService);
    writeFileSync(join(dir, 'old.csv'), 'currency,valid_from,rate\nEUR,2024-01-01,7.8\n');
    await service.load(ws, join(dir, 'old.csv'), 'cli');
    const res = await put({
      rates: [
        { currency: 'usd', validFrom: '2024-01-01', rate: '7.1' },
        { currency: 'USD', validFrom: '2025-01-01', rate: '7.25' },
        { currency: 'JPY', validFrom: '2024-01-01', rate: '0.048' },
      ],
    }).expect(200);
    expect(res.body).toEqual({
      rates: [
        { currency: 'JPY', validFrom: '2024-01-01', rate: '0.048' },
        { currency: 'USD', validFrom: '2024-01-01', rate: '7.1' },
        { currency: 'USD', validFrom: '2025-01-01', rate: '7.25' },
      ],
      currencies: ['JPY', 'USD'],
    });
    const listed = await http().get('/v1/currency-rates').set('authorization', `Bearer ${admin}`).expect(200);
    expect(listed.body.rates).toEqual(await service.list(ws)); // EUR is gone: PUT replaces the table
    const [entry] = await nest.db.query(
      `SELECT actor, details FROM audit_log WHERE workspace_id = $1 AND action = 'currency_rates.replaced'`,
      [ws],
    );
    expect(entry.details).toMatchObject({ rates: 3, before: { EUR: 1 }, after: { USD: 2, JPY: 1 } });
    expect(entry.actor).toMatch(/^key:/);
    await http().get('/v1/currency-rates').set('authorization', `Bearer ${integration}`).expect(403);
  });

  it('refuses a bad table whole, naming each problem by its path', async () => {
    const before = await nest.app.get(CurrencyRatesService).list(ws);
    const res = await put({
      rates: [
        { currency: 'XYZ', validFrom: '2024-02-30', rate: '-1' },
        { currency: 'CNY', validFrom: '2024-01-01', rate: '1' },
        { currency: 'USD', validFrom: '2024-01-01', rate: 7.1, extra: true },
      ],
    }).expect(422);
    expect(res.body.error.code).toBe('invalid_rates');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'rates[0].currency',
      'rates[0].validFrom',
      'rates[0].rate',
      'rates[1].currency',
      'rates[2].extra',
      'rates[2].rate',
    ]);
    const dup = await put({
      rates: [
        { currency: 'USD', validFrom: '2024-01-01', rate: '7.1' },
        { currency: 'USD', validFrom: '2024-01-01', rate: '7.2' },
      ],
    }).expect(422);
    expect(dup.body.error.details).toEqual([
      { path: 'rates[1]', reason: 'USD from 2024-01-01 again (first at rates[0])' },
    ]);
    await put({ rate: [] }).expect(422);
    expect(await nest.app.get(CurrencyRatesService).list(ws)).toEqual(before);
  });

  it('the CLI load names a currency and day given twice instead of failing in the database', async () => {
    writeFileSync(join(dir, 'dup.csv'), 'currency,valid_from,rate\nUSD,2024-01-01,7.1\nUSD,2024-01-01,7.2\n');
    await expect(
      nest.app.get(CurrencyRatesService).load(ws, join(dir, 'dup.csv'), 'cli'),
    ).rejects.toMatchObject({
      code: 'invalid_rates',
      message: expect.stringContaining('line 3: USD from 2024-01-01 again (first on line 2)'),
    });
  });

  it('answers as its OpenAPI document says (status, content type, schema)', () => {
    expect(contract.problems()).toEqual([]);
  });
});
