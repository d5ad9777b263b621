import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';
import {
  INSERT_REMINDERS_SQL,
  OPEN_REMINDERS_SQL,
  POOL_LIST_SQL,
  SWEEP_CANDIDATES_SQL,
  SWEEP_TABLE_SQL,
} from './pool.sql';
import type { Tier } from './rebalance';

export interface WorkspacePoolRow {
  settings: Record<string, unknown> | null;
  timezone: string;
  current_score_run_id: string | null;
}

export interface PoolListRow {
  id: string;
  external_id: string;
  name: string | null;
  tier: Tier;
  /** bigint as text */
  value: string;
  lifecycle: string | null;
  team_id: string | null;
  team: string | null;
  released_at: Date | null;
  released_from: string | null;
  reason: string | null;
}

export interface ClaimCandidateRow {
  id: string;
  tier: Tier;
  lapsed_at: Date | null;
}

export interface OpenReminderRow {
  id: string;
  customer_id: string;
  external_id: string;
  name: string | null;
  rep_id: string;
  /** the rep's external id */
  rep: string;
  rep_name: string;
  value_tier: Tier;
  last_follow_up_at: Date;
  release_on: string;
  created_at: Date;
}

/** A pool claim by one of a team's reps. */
export interface TeamClaimRow {
  id: string;
  customer_id: string;
  external_id: string;
  name: string | null;
  rep_id: string;
  rep_name: string;
  claimed_at: Date;
}

export interface DueReleaseRow {
  id: string;
  rep_id: string;
  team_id: string | null;
}

/** What a team sees of the pool: accounts it may claim, the longest wait, and its claims since a moment. */
export interface TeamPoolSummaryRow {
  /** in the team's pool or the workspace pool (what GET /v1/pool lists to the team) */
  accounts: number;
  /** of which released to the team's own pool */
  team_pool: number;
  /** the earliest release among them; null when none was released (never owned, or an empty pool) */
  oldest_released_at: Date | null;
  /** pool claims by the team's reps since `since` */
  claims: number;
}

/** The sweep's parameters beyond the workspace: see SWEEP_CANDIDATES_SQL. */
export interface SweepWindow {
  now: Date;
  runId: string | null;
  today: string;
  timezone: string;
  followUpDays: Record<Tier, number | null>;
  reminderDaysBefore: number;
}

