import type { BenchContext } from './benchmark';
import { withClient, withDatabase } from './bench-support';
import { quoteIdent } from '../src/embedded/embedded-postgres';

/**
 * How a benchmark database holds its history. The generator writes its CSVs customer by customer, so an imported
 * bench database keeps each customer's orders and interactions side by side (`pg_stats.correlation` of
 * `customer_id` 1.0) and holds no refund records of their own — both flatter the summaries' build and refresh,
 * which read a customer's history by `customer_id`. A CRM's orders arrive over time, and its refunds and
 * cancellations often come as records of their own (`orders.reversal`). BENCH_LAYOUT=arrival and
 * BENCH_REVERSALS=<share of paid orders> give a copy of the bench database that looks like that
 * (docs/benchmarks.md, "Eleventh").
 */
export interface DatasetLayout {
  /** the history in arrival order (CLUSTER by placed_at / occurred_at) instead of customer by customer */
  arrival: boolean;
  /** share of paid orders given a reversal record (0: none) */
  reversals: number;
}

export function layoutFromEnv(): DatasetLayout {
  // the benchmark harness is the one place outside src/config that reads its own BENCH_* variables
  const reversals = Number(process.env.BENCH_REVERSALS ?? 0);
  if (!(reversals >= 0 && reversals < 1)) throw new Error(`BENCH_REVERSALS must be in [0, 1): ${reversals}`);
  const layout = process.env.BENCH_LAYOUT ?? 'customer';
  if (layout !== 'customer' && layout !== 'arrival')
    throw new Error(`BENCH_LAYOUT must be customer or arrival: ${layout}`);
  return { arrival: layout === 'arrival', reversals };
}

export function describeLayout(l: DatasetLayout): string {
  return `${l.arrival ? 'orders and interactions in arrival order' : 'history customer by customer (as generated)'}${
    l.reversals > 0 ? `, reversal records for ${(l.reversals * 100).toFixed(1)} % of paid orders` : ''
  }`;
}

/**
 * The database to run on: `base` itself for the generator's layout, else a copy of it made once (CREATE DATABASE
 * … TEMPLATE) and kept beside it, `<base>_a` / `_r<per mille>`, given the reversal records and rewritten in arrival
 * order. Returns its URL.
 */
export async function databaseWithLayout(
  ctx: BenchContext,
  base: { url: string; workspaceId: string },
  layout: DatasetLayout,
): Promise<string> {
  if (!layout.arrival && layout.reversals === 0) return base.url;
  const baseName = new URL(base.url).pathname.slice(1);
  const name = `${baseName}${layout.arrival ? '_a' : ''}${layout.reversals > 0 ? `_r${Math.round(layout.reversals * 1000)}` : ''}`;
  const admin = withDatabase(ctx.serverUrl, 'postgres');
  const exists = await withClient(admin, (c) =>
    c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]).then((r) => r.rowCount === 1),
  );
  const url = withDatabase(ctx.serverUrl, name);
  if (exists) {
    const ready = await withClient(url, (c) =>
      c.query(`SELECT 1 FROM pg_tables WHERE tablename = 'bench_layout_done'`).then((r) => r.rowCount === 1),
    );
    if (ready) {
      ctx.log(`reusing database ${name} (${describeLayout(layout)})`);
      return url;
    }
    await withClient(admin, (c) => c.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`));
  }
  ctx.log(`copying ${baseName} to ${name} (${describeLayout(layout)}) …`);
  const t0 = Date.now();
  await withClient(admin, (c) =>
    c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(baseName)}`),
  );
  await withClient(url, async (c) => {
    if (layout.reversals > 0) {
      const added = await addReversals(c, base.workspaceId, layout.reversals);
      ctx.log(`  ${added.toLocaleString('en')} reversal records added`);
    }
    if (layout.arrival) {
      await c.query(`SET maintenance_work_mem = '1GB'`);
      for (const [table, column] of [
        ['orders', 'placed_at'],
        ['interactions', 'occurred_at'],
      ]) {
        const index = `bench_${table}_arrival_idx`;
        await c.query(`CREATE INDEX ${index} ON ${table} (${column})`);
        await c.query(`CLUSTER ${table} USING ${index}`);
        await c.query(`DROP INDEX ${index}`);
      }
    }
    for (const t of ['orders', 'interactions']) await c.query(`VACUUM ANALYZE ${t}`);
    await c.query(`CREATE TABLE bench_layout_done ()`);
  });
  ctx.log(`  ${name} ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return url;
}

/**
 * Reversal records for a share of the paid orders, each some hours after its order: two in three name the order
 * they reverse (`reverses_external_id`), one in three does not (matched by amount and time); one in three — named
 * ones, by how the hash falls — gives the whole amount back, the others 5–94 % of it; one in five is a
 * cancellation. Deterministic (a hash of the order id picks the orders, another the kind).
 */
async function addReversals(
  c: { query(sql: string, params: unknown[]): Promise<{ rowCount: number | null }> },
  workspaceId: string,
  share: number,
): Promise<number> {
  const every = Math.max(1, Math.round(1 / share));
  const r = await c.query(
    `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status,
                         reversal, reverses_external_id)
     SELECT workspace_id, source, 'rev-' || external_id, customer_id, placed_at + (1 + h % 72) * interval '1 hour',
            CASE WHEN h % 3 = 0 THEN amount_minor ELSE GREATEST(1, amount_minor * (5 + h % 90) / 100) END,
            currency, CASE WHEN h % 5 = 0 THEN 'cancelled' ELSE 'refunded' END, true,
            CASE WHEN h % 3 <> 1 THEN external_id END
     FROM (SELECT *, abs(hashint8(id * 7919)::int8) AS h FROM orders
           WHERE workspace_id = $1 AND status = 'paid' AND NOT reversal AND deleted_at IS NULL) o
     WHERE abs(hashint8(id)::int8) % $2 = 0`,
    [workspaceId, every],
  );
  return r.rowCount ?? 0;
}
