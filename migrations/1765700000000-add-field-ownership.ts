import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Field ownership (docs/crm-sync.md#field-ownership): who set a customer's owner and personality, and when; the
 * history of every change of them with both sources and times; the CRM values refused because Callplan owns the
 * field; and the origin of a do-not-call (a rep's is never lifted by a sync).
 *
 * Callplan's writers (assignments, rebalance, pool, outcomes) stay unaware: a BEFORE UPDATE trigger stamps their
 * changes 'callplan' unless the transaction named a sync writer (`callplan.field_writer`), and writes the history.
 * The owner's trigger runs only on rows whose owner changes; a bulk merge updates only rows that change.
 */
export class AddFieldOwnership1765700000000 implements MigrationInterface {
  name = 'AddFieldOwnership1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customers
        ADD COLUMN owner_set_by text CHECK (owner_set_by IN ('callplan', 'crm', 'csv')),
        ADD COLUMN owner_set_at timestamptz,
        ADD COLUMN personality_set_by text CHECK (personality_set_by IN ('callplan', 'crm', 'csv')),
        ADD COLUMN personality_set_at timestamptz;

      -- what Callplan decided before this migration: the last assignment change, the last personality a rep tagged
      UPDATE customers c SET owner_set_by = 'callplan', owner_set_at = h.at
      FROM (SELECT customer_id, max(created_at) AS at FROM assignment_history GROUP BY customer_id) h
      WHERE h.customer_id = c.id;
      UPDATE customers c SET personality_set_by = 'callplan', personality_set_at = o.at
      FROM (SELECT customer_id, max(occurred_at) AS at FROM worklist_outcomes WHERE personality IS NOT NULL
            GROUP BY customer_id) o
      WHERE o.customer_id = c.id;
      UPDATE customers SET owner_set_by = 'crm', owner_set_at = COALESCE(source_updated_at, updated_at)
      WHERE owner_set_by IS NULL AND owner_rep_id IS NOT NULL;
      UPDATE customers SET personality_set_by = 'crm', personality_set_at = COALESCE(source_updated_at, updated_at)
      WHERE personality_set_by IS NULL AND personality IS NOT NULL;

      CREATE TABLE customer_field_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        field text NOT NULL,
        old_value text,
        new_value text,
        old_source text,
        old_at timestamptz,
        new_source text NOT NULL,
        new_at timestamptz,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX customer_field_history_customer_idx ON customer_field_history (workspace_id, customer_id, id);

      CREATE TABLE customer_field_conflicts (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        field text NOT NULL,
        crm_value text,
        crm_source text NOT NULL,
        crm_at timestamptz,
        kept_value text,
        kept_source text,
        kept_at timestamptz,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        occurrences integer NOT NULL DEFAULT 1,
        PRIMARY KEY (workspace_id, customer_id, field)
      );
      CREATE INDEX customer_field_conflicts_seen_idx ON customer_field_conflicts (workspace_id, last_seen_at DESC, customer_id);

      ALTER TABLE contact_suppressions
        ADD COLUMN set_by text NOT NULL DEFAULT 'callplan' CHECK (set_by IN ('callplan', 'crm', 'csv'));

      -- TG_ARGV[0]: the field. A Callplan writer (no callplan.field_writer in the transaction) stamps the field
      -- 'callplan' at now(); every change of the value is written to the history with both sources and times.
      CREATE FUNCTION customers_field_provenance() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        writer text := NULLIF(current_setting('callplan.field_writer', true), '');
        old_value text;
        new_value text;
        old_by text;
        old_at timestamptz;
      BEGIN
        IF TG_ARGV[0] = 'owner' THEN
          old_by := OLD.owner_set_by;
          old_at := OLD.owner_set_at;
          IF writer IS NULL THEN
            NEW.owner_set_by := 'callplan';
            NEW.owner_set_at := now();
          END IF;
          IF NEW.owner_rep_id IS DISTINCT FROM OLD.owner_rep_id AND (OLD.owner_rep_id IS NOT NULL OR old_by IS NOT NULL) THEN
            old_value := (SELECT external_id FROM reps WHERE id = OLD.owner_rep_id);
            new_value := (SELECT external_id FROM reps WHERE id = NEW.owner_rep_id);
            INSERT INTO customer_field_history (workspace_id, customer_id, field, old_value, new_value, old_source,
              old_at, new_source, new_at)
            VALUES (NEW.workspace_id, NEW.id, 'owner', old_value, new_value, old_by, old_at,
              COALESCE(NEW.owner_set_by, writer), NEW.owner_set_at);
          END IF;
        ELSE
          old_by := OLD.personality_set_by;
          old_at := OLD.personality_set_at;
          IF writer IS NULL THEN
            NEW.personality_set_by := 'callplan';
            NEW.personality_set_at := now();
          END IF;
          IF NEW.personality IS DISTINCT FROM OLD.personality AND (OLD.personality IS NOT NULL OR old_by IS NOT NULL) THEN
            INSERT INTO customer_field_history (workspace_id, customer_id, field, old_value, new_value, old_source,
              old_at, new_source, new_at)
            VALUES (NEW.workspace_id, NEW.id, 'personality', OLD.personality, NEW.personality, old_by, old_at,
              COALESCE(NEW.personality_set_by, writer), NEW.personality_set_at);
          END IF;
        END IF;
        RETURN NEW;
      END $$;

      -- an owner counts as set by Callplan when it changes (assigning the current owner again decides nothing);
      -- a personality whenever a Callplan writer writes it (a rep confirming the imported tag makes it the rep's)
      CREATE TRIGGER customers_owner_provenance BEFORE UPDATE OF owner_rep_id ON customers FOR EACH ROW
        WHEN (OLD.owner_rep_id IS DISTINCT FROM NEW.owner_rep_id)
        EXECUTE FUNCTION customers_field_provenance('owner');
      CREATE TRIGGER customers_personality_provenance BEFORE UPDATE OF personality ON customers FOR EACH ROW
        EXECUTE FUNCTION customers_field_provenance('personality');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS customers_owner_provenance ON customers;
      DROP TRIGGER IF EXISTS customers_personality_provenance ON customers;
      DROP FUNCTION IF EXISTS customers_field_provenance();
      ALTER TABLE contact_suppressions DROP COLUMN IF EXISTS set_by;
      DROP TABLE IF EXISTS customer_field_conflicts, customer_field_history;
      ALTER TABLE customers
        DROP COLUMN IF EXISTS owner_set_by, DROP COLUMN IF EXISTS owner_set_at,
        DROP COLUMN IF EXISTS personality_set_by, DROP COLUMN IF EXISTS personality_set_at;
    `);
  }
}
