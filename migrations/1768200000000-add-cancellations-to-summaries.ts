import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a customer undid, per customer summary (issue 13 item 5: the cancellation rate as a risk signal; docs/scoring.md
 * "Cancellation rate"). Over the customer's orders in the workspace currency placed before the cutoff, reversal
 * records not counted as orders of their own:
 * - `orders_placed`, `gross_minor`: how many, and their amounts before anything was given back;
 * - `orders_undone`: of them, refunded or cancelled by status, or given back in full by reversals;
 * - `undone_minor`: the money given back — undone orders' amounts, reversals on paid orders, reversals that match no
 *   order — never more than `gross_minor`.
 * The whole history, not a recent window: a summary then stays right until a write (no recheck as orders age out),
 * and the rule shrinks a short history towards a prior instead. Existing summaries lack the columns: every
 * workspace's state is marked incomplete, so the next run rebuilds them.
 */
export class AddCancellationsToSummaries1768200000000 implements MigrationInterface {
  name = 'AddCancellationsToSummaries1768200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_summaries
        ADD COLUMN orders_placed integer NOT NULL DEFAULT 0,
        ADD COLUMN orders_undone integer NOT NULL DEFAULT 0,
        ADD COLUMN gross_minor bigint NOT NULL DEFAULT 0,
        ADD COLUMN undone_minor bigint NOT NULL DEFAULT 0;
      UPDATE customer_summary_state SET complete = false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_summaries DROP COLUMN IF EXISTS orders_placed, DROP COLUMN IF EXISTS orders_undone,
        DROP COLUMN IF EXISTS gross_minor, DROP COLUMN IF EXISTS undone_minor;
      UPDATE customer_summary_state SET complete = false;
    `);
  }
}
