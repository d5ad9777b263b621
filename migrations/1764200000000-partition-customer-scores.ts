import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoring at a million customers (docs/scoring-run.md):
 * - customer_scores becomes partitioned by run: each run loads its rows into a table of its own, indexes it once
 *   and attaches it (and an old run is one DROP, not a million-row DELETE). Existing rows stay in the DEFAULT
 *   partition. The per-row foreign keys go: at a million rows they cost more than the whole load (customers are
 *   never hard-deleted; runs are never deleted; every reader joins customers anyway).
 * - score_history loses its per-row foreign key for the same reason.
 * - score_inputs goes: inputs live in per-run, per-chunk UNLOGGED tables built with CREATE TABLE AS.
 * - score_run_chunks records the two phases of a chunk (inputs, scores), attempts (a chunk re-run after its worker
 *   died shows attempts > 1), the last start (progress for the stale-run guard) and the statistics it computed.
 */
export class PartitionCustomerScores1764200000000 implements MigrationInterface {
  name = 'PartitionCustomerScores1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE score_run_chunks
        ADD COLUMN inputs_at timestamptz,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN started_at timestamptz,
        ADD COLUMN stats jsonb;

      DROP TABLE score_inputs;

      ALTER TABLE customer_scores
        DROP CONSTRAINT customer_scores_customer_id_fkey,
        DROP CONSTRAINT customer_scores_run_id_fkey;
      ALTER TABLE customer_scores RENAME TO customer_scores_default;
      ALTER INDEX customer_scores_pkey RENAME TO customer_scores_default_pkey;
      ALTER INDEX customer_scores_priority_idx RENAME TO customer_scores_default_priority_idx;
      CREATE TABLE customer_scores (LIKE customer_scores_default INCLUDING DEFAULTS) PARTITION BY LIST (run_id);
      ALTER TABLE customer_scores ADD CONSTRAINT customer_scores_pkey PRIMARY KEY (run_id, customer_id);
      CREATE INDEX customer_scores_priority_idx ON customer_scores (run_id, priority DESC);
      ALTER TABLE customer_scores ATTACH PARTITION customer_scores_default DEFAULT;

      ALTER TABLE score_history DROP CONSTRAINT score_history_run_id_fkey;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE score_history ADD CONSTRAINT score_history_run_id_fkey
        FOREIGN KEY (run_id) REFERENCES score_runs(id) ON DELETE CASCADE NOT VALID;

      CREATE TABLE customer_scores_plain (LIKE customer_scores INCLUDING DEFAULTS);
      INSERT INTO customer_scores_plain SELECT * FROM customer_scores;
      DROP TABLE customer_scores CASCADE;
      DO $$
      DECLARE t text;
      BEGIN
        FOR t IN SELECT relname FROM pg_class WHERE relname ~ '^(customer_scores_r[0-9a-f]{32}|score_inputs_r[0-9a-f]{32}_[0-9]+)$'
        LOOP
          EXECUTE format('DROP TABLE IF EXISTS %I', t);
        END LOOP;
      END $$;
      ALTER TABLE customer_scores_plain RENAME TO customer_scores;
      ALTER TABLE customer_scores ADD CONSTRAINT customer_scores_pkey PRIMARY KEY (run_id, customer_id);
      CREATE INDEX customer_scores_priority_idx ON customer_scores (run_id, priority DESC);
      ALTER TABLE customer_scores
        ADD CONSTRAINT customer_scores_run_id_fkey FOREIGN KEY (run_id) REFERENCES score_runs(id) ON DELETE CASCADE,
        ADD CONSTRAINT customer_scores_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id)
          ON DELETE CASCADE;

      CREATE UNLOGGED TABLE score_inputs (
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL,
        workspace_id uuid NOT NULL,
        transactions integer NOT NULL,
        first_day date,
        last_day date,
        monetary bigint NOT NULL,
        repeat_mean_minor double precision,
        last_order_minor bigint,
        PRIMARY KEY (run_id, customer_id)
      );

      ALTER TABLE score_run_chunks
        DROP COLUMN stats, DROP COLUMN started_at, DROP COLUMN attempts, DROP COLUMN inputs_at;
    `);
  }
}
