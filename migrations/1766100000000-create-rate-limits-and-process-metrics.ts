import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two deployment-wide tables (no workspace_id: neither holds tenant data):
 * - rate_limit_counters: the fixed-window counters of the rate limits when there is no Redis, shared by every API
 *   process. UNLOGGED: one upsert per request must not cost a WAL flush, and after a crash an empty table only means
 *   every client starts a fresh window.
 * - process_metrics: what each process without HTTP (workers, the CLI) counted, as prom-client JSON, written every
 *   METRICS_PUSH_MS; the API's /metrics adds them to its own (docs/operations.md#monitoring).
 */
export class CreateRateLimitsAndProcessMetrics1766100000000 implements MigrationInterface {
  name = 'CreateRateLimitsAndProcessMetrics1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends timestamptz NOT NULL,
        blocked_until timestamptz
      );
      CREATE TABLE process_metrics (
        process_id text PRIMARY KEY,
        metrics jsonb NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE process_metrics; DROP TABLE rate_limit_counters;`);
  }
}
