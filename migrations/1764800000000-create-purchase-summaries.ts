import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-customer purchase summary kept current as orders change, so that a nightly scoring run reads one row per
 * customer instead of re-aggregating every order (docs/scoring-run.md, "Purchase summaries").
 *
 * - `purchase_summaries`: the transactions (distinct local purchase days of paid, live orders in the workspace
 *   currency) strictly before the workspace's summary cutoff; `pending_from` is the customer's earliest such order
 *   at or after the cutoff (future-dated), so the customer is recomputed once a later cutoff passes it.
 * - `purchase_summary_state`: per workspace, the cutoff and the time zone and currency the summaries were built
 *   with (a change of either rebuilds them).
 * - `purchase_summary_changes`: an append-only log of customers whose orders changed, written by statement-level
 *   triggers on `orders` (every write path — CSV import, webhook and pull sync, merges, erasure — goes through
 *   them). Append-only, no key: concurrent writers never conflict, and a refresh deletes only the entries its
 *   snapshot sees, so an entry committed during a refresh stays for the next one.
 *
 * No foreign keys on the summaries or the log: at a million rows the per-row checks cost more than the load, the
 * refresh only joins live customers, and a workspace's rows go with its state row (see the cascade trigger).
 */
export class CreatePurchaseSummaries1764800000000 implements MigrationInterface {
  name = 'CreatePurchaseSummaries1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE purchase_summaries (
        customer_id bigint PRIMARY KEY,
        workspace_id uuid NOT NULL,
        transactions integer NOT NULL,
        first_day date,
        last_day date,
        monetary bigint NOT NULL,
        first_amount bigint NOT NULL,
        pending_from timestamptz
      );
      CREATE INDEX purchase_summaries_pending_idx ON purchase_summaries (workspace_id, pending_from)
        WHERE pending_from IS NOT NULL;

      CREATE TABLE purchase_summary_state (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        cutoff timestamptz NOT NULL,
        timezone text NOT NULL,
        currency char(3) NOT NULL,
        refreshed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE purchase_summary_changes (
        workspace_id uuid NOT NULL,
        customer_id bigint NOT NULL
      );
      CREATE INDEX purchase_summary_changes_workspace_idx ON purchase_summary_changes (workspace_id);

      CREATE FUNCTION log_purchase_changes_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO purchase_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT workspace_id, customer_id FROM new_orders;
        RETURN NULL;
      END $$;

      CREATE FUNCTION log_purchase_changes_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO purchase_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT workspace_id, customer_id FROM old_orders;
        RETURN NULL;
      END $$;

      -- only changes to what a summary is made of count (a channel or source_updated_at edit does not)
      CREATE FUNCTION log_purchase_changes_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO purchase_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT c.workspace_id, c.customer_id
        FROM old_orders o JOIN new_orders n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.workspace_id, o.customer_id), (n.workspace_id, n.customer_id))
          AS c (workspace_id, customer_id)
        WHERE (o.workspace_id, o.customer_id, o.placed_at, o.amount_minor, o.currency, o.status, o.deleted_at)
          IS DISTINCT FROM (n.workspace_id, n.customer_id, n.placed_at, n.amount_minor, n.currency, n.status,
                            n.deleted_at);
        RETURN NULL;
      END $$;

      -- transition tables allow one event per trigger, hence three
      CREATE TRIGGER orders_log_purchase_inserts AFTER INSERT ON orders
        REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION log_purchase_changes_on_insert();
      CREATE TRIGGER orders_log_purchase_deletes AFTER DELETE ON orders
        REFERENCING OLD TABLE AS old_orders FOR EACH STATEMENT EXECUTE FUNCTION log_purchase_changes_on_delete();
      CREATE TRIGGER orders_log_purchase_updates AFTER UPDATE ON orders
        REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
        FOR EACH STATEMENT EXECUTE FUNCTION log_purchase_changes_on_update();

      -- a workspace's summaries and log go when its state row goes (workspace deletion cascades to the state)
      CREATE FUNCTION drop_purchase_summaries_of_workspace() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM purchase_summaries s USING old_state o WHERE s.workspace_id = o.workspace_id;
        DELETE FROM purchase_summary_changes c USING old_state o WHERE c.workspace_id = o.workspace_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER purchase_summary_state_cleanup AFTER DELETE ON purchase_summary_state
        REFERENCING OLD TABLE AS old_state FOR EACH STATEMENT
        EXECUTE FUNCTION drop_purchase_summaries_of_workspace();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS orders_log_purchase_inserts ON orders;
      DROP TRIGGER IF EXISTS orders_log_purchase_deletes ON orders;
      DROP TRIGGER IF EXISTS orders_log_purchase_updates ON orders;
      DROP TABLE IF EXISTS purchase_summary_state;
      DROP TABLE IF EXISTS purchase_summary_changes;
      DROP TABLE IF EXISTS purchase_summaries;
      DROP FUNCTION IF EXISTS log_purchase_changes_on_insert();
      DROP FUNCTION IF EXISTS log_purchase_changes_on_delete();
      DROP FUNCTION IF EXISTS log_purchase_changes_on_update();
      DROP FUNCTION IF EXISTS drop_purchase_summaries_of_workspace();
    `);
  }
}
