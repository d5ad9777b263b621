import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-customer write-back (docs/write-back.md): the field mapping of each workspace (Callplan field → CRM
 * property name) and, per customer, a fingerprint of the values last sent in a `customer.scores_changed` event,
 * so that a pass sends only customers whose written-back values changed. The fingerprint is a 64-bit hash of the
 * sent values (no personal data in clear). No foreign key to customers: a pass writes up to a million rows and the
 * checks would cost more than the rows; a workspace's rows go with the workspace (trigger below), a customer's
 * row is harmless once the customer is gone (passes join live customers only).
 */
export class CreateWriteBack1765200000000 implements MigrationInterface {
  name = 'CreateWriteBack1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE write_back_mappings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        fields jsonb NOT NULL,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE customer_write_back_state (
        workspace_id uuid NOT NULL,
        customer_id bigint NOT NULL,
        fingerprint bigint NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, customer_id)
      );

      CREATE FUNCTION customer_write_back_state_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM customer_write_back_state s USING old_workspaces o WHERE s.workspace_id = o.id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customer_write_back_state_cleanup AFTER DELETE ON workspaces
        REFERENCING OLD TABLE AS old_workspaces FOR EACH STATEMENT
        EXECUTE FUNCTION customer_write_back_state_cleanup();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS customer_write_back_state_cleanup ON workspaces;
      DROP FUNCTION IF EXISTS customer_write_back_state_cleanup();
      DROP TABLE IF EXISTS customer_write_back_state, write_back_mappings;
    `);
  }
}
