import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploaded imports (HTTP → job) with their files kept in PostgreSQL, so any worker can run any import; indexes for
 * reading the audit log page by page and for the dedupe's "never redo an undone merge" check.
 */
export class CreateImportsAndCustomerViewIndexes1764400000000 implements MigrationInterface {
  name = 'CreateImportsAndCustomerViewIndexes1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('customers', 'orders', 'interactions', 'reps')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        file_name text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        options jsonb NOT NULL DEFAULT '{}',
        progress jsonb NOT NULL DEFAULT '{}',
        report jsonb,
        error jsonb,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX imports_recent_idx ON imports (workspace_id, created_at DESC);

      -- The uploaded CSV (deleted once imported) and the rejects report, in 1 MB pieces.
      CREATE TABLE import_files (
        import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        part text NOT NULL CHECK (part IN ('upload', 'rejects')),
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (import_id, part, seq)
      );

      CREATE INDEX audit_log_recent_idx ON audit_log (workspace_id, id DESC);
      CREATE INDEX audit_log_subject_idx ON audit_log (workspace_id, subject, id DESC);
      -- contact persons (table of the CRM sync migration) follow their business when it is merged
      ALTER TABLE customer_merges ADD COLUMN moved_contact_ids bigint[] NOT NULL DEFAULT '{}';
      CREATE INDEX customer_merges_undone_idx ON customer_merges (workspace_id, loser_id, winner_id)
        WHERE undone_at IS NOT NULL;
      CREATE INDEX contact_suppressions_customer_only_idx ON contact_suppressions (customer_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS contact_suppressions_customer_only_idx;
      DROP INDEX IF EXISTS customer_merges_undone_idx;
      ALTER TABLE customer_merges DROP COLUMN IF EXISTS moved_contact_ids;
      DROP INDEX IF EXISTS audit_log_subject_idx;
      DROP INDEX IF EXISTS audit_log_recent_idx;
      DROP TABLE IF EXISTS import_files, imports;
    `);
  }
}
