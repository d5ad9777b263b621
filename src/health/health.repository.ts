import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface StuckRunsRow {
  stuck: number;
  /** seconds since the quietest stuck run last made progress */
  quiet_seconds: number | null;
}

/** What /health reads from the database besides the heartbeats. */
@Injectable()
export class HealthRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async ping(): Promise<void> {
    await this.exec('SELECT 1');
  }

  /** Active scoring runs (any workspace) that neither they nor a chunk of theirs moved for `staleSeconds`. */
  async stuckRuns(staleSeconds: number): Promise<StuckRunsRow> {
    const row = await this.crossTenant('/health counts every workspace’s runs', () =>
      this.first<StuckRunsRow>(
        // @crossTenant /health is about the deployment: it counts stuck runs of every workspace, names none
        `SELECT count(*)::int AS stuck, max(EXTRACT(EPOCH FROM now() - progress))::int AS quiet_seconds
       FROM (SELECT GREATEST(r.created_at, r.started_at,
                      (SELECT max(GREATEST(c.inputs_at, c.started_at, c.done_at)) FROM score_run_chunks c
                       WHERE c.run_id = r.id)) AS progress
             FROM score_runs r
             WHERE r.status IN ('queued', 'preparing', 'scoring', 'finalizing')) a
       WHERE progress < now() - make_interval(secs => $1)`,
        [staleSeconds],
      ),
    );
    return row ?? { stuck: 0, quiet_seconds: null };
  }
}
