import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export type PushedMetrics = Array<MetricObjectWithValues<MetricValue<string>>>;

/** Metrics pushed by processes without HTTP (not a tenant table: one row per process of the deployment). */
@Injectable()
export class ProcessMetricsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Writes this process's counts; rows not written for `keepSeconds` are removed on the way. */
  async write(processId: string, metrics: PushedMetrics, keepSeconds: number): Promise<void> {
    await this.exec(
      `WITH gone AS (DELETE FROM process_metrics WHERE written_at < now() - make_interval(secs => $3))
       INSERT INTO process_metrics (process_id, metrics) VALUES ($1, $2)
       ON CONFLICT (process_id) DO UPDATE SET metrics = EXCLUDED.metrics, written_at = now()`,
      [processId, JSON.stringify(metrics), keepSeconds],
    );
  }

  /** Every process's counts written within `keepSeconds`, at most `timeoutMs` of database time. */
  async recent(keepSeconds: number, timeoutMs: number): Promise<PushedMetrics[]> {
    const rows = await this.db.transaction(async (m) => {
      await m.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
      return (await m.query(
        `SELECT metrics FROM process_metrics WHERE written_at >= now() - make_interval(secs => $1)`,
        [keepSeconds],
      )) as Array<{ metrics: PushedMetrics }>;
    });
    return rows.map((r) => r.metrics);
  }
}
