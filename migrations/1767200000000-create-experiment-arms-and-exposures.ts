import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantIsolationSql } from './1766900000000-row-level-security';

/**
 * Experiments become A/B/n tests over call-list strategies (src/experiments/experiment-design.ts): each has arms
 * (key, weight, strategy, the arm's slice of the assignment hash) and a control arm; every published item of a
 * running experiment's customer is logged as an exposure (which customer saw which arm on which list and day);
 * an item records its talk-track variant. The holdout experiments made so far become two arms, `holdout` (their
 * old slice [0, share) of the same hash, the control) and `lists`, so their customers keep their group.
 */
export class CreateExperimentArmsAndExposures1767200000000 implements MigrationInterface {
  name = 'CreateExperimentArmsAndExposures1767200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE experiments ADD COLUMN control_arm text, ADD COLUMN tier_run_id uuid;
      CREATE UNIQUE INDEX experiments_id_workspace_idx ON experiments (id, workspace_id);

      CREATE TABLE experiment_arms (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        experiment_id uuid NOT NULL,
        key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
        position smallint NOT NULL,
        weight float8 NOT NULL CHECK (weight > 0 AND weight < 1),
        bucket_from float8 NOT NULL,
        bucket_to float8 NOT NULL CHECK (bucket_to > bucket_from),
        strategy jsonb NOT NULL CHECK (strategy ? 'type'),
        PRIMARY KEY (experiment_id, key),
        UNIQUE (experiment_id, position),
        FOREIGN KEY (experiment_id, workspace_id) REFERENCES experiments(id, workspace_id) ON DELETE CASCADE
      );

      CREATE TABLE experiment_exposures (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        experiment_id uuid NOT NULL,
        arm_key text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        worklist_id uuid NOT NULL REFERENCES worklists(id) ON DELETE CASCADE,
        list_date date NOT NULL,
        -- on the list only because of a promise (callback asked for, manager's pin) while in a holdout arm
        promised boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (experiment_id, worklist_id, customer_id),
        FOREIGN KEY (experiment_id, arm_key) REFERENCES experiment_arms(experiment_id, key) ON DELETE CASCADE
      );
      CREATE INDEX experiment_exposures_arm_idx ON experiment_exposures (workspace_id, experiment_id, arm_key, list_date);

      ALTER TABLE worklist_items ADD COLUMN talk_track_variant text;

      INSERT INTO experiment_arms (workspace_id, experiment_id, key, position, weight, bucket_from, bucket_to, strategy)
      SELECT e.workspace_id, e.id, a.key, a.position, a.weight, a.bucket_from, a.bucket_to, a.strategy
      FROM experiments e
      CROSS JOIN LATERAL (VALUES
        ('holdout', 0, e.holdout_share::float8, 0::float8, e.holdout_share::float8, '{"type":"holdout"}'::jsonb),
        ('lists', 1, 1 - e.holdout_share::float8, e.holdout_share::float8, 1::float8, '{"type":"list"}'::jsonb)
      ) AS a(key, position, weight, bucket_from, bucket_to, strategy);
      UPDATE experiments SET control_arm = 'holdout';
      ALTER TABLE experiments ALTER COLUMN control_arm SET NOT NULL, DROP COLUMN holdout_share;
    `);
    for (const t of ['experiment_arms', 'experiment_exposures']) {
      await q.query(tenantIsolationSql(t));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE experiments ADD COLUMN holdout_share numeric(4, 3);
      UPDATE experiments e SET holdout_share = LEAST(0.5, GREATEST(0.001, round(a.weight::numeric, 3)))
      FROM experiment_arms a WHERE a.experiment_id = e.id AND a.strategy->>'type' = 'holdout';
      -- an experiment without a holdout arm has no place in the old table
      DELETE FROM experiments WHERE holdout_share IS NULL;
      ALTER TABLE experiments ALTER COLUMN holdout_share SET NOT NULL,
        ADD CONSTRAINT experiments_holdout_share_check CHECK (holdout_share > 0 AND holdout_share <= 0.5);
      ALTER TABLE worklist_items DROP COLUMN IF EXISTS talk_track_variant;
      DROP TABLE IF EXISTS experiment_exposures, experiment_arms;
      DROP INDEX IF EXISTS experiments_id_workspace_idx;
      ALTER TABLE experiments DROP COLUMN IF EXISTS control_arm, DROP COLUMN IF EXISTS tier_run_id;
    `);
  }
}
