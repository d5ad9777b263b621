import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account assignment: the history of every owner change, rebalance proposals with their moves, and the public
 * pool (entries, reminders). `customers.owner_since` is kept by a trigger, so every path that changes an owner
 * (API, CSV import, CRM sync, merges) restarts the pool's follow-up clock. docs/assignments.md describes the model.
 */
export class CreateAssignments1764600000000 implements MigrationInterface {
  name = 'CreateAssignments1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Existing rows get the migration time: the clock starts when Callplan first knows the ownership.
      ALTER TABLE customers ADD COLUMN owner_since timestamptz NOT NULL DEFAULT now();
      CREATE FUNCTION customers_owner_since() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.owner_since := now(); RETURN NEW; END $$;
      CREATE TRIGGER customers_owner_since BEFORE UPDATE OF owner_rep_id ON customers
        FOR EACH ROW WHEN (OLD.owner_rep_id IS DISTINCT FROM NEW.owner_rep_id)
        EXECUTE FUNCTION customers_owner_since();

      CREATE TABLE assignment_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        batch_id uuid NOT NULL,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        from_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        -- null: the account went to a pool (pool_team_id, or the workspace pool when that is null too)
        to_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        pool_team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        reason text NOT NULL
          CHECK (reason IN ('manual', 'rebalance', 'deactivation', 'pool_release', 'pool_claim')),
        detail text,
        note text CHECK (char_length(note) <= 500),
        proposal_id uuid,
        actor text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX assignment_history_customer_idx ON assignment_history (workspace_id, customer_id, id DESC);
      CREATE INDEX assignment_history_batch_idx ON assignment_history (workspace_id, batch_id);
      CREATE INDEX assignment_history_to_idx ON assignment_history (to_rep_id, created_at) WHERE to_rep_id IS NOT NULL;
      CREATE INDEX assignment_history_from_idx ON assignment_history (from_rep_id, created_at) WHERE from_rep_id IS NOT NULL;

      CREATE TABLE rebalance_proposals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('manual', 'deactivation')),
        mode text NOT NULL CHECK (mode IN ('full', 'orphans')),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'applied', 'discarded')),
        params jsonb NOT NULL DEFAULT '{}',
        summary jsonb NOT NULL DEFAULT '{}',
        score_run_id uuid REFERENCES score_runs(id) ON DELETE SET NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_by text,
        closed_at timestamptz,
        result jsonb
      );
      CREATE INDEX rebalance_proposals_team_idx ON rebalance_proposals (workspace_id, team_id, created_at DESC);

      CREATE TABLE rebalance_moves (
        proposal_id uuid NOT NULL REFERENCES rebalance_proposals(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        from_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        to_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        reason text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (proposal_id, seq)
      );

      -- An unowned customer is in the pool: its team's pool when it has an entry with a team, else the workspace's.
      CREATE TABLE pool_entries (
        customer_id bigint PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        released_from_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        reason text NOT NULL,
        released_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pool_entries_team_idx ON pool_entries (workspace_id, team_id);

      CREATE TABLE pool_reminders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        rep_id uuid NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
        value_tier text NOT NULL,
        last_follow_up_at timestamptz NOT NULL,
        release_on date NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX pool_reminders_customer_idx ON pool_reminders (customer_id, rep_id, created_at DESC);
      CREATE INDEX pool_reminders_rep_idx ON pool_reminders (workspace_id, rep_id, created_at DESC);

      -- Follow-ups a rep logged themselves (few, next to the CRM's unattributed history): the sweep reads only these.
      CREATE INDEX interactions_rep_touch_idx ON interactions (workspace_id, customer_id, rep_id, occurred_at)
        WHERE rep_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS interactions_rep_touch_idx;
      DROP TABLE IF EXISTS pool_reminders, pool_entries, rebalance_moves, rebalance_proposals, assignment_history;
      DROP TRIGGER IF EXISTS customers_owner_since ON customers;
      DROP FUNCTION IF EXISTS customers_owner_since();
      ALTER TABLE customers DROP COLUMN IF EXISTS owner_since;
    `);
  }
}
