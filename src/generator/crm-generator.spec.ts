import fc from 'fast-check';

import { GENERATOR_MODEL, generateCrm, generateCrmRows, iterateCrm } from './crm-generator';
import { crmRowsToCsv } from './crm-csv-writer';
import {
  CUSTOMER_COLUMNS,
  INTERACTION_COLUMNS,
  ORDER_COLUMNS,
  REP_COLUMNS,
  type CrmBatch,
  type CrmRows,
  type GeneratorOptions,
} from './crm-rows';
import { normaliseEmail, normaliseName, normalisePhone } from './identity';

const AS_OF = '2026-11-24T00:00:00Z';
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY_MS = 86_400_000;

/**
 * Invariants every generated data set must satisfy, whatever its size or seed. Violations are collected and
 * asserted once: an expect() per row makes 100k-row checks take a minute.
 */
function expectConsistent(data: CrmRows, options: GeneratorOptions): void {
  const asOfMs = (options.asOf ?? new Date(AS_OF)).getTime();
  const startMs = asOfMs - (options.historyDays ?? 730) * DAY_MS;
  const problems: string[] = [];
  const check = (ok: boolean, what: string, row: { external_id: string }): void => {
    if (!ok && problems.length < 20) problems.push(`${row.external_id}: ${what}`);
  };
  const reps = new Map(data.reps.map((rep) => [rep.external_id, rep]));
  const createdAt = new Map(data.customers.map((c) => [c.external_id, Date.parse(c.created_at)]));
  check(createdAt.size === data.customers.length, 'customer ids unique', { external_id: 'customers' });
  for (const customer of data.customers) {
    check(ISO_SECONDS.test(customer.created_at), 'created_at format', customer);
    check(Date.parse(customer.created_at) < asOfMs, 'created before asOf', customer);
    check(
      customer.owner_rep === '' || reps.get(customer.owner_rep)?.role === 'rep',
      'owner is a rep',
      customer,
    );
    check(customer.email !== '' || customer.phone !== '', 'has a contact', customer);
  }
  const orderIds = new Set<string>();
  for (const order of data.orders) {
    orderIds.add(order.external_id);
    const created = createdAt.get(order.customer_external_id) ?? Infinity;
    const placed = Date.parse(order.placed_at);
    check(created !== Infinity, 'customer exists', order);
    check(ISO_SECONDS.test(order.placed_at), 'placed_at format', order);
    check(placed < asOfMs, 'placed before asOf', order);
    check(placed >= startMs, 'placed inside the history window', order);
    check(placed > created, 'placed after the customer was created', order);
    check(/^\d+\.\d{2}$/.test(order.amount) && Number(order.amount) >= 1, 'amount format', order);
  }
  check(orderIds.size === data.orders.length, 'order ids unique', { external_id: 'orders' });
  for (const interaction of data.interactions) {
    const created = createdAt.get(interaction.customer_external_id) ?? Infinity;
    const at = Date.parse(interaction.occurred_at);
    check(created !== Infinity, 'customer exists', interaction);
    check(ISO_SECONDS.test(interaction.occurred_at), 'occurred_at format', interaction);
    check(at < asOfMs && at >= created, 'occurred between created_at and asOf', interaction);
    const score = Number(interaction.score);
    check(
      interaction.kind === 'survey'
        ? interaction.score !== '' && Number.isInteger(score) && score >= 0 && score <= 10
        : interaction.score === '',
      'score only on surveys, 0-10',
      interaction,
    );
  }
  expect(problems).toEqual([]);
}

