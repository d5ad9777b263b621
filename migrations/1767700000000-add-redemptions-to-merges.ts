import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merge also moves the loser's offer redemptions to the winner: the one-per-customer offer cap reads them by
 * customer, so the merged person's redemptions must count for the winner. What moved is recorded like the orders,
 * so undo moves exactly those back (src/customers/merge/customer-merge.repository.ts).
 */
export class AddRedemptionsToMerges1767700000000 implements MigrationInterface {
  name = 'AddRedemptionsToMerges1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE customer_merges ADD COLUMN moved_redemption_ids bigint[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_merges DROP COLUMN IF EXISTS moved_redemption_ids`);
  }
}
