import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds and cancellations that reverse another order (issue 13 item 5). Until now an order's status was the
 * only word on a refund: `refunded`/`cancelled` meant "this order was refunded", and the run left it out. A data
 * source that books a refund as a record of its own (a credit note, the UK wholesaler's `C…` invoices) left the
 * original paid order untouched, so its spend never went down. A reversal is such a record:
 * - `reversal`: this row (status refunded or cancelled) gives back `amount_minor` of an earlier paid order;
 * - `reverses_external_id`: that order's external id in the same source, when the source names it.
 * Scoring nets reversals against the orders they reverse (docs/scoring-run.md, "Refunds and cancellations").
 * The partial index finds a workspace's reversals without scanning its orders.
 */
export class AddOrderReversals1767600000000 implements MigrationInterface {
  name = 'AddOrderReversals1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders
        ADD COLUMN reversal boolean NOT NULL DEFAULT false,
        ADD COLUMN reverses_external_id text,
        ADD CONSTRAINT orders_reversal_status_check CHECK (NOT reversal OR status IN ('refunded', 'cancelled')),
        ADD CONSTRAINT orders_reverses_check CHECK (reverses_external_id IS NULL OR reversal);
      CREATE INDEX orders_reversal_idx ON orders (workspace_id, customer_id, placed_at) WHERE reversal;

      -- a reversal flag or link edit changes the summary of its customer
      CREATE OR REPLACE FUNCTION log_customer_changes_orders_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO customer_summary_changes (workspace_id, customer_id)
        SELECT DISTINCT c.workspace_id, c.customer_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.workspace_id, o.customer_id), (n.workspace_id, n.customer_id))
          AS c (workspace_id, customer_id)
        WHERE (o.workspace_id, o.customer_id, o.placed_at, o.amount_minor, o.currency, o.status, o.deleted_at,
               o.reversal, o.reverses_external_id)
          IS DISTINCT FROM (n.workspace_id, n.customer_id, n.placed_at, n.amount_minor, n.currency, n.status,
                            n.deleted_at, n.reversal, n.reverses_external_id);
        RETURN NULL;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION log_customer_changes_orders_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
      DROP INDEX IF EXISTS orders_reversal_idx;
      ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_reverses_check,
        DROP CONSTRAINT IF EXISTS orders_reversal_status_check,
        DROP COLUMN IF EXISTS reverses_external_id, DROP COLUMN IF EXISTS reversal;
    `);
  }
}
