import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM-shaped connectors (HubSpot, later Salesforce) beside the generic pull connector: a `kind` per connector, the
 * write-back position of each connector in the workspace's `customer.scores_changed` events (outbox ids: what was
 * pushed to the CRM), and the records the CRM refused, kept visible per connector and customer.
 */
export class AddCrmConnectorKinds1766000000000 implements MigrationInterface {
  name = 'AddCrmConnectorKinds1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm_connectors
        ADD COLUMN kind text NOT NULL DEFAULT 'generic' CHECK (kind IN ('generic', 'hubspot', 'salesforce'));

      -- One row per connector that writes back: the last outbox event pushed completely, and the last push.
      CREATE TABLE crm_connector_write_back (
        connector_id uuid PRIMARY KEY REFERENCES crm_connectors(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        after_event_id bigint NOT NULL DEFAULT 0,
        events bigint NOT NULL DEFAULT 0,
        customers bigint NOT NULL DEFAULT 0,
        calls bigint NOT NULL DEFAULT 0,
        last_push_at timestamptz,
        last_report jsonb,
        last_error text
      );

      -- Records the CRM refused in a write-back (unknown record, invalid property value): the latest per customer.
      CREATE TABLE crm_write_back_failures (
        connector_id uuid NOT NULL REFERENCES crm_connectors(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        outbox_event_id bigint NOT NULL,
        code text NOT NULL,
        message text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connector_id, external_id)
      );
      CREATE INDEX crm_write_back_failures_ws_idx ON crm_write_back_failures (workspace_id, connector_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS crm_write_back_failures, crm_connector_write_back;
      ALTER TABLE crm_connectors DROP COLUMN IF EXISTS kind;
    `);
  }
}
