import { MigrationInterface, QueryRunner } from 'typeorm';
import { definerSettings } from './1769200000000-check-customer-references-per-statement';
import { tenantIsolationSql } from './1766900000000-row-level-security';

/**
 * A running tally of every workspace's orders by what a scoring run does with them, so that a night's "orders left
 * out" report (docs/scoring-run.md, "Orders left out") costs what the day's writes cost instead of one aggregate
 * over all of the workspace's orders (≈ 1.3× the issue's GROUP BY baseline at 10M orders, every night).
 *
 * `order_tally` holds signed counts of orders per (workspace, local placement day, deleted, currency, status,
 * original currency): the columns the report's reasons are made of. The placement day is local to the time zone
 * written beside it (the workspace's when the row was written), so a run tells its future-dated orders by day: its
 * cutoff is the end of its as-of day in that zone (customer-summaries.ts refuses anything else). A run whose time
 * zone differs from a row's recounts the workspace from its orders (score-run.repository.ts).
 *
 * Statement-level triggers over the transition tables append one row per group a statement touched (−n for the
 * old rows, +n for the new; an update that moves no order between groups appends nothing). No key: concurrent
 * writers never wait on each other, as with customer_summary_changes. The fit step folds a workspace's rows into one
 * per group as it reads them. TRUNCATE empties the tally with the orders. The trigger functions run as definer,
 * like the reference checks of migration 1769200000000: the workspace's time zone and the tally must be reachable
 * whatever scope the writer's connection has.
 */
/** Orders as signed tally entries (`n`: +1 counted in, -1 counted out) from a table or transition table. */
const signed = (rows: string, n: 1 | -1) =>
  `SELECT workspace_id, placed_at, deleted_at IS NOT NULL AS deleted, currency, status, original_currency, ${n} AS n
   FROM ${rows}`;

/**
 * Appends signed entries to the tally, one row per group they touch (groups whose entries cancel out append
 * nothing: an update that moves no order between groups), each day local to the workspace's zone.
 */
const tally = (entries: string) => `
  INSERT INTO order_tally
  SELECT r.workspace_id, w.timezone, (r.placed_at AT TIME ZONE w.timezone)::date, r.deleted, r.currency, r.status,
         r.original_currency, sum(r.n)
  FROM (${entries}) r JOIN workspaces w ON w.id = r.workspace_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  HAVING sum(r.n) <> 0`;

export class KeepOrderTally1769300000000 implements MigrationInterface {
  name = 'KeepOrderTally1769300000000';

  async up(q: QueryRunner): Promise<void> {
    const settings = await definerSettings(q);
    await q.query(`
      CREATE TABLE order_tally (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        timezone text NOT NULL,
        local_day date NOT NULL,
        deleted boolean NOT NULL,
        currency char(3) NOT NULL,
        status text NOT NULL,
        original_currency char(3),
        orders bigint NOT NULL
      );
      CREATE INDEX order_tally_workspace_idx ON order_tally (workspace_id);
      -- the report moves the orders of deleted and merged customers to their own reasons: a few per cent of the
      -- customers, found without reading the others
      CREATE INDEX customers_gone_idx ON customers (workspace_id) WHERE deleted_at IS NOT NULL OR merged_into_id IS NOT NULL;
      ${tenantIsolationSql('order_tally')}

      CREATE FUNCTION tally_orders() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${tally(signed('new_rows', 1))};
        ELSIF TG_OP = 'DELETE' THEN
          ${tally(signed('old_rows', -1))};
        ELSE
          ${tally(`${signed('old_rows', -1)} UNION ALL ${signed('new_rows', 1)}`)};
        END IF;
        RETURN NULL;
      END $$;

      CREATE FUNCTION clear_order_tally() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      BEGIN
        DELETE FROM order_tally;
        RETURN NULL;
      END $$;

      CREATE TRIGGER orders_tally_inserts AFTER INSERT ON orders
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();
      CREATE TRIGGER orders_tally_deletes AFTER DELETE ON orders
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();
      CREATE TRIGGER orders_tally_updates AFTER UPDATE ON orders
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();
      CREATE TRIGGER orders_tally_truncate AFTER TRUNCATE ON orders
        FOR EACH STATEMENT EXECUTE FUNCTION clear_order_tally();

      -- The orders already there, counted after the triggers exist: creating them locked out writers until commit.
      ${tally(signed('orders', 1))};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS orders_tally_truncate ON orders;
      DROP TRIGGER IF EXISTS orders_tally_updates ON orders;
      DROP TRIGGER IF EXISTS orders_tally_deletes ON orders;
      DROP TRIGGER IF EXISTS orders_tally_inserts ON orders;
      DROP FUNCTION IF EXISTS clear_order_tally();
      DROP FUNCTION IF EXISTS tally_orders();
      DROP TABLE IF EXISTS order_tally;
      DROP INDEX IF EXISTS customers_gone_idx;
    `);
  }
}
