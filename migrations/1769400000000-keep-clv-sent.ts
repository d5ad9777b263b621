import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CLV last written back per customer (whole major units, in minor units): a pass resends a customer for CLV
 * only once it has moved by CLV_RESEND_SHARE of that value (docs/write-back.md, "How changed is decided").
 * Null for rows written before: their CLV compares exactly, as before, until their next send fills it.
 */
export class KeepClvSent1769400000000 implements MigrationInterface {
  name = 'KeepClvSent1769400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_write_back_state ADD COLUMN clv_sent bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_write_back_state DROP COLUMN clv_sent`);
  }
}
