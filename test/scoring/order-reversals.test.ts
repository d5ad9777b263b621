import { Client, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { refreshCustomerSummaries } from '../../src/scoring/customer-summaries';
import { ForecastAccuracyRepository } from '../../src/scoring/forecast-accuracy.repository';
import { useTestDatabase } from '../support/use-test-app';

/**
 * Refunds and cancellations booked as records of their own (orders.reversal, issue 13 item 5): a customer summary
 * and the self-backtest's purchase days net them against the orders they reverse. The first two cases are the
 * issue's: a £168,469.60 order cancelled 12 minutes later beside a £2.90 one, and a customer whose only order was
 * refunded in full. All instants are fixed (Asia/Shanghai, no daylight saving): nothing depends on today.
 */
const CUTOFF = '2026-03-01T00:00:00+08:00';
const at = (day: string, time = '10:00') => `${day}T${time}:00+08:00`;

interface Row {
  ext: string;
  at: string;
  amount: number;
  status?: 'paid' | 'refunded' | 'cancelled';
  reversal?: boolean;
  reverses?: string;
}

describe('reversals netted in customer summaries and backtest purchase days', () => {
  const db = useTestDatabase();
  let sql: Client;
  let workspaceId: string;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const {
      rows: [ws],
    } = await sql.query(
      `INSERT INTO workspaces (slug, name) VALUES ('reversals-1', 'reversals') RETURNING id`,
    );
    workspaceId = ws.id;
  });

  db.cleanup(() => sql?.end());

  async function customer(name: string, orders: Row[]): Promise<void> {
    const {
      rows: [c],
    } = await sql.query(`INSERT INTO customers (workspace_id, external_id) VALUES ($1, $2) RETURNING id`, [
      workspaceId,
      name,
    ]);
    ids.set(name, Number(c.id));
    for (const o of orders)
      await sql.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                             reversal, reverses_external_id)
         VALUES ($1, $2, $3, $4, $5, 'GBP', $6, $7, $8)`,
        [
          workspaceId,
          `${name}-${o.ext}`,
          c.id,
          o.at,
          o.amount,
          o.status ?? (o.reversal ? 'cancelled' : 'paid'),
          o.reversal ?? false,
          o.reverses ? `${name}-${o.reverses}` : null,
        ],
      );
  }

  async function summary(name: string) {
    const { rows } = await sql.query(
      `SELECT transactions, to_char(first_day, 'YYYY-MM-DD') AS first_day, to_char(last_day, 'YYYY-MM-DD') AS last_day,
              monetary::float8 AS monetary, first_amount::float8 AS first_amount,
              (extract(epoch FROM recheck_at) * 1000)::float8 AS recheck_at,
              orders_placed, orders_undone, gross_minor::float8 AS gross_minor, undone_minor::float8 AS undone_minor
       FROM customer_summaries WHERE workspace_id = $1 AND customer_id = $2`,
      [workspaceId, ids.get(name)],
    );
    return rows[0] as
      | {
          transactions: number;
          first_day: string | null;
          last_day: string | null;
          monetary: number;
          first_amount: number;
          recheck_at: number | null;
          orders_placed: number;
          orders_undone: number;
          gross_minor: number;
          undone_minor: number;
        }
      | undefined;
  }

  /** The purchase days the self-backtest reads (local day numbers as dates). */
  async function purchaseDays(name: string): Promise<string[]> {
    // purchaseDays runs in the caller's client and transaction; the data source is not used
    const repo = new ForecastAccuracyRepository(undefined as unknown as DataSource);
    await sql.query('BEGIN');
    const rows = await repo.purchaseDays(sql as unknown as PoolClient, workspaceId, {
      timezone: 'Asia/Shanghai',
      currency: 'GBP',
      cutoff: CUTOFF,
      customerIds: [ids.get(name)!],
    });
    await sql.query('COMMIT');
    return rows.map((r) => new Date(r.day * 86_400_000).toISOString().slice(0, 10));
  }

  beforeAll(async () => {
    // the first customer: a small order, then a huge one cancelled 12 minutes later by a record of its own
    await customer('cancelled-12-minutes-later', [
      { ext: 'a', at: at('2026-01-05'), amount: 290 },
      { ext: 'b', at: at('2026-02-10', '09:15'), amount: 16_846_960 },
      { ext: 'c', at: at('2026-02-10', '09:27'), amount: 16_846_960, reversal: true },
    ]);
    // the second customer: the only order refunded in full
    await customer('only-order-refunded', [
      { ext: 'a', at: at('2026-01-18', '10:01'), amount: 7_718_360 },
      { ext: 'b', at: at('2026-01-18', '10:17'), amount: 7_718_360, reversal: true, status: 'refunded' },
    ]);
    // a partial refund naming its order: the order stays a purchase, its amount goes down
    await customer('partial-named', [
      { ext: 'a', at: at('2026-01-03'), amount: 10_000 },
      { ext: 'b', at: at('2026-02-03'), amount: 5_000 },
      { ext: 'r', at: at('2026-02-20'), amount: 4_000, reversal: true, reverses: 'a', status: 'refunded' },
    ]);
    // a reversal that names no order and matches none (larger than every order): off the customer's spend only
    await customer('unmatched', [
      { ext: 'a', at: at('2026-01-03'), amount: 3_000 },
      { ext: 'b', at: at('2026-01-10'), amount: 3_000 },
      { ext: 'r', at: at('2026-01-20'), amount: 4_000, reversal: true, status: 'refunded' },
    ]);
    // two unnamed refunds both matched to the latest order: the excess comes off the spend, not lost
    await customer('twice', [
      { ext: 'a', at: at('2026-01-03'), amount: 1_000 },
      { ext: 'b', at: at('2026-01-10'), amount: 1_000 },
      { ext: 'r1', at: at('2026-01-20'), amount: 1_000, reversal: true, status: 'refunded' },
      { ext: 'r2', at: at('2026-01-21'), amount: 1_000, reversal: true, status: 'refunded' },
    ]);
    // a reversal after the cutoff is not known yet: nothing netted, the summary is rechecked when it comes
    await customer('reversal-later', [
      { ext: 'a', at: at('2026-02-01'), amount: 2_000 },
      { ext: 'r', at: at('2026-03-05'), amount: 2_000, reversal: true, reverses: 'a' },
    ]);
    // a refunded order that is not a reversal: the order itself undone, left out as before, nothing else netted
    await customer('status-only', [
      { ext: 'a', at: at('2026-01-03'), amount: 2_000 },
      { ext: 'b', at: at('2026-01-08'), amount: 9_000, status: 'refunded' },
    ]);
    // an order cancelled by its status, nothing else
    await customer('cancelled-only', [
      { ext: 'a', at: at('2026-01-12'), amount: 5_000, status: 'cancelled' },
    ]);
    await refreshCustomerSummaries(sql, {
      workspaceId,
      timezone: 'Asia/Shanghai',
      currency: 'GBP',
      cutoff: new Date(CUTOFF).toISOString(),
    });
  });

  it('a huge order cancelled minutes later is no purchase and no spend', async () => {
    expect(await summary('cancelled-12-minutes-later')).toMatchObject({
      transactions: 1,
      first_day: '2026-01-05',
      last_day: '2026-01-05',
      monetary: 290,
      first_amount: 290,
    });
    expect(await purchaseDays('cancelled-12-minutes-later')).toEqual(['2026-01-05']);
  });

  it('counts what each customer undid for the cancellation rate, reversal records not as orders', async () => {
    expect(await summary('cancelled-12-minutes-later')).toMatchObject({
      orders_placed: 2,
      orders_undone: 1,
      gross_minor: 16_847_250,
      undone_minor: 16_846_960,
    });
    expect(await summary('only-order-refunded')).toMatchObject({
      orders_placed: 1,
      orders_undone: 1,
      gross_minor: 7_718_360,
      undone_minor: 7_718_360,
    });
    // a partial refund gives money back but undoes no order
    expect(await summary('partial-named')).toMatchObject({
      orders_placed: 2,
      orders_undone: 0,
      undone_minor: 4_000,
    });
    // a reversal of no order and the excess of two on one: money back, capped at what was ordered
    expect(await summary('unmatched')).toMatchObject({
      orders_placed: 2,
      orders_undone: 0,
      undone_minor: 4_000,
    });
    expect(await summary('twice')).toMatchObject({ orders_placed: 2, orders_undone: 1, undone_minor: 2_000 });
    // not yet: the reversal lies after the cutoff
    expect(await summary('reversal-later')).toMatchObject({
      orders_placed: 1,
      orders_undone: 0,
      undone_minor: 0,
    });
    // an order undone by its status counts as placed and undone
    expect(await summary('status-only')).toMatchObject({
      orders_placed: 2,
      orders_undone: 1,
      gross_minor: 11_000,
      undone_minor: 9_000,
    });
  });

  it('keeps a customer with only a cancelled order (no reversal) in the summaries, with nothing bought', async () => {
    expect(await summary('cancelled-only')).toMatchObject({
      transactions: 0,
      monetary: 0,
      orders_placed: 1,
      orders_undone: 1,
      undone_minor: 5_000,
    });
  });

  it('a customer whose only order was refunded in full has no purchase and no spend', async () => {
    expect(await summary('only-order-refunded')).toMatchObject({
      transactions: 0,
      first_day: null,
      monetary: 0,
    });
    expect(await purchaseDays('only-order-refunded')).toEqual([]);
  });

  it('a partial refund of a named order lowers its amount and keeps the purchase', async () => {
    expect(await summary('partial-named')).toMatchObject({
      transactions: 2,
      monetary: 11_000,
      first_amount: 6_000,
    });
    expect(await purchaseDays('partial-named')).toEqual(['2026-01-03', '2026-02-03']);
  });

  it('a reversal that matches no order comes off the spend and leaves the purchases', async () => {
    expect(await summary('unmatched')).toMatchObject({ transactions: 2, monetary: 2_000 });
    expect(await summary('twice')).toMatchObject({ transactions: 1, last_day: '2026-01-03', monetary: 0 });
  });

  it('a reversal after the cutoff is not netted yet, and the summary is rechecked at it', async () => {
    expect(await summary('reversal-later')).toMatchObject({
      transactions: 1,
      monetary: 2_000,
      recheck_at: Date.parse(at('2026-03-05')),
    });
  });

  it('a refunded order that is not a reversal is left out and nets nothing', async () => {
    expect(await summary('status-only')).toMatchObject({ transactions: 1, monetary: 2_000 });
  });

  it('refuses a paid reversal and a link on an order that is no reversal', async () => {
    const c = ids.get('status-only');
    await expect(
      sql.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status, reversal)
         VALUES ($1, 'bad-1', $2, now(), 1, 'GBP', 'paid', true)`,
        [workspaceId, c],
      ),
    ).rejects.toThrow(/orders_reversal_status_check/);
    await expect(
      sql.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                             reverses_external_id)
         VALUES ($1, 'bad-2', $2, now(), 1, 'GBP', 'refunded', 'x')`,
        [workspaceId, c],
      ),
    ).rejects.toThrow(/orders_reverses_check/);
  });
});
