import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema. Every row carries workspace_id (the tenant); money is integer minor units + ISO currency.
 * Customer/order/interaction ids are bigint identities so that scoring can chunk over id ranges.
 */
export class CreateInitialSchema1764028800000 implements MigrationInterface {
  name = 'CreateInitialSchema1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL,
        timezone text NOT NULL DEFAULT 'Asia/Shanghai',
        locale text NOT NULL DEFAULT 'zh-CN',
        currency char(3) NOT NULL DEFAULT 'CNY',
        scoring_cron text NOT NULL DEFAULT '0 2 * * *',
        worklist_cron text NOT NULL DEFAULT '0 7 * * *',
        settings jsonb NOT NULL DEFAULT '{}',
        current_score_run_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, external_id)
      );

      CREATE TABLE reps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        name text NOT NULL,
        email text,
        role text NOT NULL DEFAULT 'rep' CHECK (role IN ('rep', 'manager', 'admin')),
        team_id uuid REFERENCES teams(id) ON DELETE SET NULL,
        manager_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        daily_capacity integer NOT NULL DEFAULT 25 CHECK (daily_capacity BETWEEN 0 AND 500),
        locale text NOT NULL DEFAULT 'zh-CN',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, external_id)
      );
      CREATE INDEX reps_team_idx ON reps (workspace_id, team_id);

      CREATE TABLE customers (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        source text NOT NULL DEFAULT 'crm',
        external_id text NOT NULL,
        kind text NOT NULL DEFAULT 'individual' CHECK (kind IN ('individual', 'business')),
        name text,
        email_enc bytea,
        email_hash bytea,
        phone_enc bytea,
        phone_hash bytea,
        region text,
        country char(2),
        industry text,
        size text,
        source_channel text,
        owner_rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        personality text CHECK (personality IN ('rational', 'emotional', 'leader', 'stable')),
        source_created_at timestamptz,
        source_updated_at timestamptz,
        merged_into_id bigint REFERENCES customers(id),
        deleted_at timestamptz,
        erased_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, source, external_id)
      );
      CREATE INDEX customers_owner_idx ON customers (workspace_id, owner_rep_id) WHERE merged_into_id IS NULL AND deleted_at IS NULL;
      CREATE INDEX customers_email_hash_idx ON customers (workspace_id, email_hash) WHERE email_hash IS NOT NULL;
      CREATE INDEX customers_phone_hash_idx ON customers (workspace_id, phone_hash) WHERE phone_hash IS NOT NULL;

      CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        source text NOT NULL DEFAULT 'crm',
        external_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customers(id),
        placed_at timestamptz NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        currency char(3) NOT NULL,
        status text NOT NULL CHECK (status IN ('paid', 'refunded', 'cancelled')),
        channel text,
        source_updated_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, source, external_id)
      );
      CREATE INDEX orders_customer_idx ON orders (customer_id, placed_at);

      CREATE TABLE interactions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        source text NOT NULL DEFAULT 'crm',
        external_id text NOT NULL,
        customer_id bigint NOT NULL REFERENCES customers(id),
        occurred_at timestamptz NOT NULL,
        kind text NOT NULL CHECK (kind IN ('call', 'email', 'visit', 'campaign', 'complaint', 'survey')),
        outcome text,
        score smallint CHECK (score BETWEEN 0 AND 10),
        note text,
        rep_id uuid REFERENCES reps(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, source, external_id)
      );
      CREATE INDEX interactions_customer_idx ON interactions (customer_id, occurred_at);

      CREATE TABLE score_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        as_of date NOT NULL,
        horizon_days integer NOT NULL CHECK (horizon_days BETWEEN 1 AND 3650),
        trigger text NOT NULL DEFAULT 'manual',
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'preparing', 'scoring', 'finalizing', 'completed', 'failed')),
        customers_total integer NOT NULL DEFAULT 0,
        chunks_total integer NOT NULL DEFAULT 0,
        chunks_done integer NOT NULL DEFAULT 0,
        model_params jsonb NOT NULL DEFAULT '{}',
        report jsonb NOT NULL DEFAULT '{}',
        error text,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- One run per workspace at a time, enforced by the database rather than by hope.
      CREATE UNIQUE INDEX score_runs_one_active ON score_runs (workspace_id)
        WHERE status IN ('queued', 'preparing', 'scoring', 'finalizing');
      CREATE INDEX score_runs_recent_idx ON score_runs (workspace_id, created_at DESC);
      ALTER TABLE workspaces ADD CONSTRAINT workspaces_current_run_fk
        FOREIGN KEY (current_score_run_id) REFERENCES score_runs(id) ON DELETE SET NULL;

      -- Chunks of a run over customer-id ranges; which worker did each (scale-out is visible here).
      CREATE TABLE score_run_chunks (
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        chunk_no integer NOT NULL,
        workspace_id uuid NOT NULL,
        first_customer_id bigint NOT NULL,
        last_customer_id bigint NOT NULL,
        customers integer NOT NULL,
        worker text,
        done_at timestamptz,
        PRIMARY KEY (run_id, chunk_no)
      );

      -- Per-run per-customer inputs built by the prepare step (set-based SQL), read by chunk jobs.
      CREATE UNLOGGED TABLE score_inputs (
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL,
        workspace_id uuid NOT NULL,
        transactions integer NOT NULL,
        first_day date,
        last_day date,
        monetary bigint NOT NULL,
        repeat_mean_minor double precision,
        last_order_minor bigint,
        PRIMARY KEY (run_id, customer_id)
      );

      -- Full score rows for the current and the previous run (readers follow workspaces.current_score_run_id,
      -- so a run becomes visible in one UPDATE); older runs survive compactly in score_history.
      CREATE TABLE customer_scores (
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL,
        recency_days integer,
        frequency integer NOT NULL,
        monetary bigint NOT NULL,
        r_score smallint,
        f_score smallint,
        m_score smallint,
        rfm_segment text,
        abc_class char(1),
        value_tier text NOT NULL,
        frequency_class text NOT NULL,
        lifecycle text NOT NULL,
        p_alive double precision,
        expected_purchases double precision,
        expected_order_value bigint,
        clv bigint,
        churn_risk double precision NOT NULL,
        priority double precision NOT NULL,
        reasons jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, customer_id)
      );
      CREATE INDEX customer_scores_priority_idx ON customer_scores (run_id, priority DESC);

      CREATE TABLE score_history (
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL,
        workspace_id uuid NOT NULL,
        value_tier char(1) NOT NULL,
        lifecycle char(1) NOT NULL,
        priority smallint NOT NULL,
        clv bigint,
        PRIMARY KEY (run_id, customer_id)
      );

      CREATE TABLE offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        code text NOT NULL,
        definition jsonb NOT NULL,
        redemptions_used integer NOT NULL DEFAULT 0,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, code)
      );

      CREATE TABLE worklists (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        rep_id uuid NOT NULL REFERENCES reps(id) ON DELETE CASCADE,
        list_date date NOT NULL,
        score_run_id uuid REFERENCES score_runs(id) ON DELETE SET NULL,
        capacity integer NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, rep_id, list_date)
      );

      CREATE TABLE worklist_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        worklist_id uuid NOT NULL REFERENCES worklists(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        rank integer NOT NULL,
        priority double precision NOT NULL,
        reasons jsonb NOT NULL DEFAULT '[]',
        personality text,
        talk_track text NOT NULL,
        offer_code text,
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'snoozed', 'skipped')),
        urgent boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (worklist_id, customer_id),
        UNIQUE (worklist_id, rank)
      );

      CREATE TABLE contact_suppressions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('do_not_call', 'snooze')),
        until date,
        reason text,
        created_by uuid REFERENCES reps(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contact_suppressions_customer_idx ON contact_suppressions (workspace_id, customer_id);

      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        url text NOT NULL,
        secret text NOT NULL,
        event_types text[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE outbox_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        message_id text NOT NULL UNIQUE,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox_events (id) WHERE dispatched_at IS NULL;

      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        outbox_event_id bigint NOT NULL REFERENCES outbox_events(id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (outbox_event_id, endpoint_id)
      );

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        key_prefix text NOT NULL,
        key_hash bytea NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('rep', 'manager', 'admin', 'integration')),
        rep_id uuid REFERENCES reps(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CHECK (role NOT IN ('rep', 'manager') OR rep_id IS NOT NULL)
      );

      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        actor text NOT NULL,
        action text NOT NULL,
        subject text,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Append-only: the application role may insert but never rewrite history.
      CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS audit_log, api_keys, webhook_deliveries, outbox_events, webhook_endpoints,
        contact_suppressions, worklist_items, worklists, offers, score_history, customer_scores, score_inputs,
        score_run_chunks;
      ALTER TABLE workspaces DROP CONSTRAINT IF EXISTS workspaces_current_run_fk;
      DROP TABLE IF EXISTS score_runs, interactions, orders, customers, reps, teams, workspaces;
      DROP FUNCTION IF EXISTS audit_log_immutable();
    `);
  }
}
