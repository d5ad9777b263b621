import fc from 'fast-check';
import { Client, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { APP_ROLE } from '../../migrations/1766900000000-row-level-security';
import { applyMigrations } from '../../src/database/migrations';
import { clientQueryable, Queryable } from '../../src/database/sql';
import { OrderTallyRow } from '../../src/scoring/left-out';
import { ScoreRunRepository } from '../../src/scoring/score-run.repository';
import { withPlans } from '../support/query-plans';
import { createTestDatabase, revertThrough, TestDatabase } from '../support/test-db';

/**
 * The running tally of orders (migration 1769300000000) against the statement it replaced: whatever writes hit
 * `orders` — inserts, edits of what the report is made of (status, currency, deletion, placement across local
 * midnights), moves between customers, irrelevant edits, deletes, a rolled-back transaction, TRUNCATE — whatever
 * happens to customers (deleted, merged) and to the workspace's time zone, a run's "orders left out" counts for
 * any as-of day equal one aggregate over the orders as the fit step ran it until issue 16.
 */
const MIGRATION = 'KeepOrderTally1769300000000';
const ZONES = ['Asia/Shanghai', 'Asia/Kolkata', 'America/Santiago', 'America/New_York'] as const;
const CUSTOMERS = 6;
/** placements from 2026-03-25 to 2026-04-10 UTC: Santiago's and New York's DST changes are in or near it */
const FIRST = Date.parse('2026-03-25T00:00:00Z');
const SPAN_HOURS = 16 * 24;

/** The statement of score-run.sql.ts before the tally: every order aggregated, future by the cutoff instant. */
const FULL_SCAN = `
  WITH every AS (
    SELECT deleted_at IS NOT NULL AS deleted_order, currency, status, placed_at >= $3::timestamptz AS future,
           original_currency, count(*) AS orders
    FROM orders WHERE workspace_id = $1 GROUP BY 1, 2, 3, 4, 5
  ), gone AS (
    SELECT o.deleted_at IS NOT NULL AS deleted_order, c.deleted_at IS NOT NULL AS deleted_customer,
           c.merged_into_id IS NOT NULL AS merged_customer, o.currency, o.status,
           o.placed_at >= $3::timestamptz AS future, o.original_currency, count(*) AS orders
    FROM customers c JOIN orders o ON o.customer_id = c.id AND o.workspace_id = $1
    WHERE c.workspace_id = $1 AND (c.deleted_at IS NOT NULL OR c.merged_into_id IS NOT NULL)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
  )
  SELECT CASE WHEN deleted_order THEN 'deletedOrder' WHEN deleted_customer THEN 'deletedCustomer'
              WHEN merged_customer THEN 'mergedCustomer' WHEN currency <> $2 THEN 'otherCurrency'
              WHEN status = 'cancelled' THEN 'cancelled' WHEN status <> 'paid' THEN 'refunded'
              WHEN future THEN 'futureDated' ELSE 'used' END AS reason,
         currency::text AS currency, original_currency::text AS original_currency, sum(orders) AS orders
  FROM (SELECT deleted_order, false AS deleted_customer, false AS merged_customer, currency, status, future,
               original_currency, orders FROM every
        UNION ALL SELECT deleted_order, false, false, currency, status, future, original_currency, -orders FROM gone
        UNION ALL SELECT deleted_order, deleted_customer, merged_customer, currency, status, future,
                         original_currency, orders FROM gone) g
  GROUP BY 1, 2, 3 HAVING sum(orders) <> 0`;

type Write =
  | { kind: 'insert'; ws: number; orders: NewOrder[]; rollback: boolean }
  | { kind: 'edit'; ws: number; pick: number; change: Change }
  | { kind: 'delete'; ws: number; pick: number }
  | { kind: 'zone'; ws: number; zone: number }
  | { kind: 'customer'; ws: number; customer: number; to: 'deleted' | 'merged' | 'live' }
  | { kind: 'truncate' }
  | { kind: 'check'; ws: number; day: number };

interface NewOrder {
  customer: number;
  hour: number;
  minute: number;
  currency: 'CNY' | 'USD';
  status: 'paid' | 'refunded' | 'cancelled';
  deleted: boolean;
  converted: boolean;
}

type Change =
  | { set: 'status'; to: 'paid' | 'refunded' | 'cancelled' }
  | { set: 'currency'; to: 'CNY' | 'USD' }
  | { set: 'deleted'; to: boolean }
  | { set: 'placed'; hours: number }
  | { set: 'customer'; to: number }
  | { set: 'amount' };

/** true once in `n` draws */
const oneIn = (n: number) => fc.nat(n - 1).map((k) => k === 0);

const newOrder: fc.Arbitrary<NewOrder> = fc.record({
  customer: fc.nat(CUSTOMERS - 1),
  hour: fc.nat(SPAN_HOURS - 1),
  // whole and half hours land on local midnights in every zone above (Kolkata is +5:30)
  minute: fc.constantFrom(0, 29, 30, 59),
  currency: fc.constantFrom('CNY', 'CNY', 'USD'),
  status: fc.constantFrom('paid', 'paid', 'refunded', 'cancelled'),
  deleted: oneIn(10),
  converted: fc.boolean(),
});

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ set: fc.constant('status' as const), to: fc.constantFrom('paid', 'refunded', 'cancelled') }),
  fc.record({ set: fc.constant('currency' as const), to: fc.constantFrom('CNY', 'USD') }),
  fc.record({ set: fc.constant('deleted' as const), to: fc.boolean() }),
  fc.record({ set: fc.constant('placed' as const), hours: fc.integer({ min: -30, max: 30 }) }),
  fc.record({ set: fc.constant('customer' as const), to: fc.nat(CUSTOMERS - 1) }),
  fc.record({ set: fc.constant('amount' as const) }),
);

