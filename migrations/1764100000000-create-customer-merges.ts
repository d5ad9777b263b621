import { MigrationInterface, QueryRunner } from 'typeorm';

/** Merges of duplicate customers, with what moved, so a wrong merge can be undone exactly. */
export class CreateCustomerMerges1764100000000 implements MigrationInterface {
  name = 'CreateCustomerMerges1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_merges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        winner_id bigint NOT NULL REFERENCES customers(id),
        loser_id bigint NOT NULL REFERENCES customers(id),
        reason text NOT NULL,
        actor text NOT NULL,
        moved_order_ids bigint[] NOT NULL DEFAULT '{}',
        moved_interaction_ids bigint[] NOT NULL DEFAULT '{}',
        moved_suppression_ids uuid[] NOT NULL DEFAULT '{}',
        repointed_customer_ids bigint[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        undone_at timestamptz,
        undone_by text,
        CHECK (winner_id <> loser_id)
      );
      CREATE INDEX customer_merges_recent_idx ON customer_merges (workspace_id, created_at DESC);
      CREATE UNIQUE INDEX customer_merges_live_loser ON customer_merges (loser_id) WHERE undone_at IS NULL;
      CREATE INDEX customers_merged_into_idx ON customers (merged_into_id) WHERE merged_into_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS customers_merged_into_idx; DROP TABLE IF EXISTS customer_merges;`);
  }
}
