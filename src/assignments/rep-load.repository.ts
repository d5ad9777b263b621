import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface RepLoadRow {
  id: string;
  external_id: string;
  name: string;
  role: string;
  active: boolean;
  daily_capacity: number;
  total: number;
  core: number;
  potential: number;
  general: number;
  unscored: number;
  /** sums of CLV as text (numeric) */
  value: string;
  value_core: string;
  value_potential: string;
  value_general: string;
}

export interface TeamPoolRow {
  accounts: number;
  core: number;
  potential: number;
  general: number;
}

export interface WorkspaceLoadRow {
  current_score_run_id: string | null;
  currency: string;
  settings: Record<string, unknown> | null;
}

const LOAD_SQL = `
  SELECT r.id, r.external_id, r.name, r.role, r.active, r.daily_capacity,
         count(c.id)::int AS total,
         count(c.id) FILTER (WHERE s.value_tier = 'core')::int AS core,
         count(c.id) FILTER (WHERE s.value_tier = 'potential')::int AS potential,
         count(c.id) FILTER (WHERE s.value_tier = 'general')::int AS general,
         count(c.id) FILTER (WHERE c.id IS NOT NULL AND s.customer_id IS NULL)::int AS unscored,
         COALESCE(sum(s.clv), 0)::text AS value,
         COALESCE(sum(s.clv) FILTER (WHERE s.value_tier = 'core'), 0)::text AS value_core,
         COALESCE(sum(s.clv) FILTER (WHERE s.value_tier = 'potential'), 0)::text AS value_potential,
         COALESCE(sum(s.clv) FILTER (WHERE s.value_tier = 'general'), 0)::text AS value_general
  FROM reps r
  LEFT JOIN customers c ON c.workspace_id = $1 AND c.owner_rep_id = r.id
    AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  LEFT JOIN customer_scores s ON s.run_id = $3 AND s.customer_id = c.id
  WHERE r.workspace_id = $1 AND r.team_id = $2
  GROUP BY r.id
  ORDER BY r.role DESC, r.external_id`;

const POOL_SQL = `
  SELECT count(*)::int AS accounts,
         count(*) FILTER (WHERE s.value_tier = 'core')::int AS core,
         count(*) FILTER (WHERE s.value_tier = 'potential')::int AS potential,
         count(*) FILTER (WHERE s.value_tier IS NULL OR s.value_tier = 'general')::int AS general
  FROM pool_entries pe
  JOIN customers c ON c.id = pe.customer_id AND c.owner_rep_id IS NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  LEFT JOIN customer_scores s ON s.run_id = $3 AND s.customer_id = c.id
  WHERE pe.workspace_id = $1 AND pe.team_id = $2`;

/** The numbers of the rep-load view: each rep's book, the team pool and open proposals. */
@Injectable()
export class RepLoadRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  workspace(workspaceId: string): Promise<WorkspaceLoadRow | undefined> {
    return this.first<WorkspaceLoadRow>(
      `SELECT current_score_run_id, currency, settings FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
  }

  /** Each rep of the team with their accounts by tier and CLV sums of the score run. */
  repLoads(workspaceId: string, teamId: string, runId: string | null): Promise<RepLoadRow[]> {
    return this.rows<RepLoadRow>(LOAD_SQL, [workspaceId, teamId, runId]);
  }

  async teamPool(workspaceId: string, teamId: string, runId: string | null): Promise<TeamPoolRow> {
    const [pool] = await this.rows<TeamPoolRow>(POOL_SQL, [workspaceId, teamId, runId]);
    return pool;
  }

  async openProposals(workspaceId: string, teamId: string): Promise<number> {
    const [open] = await this.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM rebalance_proposals WHERE workspace_id = $1 AND team_id = $2 AND status = 'open'`,
      [workspaceId, teamId],
    );
    return open.n;
  }
}