const ws = fc.nat(1);
const write: fc.Arbitrary<Write> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      ws,
      orders: fc.array(newOrder, { minLength: 1, maxLength: 12 }),
      rollback: oneIn(7),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('edit' as const), ws, pick: fc.nat(6), change }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), ws, pick: fc.nat(6) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('zone' as const), ws, zone: fc.nat(ZONES.length - 1) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('customer' as const),
      ws,
      customer: fc.nat(CUSTOMERS - 1),
      to: fc.constantFrom('deleted', 'merged', 'live'),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'truncate' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('check' as const), ws, day: fc.integer({ min: -2, max: 17 }) }),
  },
);

/** A report's rows as one comparable map: reason|currency|original → orders. */
function counts(rows: readonly OrderTallyRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[`${r.reason}|${r.currency}|${r.original_currency ?? '-'}`] = Number(r.orders);
  return out;
}

describe('the running order tally', () => {
  let db: TestDatabase;
  let sql: Client;
  /** the suite's client as the repository's connection, so its statements run as the fit step's do */
  let conn: Queryable;
  let runs: ScoreRunRepository;
  const workspaces: string[] = [];
  const customers: string[][] = [];
  let seq = 0;

  const query = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await sql.query(text, params)).rows as T[];

  /** The fit step's read (fold or recount, then the report's rows) in one transaction, as the step runs it. */
  async function tallied(workspace: string, asOf: string, zone: string): Promise<Record<string, number>> {
    await sql.query('BEGIN');
    try {
      const { rows } = await runs.orderTally(workspace, 'CNY', asOf, zone, conn);
      await sql.query('COMMIT');
      return counts(rows);
    } catch (e) {
      await sql.query('ROLLBACK');
      throw e;
    }
  }

  async function scanned(workspace: string, asOf: string, zone: string): Promise<Record<string, number>> {
    const cutoff = await runs.endOfDay(asOf, zone);
    return counts(await query<OrderTallyRow>(FULL_SCAN, [workspace, 'CNY', cutoff]));
  }

  async function insertOrders(w: number, orders: NewOrder[]): Promise<void> {
    for (const o of orders) {
      seq++;
      await sql.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                             deleted_at, original_amount_minor, original_currency)
         VALUES ($1, $2, $3, $4, 100, $5, $6, $7, $8, $9)`,
        [
          workspaces[w],
          `o${seq}`,
          customers[w][o.customer],
          new Date(FIRST + o.hour * 3_600_000 + o.minute * 60_000),
          o.currency,
          o.status,
          o.deleted ? new Date(FIRST) : null,
          o.converted ? 70 : null,
          o.converted ? 'EUR' : null,
        ],
      );
    }
  }

  /** An edit's SET clause and its value ($3), when it has one. */
  function assignment(ws: number, c: Change): [string, unknown[]] {
    switch (c.set) {
      case 'status':
      case 'currency':
        return [`${c.set} = $3`, [c.to]];
      case 'deleted':
        return [`deleted_at = CASE WHEN $3::boolean THEN now() END`, [c.to]];
      case 'placed':
        return [`placed_at = placed_at + make_interval(hours => $3::int)`, [c.hours]];
      case 'customer':
        return [`customer_id = $3::bigint`, [customers[ws][c.to]]];
      case 'amount':
        return [`amount_minor = amount_minor + 1`, []];
    }
  }

  async function apply(w: Write): Promise<void> {
    switch (w.kind) {
      case 'insert':
        if (!w.rollback) return insertOrders(w.ws, w.orders);
        await sql.query('BEGIN');
        await insertOrders(w.ws, w.orders);
        await sql.query('ROLLBACK');
        return;
      case 'edit': {
        const [set, value] = assignment(w.ws, w.change);
        // every order whose id leaves `pick` modulo 7: one statement, several rows, several groups
        await sql.query(`UPDATE orders SET ${set} WHERE workspace_id = $1 AND id % 7 = $2`, [
          workspaces[w.ws],
          w.pick,
          ...value,
        ]);
        return;
      }
      case 'delete':
        await sql.query(`DELETE FROM orders WHERE workspace_id = $1 AND id % 7 = $2`, [
          workspaces[w.ws],
          w.pick,
        ]);
        return;
      case 'zone':
        await sql.query(`UPDATE workspaces SET timezone = $2 WHERE id = $1`, [
          workspaces[w.ws],
          ZONES[w.zone],
        ]);
        return;
      case 'customer': {
        const id = customers[w.ws][w.customer];
        const other = customers[w.ws][(w.customer + 1) % CUSTOMERS];
        await sql.query(
          `UPDATE customers SET deleted_at = CASE WHEN $2 = 'deleted' THEN now() END,
                                merged_into_id = CASE WHEN $2 = 'merged' THEN $3::bigint END
           WHERE id = $1`,
          [id, w.to, other],
        );
        return;
      }
      case 'truncate':
        await sql.query(`TRUNCATE orders CASCADE`);
        return;
      case 'check': {
        const [{ timezone }] = await query<{ timezone: string }>(
          `SELECT timezone FROM workspaces WHERE id = $1`,
          [workspaces[w.ws]],
        );
        const asOf = new Date(FIRST + w.day * 86_400_000).toISOString().slice(0, 10);
        expect([asOf, timezone, await tallied(workspaces[w.ws], asOf, timezone)]).toEqual([
          asOf,
          timezone,
          await scanned(workspaces[w.ws], asOf, timezone),
        ]);
      }
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    await revertThrough(db.url, MIGRATION);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    conn = clientQueryable(sql as unknown as PoolClient);
    runs = new ScoreRunRepository(conn as DataSource);
    for (const [i, zone] of ['Asia/Shanghai', 'America/Santiago'].entries()) {
      const [{ id }] = await query<{ id: string }>(
        `INSERT INTO workspaces (slug, name, currency, timezone) VALUES ($1, $1, 'CNY', $2) RETURNING id`,
        [`tally-${i}`, zone],
      );
      workspaces.push(id);
      customers.push(
        (
          await query<{ id: string }>(
            `INSERT INTO customers (workspace_id, external_id) SELECT $1, 'c' || i FROM generate_series(1, $2) i
             RETURNING id::text`,
            [id, CUSTOMERS],
          )
        ).map((r) => r.id),
      );
    }
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('counts the orders already there when the migration runs, and goes again on revert', async () => {
    await insertOrders(0, [
      { customer: 0, hour: 10, minute: 0, currency: 'CNY', status: 'paid', deleted: false, converted: false },
      {
        customer: 1,
        hour: 200,
        minute: 30,
        currency: 'USD',
        status: 'paid',
        deleted: false,
        converted: false,
      },
      {
        customer: 2,
        hour: 300,
        minute: 59,
        currency: 'CNY',
        status: 'cancelled',
        deleted: true,
        converted: true,
      },
    ]);
    await applyMigrations(db.url);
    for (const day of ['2026-03-25', '2026-04-02', '2026-04-20'])
      expect(await tallied(workspaces[0], day, 'Asia/Shanghai')).toEqual(
        await scanned(workspaces[0], day, 'Asia/Shanghai'),
      );

    expect((await revertThrough(db.url, MIGRATION)).at(-1)).toBe(MIGRATION);
    expect((await query(`SELECT to_regclass('order_tally') AS t`))[0]).toEqual({ t: null });
    await applyMigrations(db.url);
  });

  it('equals one aggregate over the orders after any writes, for any as-of day and time zone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 14 }), async (writes) => {
        for (const w of [
          ...writes,
          { kind: 'check' as const, ws: 0, day: 8 },
          { kind: 'check' as const, ws: 1, day: 8 },
        ])
          await apply(w);
      }),
      { numRuns: 40 },
    );
  });

  it('counts an order committed during a fold at the next one, and a rolled-back one never', async () => {
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES ($1, 'meanwhile', $2, '2026-04-01T12:00:00Z', 100, 'CNY', 'paid')`,
        [workspaces[1], customers[1][0]],
      );
      const zone = (
        await query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [workspaces[1]])
      )[0].timezone;
      const before = await scanned(workspaces[1], '2026-04-05', zone);
      expect(await tallied(workspaces[1], '2026-04-05', zone)).toEqual(before);
      await other.query('COMMIT');
      const after = await scanned(workspaces[1], '2026-04-05', zone);
      expect(after).not.toEqual(before);
      expect(await tallied(workspaces[1], '2026-04-05', zone)).toEqual(after);
    } finally {
      await other.end();
    }
  });

  it('reads the orders of deleted and merged customers by index, never by scanning every order', async () => {
    // a third of the customers gone: on a table this small the planner would rightly scan a join's orders, so only
    // the statement's shape keeps the read on the index (at 1M customers a join scanned all 10M orders: 1.9 s)
    const [{ id }] = await query<{ id: string }>(
      `INSERT INTO workspaces (slug, name, currency) VALUES ('tally-plan', 'plan', 'CNY') RETURNING id`,
    );
    await sql.query(
      `WITH c AS (INSERT INTO customers (workspace_id, external_id) SELECT $1, 'p' || g FROM generate_series(1, 300) g
                  RETURNING id)
       INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'p' || c.id || '-' || k, c.id, TIMESTAMPTZ '2026-01-01' + k * INTERVAL '9 days', 100, 'CNY', 'paid'
       FROM c CROSS JOIN generate_series(1, 10) k`,
      [id],
    );
    await sql.query(`UPDATE customers SET deleted_at = now() WHERE workspace_id = $1 AND id % 3 = 0`, [id]);
    await sql.query(`ANALYZE customers`);
    await sql.query(`ANALYZE orders`);
    const { result: counted, plans } = await withPlans(sql, () => tallied(id, '2026-12-01', 'Asia/Shanghai'));
    expect(counted).toEqual({ 'deletedCustomer|CNY|-': 1000, 'used|CNY|-': 2000 });
    const read = plans.find((p) => p.includes('deleted_customer'));
    expect(read).toMatch(
      /Index (Only )?Scan using orders_customer_idx on orders|Bitmap Index Scan on orders_customer_idx/,
    );
    expect(read).not.toMatch(/Seq Scan on orders/);
  });

  it('writes under the application role and a workspace scope, and goes with its workspace', async () => {
    await sql.query(`SET ROLE ${APP_ROLE}`);
    await sql.query(`SELECT set_config('app.workspace_id', $1, false)`, [workspaces[0]]);
    try {
      await insertOrders(0, [
        {
          customer: 3,
          hour: 50,
          minute: 0,
          currency: 'CNY',
          status: 'paid',
          deleted: false,
          converted: false,
        },
      ]);
    } finally {
      await sql.query(`RESET ROLE`);
      await sql.query(`RESET app.workspace_id`);
    }
    const [{ timezone }] = await query<{ timezone: string }>(
      `SELECT timezone FROM workspaces WHERE id = $1`,
      [workspaces[0]],
    );
    expect(await tallied(workspaces[0], '2026-04-30', timezone)).toEqual(
      await scanned(workspaces[0], '2026-04-30', timezone),
    );
    expect(
      Object.values(await tallied(workspaces[0], '2026-04-30', timezone)).reduce((a, b) => a + b, 0),
    ).toBeGreaterThan(0);

    await sql.query(`DELETE FROM workspaces WHERE id = $1`, [workspaces[0]]);
    expect(await query(`SELECT 1 FROM order_tally WHERE workspace_id = $1`, [workspaces[0]])).toEqual([]);
  });
});
