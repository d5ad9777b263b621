import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { actorOf } from '../audit/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { Queryable } from '../database/sql';
import { OutboxService } from '../webhooks/outbox.service';
import { assignmentSettings, SettingsError } from './assignment-settings';
import { ownerTouchesCte } from './follow-up.sql';
import { OwnershipWriter } from './ownership-writer.service';
import { Fill, MoveReason, rebalance, RebalanceAccount, RebalanceRep, RepLoad, Tier } from './rebalance';
import { describeMove } from './rebalance-reasons';

type RepRef = { id: string; externalId: string; name: string } | null;

export interface ProposalMoveView {
  seq: number;
  customer: { id: string; externalId: string; name: string | null };
  from: RepRef;
  /** null: back to the team pool */
  to: RepRef;
  reason: MoveReason;
  /** the reason in the reader's language */
  why: string;
  tier: Tier;
  expectedValue: number;
  contactedRecently: boolean;
}

export interface ProposalView {
  id: string;
  team: { id: string; externalId: string; name: string };
  trigger: 'manual' | 'deactivation';
  mode: 'full' | 'orphans';
  status: 'open' | 'applied' | 'discarded';
  params: Record<string, unknown>;
  scoreRunId: string | null;
  createdBy: string;
  createdAt: Date;
  closedBy: string | null;
  closedAt: Date | null;
  result: Record<string, unknown> | null;
  summary: {
    moves: number;
    byReason: Partial<Record<MoveReason, number>>;
    withinTolerance: boolean;
    totals: { accounts: number; value: number };
    before: Array<RepLoad & { rep: RepRef }>;
    after: Array<RepLoad & { rep: RepRef }>;
  };
  moves: { total: number; offset: number; limit: number; items: ProposalMoveView[] };
}

interface StoredSummary {
  moves: number;
  byReason: Partial<Record<MoveReason, number>>;
  withinTolerance: boolean;
  totals: { accounts: number; value: number };
  before: RepLoad[];
  after: RepLoad[];
}

/**
 * Everything the pure rebalancer needs about one team, in one statement: the team's reps' accounts (and the team
 * pool's, with $5), each with tier and CLV from the current snapshot, whether the owner followed up recently, whether
 * a manager placed it by hand recently (pinned), and who owned it before the current owner.
 * $1 workspace, $2 team, $3 score run, $4 now, $5 include pool, $6 recent-contact days, $7 pin days.
 */
const INPUT_SQL = `
  WITH ${ownerTouchesCte('$1', '$4')},
  accts AS (
    SELECT c.id, c.owner_rep_id
    FROM customers c JOIN reps r ON r.id = c.owner_rep_id
    WHERE c.workspace_id = $1 AND r.workspace_id = $1 AND r.team_id = $2 AND r.role = 'rep'
      AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
    UNION ALL
    SELECT c.id, NULL::uuid FROM pool_entries pe JOIN customers c ON c.id = pe.customer_id
    WHERE $5 AND pe.workspace_id = $1 AND pe.team_id = $2 AND c.owner_rep_id IS NULL
      AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  )
  SELECT a.id::text AS id, a.owner_rep_id, COALESCE(s.value_tier, 'general') AS tier,
         COALESCE(s.clv, 0)::float8 AS value,
         COALESCE(t.at >= $4::timestamptz - make_interval(days => $6), false) AS recent,
         COALESCE(lm.reason = 'manual' AND lm.to_rep_id = a.owner_rep_id
                  AND lm.created_at >= $4::timestamptz - make_interval(days => $7), false) AS pinned,
         CASE WHEN lm.to_rep_id = a.owner_rep_id THEN lm.from_rep_id END AS previous_owner
  FROM accts a
  LEFT JOIN customer_scores s ON s.run_id = $3 AND s.customer_id = a.id
  LEFT JOIN owner_touches t ON t.customer_id = a.id AND t.rep_id = a.owner_rep_id
  LEFT JOIN LATERAL (
    SELECT h.reason, h.to_rep_id, h.from_rep_id, h.created_at FROM assignment_history h
    WHERE h.workspace_id = $1 AND h.customer_id = a.id ORDER BY h.id DESC LIMIT 1) lm ON true`;

