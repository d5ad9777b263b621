import { MigrationInterface, QueryRunner } from 'typeorm';

/** Experiments: a random, deterministic holdout of customers kept off the call lists, to measure lift. */
export class CreateExperiments1764700000000 implements MigrationInterface {
  name = 'CreateExperiments1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        holdout_share numeric(4, 3) NOT NULL CHECK (holdout_share > 0 AND holdout_share <= 0.5),
        starts_on date NOT NULL,
        ends_on date,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );
      CREATE INDEX experiments_workspace_idx ON experiments (workspace_id, starts_on);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS experiments`);
  }
}
