import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exchange rates per workspace (`rate` units of the workspace currency per unit of `currency`, valid from a day
 * until the next row of the same currency), and the amount an order was given in before it was converted into the
 * workspace currency (src/ingest/csv/currency-rates.ts).
 */
export class CreateCurrencyRates1765400000000 implements MigrationInterface {
  name = 'CreateCurrencyRates1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE currency_rates (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        currency char(3) NOT NULL,
        valid_from date NOT NULL,
        rate numeric(24, 12) NOT NULL CHECK (rate > 0),
        loaded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, currency, valid_from)
      );
      ALTER TABLE orders
        ADD COLUMN original_amount_minor bigint CHECK (original_amount_minor >= 0),
        ADD COLUMN original_currency char(3),
        ADD CONSTRAINT orders_original_both CHECK ((original_amount_minor IS NULL) = (original_currency IS NULL));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders
        DROP CONSTRAINT IF EXISTS orders_original_both,
        DROP COLUMN IF EXISTS original_amount_minor,
        DROP COLUMN IF EXISTS original_currency;
      DROP TABLE IF EXISTS currency_rates;
    `);
  }
}
