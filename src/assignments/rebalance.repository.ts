import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';
import { ownerTouchesCte } from './follow-up.sql';
import type { Tier } from './rebalance';

export interface ProposalRow {
  id: string;
  workspace_id: string;
  team_id: string;
  trigger: 'manual' | 'deactivation';
  mode: 'full' | 'orphans';
  status: 'open' | 'applied' | 'discarded';
  params: Record<string, unknown>;
  summary: unknown;
  score_run_id: string | null;
  created_by: string;
  created_at: Date;
  closed_by: string | null;
  closed_at: Date | null;
  result: Record<string, unknown> | null;
}

export interface TeamRepRow {
  id: string;
  team_id: string | null;
  eligible: boolean;
  daily_capacity: number;
}

export interface AccountInputRow {
  id: string;
  owner_rep_id: string | null;
  tier: Tier;
  value: number;
  recent: boolean;
  pinned: boolean;
  previous_owner: string | null;
}

export interface ProposalListRow {
  id: string;
  trigger: ProposalRow['trigger'];
  mode: ProposalRow['mode'];
  status: ProposalRow['status'];
  created_at: Date;
  created_by: string;
  closed_at: Date | null;
  moves: number;
  team_id: string;
  team_external_id: string;
  team_name: string;
}

export interface MoveRow {
  seq: number;
  customer_id: string;
  external_id: string;
  name: string | null;
  from_rep_id: string | null;
  to_rep_id: string | null;
  reason: string;
  details: unknown;
}

export interface ApplicableMoveRow {
  customer_id: string;
  from_rep_id: string | null;
  to_rep_id: string | null;
  reason: string;
}

export interface NamedRow {
  id: string;
  external_id: string;
  name: string;
}

/** The moves of a proposal as parallel arrays (one entry per move), the shape `unnest` takes. */
export interface MoveColumns {
  seq: number[];
  customerIds: string[];
  fromRepIds: Array<string | null>;
  toRepIds: Array<string | null>;
  reasons: string[];
  details: string[];
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

/** Rebalance proposals and their moves; the inputs of the rebalancer. Methods take `q`/`tx` to join a caller's transaction. */
@Injectable()
export class RebalanceRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  workspaceRun(
    workspaceId: string,
    q?: Queryable,
  ): Promise<{ current_score_run_id: string | null; settings: Record<string, unknown> | null } | undefined> {
    return this.first(
      `SELECT current_score_run_id, settings FROM workspaces WHERE id = $1`,
      [workspaceId],
      q,
    );
  }

  teamReps(workspaceId: string, teamId: string, q?: Queryable): Promise<TeamRepRow[]> {
    return this.rows<TeamRepRow>(
      `SELECT id, team_id, (active AND role = 'rep') AS eligible, daily_capacity FROM reps
         WHERE workspace_id = $1 AND team_id = $2 AND role = 'rep'`,
      [workspaceId, teamId],
      q,
    );
  }

  accountInputs(
    workspaceId: string,
    a: {
      teamId: string;
      runId: string | null;
      now: Date;
      includePool: boolean;
      recentContactDays: number;
      pinManualDays: number;
    },
    q?: Queryable,
  ): Promise<AccountInputRow[]> {
    return this.rows<AccountInputRow>(
      INPUT_SQL,
      [workspaceId, a.teamId, a.runId, a.now, a.includePool, a.recentContactDays, a.pinManualDays],
      q,
    );
  }

