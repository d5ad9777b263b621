import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `orders_customer_idx` and `interactions_customer_idx` keep their keys (customer, time) and also carry every column
 * a customer summary reads (customer-summary.sql.ts), so that the summaries' build and refresh read a customer's
 * history from the index alone — its entries lie side by side — instead of one heap page per order. Orders reach a
 * CRM over time, so a customer's orders are spread over the whole table: with the generator's 1M customers loaded in
 * arrival order, a chunk's refresh of ≈ 1,400 changed customers took 20–180 s cold and 0.7–3.5 s warm, a chunk's
 * build 50 s cold and 4.4 s warm; with these indexes 0.30–0.47 / 0.16–0.17 s and 1.4 / 1.0 s (docs/benchmarks.md,
 * "Tenth"). Index-only reads need the table's visibility map, which (auto)vacuum keeps; pages written since still
 * answer from the heap, as before. Built inside the migration's transaction: writes to the two tables wait for it
 * (≈ 15 s at 10M orders).
 */
export class CoverCustomerHistoryIndexes1769500000000 implements MigrationInterface {
  name = 'CoverCustomerHistoryIndexes1769500000000';

  async up(q: QueryRunner): Promise<void> {
    await this.replace(
      q,
      'orders',
      'customer_id, placed_at',
      'INCLUDE (workspace_id, id, amount_minor, currency, status, reversal, deleted_at)',
    );
    await this.replace(
      q,
      'interactions',
      'customer_id, occurred_at',
      'INCLUDE (workspace_id, kind, outcome, score)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await this.replace(q, 'orders', 'customer_id, placed_at', '');
    await this.replace(q, 'interactions', 'customer_id, occurred_at', '');
  }

  /** Builds the new `<table>_customer_idx` beside the old one, then drops the old and takes its name. */
  private async replace(q: QueryRunner, table: string, key: string, include: string): Promise<void> {
    await q.query(`CREATE INDEX ${table}_customer_idx_new ON ${table} (${key}) ${include}`);
    await q.query(`DROP INDEX ${table}_customer_idx`);
    await q.query(`ALTER INDEX ${table}_customer_idx_new RENAME TO ${table}_customer_idx`);
  }
}
