import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM sync: contact persons and order lines, per-record source versions and tombstones (so replays and late
 * updates are harmless), the inbound webhook inbox with per-workspace signing secrets, parked records waiting for
 * their customer, and pull connectors with their cursors.
 */
export class AddCrmSync1764300000000 implements MigrationInterface {
  name = 'AddCrmSync1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Version of the record as the source last described it: newest (source_updated_at, source_digest) wins;
      -- the digest (keyed hash of the normalised record) breaks ties between different records of the same instant.
      -- lifecycle_at is the source time of the newest delete or restore applied (the tombstone clock): a delete
      -- or restore older than it is stale, and upserts never change deleted_at.
      ALTER TABLE customers ADD COLUMN source_digest bytea, ADD COLUMN lifecycle_at timestamptz;
      ALTER TABLE orders ADD COLUMN source_digest bytea, ADD COLUMN lifecycle_at timestamptz;
      ALTER TABLE interactions ADD COLUMN source_updated_at timestamptz, ADD COLUMN source_digest bytea;

      CREATE TABLE contacts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        -- the customer the person belongs to now (merges move it to the winner) …
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        -- … and the customer record whose newest version lists it (its contact list is replaced on each new version)
        origin_customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        name text,
        title text,
        email_enc bytea,
        email_hash bytea,
        phone_enc bytea,
        phone_hash bytea,
        is_primary boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (origin_customer_id, external_id)
      );
      CREATE INDEX contacts_customer_idx ON contacts (customer_id);
      CREATE INDEX contacts_email_hash_idx ON contacts (workspace_id, email_hash) WHERE email_hash IS NOT NULL;
      CREATE INDEX contacts_phone_hash_idx ON contacts (workspace_id, phone_hash) WHERE phone_hash IS NOT NULL;

      CREATE TABLE order_lines (
        order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        line_no integer NOT NULL CHECK (line_no >= 1),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        product_code text NOT NULL,
        product_name text,
        category text,
        quantity numeric(14, 3) NOT NULL CHECK (quantity > 0),
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        PRIMARY KEY (order_id, line_no)
      );
      CREATE INDEX order_lines_product_idx ON order_lines (workspace_id, product_code);
      CREATE INDEX order_lines_category_idx ON order_lines (workspace_id, category);

      -- Standard Webhooks secrets of inbound CRM events, encrypted with the PII key; the previous secret stays
      -- valid until previous_valid_until so that a rotation never rejects a delivery in flight.
      CREATE TABLE crm_webhook_secrets (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        current_enc bytea NOT NULL,
        previous_enc bytea,
        previous_valid_until timestamptz,
        rotated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Every accepted webhook message, stored (encrypted: it carries personal data) before the 2xx is sent,
      -- then applied by a crm-sync job. webhook-id is unique per workspace: a redelivery has no second effect.
      CREATE TABLE crm_inbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        webhook_id text NOT NULL,
        signed_at timestamptz NOT NULL,
        event_count integer NOT NULL,
        payload_enc bytea NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        result jsonb,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        UNIQUE (workspace_id, webhook_id)
      );
      CREATE INDEX crm_inbox_open_idx ON crm_inbox (status, received_at) WHERE status <> 'processed';

      -- Orders and interactions whose customer is not known yet: per record and missing customer, the newest
      -- version naming that customer waits here and competes again when the customer arrives, whichever path brings
      -- it. customer_external_id '' holds the tombstone (delete/restore) of a record not seen yet.
      CREATE TABLE crm_parked (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        source text NOT NULL,
        entity text NOT NULL CHECK (entity IN ('order', 'interaction')),
        external_id text NOT NULL,
        customer_external_id text NOT NULL,
        data jsonb,
        data_at timestamptz,
        data_digest bytea,
        deleted_at timestamptz,
        lifecycle_at timestamptz,
        reason text NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, source, entity, external_id, customer_external_id)
      );
      CREATE INDEX crm_parked_customer_idx ON crm_parked (workspace_id, source, entity, customer_external_id);

      -- Records a pull could not accept (validation), with the reasons; the payload is encrypted.
      CREATE TABLE crm_sync_rejects (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        source text NOT NULL,
        origin text NOT NULL,
        entity text NOT NULL,
        external_id text,
        problems jsonb NOT NULL,
        payload_digest bytea NOT NULL,
        payload_enc bytea NOT NULL,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, origin, entity, payload_digest)
      );

      CREATE TABLE crm_connectors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        source text NOT NULL DEFAULT 'crm',
        base_url text NOT NULL,
        auth_header_name text,
        auth_header_value_enc bytea,
        config jsonb NOT NULL,
        schedule_every_ms integer CHECK (schedule_every_ms IS NULL OR schedule_every_ms >= 10000),
        enabled boolean NOT NULL DEFAULT true,
        last_run_at timestamptz,
        last_run_report jsonb,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, name)
      );

      -- One cursor per connector and entity; advanced in the transaction that applies the page it ends.
      CREATE TABLE crm_connector_cursors (
        connector_id uuid NOT NULL REFERENCES crm_connectors(id) ON DELETE CASCADE,
        entity text NOT NULL CHECK (entity IN ('customers', 'orders', 'interactions')),
        cursor text,
        pages bigint NOT NULL DEFAULT 0,
        records bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connector_id, entity)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS crm_connector_cursors, crm_connectors, crm_sync_rejects, crm_parked, crm_inbox,
        crm_webhook_secrets, order_lines, contacts;
      ALTER TABLE interactions DROP COLUMN IF EXISTS source_updated_at, DROP COLUMN IF EXISTS source_digest;
      ALTER TABLE orders DROP COLUMN IF EXISTS source_digest, DROP COLUMN IF EXISTS lifecycle_at;
      ALTER TABLE customers DROP COLUMN IF EXISTS source_digest, DROP COLUMN IF EXISTS lifecycle_at;
    `);
  }
}
