import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two more facts per customer summary (issue 14, items 6 and 7; docs/scoring.md "Lifecycle"):
 *
 * - `refunded_orders`: the customer's refunded orders before the cutoff (any currency). A customer with no paid
 *   order but a refund did buy once (the purchase lies before the CRM's history): not a prospect.
 * - `last_two_way`: the local day of the customer's last two-way contact before the cutoff — a CRM call or visit
 *   that reached someone, an email or other interaction with the outcome `replied`, or a call outcome logged in
 *   Callplan where the rep talked to the customer. Only these delay "churned"; an email click does not.
 *
 * And per score row, `lifecycle_reasons`: the reason codes of its lifecycle (`refunds_only`, `no_two_way_contact`,
 * `two_way_contact_delays_churn`, …), so that the customer view can say why a customer is at risk and not churned.
 * Added to the partitioned `customer_scores`, it reaches every partition; older runs' rows have none (null).
 *
 * Logged call outcomes are now part of a summary, so `worklist_outcomes` logs its customers' changes like
 * `orders` and `interactions` do, and an interaction's `outcome` edit counts as a change. Existing summaries lack
 * both columns: every workspace's state is marked incomplete, so the next run rebuilds them.
 */
export class AddTwoWayContactAndRefundsToSummaries1767500000000 implements MigrationInterface {
  name = 'AddTwoWayContactAndRefundsToSummaries1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_summaries
        ADD COLUMN refunded_orders integer NOT NULL DEFAULT 0,
        ADD COLUMN last_two_way date;
      ALTER TABLE customer_scores ADD COLUMN lifecycle_reasons jsonb;

      CREATE OR REPLACE FUNCTION log_customer_changes_interactions_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT c.workspace_id, c.customer_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.workspace_id, o.customer_id), (n.workspace_id, n.customer_id))
          AS c (workspace_id, customer_id)
        WHERE (o.workspace_id, o.customer_id, o.occurred_at, o.kind, o.score, o.outcome)
          IS DISTINCT FROM (n.workspace_id, n.customer_id, n.occurred_at, n.kind, n.score, n.outcome);
        RETURN NULL;
      END $$;

      -- an update may move an outcome to another customer (a merge): both customers change
      CREATE FUNCTION log_customer_changes_both() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT workspace_id, customer_id FROM old_rows
        UNION SELECT workspace_id, customer_id FROM new_rows;
        RETURN NULL;
      END $$;

      CREATE TRIGGER worklist_outcomes_log_customer_inserts AFTER INSERT ON worklist_outcomes
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_new();
      CREATE TRIGGER worklist_outcomes_log_customer_deletes AFTER DELETE ON worklist_outcomes
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_old();
      CREATE TRIGGER worklist_outcomes_log_customer_updates AFTER UPDATE ON worklist_outcomes
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_customer_changes_both();
      CREATE TRIGGER worklist_outcomes_invalidate_customer_summaries AFTER TRUNCATE ON worklist_outcomes
        FOR EACH STATEMENT EXECUTE FUNCTION invalidate_customer_summaries();

      UPDATE customer_summary_state SET complete = false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS worklist_outcomes_log_customer_inserts ON worklist_outcomes;
      DROP TRIGGER IF EXISTS worklist_outcomes_log_customer_deletes ON worklist_outcomes;
      DROP TRIGGER IF EXISTS worklist_outcomes_log_customer_updates ON worklist_outcomes;
      DROP TRIGGER IF EXISTS worklist_outcomes_invalidate_customer_summaries ON worklist_outcomes;
      DROP FUNCTION IF EXISTS log_customer_changes_both();
      CREATE OR REPLACE FUNCTION log_customer_changes_interactions_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
      ALTER TABLE customer_summaries DROP COLUMN IF EXISTS refunded_orders, DROP COLUMN IF EXISTS last_two_way;
      ALTER TABLE customer_scores DROP COLUMN IF EXISTS lifecycle_reasons;
      UPDATE customer_summary_state SET complete = false;
    `);
  }
}
