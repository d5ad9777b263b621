import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook delivery like Stripe/Svix (docs/webhooks.md): each delivery carries its own retry schedule
 * (`next_attempt_at`, `retry_step`) and what the last attempt got back; endpoints record since when every delivery
 * has failed (automatic disable after days), why they are disabled, and the previous secret of a rotation with the
 * end of its overlap window.
 *
 * Signing secrets move to `secret_enc` (AES-256-GCM under the PII key, like the other secrets). A migration has no
 * key, so the plaintext `secret` of existing rows becomes nullable here and is encrypted and cleared by the first
 * process that starts (WebhookSecretsStore.encryptLegacySecrets). `down` cannot decrypt: endpoints whose secret
 * exists only encrypted get a fresh random secret and are disabled (rotate and re-enable them after a revert).
 */
export class AddWebhookDeliveryLog1765100000000 implements MigrationInterface {
  name = 'AddWebhookDeliveryLog1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_endpoints
        ALTER COLUMN secret DROP NOT NULL,
        ADD COLUMN secret_enc bytea,
        ADD COLUMN previous_secret_enc bytea,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD COLUMN failing_since timestamptz,
        ADD COLUMN disabled_reason text CHECK (disabled_reason IN ('manual', 'failing', 'gone')),
        ADD COLUMN disabled_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      UPDATE webhook_endpoints SET disabled_reason = 'manual', disabled_at = now() WHERE NOT active;
      ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_secret_present
        CHECK (secret IS NOT NULL OR secret_enc IS NOT NULL);
      CREATE INDEX webhook_endpoints_workspace_idx ON webhook_endpoints (workspace_id, created_at);

      ALTER TABLE webhook_deliveries
        ADD COLUMN retry_step integer NOT NULL DEFAULT 0,
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN last_attempt_at timestamptz,
        ADD COLUMN last_response_body text;
      UPDATE webhook_deliveries SET next_attempt_at = created_at WHERE status IN ('pending', 'failed');
      CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
        WHERE next_attempt_at IS NOT NULL;
      CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (workspace_id, endpoint_id, created_at DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX IF EXISTS webhook_deliveries_log_idx;
      DROP INDEX IF EXISTS webhook_deliveries_due_idx;
      ALTER TABLE webhook_deliveries
        DROP COLUMN IF EXISTS retry_step,
        DROP COLUMN IF EXISTS next_attempt_at,
        DROP COLUMN IF EXISTS last_attempt_at,
        DROP COLUMN IF EXISTS last_response_body;
      DROP INDEX IF EXISTS webhook_endpoints_workspace_idx;
      UPDATE webhook_endpoints
         SET secret = 'whsec_' || encode(decode(md5(random()::text) || md5(random()::text), 'hex'), 'base64'),
             active = false
       WHERE secret IS NULL;
      ALTER TABLE webhook_endpoints
        DROP CONSTRAINT IF EXISTS webhook_endpoints_secret_present,
        ALTER COLUMN secret SET NOT NULL,
        DROP COLUMN IF EXISTS secret_enc,
        DROP COLUMN IF EXISTS previous_secret_enc,
        DROP COLUMN IF EXISTS previous_secret_expires_at,
        DROP COLUMN IF EXISTS failing_since,
        DROP COLUMN IF EXISTS disabled_reason,
        DROP COLUMN IF EXISTS disabled_at,
        DROP COLUMN IF EXISTS updated_at;
    `);
  }
}
