import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { assignmentSettings, SettingsError } from './assignment-settings';

interface TierCounts {
  total: number;
  core: number;
  potential: number;
  general: number;
  /** customers without a score in the current snapshot (counted as general by the pool and the rebalancer) */
  unscored: number;
}

export interface RepLoadView {
  rep: { id: string; externalId: string; name: string; role: string; active: boolean };
  dailyCapacity: number;
  accounts: TierCounts;
  /** sum of CLV (current snapshot), minor units of the workspace currency */
  expectedValue: { total: number; core: number; potential: number; general: number };
  /** accounts the rep can get round once in `workingDays` (daily capacity × working days), and the share used */
  capacity: { accounts: number; use: number | null };
}

export interface TeamLoadView {
  team: { id: string; externalId: string; name: string };
  scoreRunId: string | null;
  currency: string;
  workingDays: number;
  reps: RepLoadView[];
  totals: { accounts: TierCounts; expectedValue: number; capacityAccounts: number };
  pool: { accounts: number; core: number; potential: number; general: number };
  openProposals: number;
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

/** Each rep's book for managers: accounts by tier, expected value, and how much of their capacity it takes. */
@Injectable()
export class RepLoadService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
  ) {}

  async teamLoad(p: Principal, teamRef: string, workingDaysOverride?: number): Promise<TeamLoadView> {
    const team = await this.scope.manageableTeam(p, teamRef);
    const [ws] = await this.db.query(
      `SELECT current_score_run_id, currency, settings FROM workspaces WHERE id = $1`,
      [p.workspaceId],
    );
    let workingDays: number;
    try {
      workingDays = workingDaysOverride ?? assignmentSettings(ws.settings).workingDays;
    } catch (e) {
      if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
      throw e;
    }
    const runId: string | null = ws.current_score_run_id;
    const params = [p.workspaceId, team.id, runId];
    const [rows, [pool], [open]] = await Promise.all([
      this.db.query(LOAD_SQL, params),
      this.db.query(POOL_SQL, params),
      this.db.query(
        `SELECT count(*)::int AS n FROM rebalance_proposals WHERE workspace_id = $1 AND team_id = $2 AND status = 'open'`,
        [p.workspaceId, team.id],
      ),
    ]);
    const reps: RepLoadView[] = (rows as Array<Record<string, unknown>>).map((r) => {
      const capacityAccounts = (r.daily_capacity as number) * workingDays;
      const total = r.total as number;
      return {
        rep: {
          id: r.id as string,
          externalId: r.external_id as string,
          name: r.name as string,
          role: r.role as string,
          active: r.active as boolean,
        },
        dailyCapacity: r.daily_capacity as number,
        accounts: {
          total,
          core: r.core as number,
          potential: r.potential as number,
          general: r.general as number,
          unscored: r.unscored as number,
        },
        expectedValue: {
          total: Number(r.value),
          core: Number(r.value_core),
          potential: Number(r.value_potential),
          general: Number(r.value_general),
        },
        capacity: {
          accounts: capacityAccounts,
          use: capacityAccounts > 0 ? Math.round((total / capacityAccounts) * 1000) / 1000 : null,
        },
      };
    });
    const sum = (f: (r: RepLoadView) => number) => reps.reduce((s, r) => s + f(r), 0);
    return {
      team,
      scoreRunId: runId,
      currency: ws.currency,
      workingDays,
      reps,
      totals: {
        accounts: {
          total: sum((r) => r.accounts.total),
          core: sum((r) => r.accounts.core),
          potential: sum((r) => r.accounts.potential),
          general: sum((r) => r.accounts.general),
          unscored: sum((r) => r.accounts.unscored),
        },
        expectedValue: sum((r) => r.expectedValue.total),
        capacityAccounts: sum((r) => (r.rep.active ? r.capacity.accounts : 0)),
      },
      pool,
      openProposals: open.n,
    };
  }
}