/** The public pool's SQL: policy, pool listing, claims, reminders and the daily sweep. */
@Injectable()
export class PoolRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  workspacePolicy(workspaceId: string): Promise<WorkspacePoolRow | undefined> {
    return this.first<WorkspacePoolRow>(
      `SELECT settings, timezone, current_score_run_id FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
  }

  lockWorkspaceSettings(
    workspaceId: string,
    tx: Tx,
  ): Promise<{ settings: { pool?: unknown } | null } | undefined> {
    return this.first(`SELECT settings FROM workspaces WHERE id = $1 FOR UPDATE`, [workspaceId], tx);
  }

  savePoolSettings(workspaceId: string, stored: unknown, tx: Tx): Promise<void> {
    return this.exec(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{pool}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [workspaceId, JSON.stringify(stored)],
      tx,
    );
  }

  list(
    workspaceId: string,
    q: {
      runId: string | null;
      allTeams: boolean;
      team: string | null;
      tier: Tier | null;
      value: string | null;
      id: string | null;
      limit: number;
    },
  ): Promise<PoolListRow[]> {
    return this.rows<PoolListRow>(POOL_LIST_SQL, [
      workspaceId,
      q.runId,
      q.allTeams,
      q.team,
      q.tier,
      q.value,
      q.id,
      q.limit,
    ]);
  }

  teamOf(workspaceId: string, repId: string): Promise<{ team_id: string | null } | undefined> {
    return this.first(`SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`, [repId, workspaceId]);
  }

  /** Locks the claiming rep's row: claims of one rep run one at a time. */
  lockRep(
    workspaceId: string,
    repId: string,
    tx: Tx,
  ): Promise<{ id: string; team_id: string | null; active: boolean } | undefined> {
    return this.first(
      `SELECT id, team_id, active FROM reps WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [repId, workspaceId],
      tx,
    );
  }

  /** The requested customers that sit in a pool the rep may claim from, locked, with when they lapsed from the rep. */
  claimable(
    workspaceId: string,
    q: { ids: string[]; repId: string; teamId: string | null; runId: string | null },
    tx: Tx,
  ): Promise<ClaimCandidateRow[]> {
    return this.rows<ClaimCandidateRow>(
      `SELECT c.id::text AS id, COALESCE(s.value_tier, 'general') AS tier,
                (SELECT max(h.created_at) FROM assignment_history h
                 WHERE h.workspace_id = $1 AND h.customer_id = c.id AND h.from_rep_id = $3
                   AND h.reason = 'pool_release') AS lapsed_at
         FROM customers c
         LEFT JOIN pool_entries pe ON pe.customer_id = c.id
         LEFT JOIN customer_scores s ON s.run_id = $5 AND s.customer_id = c.id
         WHERE c.workspace_id = $1 AND c.id = ANY ($2::bigint[]) AND c.owner_rep_id IS NULL
           AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
           AND (pe.team_id IS NULL OR pe.team_id = $4::uuid)
         ORDER BY c.id
         FOR UPDATE OF c`,
      [workspaceId, q.ids, q.repId, q.teamId, q.runId],
      tx,
    );
  }

  /** The pool as one team sees it (the scope of POOL_LIST_SQL for that team) and its reps' claims since `since`. */
  async teamSummary(workspaceId: string, teamId: string, since: Date): Promise<TeamPoolSummaryRow> {
    const [row] = await this.rows<TeamPoolSummaryRow>(
      `SELECT count(*)::int AS accounts, count(*) FILTER (WHERE pe.team_id = $2)::int AS team_pool,
              min(pe.released_at) AS oldest_released_at,
              (SELECT count(*)::int FROM assignment_history h JOIN reps r ON r.id = h.to_rep_id
               WHERE h.workspace_id = $1 AND h.reason = 'pool_claim' AND h.created_at >= $3
                 AND r.workspace_id = $1 AND r.team_id = $2) AS claims
         FROM customers c
         LEFT JOIN pool_entries pe ON pe.customer_id = c.id
         WHERE c.workspace_id = $1 AND c.owner_rep_id IS NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
           AND (pe.team_id IS NULL OR pe.team_id = $2)`,
      [workspaceId, teamId, since],
    );
    return row;
  }

  /** Reps a manager answers for: their direct reports and their team. */
  async managedRepIds(workspaceId: string, managerId: string, teamId: string | null): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT id FROM reps WHERE workspace_id = $1 AND (manager_id = $2 OR (team_id IS NOT NULL AND team_id = $3))`,
      [workspaceId, managerId, teamId],
    );
    return rows.map((r) => r.id);
  }

  /** Every rep of the team, active or not (a deactivated rep's reminders are gone with their accounts). */
  async teamRepIds(workspaceId: string, teamId: string): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT id FROM reps WHERE workspace_id = $1 AND team_id = $2`,
      [workspaceId, teamId],
    );
    return rows.map((r) => r.id);
  }

  /** The latest pool claims by the team's reps since `since`, newest first (the rep's team as it is now). */
  teamClaims(workspaceId: string, teamId: string, since: Date, limit: number): Promise<TeamClaimRow[]> {
    return this.rows<TeamClaimRow>(
      `SELECT h.id::text AS id, c.id::text AS customer_id, c.external_id, c.name, r.id AS rep_id,
              r.name AS rep_name, h.created_at AS claimed_at
         FROM assignment_history h
         JOIN reps r ON r.id = h.to_rep_id
         JOIN customers c ON c.id = h.customer_id
         WHERE h.workspace_id = $1 AND h.reason = 'pool_claim' AND h.created_at >= $3
           AND r.workspace_id = $1 AND r.team_id = $2 AND c.workspace_id = $1
         ORDER BY h.created_at DESC, h.id DESC
         LIMIT $4`,
      [workspaceId, teamId, since, limit],
    );
  }

  openReminders(
    workspaceId: string,
    all: boolean,
    repIds: string[],
    limit: number,
  ): Promise<OpenReminderRow[]> {
    return this.rows<OpenReminderRow>(OPEN_REMINDERS_SQL, [workspaceId, all, repIds, limit]);
  }

  /** Accounts the rep holds, by tier of the score run. */
  heldByTier(repId: string, runId: string | null, tx?: Tx): Promise<Array<{ tier: Tier; n: number }>> {
    return this.rows(
      // @crossTenant the rep is the caller's own (or was just locked in the caller's workspace); owners are in its workspace
      `SELECT COALESCE(s.value_tier, 'general') AS tier, count(*)::int AS n
         FROM customers c LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = c.id
         WHERE c.owner_rep_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
         GROUP BY 1`,
      [repId, runId],
      tx,
    );
  }

  /** Pool claims of the rep since midnight in the workspace's time zone. */
  async claimsToday(repId: string, timezone: string, tx?: Tx): Promise<number> {
    const [today] = await this.rows<{ n: number }>(
      // @crossTenant the rep is the caller's own (or was just locked in the caller's workspace)
      `SELECT count(*)::int AS n FROM assignment_history
         WHERE to_rep_id = $1 AND reason = 'pool_claim'
           AND created_at >= (timezone($2, now())::date::timestamp AT TIME ZONE $2)`,
      [repId, timezone],
      tx,
    );
    return today.n;
  }

  /** One sweep per workspace at a time; a second one waits and then finds nothing left to do. */
  lockSweep(workspaceId: string, tx: Tx): Promise<void> {
    return this.exec(`SELECT pg_advisory_xact_lock(hashtext('pool-sweep:' || $1::text))`, [workspaceId], tx);
  }

  /** Fills the sweep's working table (dropped at commit) with the owned accounts due for a reminder or release. */
  async collectSweepCandidates(workspaceId: string, w: SweepWindow, tx: Tx): Promise<void> {
    await this.exec(SWEEP_TABLE_SQL, [], tx);
    await this.exec(
      SWEEP_CANDIDATES_SQL,
      [
        workspaceId,
        w.now,
        w.runId,
        w.today,
        w.timezone,
        w.followUpDays.core,
        w.followUpDays.potential,
        w.followUpDays.general,
        w.reminderDaysBefore,
      ],
      tx,
    );
  }

  /** Swept accounts whose owner was warned and whose release day has come. */
  dueReleases(today: string, tx: Tx): Promise<DueReleaseRow[]> {
    return this.rows<DueReleaseRow>(
      `SELECT id::text, rep_id, team_id FROM pool_sweep WHERE release_on <= $1::date AND warned ORDER BY id`,
      [today],
      tx,
    );
  }

  /** Reminds owners of swept accounts not yet reminded in this ownership episode; one row per reminder. */
  insertReminders(workspaceId: string, today: string, now: Date, tx: Tx): Promise<Array<{ rep_id: string }>> {
    return this.rows(INSERT_REMINDERS_SQL, [workspaceId, today, now], tx);
  }

  /** Entries whose customer got an owner some other way (CRM import, merge) are no longer in the pool. */
  dropOwnedEntries(workspaceId: string, tx: Tx): Promise<void> {
    return this.exec(
      `DELETE FROM pool_entries pe USING customers c
         WHERE pe.workspace_id = $1 AND c.id = pe.customer_id AND c.owner_rep_id IS NOT NULL`,
      [workspaceId],
      tx,
    );
  }
}
