import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-customer summaries kept current as orders and interactions change, so that a nightly scoring run reads one
 * row per customer instead of re-aggregating 10M orders and 7M interactions (docs/scoring-run.md, "Customer
 * summaries"; src/scoring/customer-summaries.ts).
 *
 * - `customer_summaries`: as of the workspace's summary cutoff (the end of a local day): transactions (distinct
 *   local purchase days of paid, live orders in the workspace currency), first and last day, spend, the first
 *   day's spend; last touch, complaints in the 90 days before the cutoff, latest survey score. `recheck_at` is
 *   when the row goes stale without any write: the customer's earliest order or interaction at or after the
 *   cutoff (future-dated), or the day the oldest complaint leaves the 90-day window — a refresh to a later cutoff
 *   recomputes the customers it passes.
 * - `customer_summary_state`: per workspace, the cutoff and the time zone and currency the summaries were built
 *   with (a change of either rebuilds them), and whether the last build finished.
 * - `customer_summary_changes`: an append-only log of customers whose orders or interactions changed, written by
 *   statement-level triggers (every write path — CSV import, webhook and pull sync, merges, erasure, call
 *   outcomes — goes through them). No key: concurrent writers never conflict, and a refresh deletes only the
 *   entries its snapshot sees, so an entry committed during a refresh stays for the next one.
 *
 * No foreign keys on the summaries or the log: at a million rows the per-row checks cost more than the load, the
 * run only joins live customers, and a workspace's rows go with its state row (cleanup trigger below).
 */
export class CreateCustomerSummaries1764800000000 implements MigrationInterface {
  name = 'CreateCustomerSummaries1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_summaries (
        customer_id bigint PRIMARY KEY,
        workspace_id uuid NOT NULL,
        transactions integer NOT NULL,
        first_day date,
        last_day date,
        monetary bigint NOT NULL,
        first_amount bigint NOT NULL,
        last_touch date,
        complaints_90d integer NOT NULL,
        last_survey integer,
        recheck_at timestamptz
      );
      CREATE INDEX customer_summaries_recheck_idx ON customer_summaries (workspace_id, recheck_at)
        WHERE recheck_at IS NOT NULL;

      CREATE TABLE customer_summary_state (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        cutoff timestamptz NOT NULL,
        timezone text NOT NULL,
        currency char(3) NOT NULL,
        -- false while a build is spread over a run's chunks: a run that fails half-way leaves it false, and the
        -- next run builds again instead of trusting half-empty summaries
        complete boolean NOT NULL,
        refreshed_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE customer_summary_changes (
        workspace_id uuid NOT NULL,
        customer_id bigint NOT NULL
      );
      -- a refresh takes the entries of one id range at a time (one per scoring chunk)
      CREATE INDEX customer_summary_changes_customer_idx ON customer_summary_changes (workspace_id, customer_id);

      CREATE FUNCTION log_customer_changes_new() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT workspace_id, customer_id FROM new_rows;
        RETURN NULL;
      END $$;

      CREATE FUNCTION log_customer_changes_old() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT workspace_id, customer_id FROM old_rows;
        RETURN NULL;
      END $$;

      -- only changes to what a summary is made of count (a channel, outcome or note edit does not)
      CREATE FUNCTION log_customer_changes_orders_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT c.workspace_id, c.customer_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.workspace_id, o.customer_id), (n.workspace_id, n.customer_id))
          AS c (workspace_id, customer_id)
        WHERE (o.workspace_id, o.customer_id, o.placed_at, o.amount_minor, o.currency, o.status, o.deleted_at)
          IS DISTINCT FROM (n.workspace_id, n.customer_id, n.placed_at, n.amount_minor, n.currency, n.status,
                            n.deleted_at);
        RETURN NULL;
      END $$;

      CREATE FUNCTION log_customer_changes_interactions_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT c.workspace_id, c.customer_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.workspace_id, o.customer_id), (n.workspace_id, n.customer_id))
          AS c (workspace_id, customer_id)
        WHERE (o.workspace_id, o.customer_id, o.occurred_at, o.kind, o.score)
          IS DISTINCT FROM (n.workspace_id, n.customer_id, n.occurred_at, n.kind, n.score);
        RETURN NULL;
      END $$;

      -- transition tables allow one event per trigger, hence three per table
      CREATE TRIGGER orders_log_customer_inserts AFTER INSERT ON orders
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_new();
      CREATE TRIGGER orders_log_customer_deletes AFTER DELETE ON orders
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_old();
      CREATE TRIGGER orders_log_customer_updates AFTER UPDATE ON orders
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_orders_update();
      CREATE TRIGGER interactions_log_customer_inserts AFTER INSERT ON interactions
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_new();
      CREATE TRIGGER interactions_log_customer_deletes AFTER DELETE ON interactions
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_old();
      CREATE TRIGGER interactions_log_customer_updates AFTER UPDATE ON interactions
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_interactions_update();

      -- TRUNCATE has no transition table: every workspace's summaries are rebuilt by its next run
      CREATE FUNCTION invalidate_customer_summaries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE customer_summary_state SET complete = false;
        RETURN NULL;
      END $$;
      CREATE TRIGGER orders_invalidate_customer_summaries AFTER TRUNCATE ON orders
        FOR EACH STATEMENT EXECUTE FUNCTION invalidate_customer_summaries();
      CREATE TRIGGER interactions_invalidate_customer_summaries AFTER TRUNCATE ON interactions
        FOR EACH STATEMENT EXECUTE FUNCTION invalidate_customer_summaries();

      -- a workspace's summaries and log go when its state row goes; deleting a workspace cascades to the state
      -- after its orders and interactions here, so the entries their deletion logged go too (the test checks it)
      CREATE FUNCTION drop_customer_summaries_of_workspace() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM customer_summaries s USING old_state o WHERE s.workspace_id = o.workspace_id;
        DELETE FROM customer_summary_changes c USING old_state o WHERE c.workspace_id = o.workspace_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customer_summary_state_cleanup AFTER DELETE ON customer_summary_state
        REFERENCING OLD TABLE AS old_state FOR EACH STATEMENT
        EXECUTE FUNCTION drop_customer_summaries_of_workspace();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS orders_log_customer_inserts ON orders;
      DROP TRIGGER IF EXISTS orders_log_customer_deletes ON orders;
      DROP TRIGGER IF EXISTS orders_log_customer_updates ON orders;
      DROP TRIGGER IF EXISTS interactions_log_customer_inserts ON interactions;
      DROP TRIGGER IF EXISTS interactions_log_customer_deletes ON interactions;
      DROP TRIGGER IF EXISTS interactions_log_customer_updates ON interactions;
      DROP TRIGGER IF EXISTS orders_invalidate_customer_summaries ON orders;
      DROP TRIGGER IF EXISTS interactions_invalidate_customer_summaries ON interactions;
      DROP TABLE IF EXISTS customer_summary_state;
      DROP TABLE IF EXISTS customer_summary_changes;
      DROP TABLE IF EXISTS customer_summaries;
      DROP FUNCTION IF EXISTS log_customer_changes_new();
      DROP FUNCTION IF EXISTS log_customer_changes_old();
      DROP FUNCTION IF EXISTS log_customer_changes_orders_update();
      DROP FUNCTION IF EXISTS log_customer_changes_interactions_update();
      DROP FUNCTION IF EXISTS drop_customer_summaries_of_workspace();
      DROP FUNCTION IF EXISTS invalidate_customer_summaries();
    `);
  }
}
