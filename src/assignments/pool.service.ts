import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { actorOf } from '../audit/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { Queryable } from '../database/sql';
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
import {
  INSERT_REMINDERS_SQL,
  OPEN_REMINDERS_SQL,
  POOL_LIST_SQL,
  SWEEP_CANDIDATES_SQL,
  SWEEP_TABLE_SQL,
} from './pool.sql';
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
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async policy(workspaceId: string): Promise<{ policy: PoolPolicy; timezone: string; runId: string | null }> {
    const [ws] = await this.db.query(
      `SELECT settings, timezone, current_score_run_id FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
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
    return this.db.transaction(async (tx) => {
      const [ws] = await tx.query(`SELECT settings FROM workspaces WHERE id = $1 FOR UPDATE`, [
        p.workspaceId,
      ]);
      let stored;
      try {
        stored = patchPoolSettings(ws.settings?.pool, patch);
      } catch (e) {
        if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
        throw e;
      }
      await tx.query(
        `UPDATE workspaces SET settings = jsonb_set(settings, '{pool}', $2::jsonb), updated_at = now() WHERE id = $1`,
        [p.workspaceId, JSON.stringify(stored)],
      );
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
    const rows: Array<Record<string, unknown>> = await this.db.query(POOL_LIST_SQL, [
      p.workspaceId,
      runId,
      allTeams,
      team,
      q.tier ?? null,
      value,
      id,
      limit + 1,
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      accounts: page.map((r) => ({
        id: r.id as string,
        externalId: r.external_id as string,
        name: r.name as string | null,
        tier: r.tier as Tier,
        expectedValue: Number(r.value),
        lifecycle: r.lifecycle as string | null,
        team: r.team as string | null,
        releasedAt: r.released_at as Date | null,
        releasedFrom: r.released_from as string | null,
        reason: r.reason as string | null,
      })),
      nextCursor: rows.length > limit ? `${last.value}_${last.id}` : null,
      allowance:
        p.role === 'rep' && p.repId ? await this.allowance(this.db, p.repId, policy, timezone, runId) : null,
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
    const result = await this.db.transaction(async (tx) => {
      const [rep] = await tx.query(
        `SELECT id, team_id, active FROM reps WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
        [repId, p.workspaceId],
      );
      if (!rep?.active) throw new AppError('rep_inactive', 'the rep is deactivated', HttpStatus.CONFLICT);
      const rows: Array<{ id: string; tier: Tier; lapsed_at: Date | null }> = await tx.query(
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
        [p.workspaceId, ids, repId, rep.team_id, runId],
      );
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
    return { ...result, allowance: await this.allowance(this.db, repId, policy, timezone, runId) };
  }

  /** Open reminders the principal may see: a rep their own, a manager their team's, an admin all. */
  async reminders(p: Principal, limit = 100) {
    const all = p.role === 'admin';
    let repIds: string[] = [];
    if (p.role === 'rep' && p.repId) repIds = [p.repId];
    if (p.role === 'manager' && p.repId) {
      const team = await this.scope.managerTeamId(p);
      repIds = (
        await this.db.query(
          `SELECT id FROM reps WHERE workspace_id = $1 AND (manager_id = $2 OR (team_id IS NOT NULL AND team_id = $3))`,
          [p.workspaceId, p.repId, team],
        )
      ).map((r: { id: string }) => r.id);
    }
    const rows: Array<Record<string, unknown>> = await this.db.query(OPEN_REMINDERS_SQL, [
      p.workspaceId,
      all,
      repIds,
      limit,
    ]);
    return {
      reminders: rows.map((r) => ({
        id: String(r.id),
        customer: {
          id: r.customer_id as string,
          externalId: r.external_id as string,
          name: r.name as string | null,
        },
        rep: r.rep as string,
        tier: r.value_tier as Tier,
        lastFollowUpAt: r.last_follow_up_at as Date,
        releaseOn: r.release_on as string,
        remindedAt: r.created_at as Date,
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
    const report = await this.db.transaction(async (tx) => {
      // one sweep per workspace at a time; a second one waits and then finds nothing left to do
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('pool-sweep:' || $1::text))`, [workspaceId]);
      await tx.query(SWEEP_TABLE_SQL);
      await tx.query(SWEEP_CANDIDATES_SQL, [
        workspaceId,
        now,
        runId,
        today,
        timezone,
        policy.followUpDays.core,
        policy.followUpDays.potential,
        policy.followUpDays.general,
        policy.reminderDaysBefore,
      ]);
      const due: Array<{ id: string; rep_id: string; team_id: string | null }> = await tx.query(
        `SELECT id::text, rep_id, team_id FROM pool_sweep WHERE release_on <= $1::date AND warned ORDER BY id`,
        [today],
      );
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
      const reminded: unknown[] = await tx.query(INSERT_REMINDERS_SQL, [workspaceId, today, now]);
      // entries whose customer got an owner some other way (CRM import, merge) are no longer in the pool
      await tx.query(
        `DELETE FROM pool_entries pe USING customers c
         WHERE pe.workspace_id = $1 AND c.id = pe.customer_id AND c.owner_rep_id IS NOT NULL`,
        [workspaceId],
      );
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

  private async allowance(
    q: Queryable,
    repId: string,
    policy: PoolPolicy,
    timezone: string,
    runId: string | null,
  ): Promise<Allowance> {
    const held: Array<{ tier: Tier; n: number }> = await q.query(
      `SELECT COALESCE(s.value_tier, 'general') AS tier, count(*)::int AS n
         FROM customers c LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = c.id
         WHERE c.owner_rep_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
         GROUP BY 1`,
      [repId, runId],
    );
    const [today]: Array<{ n: number }> = await q.query(
      `SELECT count(*)::int AS n FROM assignment_history
         WHERE to_rep_id = $1 AND reason = 'pool_claim'
           AND created_at >= (timezone($2, now())::date::timestamp AT TIME ZONE $2)`,
      [repId, timezone],
    );
    const heldBy = new Map(held.map((h) => [h.tier, h.n]));
    const holdings = Object.fromEntries(
      TIERS.map((t) => [t, { held: heldBy.get(t) ?? 0, cap: policy.holdingCap[t] }]),
    ) as Allowance['holdings'];
    return {
      claimsToday: today.n,
      claimsLeftToday: Math.max(0, policy.dailyClaimLimit - today.n),
      holdings,
    };
  }

  private async teamOf(p: Principal): Promise<string | null> {
    if (!p.repId) return null;
    const [rep] = await this.db.query(`SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`, [
      p.repId,
      p.workspaceId,
    ]);
    return rep?.team_id ?? null;
  }
}
