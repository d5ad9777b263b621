import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tx } from '../database/transactions';
import { SqlRepository } from '../database/sql-repository';
import { HOLDOUT_SQL } from './experiment-lift';

export interface ExperimentRow {
  id: string;
  workspace_id: string;
  name: string;
  holdout_share: string | number;
  starts_on: string;
  ends_on: string | null;
  created_by: string;
  created_at: Date;
}

/** One group of the report: a value tier (null: all tiers) and arm, with its customers, conversions and revenue. */
export interface LiftGroupRow {
  tier: string | null;
  holdout: boolean;
  customers: number;
  converted: number;
  revenue: string;
}

/** Holdout experiments and the outcome of their two arms. */
@Injectable()
export class ExperimentRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async timezoneOf(workspaceId: string): Promise<string> {
    const ws = await this.first<{ timezone: string }>(
      // @crossTenant the workspace row itself, by its primary key
      `SELECT timezone FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    return (ws as { timezone: string }).timezone;
  }

  async overlaps(workspaceId: string, startsOn: string, endsOn: string | null, tx?: Tx): Promise<boolean> {
    const rows = await this.rows<unknown>(
      `SELECT 1 FROM experiments WHERE workspace_id = $1 AND daterange(starts_on, ends_on, '[]') && daterange($2::date, $3::date, '[]')`,
      [workspaceId, startsOn, endsOn],
      tx,
    );
    return rows.length > 0;
  }

  async insert(
    workspaceId: string,
    e: { name: string; holdoutShare: number; startsOn: string; endsOn: string | null; createdBy: string },
    tx?: Tx,
  ): Promise<ExperimentRow> {
    const [row] = await this.rows<ExperimentRow>(
      `INSERT INTO experiments (workspace_id, name, holdout_share, starts_on, ends_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [workspaceId, e.name, e.holdoutShare, e.startsOn, e.endsOn, e.createdBy],
      tx,
    );
    return row;
  }

  list(workspaceId: string): Promise<ExperimentRow[]> {
    return this.rows<ExperimentRow>(
      `SELECT * FROM experiments WHERE workspace_id = $1 ORDER BY starts_on DESC`,
      [workspaceId],
    );
  }

  /** One experiment with its workspace's time zone. */
  withTimezone(
    workspaceId: string,
    experimentId: string,
  ): Promise<(ExperimentRow & { timezone: string }) | undefined> {
    return this.first<ExperimentRow & { timezone: string }>(
      `SELECT e.*, w.timezone FROM experiments e JOIN workspaces w ON w.id = e.workspace_id WHERE e.id = $1 AND e.workspace_id = $2`,
      [experimentId, workspaceId],
    );
  }

  /** Treated vs holdout over the owned live customers, per tier and overall, for paid orders in [from, to]. */
  liftGroups(
    workspaceId: string,
    experimentId: string,
    window: { from: string; to: string; timezone: string },
  ): Promise<LiftGroupRow[]> {
    return this.rows<LiftGroupRow>(
      `WITH population AS (
         SELECT c.id, COALESCE(s.value_tier, 'unscored') AS tier, ${HOLDOUT_SQL('$2', 'c.id', 'e.holdout_share')} AS holdout
         FROM customers c
         JOIN experiments e ON e.id = $2
         LEFT JOIN workspaces w ON w.id = c.workspace_id
         LEFT JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = c.id
         WHERE c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       ), outcome AS (
         SELECT o.customer_id, sum(o.amount_minor) AS revenue
         FROM orders o
         WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL
           AND o.placed_at >= ($3::date::timestamp AT TIME ZONE $5) AND o.placed_at < (($4::date + 1)::timestamp AT TIME ZONE $5)
         GROUP BY o.customer_id
       )
       SELECT p.tier, p.holdout, count(*)::int AS customers, count(o.customer_id)::int AS converted, COALESCE(sum(o.revenue), 0) AS revenue
       FROM population p LEFT JOIN outcome o ON o.customer_id = p.id
       GROUP BY GROUPING SETS ((p.tier, p.holdout), (p.holdout))`,
      [workspaceId, experimentId, window.from, window.to, window.timezone],
    );
  }
}
