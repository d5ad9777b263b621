import { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantIsolationSql } from './1766900000000-row-level-security';

/**
 * The personality profile's history (src/personality, docs/architecture.md "Personality"): one row per value
 * someone or something stated about a customer — the primary type or one of the seeds' dimensions — with its
 * source, confidence, who and when. Append-only: rows are never updated (a trigger refuses it); they are deleted
 * only with their customer or by an erasure. The profile is computed from these rows (personality-profile.ts);
 * `customers.personality` stays the effective primary type for the rest of the code.
 *
 * CRM values reach the history from the database itself, so every sync path (CSV import, webhook, pull) is covered
 * by one rule: a personality a sync writer (`callplan.field_writer` = 'crm' | 'csv') puts on a customer, or one the
 * field-ownership rule refused (a `customer_field_conflicts` row), becomes a `crm_import` observation; and a sync
 * never replaces a type a person stated (a rep's tag or a questionnaire), whatever the workspace's field ownership.
 */
export class CreatePersonalityObservations1767300000000 implements MigrationInterface {
  name = 'CreatePersonalityObservations1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE personality_observations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        dimension text NOT NULL CHECK (dimension IN ('type', 'social', 'decision', 'communication', 'values')),
        value text NOT NULL CHECK (length(value) BETWEEN 1 AND 40),
        source text NOT NULL CHECK (source IN ('rep_tag', 'questionnaire', 'crm_import', 'inferred')),
        confidence real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
        actor_kind text NOT NULL CHECK (actor_kind IN ('rep', 'api_key', 'crm', 'csv', 'system')),
        actor_id text,
        observed_at timestamptz NOT NULL DEFAULT now(),
        -- the questionnaire's answers (question id → option id) on the rows it produced
        answers jsonb
      );
      CREATE INDEX personality_observations_customer_idx
        ON personality_observations (workspace_id, customer_id, id);

      ${tenantIsolationSql('personality_observations', 'SELECT, INSERT, DELETE')}

      CREATE FUNCTION personality_observations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'personality_observations is append-only: add a new observation instead';
      END $$;
      CREATE TRIGGER personality_observations_no_update BEFORE UPDATE ON personality_observations
        FOR EACH ROW EXECUTE FUNCTION personality_observations_append_only();

      -- what customers already carry: a Callplan-set personality was a rep's (the outcome form was the only
      -- Callplan writer), the rest came from the CRM
      INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
        actor_kind, observed_at)
      SELECT workspace_id, id, 'type', personality,
             CASE WHEN personality_set_by = 'callplan' THEN 'rep_tag' ELSE 'crm_import' END,
             CASE WHEN personality_set_by = 'callplan' THEN 1 ELSE 0.6 END,
             CASE WHEN personality_set_by = 'callplan' THEN 'system' WHEN personality_set_by = 'csv' THEN 'csv'
                  ELSE 'crm' END,
             COALESCE(personality_set_at, updated_at)
      FROM customers WHERE personality IS NOT NULL AND merged_into_id IS NULL AND erased_at IS NULL;

      -- Recording is set-based (one INSERT per statement, from its transition table): a row-level insert per
      -- customer made a 20,000-row CSV re-import 3× slower. Only a sync writer's changes are recorded.
      CREATE FUNCTION customers_personality_imported() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        writer text := NULLIF(current_setting('callplan.field_writer', true), '');
      BEGIN
        IF writer IS NULL THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'INSERT' THEN
          INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
            actor_kind)
          SELECT n.workspace_id, n.id, 'type', n.personality, 'crm_import', 0.6,
                 CASE WHEN writer = 'csv' THEN 'csv' ELSE 'crm' END
          FROM new_rows n WHERE n.personality IS NOT NULL;
        ELSE
          INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
            actor_kind)
          SELECT n.workspace_id, n.id, 'type', n.personality, 'crm_import', 0.6,
                 CASE WHEN writer = 'csv' THEN 'csv' ELSE 'crm' END
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.personality IS NOT NULL AND n.personality IS DISTINCT FROM o.personality;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER customers_personality_imported_insert AFTER INSERT ON customers
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customers_personality_imported();
      CREATE TRIGGER customers_personality_imported_update AFTER UPDATE ON customers
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION customers_personality_imported();

      -- A sync never replaces a type a person stated. Callplan's only writer of a type is the profile service,
      -- which writes a person's statement (stamped 'callplan' by customers_personality_provenance), so "a person
      -- stated it" is: set by callplan and not empty — no lookup per row. The refused value is recorded here (the
      -- statement trigger sees the kept one). Fires before customers_personality_provenance (names sort), which
      -- then sees no change and writes no history line. 0.6 = CRM_IMPORT_CONFIDENCE of personality-profile.ts.
      CREATE FUNCTION customers_personality_kept() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        writer text := NULLIF(current_setting('callplan.field_writer', true), '');
      BEGIN
        IF writer IS NOT NULL AND NEW.personality IS NOT NULL AND NEW.personality IS DISTINCT FROM OLD.personality
           AND OLD.personality IS NOT NULL AND OLD.personality_set_by = 'callplan' THEN
          -- each re-import sends the refused value again: recorded when the CRM's value is new
          IF NEW.personality IS DISTINCT FROM (
            SELECT o.value FROM personality_observations o
            WHERE o.workspace_id = NEW.workspace_id AND o.customer_id = NEW.id AND o.dimension = 'type'
              AND o.source = 'crm_import'
            ORDER BY o.id DESC LIMIT 1) THEN
            INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
              actor_kind)
            VALUES (NEW.workspace_id, NEW.id, 'type', NEW.personality, 'crm_import', 0.6,
              CASE WHEN writer = 'csv' THEN 'csv' ELSE 'crm' END);
          END IF;
          NEW.personality := OLD.personality;
          NEW.personality_set_by := OLD.personality_set_by;
          NEW.personality_set_at := OLD.personality_set_at;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER customers_personality_kept BEFORE UPDATE OF personality ON customers FOR EACH ROW
        EXECUTE FUNCTION customers_personality_kept();

      -- a CRM personality refused by field ownership (a conflict) is still the CRM's statement: recorded, not
      -- applied; a re-import refused again (the same conflict, the same value) adds nothing
      CREATE FUNCTION personality_conflict_observation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.field = 'personality' AND NEW.crm_value IS NOT NULL
           AND (TG_OP = 'INSERT' OR NEW.crm_value IS DISTINCT FROM OLD.crm_value) THEN
          INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
            actor_kind, observed_at)
          VALUES (NEW.workspace_id, NEW.customer_id, 'type', NEW.crm_value, 'crm_import', 0.6,
            CASE WHEN NEW.crm_source = 'csv' THEN 'csv' ELSE 'crm' END, now());
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER customer_field_conflicts_personality AFTER INSERT OR UPDATE ON customer_field_conflicts
        FOR EACH ROW EXECUTE FUNCTION personality_conflict_observation();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS customer_field_conflicts_personality ON customer_field_conflicts;
      DROP FUNCTION IF EXISTS personality_conflict_observation();
      DROP TRIGGER IF EXISTS customers_personality_kept ON customers;
      DROP FUNCTION IF EXISTS customers_personality_kept();
      DROP TRIGGER IF EXISTS customers_personality_imported_insert ON customers;
      DROP TRIGGER IF EXISTS customers_personality_imported_update ON customers;
      DROP FUNCTION IF EXISTS customers_personality_imported();
      DROP TABLE IF EXISTS personality_observations;
      DROP FUNCTION IF EXISTS personality_observations_append_only();
    `);
  }
}
