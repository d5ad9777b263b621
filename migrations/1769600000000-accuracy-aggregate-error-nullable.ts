import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A backtest row's aggregate error, (predicted − actual) / actual, has no value when nothing was bought in the
 * holdout but something was predicted: it was stored as 0, which the dashboard and `score accuracy` showed as a
 * perfect forecast. Now null there (models/backtest.ts holdoutMetrics).
 */
export class AccuracyAggregateErrorNullable1769600000000 implements MigrationInterface {
  name = 'AccuracyAggregateErrorNullable1769600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE score_run_accuracy ALTER COLUMN aggregate_error DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE score_run_accuracy SET aggregate_error = 0 WHERE aggregate_error IS NULL`);
    await q.query(`ALTER TABLE score_run_accuracy ALTER COLUMN aggregate_error SET NOT NULL`);
  }
}
