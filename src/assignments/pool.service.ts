import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { actorOf } from '../auth/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { Transactions, Tx } from '../database/transactions';
import { OutboxService } from '../webhooks/outbox.service';
import { todayIn } from '../workspaces/workspaces.service';
import {
  judgeClaim,
  patchPoolSettings,
  PoolPolicy,
  poolPolicy,
  SettingsError,
  TIERS,
} from './assignment-settings';
import { OwnershipWriter } from './ownership-writer.service';
import { ClaimCandidateRow, PoolRepository } from './pool.repository';
import type { Tier } from './rebalance';

export interface PoolAccountView {
  id: string;
  externalId: string;
  name: string | null;
  tier: Tier;
  /** CLV of the current snapshot, minor units */
  expectedValue: number;
  lifecycle: string | null;
  /** null: the workspace pool, open to every team */
  team: string | null;
  releasedAt: Date | null;
  releasedFrom: string | null;
  reason: string | null;
}

export interface Allowance {
  claimsToday: number;
  claimsLeftToday: number;
  holdings: Record<Tier, { held: number; cap: number | null }>;
}

/** The pool as a team's manager sees it (read-only): what is waiting, since when, and what the team claimed. */
export interface TeamPoolSummary {
  enabled: boolean;
  /** accounts the team's reps may claim: the team's pool and the workspace pool */
  accounts: number;
  /** of which in the team's own pool */
  teamPool: number;
  oldestReleasedAt: Date | null;
  /** pool claims by the team's reps in the last `days` days */
  claims: number;
  days: number;
}

/** An open reminder: the owner has not followed up and the account returns to the pool on `releaseOn`. */
export interface TeamReminderView {
  id: string;
  customer: { id: string; externalId: string; name: string | null };
  rep: { id: string; externalId: string; name: string };
  /** the tier whose follow-up deadline ran out */
  tier: Tier;
  lastFollowUpAt: Date;
  /** calendar day in the workspace's time zone */
  releaseOn: string;
  remindedAt: Date;
}

/** A pool claim by one of the team's reps (reps claim for themselves only). */
export interface TeamClaimView {
  customer: { id: string; externalId: string; name: string | null };
  rep: { id: string; name: string };
  claimedAt: Date;
}

export interface SweepReport {
  workspaceId: string;
  today: string;
  reminded: number;
  released: number;
  skipped?: string;
}

/**
 * The public pool (公海): accounts whose owner stopped following up are reminded, then released to their team's
 * pool by a daily sweep; reps claim from their team's pool and the workspace pool within caps and limits.
 */
@Injectable()
export class PoolService {
  private readonly logger = new Logger(PoolService.name);

