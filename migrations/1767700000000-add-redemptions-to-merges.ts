import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Merges and the per-customer rows added after them (src/customers/merge/customer-merge.repository.ts):
 * - a merge also moves the loser's offer redemptions to the winner (the one-per-customer offer cap reads them by
 *   customer); what moved is recorded like the orders, so undo moves exactly those back;
 * - a merge now writes the winner's `customers.personality` from the newest person's statement over both
 *   histories. Winners of earlier merges are settled here once, the way the merge does it: a Callplan write (no
 *   sync writer), so the provenance trigger stamps it 'callplan' and the sync guard keeps it from CRM imports.
 * `up` can run again without harm (the column is added if missing; settled winners match no more).
 */
export class AddRedemptionsToMerges1767700000000 implements MigrationInterface {
  name = 'AddRedemptionsToMerges1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_merges ADD COLUMN IF NOT EXISTS moved_redemption_ids bigint[] NOT NULL DEFAULT '{}';

      -- members: each record merged into another, and that root itself (merges keep chains one level deep)
      WITH members AS (
        SELECT merged_into_id AS root, id FROM customers WHERE merged_into_id IS NOT NULL
        UNION ALL
        SELECT DISTINCT merged_into_id, merged_into_id FROM customers WHERE merged_into_id IS NOT NULL
      ),
      person AS (
        SELECT DISTINCT ON (m.root) m.root, o.value
        FROM members m JOIN personality_observations o ON o.customer_id = m.id
        WHERE o.dimension = 'type' AND o.source IN ('rep_tag', 'questionnaire')
          AND o.value IN ('rational', 'emotional', 'leader', 'stable')
        ORDER BY m.root, o.observed_at DESC, o.id DESC
      )
      UPDATE customers c SET personality = p.value, updated_at = now()
      FROM person p
      WHERE c.id = p.root AND c.merged_into_id IS NULL AND c.erased_at IS NULL
        AND (c.personality IS DISTINCT FROM p.value OR c.personality_set_by IS DISTINCT FROM 'callplan');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_merges DROP COLUMN IF EXISTS moved_redemption_ids`);
  }
}
