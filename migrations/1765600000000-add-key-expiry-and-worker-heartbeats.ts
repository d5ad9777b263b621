import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key management and liveness: API keys get an expiry and remember the key they replaced (rotation); worker
 * processes write a heartbeat row that /health reads (BullMQ's worker count reads the Redis server's client list,
 * which also counts workers of other databases with the same prefix).
 */
export class AddKeyExpiryAndWorkerHeartbeats1765600000000 implements MigrationInterface {
  name = 'AddKeyExpiryAndWorkerHeartbeats1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN rotated_from_id uuid REFERENCES api_keys(id) ON DELETE SET NULL;
      CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at);

      -- Not a tenant table: one row per live worker process of the deployment.
      CREATE TABLE worker_heartbeats (
        id text PRIMARY KEY,
        queue_target text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        queues text[] NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX worker_heartbeats_target_idx ON worker_heartbeats (queue_target, last_seen_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS worker_heartbeats;
      DROP INDEX IF EXISTS api_keys_workspace_idx;
      ALTER TABLE api_keys DROP COLUMN IF EXISTS rotated_from_id, DROP COLUMN IF EXISTS expires_at;
    `);
  }
}
