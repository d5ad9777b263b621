import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Worklists that reps work and that learn from it: call outcomes, follow-ups (callbacks, no-answer retries),
 * manager pins, wrong-number suppressions, item kinds and call windows, and a per-list version that moves on every
 * item change (list ETags). docs/worklists.md describes the model.
 */
export class CreateWorklistOutcomes1764500000000 implements MigrationInterface {
  name = 'CreateWorklistOutcomes1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE worklists ADD COLUMN version integer NOT NULL DEFAULT 0;

      ALTER TABLE worklist_items
        ADD COLUMN kind text NOT NULL DEFAULT 'ranked'
          CHECK (kind IN ('urgent', 'callback', 'pinned', 'retry', 'ranked', 'prospect')),
        ADD COLUMN expected_value bigint,
        ADD COLUMN summary text,
        ADD COLUMN call_from timestamptz,
        ADD COLUMN call_to timestamptz,
        ADD COLUMN outcome text,
        ADD COLUMN done_at timestamptz,
        ADD COLUMN snoozed_until date;
      CREATE INDEX worklist_items_customer_idx ON worklist_items (workspace_id, customer_id);

      CREATE TABLE worklist_outcomes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        item_id uuid UNIQUE REFERENCES worklist_items(id) ON DELETE SET NULL,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        -- the rep whose list the item was on, and who recorded the outcome (a manager may record for the team)
        rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        recorded_by uuid REFERENCES reps(id) ON DELETE SET NULL,
        outcome text NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'voicemail', 'callback_requested',
          'not_interested', 'converted', 'do_not_call', 'wrong_number')),
        notes text CHECK (char_length(notes) <= 2000),
        personality text CHECK (personality IN ('rational', 'emotional', 'leader', 'stable')),
        callback_at timestamptz,
        list_date date,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((outcome = 'callback_requested') = (callback_at IS NOT NULL))
      );
      CREATE INDEX worklist_outcomes_customer_idx ON worklist_outcomes (workspace_id, customer_id, occurred_at DESC);
      CREATE INDEX worklist_outcomes_time_idx ON worklist_outcomes (workspace_id, occurred_at);
      CREATE INDEX worklist_outcomes_rep_idx ON worklist_outcomes (workspace_id, rep_id, occurred_at);

      CREATE TABLE worklist_follow_ups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        kind text NOT NULL CHECK (kind IN ('callback', 'retry')),
        due_at timestamptz NOT NULL,
        attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
        outcome_id uuid REFERENCES worklist_outcomes(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        resolution text
      );
      CREATE INDEX worklist_follow_ups_open_idx ON worklist_follow_ups (workspace_id, customer_id)
        WHERE resolved_at IS NULL;

      -- Manager pins: the customer is on the owner's list every day from starts_on to ends_on (open-ended if null).
      CREATE TABLE worklist_pins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        pinned_by uuid REFERENCES reps(id) ON DELETE SET NULL,
        note text CHECK (char_length(note) <= 500),
        starts_on date NOT NULL,
        ends_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz,
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );
      CREATE UNIQUE INDEX worklist_pins_active_idx ON worklist_pins (workspace_id, customer_id) WHERE removed_at IS NULL;

      -- A wrong number suppresses calls while the customer's phone stays the one that was wrong.
      ALTER TABLE contact_suppressions DROP CONSTRAINT contact_suppressions_kind_check;
      ALTER TABLE contact_suppressions
        ADD CONSTRAINT contact_suppressions_kind_check CHECK (kind IN ('do_not_call', 'snooze', 'wrong_number')),
        ADD COLUMN phone_hash bytea,
        ADD COLUMN outcome_id uuid REFERENCES worklist_outcomes(id) ON DELETE SET NULL;

      -- Recent calls and visits of a workspace (contact caps, "contacted today", warm prospects) without a scan.
      CREATE INDEX interactions_workspace_time_idx ON interactions (workspace_id, occurred_at);

      CREATE FUNCTION worklist_items_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          UPDATE worklists SET version = version + 1 WHERE id IN (SELECT DISTINCT worklist_id FROM old_rows);
        ELSE
          UPDATE worklists SET version = version + 1 WHERE id IN (SELECT DISTINCT worklist_id FROM new_rows);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER worklist_items_version_ins AFTER INSERT ON worklist_items
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION worklist_items_bump_version();
      CREATE TRIGGER worklist_items_version_upd AFTER UPDATE ON worklist_items
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION worklist_items_bump_version();
      CREATE TRIGGER worklist_items_version_del AFTER DELETE ON worklist_items
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION worklist_items_bump_version();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER IF EXISTS worklist_items_version_ins ON worklist_items;
      DROP TRIGGER IF EXISTS worklist_items_version_upd ON worklist_items;
      DROP TRIGGER IF EXISTS worklist_items_version_del ON worklist_items;
      DROP FUNCTION IF EXISTS worklist_items_bump_version();
      DROP INDEX IF EXISTS interactions_workspace_time_idx;
      DELETE FROM contact_suppressions WHERE kind = 'wrong_number';
      ALTER TABLE contact_suppressions DROP COLUMN IF EXISTS outcome_id, DROP COLUMN IF EXISTS phone_hash;
      ALTER TABLE contact_suppressions DROP CONSTRAINT contact_suppressions_kind_check;
      ALTER TABLE contact_suppressions
        ADD CONSTRAINT contact_suppressions_kind_check CHECK (kind IN ('do_not_call', 'snooze'));
      DROP TABLE IF EXISTS worklist_pins, worklist_follow_ups, worklist_outcomes;
      DROP INDEX IF EXISTS worklist_items_customer_idx;
      ALTER TABLE worklist_items
        DROP COLUMN IF EXISTS kind, DROP COLUMN IF EXISTS expected_value, DROP COLUMN IF EXISTS summary,
        DROP COLUMN IF EXISTS call_from, DROP COLUMN IF EXISTS call_to, DROP COLUMN IF EXISTS outcome,
        DROP COLUMN IF EXISTS done_at, DROP COLUMN IF EXISTS snoozed_until;
      ALTER TABLE worklists DROP COLUMN IF EXISTS version;
    `);
  }
}
