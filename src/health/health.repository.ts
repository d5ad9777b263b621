import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface StuckRunsRow {
  stuck: number;
  /** seconds since the quietest stuck run last made progress */
  quiet_seconds: number | null;
}

export interface InboxOpenRow {
  pending: number;
  failed: number;
  /** seconds since the oldest pending message arrived; null when none is pending */
  oldest_pending_seconds: number | null;
}

export interface LastSuccessRow {
  slug: string;
  /** unix seconds */
  finished_at: number;
}

/** What /health and /metrics read from the database besides the heartbeats. */
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

  /**
   * Unprocessed inbound CRM messages of every workspace (the partial index crm_inbox_open_idx holds just these),
   * within `timeoutMs` of database time.
   */
  inboxOpen(timeoutMs: number): Promise<InboxOpenRow> {
    return this.limited(timeoutMs, async (q) => {
      const rows = (await q(
        // @crossTenant /metrics is about the deployment: totals over every workspace, naming none
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                count(*) FILTER (WHERE status = 'failed')::int AS failed,
                EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE status = 'pending'))::int
                  AS oldest_pending_seconds
         FROM crm_inbox WHERE status <> 'processed'`,
      )) as InboxOpenRow[];
      return rows[0];
    });
  }

  /** When each workspace's last live (not backtest) scoring run completed, within `timeoutMs` of database time. */
  lastScoringSuccess(timeoutMs: number): Promise<LastSuccessRow[]> {
    return this.limited(timeoutMs, async (q) => {
      return (await q(
        // @crossTenant /metrics is about the deployment: one series per workspace (docs/operations.md#monitoring)
        `SELECT w.slug, EXTRACT(EPOCH FROM last.finished_at)::float8 AS finished_at
         FROM workspaces w
         CROSS JOIN LATERAL (
           SELECT r.finished_at FROM score_runs r
           WHERE r.workspace_id = w.id AND r.status = 'completed'
             AND coalesce(r.model_params->>'backtest', 'false') <> 'true'
           ORDER BY r.created_at DESC LIMIT 1) last`,
      )) as LastSuccessRow[];
    });
  }

  /** Runs `work` in a transaction whose statements give up after `timeoutMs` (a scrape must not queue up work). */
  private limited<T>(
    timeoutMs: number,
    work: (q: (sql: string) => Promise<unknown>) => Promise<T>,
  ): Promise<T> {
    // every caller is a /metrics gauge over the whole deployment (row-level security: all workspaces' rows)
    return this.crossTenant('/metrics totals every workspace', () =>
      this.db.transaction(async (m) => {
        await m.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
        return work((sql) => m.query(sql) as Promise<unknown>);
      }),
    );
  }
}
