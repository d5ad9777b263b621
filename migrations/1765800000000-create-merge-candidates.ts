import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Possible duplicates a person decides on: two customers sharing an email or phone whose names do not corroborate
 * it (a family email, a company switchboard). Pending until accepted (merged) or rejected (never proposed again,
 * never merged automatically); superseded when the two became one customer another way.
 */
export class CreateMergeCandidates1765800000000 implements MigrationInterface {
  name = 'CreateMergeCandidates1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merge_candidates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_a_id bigint NOT NULL REFERENCES customers(id),
        customer_b_id bigint NOT NULL REFERENCES customers(id),
        same_email boolean NOT NULL,
        same_phone boolean NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        decided_by text,
        merge_id uuid REFERENCES customer_merges(id),
        CHECK (customer_a_id < customer_b_id),
        UNIQUE (workspace_id, customer_a_id, customer_b_id)
      );
      CREATE INDEX merge_candidates_status_idx ON merge_candidates (workspace_id, status, created_at DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS merge_candidates`);
  }
}
