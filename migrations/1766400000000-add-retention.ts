import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (docs/operations.md#retention): indexes that let the daily job find old rows of a workspace without
 * scanning, and the one way out of the append-only audit log. The audit trigger still refuses every UPDATE and
 * every DELETE, except a DELETE inside a transaction that set `callplan.audit_retention = 'on'` (the retention job,
 * after it archived the rows) of an entry older than 90 days — so no setting, bug or stray statement of the
 * application can remove recent history.
 *
 * Why not monthly partitions of audit_log: retention is per workspace, and a partition holds every workspace's
 * month, so dropping one would apply the shortest setting to all; partitioning by workspace and month multiplies
 * tables by tenants. Rewriting the table into partitions would also lock it for the length of the copy on a
 * running installation. Batched deletes of archived rows keep locks short; autovacuum reclaims the space.
 */
export class AddRetention1766400000000 implements MigrationInterface {
  name = 'AddRetention1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('callplan.audit_retention', true) = 'on'
           AND OLD.created_at < now() - interval '90 days' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$;

      CREATE INDEX crm_inbox_processed_idx ON crm_inbox (workspace_id, processed_at) WHERE status = 'processed';
      CREATE INDEX orders_tombstone_idx ON orders (workspace_id, updated_at) WHERE deleted_at IS NOT NULL;
      CREATE INDEX crm_parked_age_idx ON crm_parked (workspace_id, updated_at);
      CREATE INDEX outbox_events_dispatched_idx ON outbox_events (workspace_id, dispatched_at)
        WHERE dispatched_at IS NOT NULL;
      CREATE INDEX webhook_deliveries_over_idx ON webhook_deliveries (workspace_id, created_at)
        WHERE next_attempt_at IS NULL;
      CREATE INDEX imports_finished_idx ON imports (workspace_id, finished_at) WHERE finished_at IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS imports_finished_idx, webhook_deliveries_over_idx, outbox_events_dispatched_idx,
        crm_parked_age_idx, orders_tombstone_idx, crm_inbox_processed_idx;
      CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    `);
  }
}
