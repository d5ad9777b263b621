import { refreshSummaryRange } from '../../src/scoring/customer-summaries.repository';
import { planWorkspace, withPlans } from '../support/query-plans';
import { useTestClient } from '../support/use-test-app';

/**
 * The summaries' build and refresh read each customer's orders and interactions from `orders_customer_idx` and
 * `interactions_customer_idx` alone (migration 1769500000000): a CRM's orders arrive over time, so a customer's
 * rows are spread over the table, and reading them from the heap cost one page per order (a chunk's refresh
 * 20–180 s cold at 1M customers against 0.3–0.5 s: docs/benchmarks.md, "Tenth"). An index missing a column the
 * summary reads turns the plan back into heap reads. auto_explain (withPlans) shows the plans the repository's
 * statements got.
 */
describe('the customer summaries read the customers’ histories from the indexes alone', () => {
  const db = useTestClient();

  it('builds and refreshes by index-only scans of orders and interactions', async () => {
    const sql = db.sql;
    const { workspaceId, customerIds: ids } = await planWorkspace(sql, 'cover', 4_000);
    // in arrival order, as a CRM sends them: each customer's rows spread over the table; refunded orders among
    // them, and every kind of interaction the summary tells apart
    await sql.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'crm', 'o' || c.id || '-' || k, c.id, TIMESTAMPTZ '2025-01-01' + k * INTERVAL '17 days' + c.ord * INTERVAL '1 minute',
              1000 + k * 7 + c.ord, 'CNY', CASE WHEN k % 9 = 4 THEN 'refunded' ELSE 'paid' END
       FROM generate_series(1, 12) k CROSS JOIN unnest($2::bigint[]) WITH ORDINALITY c(id, ord)`,
      [workspaceId, ids],
    );
    await sql.query(
      `INSERT INTO interactions (workspace_id, source, external_id, customer_id, occurred_at, kind, outcome, score)
       SELECT $1, 'crm', 'i' || c.id || '-' || k, c.id, TIMESTAMPTZ '2025-01-03' + k * INTERVAL '23 days',
              (ARRAY['call', 'email', 'visit', 'complaint', 'survey'])[1 + k % 5],
              CASE WHEN k % 5 IN (0, 2) THEN (ARRAY['reached', 'no_answer', 'replied'])[1 + k % 3] END,
              CASE WHEN k % 5 = 4 THEN k % 10 END
       FROM generate_series(1, 8) k CROSS JOIN unnest($2::bigint[]) c(id)`,
      [workspaceId, ids],
    );
    // index-only reads need the visibility map: what (auto)vacuum keeps in a deployment
    await sql.query(`VACUUM ANALYZE orders, interactions`);

    const target = {
      workspaceId: workspaceId,
      currency: 'CNY',
      cutoff: '2026-01-01T00:00:00+08:00',
      timezone: 'Asia/Shanghai',
    };
    // the statement that stores the summaries, and its plan
    const explained = async (work: () => Promise<number>) => {
      await sql.query('BEGIN');
      const { result: n, plans } = await withPlans(sql, work);
      await sql.query('COMMIT');
      const insert = plans.find((p) => p.includes('INSERT INTO customer_summaries'));
      expect(insert).toBeDefined();
      return { n, plan: insert! };
    };
    // a run builds its summaries chunk by chunk, each an id range (here ten of 400 customers, so that reading a
    // range's histories by customer is what any planner picks — on a whole small workspace PostgreSQL 18 reads
    // the interactions by time and sorts them): the plan of the first, the rows of all
    const built = async () => {
      let n = 0;
      let plan = '';
      for (let from = 0; from < ids.length; from += 400) {
        const range = { from: ids[from], to: ids[Math.min(from + 399, ids.length - 1)] };
        const chunk = await explained(() => refreshSummaryRange(sql, target, 'build', range));
        n += chunk.n;
        plan ||= chunk.plan;
      }
      return { n, plan };
    };
    // the orders' own read (the reversals' lookups are other aliases of orders, walking backward)
    const ordersByIndexOnly = /Index Only Scan using orders_customer_idx on orders o(_\d+)? /;

    const build = await built();
    expect(build.n).toBe(4_000);
    expect(build.plan).toMatch(ordersByIndexOnly);
    expect(build.plan).toMatch(/Index Only Scan using interactions_customer_idx on interactions/);

    // a day's writes for one customer in a hundred — new orders, and refund records naming an earlier order — then
    // their refresh (with a tenth, PostgreSQL 18 hash-joins the targets with all of a small workspace's
    // interactions, which at a real workspace's size it would not)
    const changed = ids.filter((_, i) => i % 100 === 3);
    await sql.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status,
                          reversal, reverses_external_id)
       SELECT $1, 'crm', 'r' || c.id, c.id, TIMESTAMPTZ '2025-06-01', 500, 'CNY', 'refunded', true, 'o' || c.id || '-3'
       FROM unnest($2::bigint[]) c(id)`,
      [workspaceId, changed],
    );
    await sql.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'crm', 'day-' || c.id, c.id, TIMESTAMPTZ '2025-12-30', 4200, 'CNY', 'paid'
       FROM unnest($2::bigint[]) c(id)`,
      [workspaceId, changed],
    );
    await sql.query(`VACUUM orders`);
    const refresh = await explained(() =>
      refreshSummaryRange(sql, target, 'refresh', { from: null, to: null }, { customers: ids.length }),
    );
    expect(refresh.n).toBe(changed.length);
    expect(refresh.plan).toMatch(ordersByIndexOnly);
    expect(refresh.plan).toMatch(/Index Only Scan using interactions_customer_idx on interactions/);
    expect(refresh.plan).not.toMatch(/Seq Scan on (orders|interactions)/);

    // with refund records about, named and not, a build still streams the orders in customer order from the index:
    // a named order is looked up by the source's key, an unnamed one by a walk back through the customer's entries
    // of orders_customer_idx. (Before: one lookup walked back to the heap for both, 115 buffers a reversal, and
    // the orders were sorted by id to meet the amounts given back and sorted back: 2.6–3.1 s a chunk of 50k
    // customers at 1M with 2 % of orders refunded, against 1.2 s; docs/benchmarks.md, "Eleventh".)
    await sql.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status,
                          reversal)
       SELECT $1, 'crm', 'u' || c.id, c.id, TIMESTAMPTZ '2025-07-01', 300, 'CNY', 'refunded', true
       FROM unnest($2::bigint[]) c(id)`,
      [workspaceId, ids.filter((_, i) => i % 10 === 6)],
    );
    await sql.query(`VACUUM ANALYZE orders`);
    const rebuild = await built();
    expect(rebuild.n).toBe(4_000);
    expect(rebuild.plan).toMatch(ordersByIndexOnly);
    expect(rebuild.plan).toMatch(/Index Scan using orders_workspace_id_source_external_id_key on orders/);
    expect(rebuild.plan).toMatch(/Index Only Scan Backward using orders_customer_idx on orders/);
    expect(rebuild.plan).not.toMatch(/Sort Key: o(_\d+)?\.id/);
  });
});