describe('generateCrmRows at 10k customers', () => {
  const options: GeneratorOptions = { customers: 10_000, seed: 20261124 };
  let data: CrmRows;

  // Generation speed is measured by the benchmarks, never asserted in a test (timed tests fail on a busy machine).
  beforeAll(() => {
    data = generateCrmRows(options);
  });

  it('writes the canonical columns in order', () => {
    const csv = crmRowsToCsv(data);
    expect(csv.customers.split('\n')[0]).toBe(
      'external_id,name,kind,email,phone,region,country,industry,owner_rep,created_at,personality',
    );
    expect(csv.orders.split('\n')[0]).toBe(
      'external_id,customer_external_id,placed_at,amount,currency,status',
    );
    expect(csv.interactions.split('\n')[0]).toBe(
      'external_id,customer_external_id,occurred_at,kind,outcome,score,note',
    );
    expect(csv.reps.split('\n')[0]).toBe(
      'external_id,name,email,role,team,manager_external_id,daily_capacity,locale',
    );
    expect(Object.keys(data.customers[0])).toEqual([...CUSTOMER_COLUMNS]);
    expect(Object.keys(data.orders[0])).toEqual([...ORDER_COLUMNS]);
    expect(Object.keys(data.interactions[0])).toEqual([...INTERACTION_COLUMNS]);
    expect(Object.keys(data.reps[0])).toEqual([...REP_COLUMNS]);
  });

  it('keeps references and time bounds consistent', () => {
    expectConsistent(data, options);
    expect(data.customers[0].external_id).toBe('cus-0000001');
    expect(data.customers.at(-1)?.external_id).toBe('cus-0010000');
    expect(data.orders.every((o) => o.currency === 'CNY')).toBe(true);
  });

  it('counts what it generated', () => {
    const { summary } = data;
    expect(summary.rows).toEqual({
      reps: data.reps.length,
      customers: 10_000,
      orders: data.orders.length,
      interactions: data.interactions.length,
    });
    expect(summary.customersByKind.business + summary.customersByKind.individual).toBe(10_000);
    expect(summary.customersByKind.business).toBe(data.customers.filter((c) => c.kind === 'business').length);
    expect(summary.ordersByStatus.refunded).toBe(data.orders.filter((o) => o.status === 'refunded').length);
    expect(summary.asOf).toBe('2026-11-24T00:00:00.000Z');
  });

  it('has about 10 orders per customer, half the buyers repeating', () => {
    const perCustomer = data.orders.length / data.customers.length;
    expect(perCustomer).toBeGreaterThan(7);
    expect(perCustomer).toBeLessThan(13);
    const counts = new Map<string, number>();
    for (const order of data.orders)
      counts.set(order.customer_external_id, (counts.get(order.customer_external_id) ?? 0) + 1);
    const buyers = [...counts.values()];
    const repeaters = buyers.filter((n) => n > 1).length / buyers.length;
    expect(repeaters).toBeGreaterThan(0.4);
    expect(repeaters).toBeLessThan(0.6);
  });

  it('mixes order statuses as specified', () => {
    const share = (status: string): number =>
      data.orders.filter((o) => o.status === status).length / data.orders.length;
    expect(share('refunded')).toBeGreaterThan(0.02);
    expect(share('refunded')).toBeLessThan(0.04);
    expect(share('cancelled')).toBeGreaterThan(0.012);
    expect(share('cancelled')).toBeLessThan(0.03);
  });

  it('has 10–15% prospects, all without orders', () => {
    const { prospects } = data.summary;
    expect(prospects / 10_000).toBeGreaterThan(0.1);
    expect(prospects / 10_000).toBeLessThan(0.15);
    const buyers = new Set(data.orders.map((o) => o.customer_external_id));
    const withoutOrders = data.customers.filter((c) => !buyers.has(c.external_id)).length;
    expect(withoutOrders).toBeGreaterThanOrEqual(prospects);
    expect(withoutOrders / 10_000).toBeLessThan(0.17);
  });

  it('injects ~2% near-duplicates that normalised e-mail/phone detect, and nothing else', () => {
    const { duplicates } = data.summary;
    expect(duplicates / 10_000).toBeGreaterThan(0.01);
    expect(duplicates / 10_000).toBeLessThan(0.03);
    // Union customers sharing a normalised e-mail or phone: each duplicate merges into its original's group
    // and no two originals merge, so the merges equal the duplicates injected.
    const parent = new Map(data.customers.map((c) => [c.external_id, c.external_id]));
    const find = (id: string): string => {
      let root = id;
      while (parent.get(root) !== root) root = parent.get(root) ?? root;
      parent.set(id, root);
      return root;
    };
    const firstByKey = new Map<string, string>();
    let merges = 0;
    for (const customer of data.customers) {
      const keys = [
        customer.email && `e:${normaliseEmail(customer.email)}`,
        customer.phone && `p:${normalisePhone(customer.phone)}`,
      ].filter((key) => key !== '');
      for (const key of keys) {
        const other = firstByKey.get(key);
        if (other === undefined) {
          firstByKey.set(key, customer.external_id);
          continue;
        }
        const [a, b] = [find(other), find(customer.external_id)];
        if (a !== b) {
          parent.set(b, a);
          merges += 1;
        }
      }
    }
    expect(merges).toBe(duplicates);
  });

  it('writes duplicates differently from their originals, some with orders of their own', () => {
    const batches = [...iterateCrm({ customers: 10_000, seed: 20261124 })].filter(
      (b): b is Extract<CrmBatch, { type: 'customer' }> => b.type === 'customer',
    );
    const byId = new Map(batches.map((b) => [b.customer.external_id, b.customer]));
    const duplicates = batches.filter((b) => b.duplicateOf !== null);
    expect(duplicates.length).toBe(data.summary.duplicates);
    for (const dup of duplicates) {
      const original = byId.get(dup.duplicateOf ?? '');
      if (!original) throw new Error(`missing original ${dup.duplicateOf}`);
      expect(normaliseName(dup.customer.name)).toBe(normaliseName(original.name));
      expect(dup.customer.name).not.toBe(original.name);
      expect(Date.parse(dup.customer.created_at)).toBeGreaterThan(Date.parse(original.created_at));
      const sameEmail =
        dup.customer.email !== '' && normaliseEmail(dup.customer.email) === normaliseEmail(original.email);
      const samePhone =
        dup.customer.phone !== '' && normalisePhone(dup.customer.phone) === normalisePhone(original.phone);
      expect(sameEmail || samePhone).toBe(true);
      if (dup.customer.email !== '') expect(dup.customer.email).not.toBe(original.email);
      if (dup.customer.phone !== '') expect(dup.customer.phone).not.toBe(original.phone);
    }
    const withOrders = duplicates.filter((d) => d.orders.length > 0).length;
    expect(withOrders).toBeGreaterThan(0);
    expect(withOrders).toBeLessThan(duplicates.length);
  });

  it('is heterogeneous: order counts far more dispersed than Poisson, revenue concentrated', () => {
    const counts = new Map<string, number>(data.customers.map((c) => [c.external_id, 0]));
    const revenue = new Map<string, number>();
    for (const order of data.orders) {
      counts.set(order.customer_external_id, (counts.get(order.customer_external_id) ?? 0) + 1);
      if (order.status === 'paid') {
        revenue.set(
          order.customer_external_id,
          (revenue.get(order.customer_external_id) ?? 0) + Number(order.amount),
        );
      }
    }
    const values = [...counts.values()];
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const poissonCv = 1 / Math.sqrt(mean);
    expect(sd / mean).toBeGreaterThan(5 * poissonCv);

    const spend = [...revenue.values()].sort((a, b) => b - a);
    const total = spend.reduce((a, b) => a + b, 0);
    const top = spend.slice(0, Math.ceil(spend.length * 0.2)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.5);

    const averageOrder = (kind: string): number => {
      const ids = new Set(data.customers.filter((c) => c.kind === kind).map((c) => c.external_id));
      const amounts = data.orders.filter((o) => ids.has(o.customer_external_id)).map((o) => Number(o.amount));
      return amounts.reduce((a, b) => a + b, 0) / amounts.length;
    };
    expect(averageOrder('business')).toBeGreaterThan(5 * averageOrder('individual'));
  });

  it('shows seasonality: Nov/Dec above Jun/Jul even against growth', () => {
    const monthly = new Map<string, number>();
    for (const order of data.orders) {
      const month = order.placed_at.slice(0, 7);
      monthly.set(month, (monthly.get(month) ?? 0) + 1);
    }
    const m = (month: string): number => monthly.get(month) ?? 0;
    // the customer base grows through the window, so compare last year's winter with this year's summer
    expect(m('2025-11') + m('2025-12')).toBeGreaterThan(1.2 * (m('2026-06') + m('2026-07')));
    expect(m('2025-11') + m('2025-12')).toBeGreaterThan(1.5 * (m('2025-06') + m('2025-07')));
  });

  it('has same-day multiple orders', () => {
    const seen = new Set<string>();
    let sameDay = 0;
    for (const order of data.orders) {
      const key = `${order.customer_external_id}/${order.placed_at.slice(0, 10)}`;
      if (seen.has(key)) sameDay += 1;
      seen.add(key);
    }
    expect(sameDay / data.orders.length).toBeGreaterThan(0.01);
  });

  it('mixes kinds, places, personalities and interaction types', () => {
    const share = (predicate: (c: CrmRows['customers'][number]) => boolean): number =>
      data.customers.filter(predicate).length / data.customers.length;
    expect(share((c) => c.kind === 'business')).toBeGreaterThan(0.25);
    expect(share((c) => c.kind === 'business')).toBeLessThan(0.35);
    expect(share((c) => c.country === 'CN')).toBeGreaterThan(0.8);
    expect(share((c) => c.region === 'International')).toBeCloseTo(
      share((c) => c.country !== 'CN'),
      10,
    );
    expect(share((c) => c.personality === '')).toBeGreaterThan(0.25);
    expect(share((c) => c.personality === '')).toBeLessThan(0.35);
    expect(new Set(data.customers.map((c) => c.personality))).toEqual(
      new Set(['', 'rational', 'emotional', 'leader', 'stable']),
    );
    expect(share((c) => c.owner_rep === '')).toBeGreaterThan(0.04);
    expect(data.customers.filter((c) => c.kind === 'individual').every((c) => c.industry === '')).toBe(true);
    expect(data.customers.filter((c) => c.kind === 'business').every((c) => c.industry !== '')).toBe(true);
    expect(new Set(data.interactions.map((i) => i.kind))).toEqual(
      new Set(['call', 'email', 'visit', 'campaign', 'complaint', 'survey']),
    );
  });

  it('makes complaints more likely after a refund', () => {
    const refunded = new Set(
      data.orders.filter((o) => o.status === 'refunded').map((o) => o.customer_external_id),
    );
    const buyers = new Set(data.orders.map((o) => o.customer_external_id));
    const complainers = new Set(
      data.interactions.filter((i) => i.kind === 'complaint').map((i) => i.customer_external_id),
    );
    const rate = (ids: string[]): number => ids.filter((id) => complainers.has(id)).length / ids.length;
    const withRefund = [...refunded];
    const withoutRefund = [...buyers].filter((id) => !refunded.has(id));
    expect(rate(withRefund)).toBeGreaterThan(3 * rate(withoutRefund));
  });

  it('builds teams of reps with one manager each', () => {
    const managers = data.reps.filter((r) => r.role === 'manager');
    const reps = data.reps.filter((r) => r.role === 'rep');
    expect(managers.map((m) => m.external_id)).toEqual(['mgr-01', 'mgr-02', 'mgr-03', 'mgr-04', 'mgr-05']);
    expect(reps).toHaveLength(40);
    expect(reps[0].external_id).toBe('rep-001');
    expect(managers.every((m) => m.manager_external_id === '')).toBe(true);
    for (const rep of reps) {
      const manager = managers.find((m) => m.external_id === rep.manager_external_id);
      expect(manager?.team).toBe(rep.team);
      expect(Number(rep.daily_capacity)).toBeGreaterThanOrEqual(15);
      expect(Number(rep.daily_capacity)).toBeLessThanOrEqual(40);
      expect(['en', 'zh-CN']).toContain(rep.locale);
    }
    expect(new Set(data.reps.map((r) => r.email)).size).toBe(data.reps.length);
  });
});

