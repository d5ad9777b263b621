import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { ForecastAccuracyRepository } from '../../src/scoring/forecast-accuracy.repository';
import { planWorkspace, withPlans } from '../support/query-plans';
import { useTestClient } from '../support/use-test-app';

/**
 * The self-backtest reads the purchase days of ≤ 2,500 sampled buyers. At 3M customers / 30M orders the planner,
 * misled by n_distinct of `orders.customer_id`, read them with a sequential scan of every order (4.2 s instead of
 * 0.08 s by index: docs/benchmarks.md). The read must go by index whatever the planner expects: here the sample is
 * a third of a small workspace, where it would rightly prefer the scan, so only the statement's own shape keeps it on
 * the index. auto_explain (withPlans) shows the plan the repository's statement got.
 */
describe('the backtest sample read', () => {
  const db = useTestClient();

  it('reads the sampled buyers’ orders by index, never by scanning every order', async () => {
    const sql = db.sql;
    const { workspaceId, customerIds: customers } = await planWorkspace(sql, 'plan', 300);
    await sql.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'crm', 'o' || c.id || '-' || k, c.id, TIMESTAMPTZ '2026-01-01' + k * INTERVAL '9 days', 1000 + k,
              'CNY', 'paid'
       FROM unnest($2::bigint[]) c(id) CROSS JOIN generate_series(1, 10) k`,
      [workspaceId, customers],
    );
    await sql.query(`ANALYZE orders`);
    const sample = customers.filter((_, i) => i % 3 === 0).map(Number);

    await sql.query('BEGIN');
    const repository = new ForecastAccuracyRepository({} as DataSource);
    const { result: rows, plans } = await withPlans(sql, () =>
      repository.purchaseDays(sql as unknown as PoolClient, workspaceId, {
        timezone: 'Asia/Shanghai',
        currency: 'CNY',
        cutoff: '2026-12-01T00:00:00+08:00',
        customerIds: sample,
      }),
    );
    await sql.query('ROLLBACK');

    expect(new Set(rows.map((r) => Number(r.customer_id)))).toEqual(new Set(sample));
    expect(rows).toHaveLength(sample.length * 10);
    const read = plans.find((p) => p.includes('GROUP BY o.customer_id, day'));
    // each sampled customer's orders looked up by the index (the reversals' own lookup is another, `o_1`)
    expect(read).toMatch(
      /Bitmap Index Scan on orders_customer_idx|Index (Only )?Scan using orders_customer_idx on orders o /,
    );
    expect(read).not.toMatch(/Seq Scan on orders|using orders_pkey on orders/);
  });
});
