import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * P(buy in the horizon) per scored customer (issue 13; docs/models-clv.md "P(buy)"): the probability that the
 * customer buys at least once in the run's forecast horizon, from the run's chosen count model (null where no count
 * model was fitted, and for every run scored before this column). Added on the partitioned parent, it reaches every
 * attached partition (older runs read NULL, no rewrite: a nullable column without a default), and each new run's
 * scores table is created LIKE customer_scores (run-tables.repository.ts), so it has the column too. A run in flight
 * during the deploy has a scores table created before, not attached yet: it gets the column here, else its chunks'
 * COPY (which names p_buy) and its ATTACH (which needs the parent's columns) would fail.
 */
export class AddPBuyToCustomerScores1769000000000 implements MigrationInterface {
  name = 'AddPBuyToCustomerScores1769000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(onParentAndUnattachedRunTables('ADD COLUMN IF NOT EXISTS p_buy double precision'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(onParentAndUnattachedRunTables('DROP COLUMN IF EXISTS p_buy'));
  }
}

/** `ALTER TABLE … <action>` on customer_scores (so its partitions) and on every run table not attached yet. */
function onParentAndUnattachedRunTables(action: string): string {
  return `
    ALTER TABLE customer_scores ${action};
    DO $$
    DECLARE t text;
    BEGIN
      FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition
                 AND c.relname ~ '^customer_scores_r[0-9a-f]{32}$'
      LOOP
        EXECUTE format('ALTER TABLE %I ${action}', t);
      END LOOP;
    END $$;`;
}