describe('determinism', () => {
  it('gives equal rows for the same seed and different rows for different seeds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 60 }),
        (seed, customers) => {
          const options = { customers, seed, teams: 2, repsPerTeam: 3 };
          const first = generateCrmRows(options);
          expect(generateCrmRows(options)).toEqual(first);
          expect(generateCrmRows({ ...options, seed: seed + 1 }).customers).not.toEqual(first.customers);
          expectConsistent(first, options);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives the same batches through the async stream', async () => {
    const options = { customers: 300, seed: 11 };
    const streamed: CrmBatch[] = [];
    for await (const batch of generateCrm(options)) streamed.push(batch);
    expect(streamed).toEqual([...iterateCrm(options)]);
  });

  it('honours asOf, historyDays, currency and team options', () => {
    const options = {
      customers: 500,
      seed: 3,
      asOf: new Date('2025-03-01T00:00:00Z'),
      historyDays: 120,
      currency: 'USD',
      teams: 2,
      repsPerTeam: 4,
    };
    const data = generateCrmRows(options);
    expectConsistent(data, options);
    expect(data.reps).toHaveLength(10);
    expect(data.orders.length).toBeGreaterThan(0);
    expect(data.orders.every((o) => o.currency === 'USD')).toBe(true);
    expect(data.summary).toMatchObject({
      asOf: '2025-03-01T00:00:00.000Z',
      historyDays: 120,
      currency: 'USD',
    });
  });

  it('rejects invalid options', () => {
    expect(() => generateCrmRows({ customers: -1, seed: 1 })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 1.5, seed: 1 })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 10, seed: 0.5 })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 10, seed: 1, currency: 'yuan' })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 10, seed: 1, historyDays: 0 })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 10, seed: 1, asOf: new Date('nope') })).toThrow(RangeError);
    expect(() => generateCrmRows({ customers: 10, seed: 1, teams: 0 })).toThrow(RangeError);
  });

  it('handles zero customers', () => {
    const data = generateCrmRows({ customers: 0, seed: 1 });
    expect(data.customers).toEqual([]);
    expect(data.reps.length).toBeGreaterThan(0);
  });

  it('exports the parameters it draws from', () => {
    expect(GENERATOR_MODEL.bgNbd).toEqual({ r: 0.16, alpha: 3.5, a: 0.5, b: 9 });
  });
});
