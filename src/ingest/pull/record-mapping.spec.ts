import { connectorInputSchema, pageUrl } from './connector-config';
import { getPath, recordToEvents, recordUpdatedAt } from './record-mapping';

const fields = (f: Record<string, string>, itemFields: Record<string, string> = {}) => ({
  path: '/x',
  fields: f,
  itemFields,
});

describe('record mapping', () => {
  it('reads dotted paths', () => {
    expect(getPath({ a: { b: [{ c: 1 }] } }, 'a.b.0.c')).toBe(1);
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('maps a foreign customer into an upsert, with its contacts and numeric ids as strings', () => {
    const events = recordToEvents(
      'customers',
      { id: 42, modified: '2026-01-01T00:00:00Z', type: 'business', people: [{ pid: 7, mail: 'a@b.cn' }] },
      fields(
        { externalId: 'id', updatedAt: 'modified', kind: 'type', contacts: 'people' },
        { externalId: 'pid', email: 'mail' },
      ),
    );
    expect(events).toEqual([
      {
        type: 'customer.upserted',
        data: {
          externalId: '42',
          updatedAt: '2026-01-01T00:00:00Z',
          kind: 'business',
          contacts: [{ externalId: '7', email: 'a@b.cn' }],
        },
      },
    ]);
  });

  it('turns deletion, restore and merge markers into their own events; a tombstone is never an upsert', () => {
    const cfg = fields({
      externalId: 'id',
      updatedAt: 'u',
      deletedAt: 'd',
      restoredAt: 'r',
      mergedIntoExternalId: 'm',
    });
    expect(
      recordToEvents('customers', { id: 'c', u: '2026-01-02', d: '2026-01-02' }, cfg).map((e) => e.type),
    ).toEqual(['customer.deleted']);
    expect(
      recordToEvents('customers', { id: 'c', u: '2026-01-03', d: '2026-01-02', r: '2026-01-03' }, cfg).map(
        (e) => e.type,
      ),
    ).toEqual(['customer.upserted', 'customer.deleted', 'customer.restored']);
    expect(recordToEvents('customers', { id: 'l', u: '2026-01-04', m: 'w' }, cfg)[1]).toEqual({
      type: 'customer.merged',
      data: { winnerExternalId: 'w', loserExternalId: 'l', mergedAt: '2026-01-04' },
    });
  });

  it('carries a refund record of a foreign API as a reversal naming the order it reverses', () => {
    const [e] = recordToEvents(
      'orders',
      { id: 9, of: 7, credit: true, cust: 'c1', at: '2026-01-05T10:00:00Z', total: '12.50', cur: 'GBP' },
      fields({
        externalId: 'id',
        reverses: 'of',
        reversal: 'credit',
        customerExternalId: 'cust',
        placedAt: 'at',
        updatedAt: 'at',
        amount: 'total',
        currency: 'cur',
      }),
    );
    expect(e).toEqual({
      type: 'order.upserted',
      data: {
        externalId: '9',
        customerExternalId: 'c1',
        updatedAt: '2026-01-05T10:00:00Z',
        placedAt: '2026-01-05T10:00:00Z',
        currency: 'GBP',
        reversal: true,
        reverses: '7',
        amountMinor: 1250,
      },
    });
  });

  it('converts decimal major-unit amounts exactly and numeric strings to numbers', () => {
    const [e] = recordToEvents(
      'orders',
      { id: 'o', total: '12.34', cur: 'CNY', items: [{ sku: 'A', n: '2', price: '0.5' }] },
      fields(
        { externalId: 'id', amount: 'total', currency: 'cur', lines: 'items' },
        { productCode: 'sku', quantity: 'n', amount: 'price' },
      ),
    );
    expect(e.data).toMatchObject({
      amountMinor: 1234,
      lines: [{ productCode: 'A', quantity: 2, amountMinor: 50 }],
    });
  });

  it('reads the watermark of a record', () => {
    expect(recordUpdatedAt({ u: '2026-01-01T08:00:00+08:00' }, fields({ updatedAt: 'u' }))).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(recordUpdatedAt({}, fields({}))).toBeNull();
  });
});

describe('connector config', () => {
  it('fills defaults and builds page URLs', () => {
    const spec = connectorInputSchema.parse({
      name: 'crm',
      baseUrl: 'https://crm.example.com/v2/',
      entities: { customers: { path: '/customers' } },
    });
    expect(spec.paging).toMatchObject({ mode: 'cursor', pageSize: 100, recordsPath: 'data' });
    expect(pageUrl(spec, '/customers', null)).toBe('https://crm.example.com/v2/customers?limit=100');
    expect(pageUrl(spec, '/customers', 'a b')).toBe(
      'https://crm.example.com/v2/customers?limit=100&cursor=a+b',
    );
    const since = { ...spec, paging: { ...spec.paging, mode: 'updated_since' as const } };
    expect(pageUrl(since, '/customers', '2026-01-01T00:00:00.000Z')).toContain(
      'updated_since=2026-01-01T00%3A00%3A00.000Z',
    );
  });

  it('refuses unknown fields, non-http URLs and empty entity lists', () => {
    const r = connectorInputSchema.safeParse({ name: 'x', baseUrl: 'file:///etc', entities: {}, oops: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['', 'baseUrl', 'entities']);
  });
});
