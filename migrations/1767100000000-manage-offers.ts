import { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, tenantIsolationSql } from './1766900000000-row-level-security';

/**
 * Offers managed for real (issue 14 item 3, docs/architecture.md "Offers"):
 * - `offers` keeps the current version of each offer (definition, version, archived_at) and its budget use
 *   (`redemptions_used`, now written, and `redeemed_minor`, the money spent);
 * - `offer_versions` keeps every version, so an item shows the terms of the version it was published with
 *   (`worklist_items.offer_version`);
 * - `offer_redemptions` holds one row per redeemed item (UNIQUE item_id) and per order (UNIQUE order_id): the
 *   counters move only by the rows a statement inserted, so a redemption is counted once however often the
 *   attribution runs;
 * - the outcomes `offer_accepted` and `redeemed`.
 */
export class ManageOffers1767100000000 implements MigrationInterface {
  name = 'ManageOffers1767100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE offers
        ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        ADD COLUMN redeemed_minor bigint NOT NULL DEFAULT 0 CHECK (redeemed_minor >= 0),
        ADD COLUMN archived_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
        ADD CONSTRAINT offers_redemptions_used_check CHECK (redemptions_used >= 0);

      CREATE TABLE offer_versions (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        offer_id uuid NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        code text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        definition jsonb NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (offer_id, version),
        UNIQUE (workspace_id, code, version)
      );
      -- an offer switched off before (active = false) is an archived one from now on
      UPDATE offers SET archived_at = created_at WHERE NOT active;
      INSERT INTO offer_versions (workspace_id, offer_id, code, version, definition, created_at)
        SELECT workspace_id, id, code, 1, definition, created_at FROM offers;

      CREATE TABLE offer_redemptions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        offer_id uuid NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
        item_id uuid NOT NULL UNIQUE REFERENCES worklist_items(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('order', 'outcome')),
        order_id bigint UNIQUE REFERENCES orders(id) ON DELETE SET NULL,
        cost_minor bigint NOT NULL CHECK (cost_minor >= 0),
        redeemed_at timestamptz NOT NULL
      );
      CREATE INDEX offer_redemptions_customer_idx ON offer_redemptions (workspace_id, customer_id, offer_id);
      CREATE INDEX offer_redemptions_offer_idx ON offer_redemptions (workspace_id, offer_id, redeemed_at);

      ALTER TABLE worklist_items ADD COLUMN offer_version integer;
      UPDATE worklist_items SET offer_version = 1 WHERE offer_code IS NOT NULL;
      -- the attribution sweep and the exposure counts read items that showed an offer
      CREATE INDEX worklist_items_offer_idx ON worklist_items (workspace_id, created_at) WHERE offer_code IS NOT NULL;

      ALTER TABLE worklist_outcomes DROP CONSTRAINT worklist_outcomes_outcome_check,
        ADD CONSTRAINT worklist_outcomes_outcome_check CHECK (outcome IN ('reached', 'no_answer', 'voicemail',
          'callback_requested', 'not_interested', 'converted', 'do_not_call', 'wrong_number', 'offer_accepted',
          'redeemed'));
    `);
    for (const t of ['offer_versions', 'offer_redemptions']) {
      await q.query(tenantIsolationSql(t));
    }
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE offer_redemptions_id_seq TO ${APP_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM worklist_outcomes WHERE outcome IN ('offer_accepted', 'redeemed');
      ALTER TABLE worklist_outcomes DROP CONSTRAINT worklist_outcomes_outcome_check,
        ADD CONSTRAINT worklist_outcomes_outcome_check CHECK (outcome IN ('reached', 'no_answer', 'voicemail',
          'callback_requested', 'not_interested', 'converted', 'do_not_call', 'wrong_number'));
      DROP INDEX IF EXISTS worklist_items_offer_idx;
      ALTER TABLE worklist_items DROP COLUMN IF EXISTS offer_version;
      DROP TABLE IF EXISTS offer_redemptions, offer_versions;
      ALTER TABLE offers DROP CONSTRAINT IF EXISTS offers_redemptions_used_check,
        DROP COLUMN IF EXISTS updated_at, DROP COLUMN IF EXISTS archived_at,
        DROP COLUMN IF EXISTS redeemed_minor, DROP COLUMN IF EXISTS version;
    `);
  }
}
