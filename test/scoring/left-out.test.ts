import { DataSource } from 'typeorm';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';
import { client, keyFor } from '../worklist/worklist-support';
import { runScoring } from './scoring-fixture';

/**
 * Issue 10, part 6: a scoring run counts and explains every order it did not use (other currency, cancelled,
 * refunded, future-dated, deleted order, deleted or merged customer), mentions the converted ones, and warns when
 * more than 1 % of the workspace's orders were left out for a reason that usually means a data problem.
 */
describe('a scoring run reports the orders it left out', () => {
  const nest = useTestApp({ http: true });
  const AS_OF = '2026-11-23';
  // every order the run uses is worth USED_AMOUNT, every other one LEFT_AMOUNT: the summaries' spend then shows
  // that exactly the orders the report calls used went into the scores
  const USED_AMOUNT = 100;
  const LEFT_AMOUNT = 1_000_000;

  interface OrderSpec {
    customer: number;
    n: number;
    currency?: string;
    status?: 'paid' | 'cancelled' | 'refunded';
    placedAt?: string;
    deleted?: boolean;
    original?: string;
    used: boolean;
  }

  /** A workspace (CNY, Asia/Shanghai) with `customers` customers and these orders; returns its id. */
  async function workspace(slug: string, customers: number, orders: OrderSpec[]): Promise<string> {
    const ws = await nest.app
      .get(WorkspacesService)
      .ensure({ slug, currency: 'CNY', timezone: 'Asia/Shanghai' });
    const ids: string[] = (
      await nest.db.query(
        `INSERT INTO customers (workspace_id, external_id)
         SELECT $1, 'c' || i FROM generate_series(1, $2) i RETURNING id::text`,
        [ws.id, customers],
      )
    ).map((r: { id: string }) => r.id);
    let seq = 0;
    for (const o of orders) {
      for (let k = 0; k < o.n; k++) {
        seq++;
        await nest.db.query(
          `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                               deleted_at, original_amount_minor, original_currency)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            ws.id,
            `o${seq}`,
            ids[o.customer],
            // a different day per order: each used order is one transaction
            o.placedAt ?? new Date(Date.UTC(2026, 0, 1 + (seq % 300), 4)).toISOString(),
            o.used ? USED_AMOUNT : LEFT_AMOUNT,
            o.currency ?? 'CNY',
            o.status ?? 'paid',
            o.deleted ? new Date('2026-11-01T00:00:00Z') : null,
            o.original ? 700 : null,
            o.original ?? null,
          ],
        );
      }
    }
    return ws.id;
  }

  /** Spend of the run's live customers in their stored summaries. */
  async function summarySpend(db: DataSource, workspaceId: string): Promise<number> {
    const [{ spend }] = await db.query(
      `SELECT COALESCE(sum(s.monetary), 0)::int8::text AS spend FROM customer_summaries s
       JOIN customers c ON c.id = s.customer_id
       WHERE s.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL`,
      [workspaceId],
    );
    return Number(spend);
  }

  it('counts each reason in a CNY workspace with USD, cancelled, future-dated and deleted-customer orders, and warns', async () => {
    const workspaceId = await workspace('mixed', 12, [
      { customer: 0, n: 30, used: true },
      { customer: 1, n: 20, used: true },
      // converted on import: used, and named
      { customer: 2, n: 3, original: 'USD', used: true },
      { customer: 2, n: 1, original: 'EUR', used: true },
      // the bug of the issue: USD orders in a CNY workspace, silently ignored
      { customer: 3, n: 15, currency: 'USD', used: false },
      { customer: 4, n: 2, currency: 'JPY', used: false },
      // a cancelled USD order is left out for its currency (the first reason that applies)
      { customer: 3, n: 1, currency: 'USD', status: 'cancelled', used: false },
      { customer: 5, n: 4, status: 'cancelled', used: false },
      { customer: 5, n: 3, status: 'refunded', used: false },
      // 00:30 on the day after the as-of day in Shanghai (16:30 UTC on the as-of day): after the cutoff
      { customer: 6, n: 1, placedAt: '2026-11-23T16:30:00Z', used: false },
      { customer: 6, n: 2, placedAt: '2027-02-01T04:00:00Z', used: false },
      // 23:30 on the as-of day in Shanghai: before the cutoff, used
      { customer: 6, n: 1, placedAt: '2026-11-23T15:30:00Z', used: true },
      { customer: 7, n: 2, deleted: true, used: false },
      { customer: 8, n: 5, used: false }, // customer 8 gets deleted below
      { customer: 9, n: 2, used: false }, // customer 9 gets merged into customer 0 below, its orders left behind
    ]);
    // customer i is external id c<i + 1>
    await nest.db.query(
      `UPDATE customers SET deleted_at = now() WHERE workspace_id = $1 AND external_id = 'c9'`,
      [workspaceId],
    );
    await nest.db.query(
      `UPDATE customers SET merged_into_id = (SELECT id FROM customers WHERE workspace_id = $1 AND external_id = 'c1')
       WHERE workspace_id = $1 AND external_id = 'c10'`,
      [workspaceId],
    );

    const run = await runScoring(nest.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    const report = run.report as { leftOut: Record<string, unknown>; warnings: string[] };
    expect(report.leftOut).toMatchObject({
      orders: 37,
      totalOrders: 92,
      usedOrders: 55,
      share: 0.4022,
      byReason: {
        deletedOrder: 2,
        deletedCustomer: 5,
        mergedCustomer: 2,
        otherCurrency: 18,
        cancelled: 4,
        refunded: 3,
        futureDated: 3,
      },
      otherCurrencies: { USD: 16, JPY: 2 },
      converted: { orders: 4, byCurrency: { USD: 3, EUR: 1 } },
    });
    expect(typeof report.leftOut.seconds).toBe('number');
    // what the report calls used is exactly what the scores are made of
    expect(await summarySpend(nest.db, workspaceId)).toBe(55 * USED_AMOUNT);

    expect(report.warnings).toHaveLength(1);
    const [warning] = report.warnings;
    expect(warning).toMatch(
      /^28 of 92 orders \(30\.4 %\) were left out of this run for reasons that usually mean a data problem/,
    );
    expect(warning).toContain("18 in another currency than the workspace's CNY (USD 16, JPY 2)");
    expect(warning).toContain('callplan currency rates load');
    expect(warning).toContain('3 placed after the end of the as-of day 2026-11-23 (Asia/Shanghai)');
    expect(warning).toContain('5 of deleted customers');
    expect(warning).toContain('2 still on customers merged into another');
    expect(warning).toContain('all 37 left out');

    // the API returns the same report
    const key = await keyFor(nest.app, workspaceId, 'admin');
    const view = (await client(nest.app).get(`/v1/score-runs/${run.id}`, key).expect(200)).body;
    expect(view.report.leftOut).toEqual(report.leftOut);
    expect(view.report.warnings).toEqual(report.warnings);
  }, 120_000);

  it('a clean workspace leaves out only its cancelled and refunded orders and does not warn', async () => {
    const workspaceId = await workspace('clean', 5, [
      { customer: 0, n: 60, used: true },
      { customer: 1, n: 40, used: true },
      { customer: 2, n: 2, original: 'USD', used: true },
      { customer: 3, n: 3, status: 'cancelled', used: false },
      { customer: 4, n: 2, status: 'refunded', used: false },
      // one order in 108 after the cutoff: under 1 %
      { customer: 4, n: 1, placedAt: '2026-12-01T04:00:00Z', used: false },
    ]);
    const run = await runScoring(nest.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    const report = run.report as { leftOut: Record<string, unknown>; warnings: string[] };
    expect(report.leftOut).toMatchObject({
      orders: 6,
      totalOrders: 108,
      usedOrders: 102,
      byReason: { cancelled: 3, refunded: 2, futureDated: 1, otherCurrency: 0, deletedCustomer: 0 },
      otherCurrencies: {},
      converted: { orders: 2, byCurrency: { USD: 2 } },
    });
    expect(report.warnings).toEqual([]);
    expect(await summarySpend(nest.db, workspaceId)).toBe(102 * USED_AMOUNT);
  }, 120_000);

  it('over 1 % in another currency is enough to warn', async () => {
    const workspaceId = await workspace('two-usd', 3, [
      { customer: 0, n: 98, used: true },
      { customer: 1, n: 2, currency: 'USD', used: false },
    ]);
    const run = await runScoring(nest.app, workspaceId, AS_OF);
    const report = run.report as { leftOut: { share: number }; warnings: string[] };
    expect(report.leftOut.share).toBe(0.02);
    expect(report.warnings).toEqual([expect.stringMatching(/^2 of 100 orders \(2\.0 %\).*USD 2/)]);
  }, 120_000);
});