  async insertProposal(
    workspaceId: string,
    p: {
      teamId: string;
      trigger: string;
      mode: string;
      params: unknown;
      summary: unknown;
      scoreRunId: string | null;
      createdBy: string;
    },
    q?: Queryable,
  ): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `INSERT INTO rebalance_proposals (workspace_id, team_id, trigger, mode, params, summary, score_run_id, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        workspaceId,
        p.teamId,
        p.trigger,
        p.mode,
        JSON.stringify(p.params),
        JSON.stringify(p.summary),
        p.scoreRunId,
        p.createdBy,
      ],
      q,
    );
    return row.id;
  }

  insertMoves(proposalId: string, m: MoveColumns, q?: Queryable): Promise<void> {
    return this.exec(
      `INSERT INTO rebalance_moves (proposal_id, seq, customer_id, from_rep_id, to_rep_id, reason, details)
       SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::uuid[], $5::uuid[], $6::text[], $7::jsonb[])`,
      [proposalId, m.seq, m.customerIds, m.fromRepIds, m.toRepIds, m.reasons, m.details],
      q,
    );
  }

  list(workspaceId: string, teamId: string | null, status: string | null): Promise<ProposalListRow[]> {
    return this.rows<ProposalListRow>(
      `SELECT p.id, p.trigger, p.mode, p.status, p.created_at, p.created_by, p.closed_at,
              (p.summary->>'moves')::int AS moves, t.id AS team_id, t.external_id AS team_external_id, t.name AS team_name
       FROM rebalance_proposals p JOIN teams t ON t.id = p.team_id
       WHERE p.workspace_id = $1 AND ($2::uuid IS NULL OR p.team_id = $2) AND ($3::text IS NULL OR p.status = $3)
       ORDER BY p.created_at DESC LIMIT 100`,
      [workspaceId, teamId, status],
    );
  }

  byId(workspaceId: string, id: string): Promise<ProposalRow | undefined> {
    return this.first<ProposalRow>(
      `SELECT * FROM rebalance_proposals WHERE id = $1::uuid AND workspace_id = $2`,
      [id, workspaceId],
    );
  }

  /** The reader's currency and language: the rep's locale, else the workspace's. */
  readerLocale(
    workspaceId: string,
    repId: string | null,
  ): Promise<{ currency: string; locale: string } | undefined> {
    return this.first(
      `SELECT w.currency, COALESCE(r.locale, w.locale) AS locale
       FROM workspaces w LEFT JOIN reps r ON r.id = $2::uuid AND r.workspace_id = w.id WHERE w.id = $1`,
      [workspaceId, repId],
    );
  }

  movesPage(proposalId: string, limit: number, offset: number): Promise<MoveRow[]> {
    return this.rows<MoveRow>(
      // @crossTenant the proposal was read in the caller's workspace; its moves' customers are in it
      `SELECT m.seq, m.customer_id, c.external_id, c.name, m.from_rep_id, m.to_rep_id, m.reason, m.details
         FROM rebalance_moves m JOIN customers c ON c.id = m.customer_id
         WHERE m.proposal_id = $1 ORDER BY m.seq LIMIT $2 OFFSET $3`,
      [proposalId, limit, offset],
    );
  }

  /** The team's reps and every rep a move of the proposal names. */
  proposalReps(workspaceId: string, teamId: string, proposalId: string): Promise<NamedRow[]> {
    return this.rows<NamedRow>(
      `SELECT id, external_id, name FROM reps WHERE workspace_id = $1 AND (team_id = $2 OR id IN (
           SELECT from_rep_id FROM rebalance_moves WHERE proposal_id = $3 UNION SELECT to_rep_id FROM rebalance_moves WHERE proposal_id = $3))`,
      [workspaceId, teamId, proposalId],
    );
  }

  team(teamId: string): Promise<NamedRow | undefined> {
    return this.first<NamedRow>(
      // @crossTenant the team of a proposal read in the caller's workspace
      `SELECT id, external_id, name FROM teams WHERE id = $1`,
      [teamId],
    );
  }

  lockForApply(
    workspaceId: string,
    id: string,
    tx: Tx,
  ): Promise<Pick<ProposalRow, 'id' | 'team_id' | 'status' | 'trigger'>> {
    return this.first(
      `SELECT id, team_id, status, trigger FROM rebalance_proposals WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      tx,
    ) as Promise<Pick<ProposalRow, 'id' | 'team_id' | 'status' | 'trigger'>>;
  }

  lockForDiscard(workspaceId: string, id: string, tx: Tx): Promise<Pick<ProposalRow, 'status'>> {
    return this.first(
      `SELECT status FROM rebalance_proposals WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
      tx,
    ) as Promise<Pick<ProposalRow, 'status'>>;
  }

  /** Moves whose target is still an active rep of the team (or the team pool), in order. */
  applicableMoves(proposalId: string, teamId: string, tx: Tx): Promise<ApplicableMoveRow[]> {
    return this.rows<ApplicableMoveRow>(
      // @crossTenant the proposal was locked in the caller's workspace; the reps must be of its team
      `SELECT m.customer_id::text, m.from_rep_id, m.to_rep_id, m.reason
           FROM rebalance_moves m LEFT JOIN reps r ON r.id = m.to_rep_id
           WHERE m.proposal_id = $1
             AND (m.to_rep_id IS NULL OR (r.active AND r.role = 'rep' AND r.team_id = $2))
           ORDER BY m.seq`,
      [proposalId, teamId],
      tx,
    );
  }

  async countMoves(proposalId: string, tx: Tx): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      `SELECT count(*)::int AS n FROM rebalance_moves WHERE proposal_id = $1`,
      [proposalId],
      tx,
    );
    return row.n;
  }

  markApplied(id: string, actor: string, result: unknown, tx: Tx): Promise<void> {
    return this.exec(
      // @crossTenant the proposal was locked in the caller's workspace in this transaction
      `UPDATE rebalance_proposals SET status = 'applied', closed_by = $2, closed_at = now(), result = $3 WHERE id = $1`,
      [id, actor, JSON.stringify(result)],
      tx,
    );
  }

  markDiscarded(id: string, actor: string, tx: Tx): Promise<void> {
    return this.exec(
      // @crossTenant the proposal was locked in the caller's workspace in this transaction
      `UPDATE rebalance_proposals SET status = 'discarded', closed_by = $2, closed_at = now() WHERE id = $1`,
      [id, actor],
      tx,
    );
  }
}
