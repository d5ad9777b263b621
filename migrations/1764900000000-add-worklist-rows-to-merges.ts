import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merge also moves the loser's call outcomes, follow-ups (callbacks, retries) and call-list pins to the winner;
 * what moved is recorded like the orders, so undo stays exact (src/crm/merge/customer-merge.service.ts).
 */
export class AddWorklistRowsToMerges1764900000000 implements MigrationInterface {
  name = 'AddWorklistRowsToMerges1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_merges
        ADD COLUMN moved_outcome_ids uuid[] NOT NULL DEFAULT '{}',
        ADD COLUMN moved_follow_up_ids uuid[] NOT NULL DEFAULT '{}',
        ADD COLUMN moved_pin_ids uuid[] NOT NULL DEFAULT '{}';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_merges
        DROP COLUMN IF EXISTS moved_outcome_ids,
        DROP COLUMN IF EXISTS moved_follow_up_ids,
        DROP COLUMN IF EXISTS moved_pin_ids;
    `);
  }
}