  constructor(
    private readonly pool: PoolRepository,
    private readonly transactions: Transactions,
    private readonly scope: AccessScopeService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async policy(workspaceId: string): Promise<{ policy: PoolPolicy; timezone: string; runId: string | null }> {
    const ws = await this.pool.workspacePolicy(workspaceId);
    if (!ws) throw AppError.notFound('workspace');
    try {
      return { policy: poolPolicy(ws.settings), timezone: ws.timezone, runId: ws.current_score_run_id };
    } catch (e) {
      if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
      throw e;
    }
  }

  /** Changes `settings.pool` (admins), audited; returns the effective policy. */
  async updateSettings(p: Principal, patch: Record<string, unknown>): Promise<PoolPolicy> {
    return this.transactions.run(async (tx) => {
      const ws = await this.pool.lockWorkspaceSettings(p.workspaceId, tx);
      let stored;
      try {
        stored = patchPoolSettings(ws!.settings?.pool, patch);
      } catch (e) {
        if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
        throw e;
      }
      await this.pool.savePoolSettings(p.workspaceId, stored, tx);
      await audit(tx, {
        workspaceId: p.workspaceId,
        actor: actorOf(p),
        action: 'pool.settings_changed',
        subject: `workspace:${p.workspaceId}`,
        details: { change: patch, stored },
      });
      return poolPolicy({ pool: stored });
    });
  }

  /** Pool accounts the principal may see: reps and managers their team's pool and the workspace pool. */
  async list(
    p: Principal,
    q: { tier?: Tier; limit?: number; cursor?: string },
  ): Promise<{ accounts: PoolAccountView[]; nextCursor: string | null; allowance: Allowance | null }> {
    const { policy, timezone, runId } = await this.policy(p.workspaceId);
    const limit = q.limit ?? 50;
    const allTeams = p.role === 'admin' || p.role === 'integration';
    const team = allTeams ? null : await this.teamOf(p);
    const [value, id] = q.cursor ? q.cursor.split('_') : [null, null];
    const rows = await this.pool.list(p.workspaceId, {
      runId,
      allTeams,
      team,
      tier: q.tier ?? null,
      value,
      id,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      accounts: page.map((r) => ({
        id: r.id,
        externalId: r.external_id,
        name: r.name,
        tier: r.tier,
        expectedValue: Number(r.value),
        lifecycle: r.lifecycle,
        team: r.team,
        releasedAt: r.released_at,
        releasedFrom: r.released_from,
        reason: r.reason,
      })),
      nextCursor: rows.length > limit ? `${last.value}_${last.id}` : null,
      allowance:
        p.role === 'rep' && p.repId
          ? await this.allowance(undefined, p.repId, policy, timezone, runId)
          : null,
    };
  }

  /**
   * A rep takes pool accounts, all or nothing: every id must be in a pool the rep may claim from (else 404), and
   * the daily limit, holding caps and re-claim cooldown must allow all of them (else 409 with the rule's code).
   * Claims of one rep are serialised on their rep row, so two parallel claims cannot both slip under a limit.
   */
  async claim(
    p: Principal,
    customerIds: string[],
  ): Promise<{ claimed: string[]; batchId: string; allowance: Allowance }> {
    if (p.role !== 'rep' || !p.repId) throw new AppError('forbidden', 'only reps claim from the pool', 403);
    const repId = p.repId;
    const { policy, timezone, runId } = await this.policy(p.workspaceId);
    const ids = [...new Set(customerIds)];
    const result = await this.transactions.run(async (tx) => {
      const rep = await this.pool.lockRep(p.workspaceId, repId, tx);
      if (!rep?.active) throw new AppError('rep_inactive', 'the rep is deactivated', HttpStatus.CONFLICT);
      const rows = await this.pool.claimable(p.workspaceId, { ids, repId, teamId: rep.team_id, runId }, tx);
      assertAllFound(ids, rows);
      const before = await this.allowance(tx, repId, policy, timezone, runId);
      const verdict = judgeClaim({
        policy,
        holdings: {
          core: before.holdings.core.held,
          potential: before.holdings.potential.held,
          general: before.holdings.general.held,
        },
        claimedToday: before.claimsToday,
        candidates: rows.map((r) => ({ id: r.id, tier: r.tier, lapsedFromMeAt: r.lapsed_at })),
        now: new Date(),
      });
      if (!verdict.ok)
        throw new AppError(verdict.code, verdict.message, HttpStatus.CONFLICT, verdict.details);
      const { batchId, applied } = await this.writer.apply(tx, {
        workspaceId: p.workspaceId,
        changes: rows.map((r) => ({ customerId: r.id, toRepId: repId, expectFrom: null })),
        reason: 'pool_claim',
        actor: actorOf(p),
      });
      return { claimed: applied.map((a) => a.customerId), batchId };
    });
    await this.outbox.kick();
    return { ...result, allowance: await this.allowance(undefined, repId, policy, timezone, runId) };
  }

  /**
   * The team's view of the pool for someone who may manage the team (else 404, like a missing team): how many
   * accounts wait, the longest wait, and the team's claims over the last `days` days.
   */
  async teamSummary(p: Principal, teamRef: string, days = 7, now = new Date()): Promise<TeamPoolSummary> {
    const team = await this.scope.manageableTeam(p, teamRef);
    const { policy } = await this.policy(p.workspaceId);
    const since = new Date(now.getTime() - days * 86_400_000);
    const row = await this.pool.teamSummary(p.workspaceId, team.id, since);
    return {
      enabled: policy.enabled,
      accounts: row.accounts,
      teamPool: row.team_pool,
      oldestReleasedAt: row.oldest_released_at,
      claims: row.claims,
      days,
    };
  }

  /**
   * Open reminders of one team's reps, soonest release first, for someone who may manage the team (else 404, like
   * a missing team): what the manager dashboard lists. Unlike `reminders`, an admin sees this team's only.
   */
  async teamReminders(p: Principal, teamRef: string, limit = 100): Promise<TeamReminderView[]> {
    const team = await this.scope.manageableTeam(p, teamRef);
    const repIds = await this.pool.teamRepIds(p.workspaceId, team.id);
    const rows = await this.pool.openReminders(p.workspaceId, false, repIds, limit);
    return rows.map((r) => ({
      id: String(r.id),
      customer: { id: r.customer_id, externalId: r.external_id, name: r.name },
      rep: { id: r.rep_id, externalId: r.rep, name: r.rep_name },
      tier: r.value_tier,
      lastFollowUpAt: r.last_follow_up_at,
      releaseOn: r.release_on,
      remindedAt: r.created_at,
    }));
  }

  /** The team's latest pool claims over the last `days` days, newest first, for someone who may manage the team. */
  async teamClaims(
    p: Principal,
    teamRef: string,
    q: { days?: number; limit?: number } = {},
    now = new Date(),
  ): Promise<TeamClaimView[]> {
    const team = await this.scope.manageableTeam(p, teamRef);
    const since = new Date(now.getTime() - (q.days ?? 7) * 86_400_000);
    const rows = await this.pool.teamClaims(p.workspaceId, team.id, since, q.limit ?? 20);
    return rows.map((r) => ({
      customer: { id: r.customer_id, externalId: r.external_id, name: r.name },
      rep: { id: r.rep_id, name: r.rep_name },
      claimedAt: r.claimed_at,
    }));
  }

  /** Open reminders the principal may see: a rep their own, a manager their team's, an admin all. */
  async reminders(p: Principal, limit = 100) {
    const all = p.role === 'admin';
    let repIds: string[] = [];
    if (p.role === 'rep' && p.repId) repIds = [p.repId];
    if (p.role === 'manager' && p.repId) {
      const team = await this.scope.managerTeamId(p);
      repIds = await this.pool.managedRepIds(p.workspaceId, p.repId, team);
    }
    const rows = await this.pool.openReminders(p.workspaceId, all, repIds, limit);
    return {
      reminders: rows.map((r) => ({
        id: String(r.id),
        customer: {
          id: r.customer_id,
          externalId: r.external_id,
          name: r.name,
        },
        rep: r.rep,
        tier: r.value_tier,
        lastFollowUpAt: r.last_follow_up_at,
        releaseOn: r.release_on,
        remindedAt: r.created_at,
      })),
    };
  }

  /**
   * The daily sweep of one workspace: releases accounts whose owner was reminded (before today) and still has not
   * followed up by the tier's deadline, then reminds the owners of accounts coming due. Idempotent within a day.
   * `now` is the moment of evaluation (tests move it; production passes the clock).
   */
  async sweep(workspaceId: string, now = new Date(), actor = 'system:pool-sweep'): Promise<SweepReport> {
    const { policy, timezone, runId } = await this.policy(workspaceId);
    const today = todayIn(timezone, now);
    if (!policy.enabled) return { workspaceId, today, reminded: 0, released: 0, skipped: 'pool disabled' };
    const report = await this.transactions.run(async (tx) => {
      await this.pool.lockSweep(workspaceId, tx);
      await this.pool.collectSweepCandidates(
        workspaceId,
        {
          now,
          runId,
          today,
          timezone,
          followUpDays: policy.followUpDays,
          reminderDaysBefore: policy.reminderDaysBefore,
        },
        tx,
      );
      const due = await this.pool.dueReleases(today, tx);
      const { applied } = await this.writer.apply(tx, {
        workspaceId,
        changes: due.map((d) => ({
          customerId: d.id,
          toRepId: null,
          poolTeamId: d.team_id,
          expectFrom: d.rep_id,
          detail: 'no_follow_up',
        })),
        reason: 'pool_release',
        actor,
      });
      const reminded = await this.pool.insertReminders(workspaceId, today, now, tx);
      await this.pool.dropOwnedEntries(workspaceId, tx);
      const counts = { reminded: reminded.length, released: applied.length };
      await audit(tx, {
        workspaceId,
        actor,
        action: 'pool.swept',
        subject: `workspace:${workspaceId}`,
        details: { today, ...counts },
      });
      return counts;
    });
    if (report.released) await this.outbox.kick();
    this.logger.log(
      `pool sweep ${workspaceId} ${today}: ${report.reminded} reminded, ${report.released} released`,
    );
    return { workspaceId, today, ...report };
  }

  /** What the rep holds and may still claim today; `tx` to count inside a claim (undefined: outside). */
  private async allowance(
    tx: Tx | undefined,
    repId: string,
    policy: PoolPolicy,
    timezone: string,
    runId: string | null,
  ): Promise<Allowance> {
    const held = await this.pool.heldByTier(repId, runId, tx);
    const claimsToday = await this.pool.claimsToday(repId, timezone, tx);
    const heldBy = new Map(held.map((h) => [h.tier, h.n]));
    const holdings = Object.fromEntries(
      TIERS.map((t) => [t, { held: heldBy.get(t) ?? 0, cap: policy.holdingCap[t] }]),
    ) as Allowance['holdings'];
    return {
      claimsToday,
      claimsLeftToday: Math.max(0, policy.dailyClaimLimit - claimsToday),
      holdings,
    };
  }

  private async teamOf(p: Principal): Promise<string | null> {
    if (!p.repId) return null;
    const rep = await this.pool.teamOf(p.workspaceId, p.repId);
    return rep?.team_id ?? null;
  }
}

/** A claim is all or nothing: every requested id must be in a pool the rep may claim from. */
function assertAllFound(ids: string[], rows: ClaimCandidateRow[]): void {
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    throw new AppError(
      'not_found',
      `${missing.length} customer(s) not found in the pool`,
      HttpStatus.NOT_FOUND,
      {
        missing,
      },
    );
  }
}