/** Rebalance proposals: computed by the pure `rebalance`, stored for preview, applied (or discarded) later. */
@Injectable()
export class RebalanceService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async propose(
    p: Principal,
    input: { teamId: string; mode?: 'full' | 'orphans'; tolerance?: number; includePool?: boolean },
  ): Promise<ProposalView> {
    const team = await this.scope.manageableTeam(p, input.teamId);
    const id = await this.db.transaction((tx) =>
      this.createProposal(tx, {
        workspaceId: p.workspaceId,
        teamId: team.id,
        mode: input.mode ?? 'full',
        tolerance: input.tolerance,
        includePool: input.includePool ?? false,
        trigger: 'manual',
        actor: actorOf(p),
      }),
    );
    return this.view(p, id, {});
  }

  /** Computes and stores a proposal for a team, on `q` (so a deactivation sees its own uncommitted change). */
  async createProposal(
    q: Queryable,
    input: {
      workspaceId: string;
      teamId: string;
      mode: 'full' | 'orphans';
      tolerance?: number;
      includePool: boolean;
      trigger: 'manual' | 'deactivation';
      actor: string;
    },
  ): Promise<string> {
    const [ws] = await q.query(`SELECT current_score_run_id, settings FROM workspaces WHERE id = $1`, [
      input.workspaceId,
    ]);
    let settings;
    try {
      settings = assignmentSettings(ws.settings);
    } catch (e) {
      if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
      throw e;
    }
    const tolerance = input.tolerance ?? settings.rebalanceTolerance;
    const now = new Date();
    const repRows: Array<{ id: string; team_id: string | null; eligible: boolean; daily_capacity: number }> =
      await q.query(
        `SELECT id, team_id, (active AND role = 'rep') AS eligible, daily_capacity FROM reps
         WHERE workspace_id = $1 AND team_id = $2 AND role = 'rep'`,
        [input.workspaceId, input.teamId],
      );
    const accountRows: Array<{
      id: string;
      owner_rep_id: string | null;
      tier: Tier;
      value: number;
      recent: boolean;
      pinned: boolean;
      previous_owner: string | null;
    }> = await q.query(INPUT_SQL, [
      input.workspaceId,
      input.teamId,
      ws.current_score_run_id,
      now,
      input.includePool,
      settings.recentContactDays,
      settings.pinManualDays,
    ]);
    const reps: RebalanceRep[] = repRows.map((r) => ({
      id: r.id,
      teamId: r.team_id,
      active: r.eligible,
      dailyCapacity: r.daily_capacity,
    }));
    const accounts: RebalanceAccount[] = accountRows.map((a) => ({
      id: a.id,
      ownerId: a.owner_rep_id,
      teamId: input.teamId,
      tier: a.tier,
      expectedValue: a.value,
      contactedRecently: a.recent,
      pinned: a.pinned,
      previousOwnerId: a.previous_owner,
    }));
    const result = rebalance(reps, accounts, { teamId: input.teamId, tolerance, mode: input.mode });
    const byReason: Partial<Record<MoveReason, number>> = {};
    for (const m of result.moves) byReason[m.reason] = (byReason[m.reason] ?? 0) + 1;
    const summary: StoredSummary = {
      moves: result.moves.length,
      byReason,
      withinTolerance: result.withinTolerance,
      totals: result.totals,
      before: result.before,
      after: result.after,
    };
    const [row] = await q.query(
      `INSERT INTO rebalance_proposals (workspace_id, team_id, trigger, mode, params, summary, score_run_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        input.workspaceId,
        input.teamId,
        input.trigger,
        input.mode,
        JSON.stringify({ tolerance, includePool: input.includePool }),
        JSON.stringify(summary),
        ws.current_score_run_id,
        input.actor,
      ],
    );
    const moves = result.moves;
    await q.query(
      `INSERT INTO rebalance_moves (proposal_id, seq, customer_id, from_rep_id, to_rep_id, reason, details)
       SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::uuid[], $5::uuid[], $6::text[], $7::jsonb[])`,
      [
        row.id,
        moves.map((_, i) => i + 1),
        moves.map((m) => m.accountId),
        moves.map((m) => m.fromRepId),
        moves.map((m) => m.toRepId),
        moves.map((m) => m.reason),
        moves.map((m) =>
          JSON.stringify({
            tier: m.tier,
            expectedValue: m.expectedValue,
            contactedRecently: m.contactedRecently,
            from: m.from,
            to: m.to,
          }),
        ),
      ],
    );
    await audit(q, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'rebalance.proposed',
      subject: `rebalance_proposal:${row.id}`,
      details: { teamId: input.teamId, trigger: input.trigger, mode: input.mode, moves: moves.length },
    });
    return row.id;
  }

  async list(p: Principal, q: { teamId?: string; status?: string }) {
    let teamId: string | null = null;
    if (q.teamId !== undefined) teamId = (await this.scope.manageableTeam(p, q.teamId)).id;
    else if (p.role === 'manager') {
      teamId = await this.scope.managerTeamId(p);
      if (!teamId) return { proposals: [] };
    }
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT p.id, p.trigger, p.mode, p.status, p.created_at, p.created_by, p.closed_at,
              (p.summary->>'moves')::int AS moves, t.id AS team_id, t.external_id AS team_external_id, t.name AS team_name
       FROM rebalance_proposals p JOIN teams t ON t.id = p.team_id
       WHERE p.workspace_id = $1 AND ($2::uuid IS NULL OR p.team_id = $2) AND ($3::text IS NULL OR p.status = $3)
       ORDER BY p.created_at DESC LIMIT 100`,
      [p.workspaceId, teamId, q.status ?? null],
    );
    return {
      proposals: rows.map((r) => ({
        id: r.id as string,
        team: {
          id: r.team_id as string,
          externalId: r.team_external_id as string,
          name: r.team_name as string,
        },
        trigger: r.trigger,
        mode: r.mode,
        status: r.status,
        moves: r.moves,
        createdBy: r.created_by,
        createdAt: r.created_at,
        closedAt: r.closed_at,
      })),
    };
  }

  /** A proposal the principal may see (manager: their team's), with a page of its moves. */
  async view(
    p: Principal,
    id: string,
    page: { limit?: number; offset?: number },
    /** the caller already decided access (a deactivation by the rep's direct manager) */
    trusted = false,
  ): Promise<ProposalView> {
    const prop = await this.readable(p, id, trusted);
    const limit = page.limit ?? 200;
    const offset = page.offset ?? 0;
    const [ws] = await this.db.query(
      `SELECT w.currency, COALESCE(r.locale, w.locale) AS locale
       FROM workspaces w LEFT JOIN reps r ON r.id = $2::uuid AND r.workspace_id = w.id WHERE w.id = $1`,
      [p.workspaceId, p.repId],
    );
    const [rows, reps, [team]] = await Promise.all([
      this.db.query(
        `SELECT m.seq, m.customer_id, c.external_id, c.name, m.from_rep_id, m.to_rep_id, m.reason, m.details
         FROM rebalance_moves m JOIN customers c ON c.id = m.customer_id
         WHERE m.proposal_id = $1 ORDER BY m.seq LIMIT $2 OFFSET $3`,
        [id, limit, offset],
      ) as Promise<Array<Record<string, unknown>>>,
      this.db.query(
        `SELECT id, external_id, name FROM reps WHERE workspace_id = $1 AND (team_id = $2 OR id IN (
           SELECT from_rep_id FROM rebalance_moves WHERE proposal_id = $3 UNION SELECT to_rep_id FROM rebalance_moves WHERE proposal_id = $3))`,
        [p.workspaceId, prop.team_id, id],
      ) as Promise<Array<{ id: string; external_id: string; name: string }>>,
      this.db.query(`SELECT id, external_id, name FROM teams WHERE id = $1`, [prop.team_id]),
    ]);
    const repById = new Map(reps.map((r) => [r.id, { id: r.id, externalId: r.external_id, name: r.name }]));
    const ref = (id: unknown): RepRef => (id ? (repById.get(id as string) ?? null) : null);
    const summary = prop.summary as StoredSummary;
    const withRep = (l: RepLoad) => ({ ...l, rep: ref(l.repId) });
    return {
      id: prop.id,
      team: { id: team.id, externalId: team.external_id, name: team.name },
      trigger: prop.trigger,
      mode: prop.mode,
      status: prop.status,
      params: prop.params,
      scoreRunId: prop.score_run_id,
      createdBy: prop.created_by,
      createdAt: prop.created_at,
      closedBy: prop.closed_by,
      closedAt: prop.closed_at,
      result: prop.result,
      summary: { ...summary, before: summary.before.map(withRep), after: summary.after.map(withRep) },
      moves: {
        total: summary.moves,
        offset,
        limit,
        items: rows.map((r) => {
          const d = r.details as {
            tier: Tier;
            expectedValue: number;
            contactedRecently: boolean;
            from: Fill | null;
            to: Fill | null;
          };
          const from = ref(r.from_rep_id);
          const to = ref(r.to_rep_id);
          const reason = r.reason as MoveReason;
          return {
            seq: r.seq as number,
            customer: {
              id: String(r.customer_id),
              externalId: r.external_id as string,
              name: r.name as string | null,
            },
            from,
            to,
            reason,
            why: describeMove(
              { reason, ...d },
              { from: from?.name ?? null, to: to?.name ?? null },
              ws.locale,
              ws.currency,
            ),
            tier: d.tier,
            expectedValue: d.expectedValue,
            contactedRecently: d.contactedRecently,
          };
        }),
      },
    };
  }

  /**
   * Applies an open proposal: each move happens only if the customer is still owned by the move's "from" rep and
   * the target is still an active rep of the team; the rest are skipped (and counted), never forced.
   */
  async apply(p: Principal, id: string): Promise<ProposalView> {
    await this.readable(p, id);
    const actor = actorOf(p);
    const changed = await this.db.transaction(async (tx: EntityManager) => {
      const [prop] = await tx.query(
        `SELECT id, team_id, status, trigger FROM rebalance_proposals WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
        [id, p.workspaceId],
      );
      if (prop.status !== 'open') {
        throw new AppError('proposal_closed', `the proposal is already ${prop.status}`, HttpStatus.CONFLICT);
      }
      const moves: Array<{
        customer_id: string;
        from_rep_id: string | null;
        to_rep_id: string | null;
        reason: string;
      }> = await tx.query(
        `SELECT m.customer_id::text, m.from_rep_id, m.to_rep_id, m.reason
           FROM rebalance_moves m LEFT JOIN reps r ON r.id = m.to_rep_id
           WHERE m.proposal_id = $1
             AND (m.to_rep_id IS NULL OR (r.active AND r.role = 'rep' AND r.team_id = $2))
           ORDER BY m.seq`,
        [id, prop.team_id],
      );
      const total = (
        await tx.query(`SELECT count(*)::int AS n FROM rebalance_moves WHERE proposal_id = $1`, [id])
      )[0].n as number;
      const { batchId, applied } = await this.writer.apply(tx, {
        workspaceId: p.workspaceId,
        changes: moves.map((m) => ({
          customerId: m.customer_id,
          toRepId: m.to_rep_id,
          poolTeamId: prop.team_id,
          expectFrom: m.from_rep_id,
          detail: m.reason,
        })),
        reason: prop.trigger === 'deactivation' ? 'deactivation' : 'rebalance',
        actor,
        proposalId: id,
      });
      const result = { batchId, applied: applied.length, skipped: total - applied.length };
      await tx.query(
        `UPDATE rebalance_proposals SET status = 'applied', closed_by = $2, closed_at = now(), result = $3 WHERE id = $1`,
        [id, actor, JSON.stringify(result)],
      );
      await audit(tx, {
        workspaceId: p.workspaceId,
        actor,
        action: 'rebalance.applied',
        subject: `rebalance_proposal:${id}`,
        details: result,
      });
      return applied.length;
    });
    if (changed) await this.outbox.kick();
    return this.view(p, id, { limit: 0 });
  }

  async discard(p: Principal, id: string): Promise<ProposalView> {
    await this.readable(p, id);
    const actor = actorOf(p);
    await this.db.transaction(async (tx) => {
      const [prop] = await tx.query(
        `SELECT status FROM rebalance_proposals WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
        [id, p.workspaceId],
      );
      if (prop.status !== 'open') {
        throw new AppError('proposal_closed', `the proposal is already ${prop.status}`, HttpStatus.CONFLICT);
      }
      await tx.query(
        `UPDATE rebalance_proposals SET status = 'discarded', closed_by = $2, closed_at = now() WHERE id = $1`,
        [id, actor],
      );
      await audit(tx, {
        workspaceId: p.workspaceId,
        actor,
        action: 'rebalance.discarded',
        subject: `rebalance_proposal:${id}`,
      });
    });
    return this.view(p, id, { limit: 0 });
  }

  /** The proposal row if it exists in the workspace and its team is the principal's to manage; else not_found. */
  private async readable(p: Principal, id: string, trusted = false) {
    const [prop] = await this.db.query(
      `SELECT * FROM rebalance_proposals WHERE id = $1::uuid AND workspace_id = $2`,
      [id, p.workspaceId],
    );
    if (!prop) throw AppError.notFound('rebalance proposal');
    if (trusted) return prop;
    try {
      await this.scope.manageableTeam(p, prop.team_id);
    } catch {
      throw AppError.notFound('rebalance proposal');
    }
    return prop;
  }
}
