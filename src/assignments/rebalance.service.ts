import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf } from '../auth/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { Queryable } from '../database/sql';
import { Transactions } from '../database/transactions';
import { OutboxService } from '../webhooks/outbox.service';
import { assignmentSettings, SettingsError } from './assignment-settings';
import { OwnershipWriter } from './ownership-writer.service';
import {
  Fill,
  MoveReason,
  rebalance,
  RebalanceAccount,
  RebalanceRep,
  RepLoad,
  RebalanceResult,
  Tier,
} from './rebalance';
import { describeMove } from './rebalance-reasons';
import { MoveRow, NamedRow, ProposalRow, RebalanceRepository } from './rebalance.repository';

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

interface ProposalInput {
  workspaceId: string;
  teamId: string;
  mode: 'full' | 'orphans';
  tolerance?: number;
  includePool: boolean;
  trigger: 'manual' | 'deactivation';
  actor: string;
}

interface StoredMoveDetails {
  tier: Tier;
  expectedValue: number;
  contactedRecently: boolean;
  from: Fill | null;
  to: Fill | null;
}

/** Rebalance proposals: computed by the pure `rebalance`, stored for preview, applied (or discarded) later. */
@Injectable()
export class RebalanceService {
  constructor(
    private readonly proposals: RebalanceRepository,
    private readonly transactions: Transactions,
    private readonly scope: AccessScopeService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async propose(
    p: Principal,
    input: { teamId: string; mode?: 'full' | 'orphans'; tolerance?: number; includePool?: boolean },
  ): Promise<ProposalView> {
    const team = await this.scope.manageableTeam(p, input.teamId);
    const id = await this.transactions.run((tx) =>
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
  async createProposal(q: Queryable, input: ProposalInput): Promise<string> {
    const { runId, tolerance, reps, accounts } = await this.loadInputs(q, input);
    const result = rebalance(reps, accounts, { teamId: input.teamId, tolerance, mode: input.mode });
    return this.store(q, input, { runId, tolerance }, result);
  }

  /** The team's reps and accounts as the pure rebalancer takes them, and the tolerance in force. */
  private async loadInputs(q: Queryable, input: ProposalInput) {
    const ws = (await this.proposals.workspaceRun(input.workspaceId, q))!;
    let settings;
    try {
      settings = assignmentSettings(ws.settings);
    } catch (e) {
      if (e instanceof SettingsError) throw new AppError('invalid_settings', e.message, 422, e.issues);
      throw e;
    }
    const tolerance = input.tolerance ?? settings.rebalanceTolerance;
    const now = new Date();
    const repRows = await this.proposals.teamReps(input.workspaceId, input.teamId, q);
    const accountRows = await this.proposals.accountInputs(
      input.workspaceId,
      {
        teamId: input.teamId,
        runId: ws.current_score_run_id,
        now,
        includePool: input.includePool,
        recentContactDays: settings.recentContactDays,
        pinManualDays: settings.pinManualDays,
      },
      q,
    );
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
    return { runId: ws.current_score_run_id, tolerance, reps, accounts };
  }

  /** Stores the proposal, its moves and the audit entry; returns the proposal's id. */
  private async store(
    q: Queryable,
    input: ProposalInput,
    used: { runId: string | null; tolerance: number },
    result: RebalanceResult,
  ): Promise<string> {
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
    const id = await this.proposals.insertProposal(
      input.workspaceId,
      {
        teamId: input.teamId,
        trigger: input.trigger,
        mode: input.mode,
        params: { tolerance: used.tolerance, includePool: input.includePool },
        summary,
        scoreRunId: used.runId,
        createdBy: input.actor,
      },
      q,
    );
    const moves = result.moves;
    await this.proposals.insertMoves(
      id,
      {
        seq: moves.map((_, i) => i + 1),
        customerIds: moves.map((m) => m.accountId),
        fromRepIds: moves.map((m) => m.fromRepId),
        toRepIds: moves.map((m) => m.toRepId),
        reasons: moves.map((m) => m.reason),
        details: moves.map((m) =>
          JSON.stringify({
            tier: m.tier,
            expectedValue: m.expectedValue,
            contactedRecently: m.contactedRecently,
            from: m.from,
            to: m.to,
          }),
        ),
      },
      q,
    );
    await audit(q, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'rebalance.proposed',
      subject: `rebalance_proposal:${id}`,
      details: { teamId: input.teamId, trigger: input.trigger, mode: input.mode, moves: moves.length },
    });
    return id;
  }

  async list(p: Principal, q: { teamId?: string; status?: string }) {
    let teamId: string | null = null;
    if (q.teamId !== undefined) teamId = (await this.scope.manageableTeam(p, q.teamId)).id;
    else if (p.role === 'manager') {
      teamId = await this.scope.managerTeamId(p);
      if (!teamId) return { proposals: [] };
    }
    const rows = await this.proposals.list(p.workspaceId, teamId, q.status ?? null);
    return {
      proposals: rows.map((r) => ({
        id: r.id,
        team: {
          id: r.team_id,
          externalId: r.team_external_id,
          name: r.team_name,
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
    const ws = (await this.proposals.readerLocale(p.workspaceId, p.repId))!;
    const [rows, reps, team] = await Promise.all([
      this.proposals.movesPage(id, limit, offset),
      this.proposals.proposalReps(p.workspaceId, prop.team_id, id),
      this.proposals.team(prop.team_id) as Promise<NamedRow>,
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
        items: rows.map((r) => moveView(r, ref, ws)),
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
    const changed = await this.transactions.run(async (tx) => {
      const prop = await this.proposals.lockForApply(p.workspaceId, id, tx);
      if (prop.status !== 'open') {
        throw new AppError('proposal_closed', `the proposal is already ${prop.status}`, HttpStatus.CONFLICT);
      }
      const moves = await this.proposals.applicableMoves(id, prop.team_id, tx);
      const total = await this.proposals.countMoves(id, tx);
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
      await this.proposals.markApplied(id, actor, result, tx);
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
    await this.transactions.run(async (tx) => {
      const prop = await this.proposals.lockForDiscard(p.workspaceId, id, tx);
      if (prop.status !== 'open') {
        throw new AppError('proposal_closed', `the proposal is already ${prop.status}`, HttpStatus.CONFLICT);
      }
      await this.proposals.markDiscarded(id, actor, tx);
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
  private async readable(p: Principal, id: string, trusted = false): Promise<ProposalRow> {
    const prop = await this.proposals.byId(p.workspaceId, id);
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

/** One stored move as the reader sees it, its reason in the reader's language. */
function moveView(
  r: MoveRow,
  ref: (id: unknown) => RepRef,
  ws: { locale: string; currency: string },
): ProposalMoveView {
  const d = r.details as StoredMoveDetails;
  const from = ref(r.from_rep_id);
  const to = ref(r.to_rep_id);
  const reason = r.reason as MoveReason;
  return {
    seq: r.seq,
    customer: {
      id: String(r.customer_id),
      externalId: r.external_id,
      name: r.name,
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
}
