import { Injectable } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { assignmentSettings, SettingsError } from './assignment-settings';
import { RepLoadRepository, RepLoadRow } from './rep-load.repository';

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

/** Each rep's book for managers: accounts by tier, expected value, and how much of their capacity it takes. */
@Injectable()
export class RepLoadService {
  constructor(
    private readonly loads: RepLoadRepository,
    private readonly scope: AccessScopeService,
  ) {}

  async teamLoad(p: Principal, teamRef: string, workingDaysOverride?: number): Promise<TeamLoadView> {
    const team = await this.scope.manageableTeam(p, teamRef);
    const ws = (await this.loads.workspace(p.workspaceId))!;
    let workingDays: number;
    try {
      workingDays = workingDaysOverride ?? assignmentSettings(ws.settings).workingDays;
    } catch (e) {
      if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
      throw e;
    }
    const runId: string | null = ws.current_score_run_id;
    const [rows, pool, openProposals] = await Promise.all([
      this.loads.repLoads(p.workspaceId, team.id, runId),
      this.loads.teamPool(p.workspaceId, team.id, runId),
      this.loads.openProposals(p.workspaceId, team.id),
    ]);
    const reps = rows.map((r) => repLoadView(r, workingDays));
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
      openProposals,
    };
  }
}

/** One rep's row as the view shows it; capacity is daily capacity × working days. */
function repLoadView(r: RepLoadRow, workingDays: number): RepLoadView {
  const capacityAccounts = r.daily_capacity * workingDays;
  const total = r.total;
  return {
    rep: {
      id: r.id,
      externalId: r.external_id,
      name: r.name,
      role: r.role,
      active: r.active,
    },
    dailyCapacity: r.daily_capacity,
    accounts: {
      total,
      core: r.core,
      potential: r.potential,
      general: r.general,
      unscored: r.unscored,
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
}
