import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { CONTACT_OUTCOMES } from '../../worklist/outcome-rules';

/** One rep of the team on a day: their list, what they did with it, and callbacks they let slip. */
export interface TeamDayRow {
  id: string;
  external_id: string;
  name: string;
  role: string;
  daily_capacity: number;
  /** the published list's capacity, null without a list that day */
  capacity: number | null;
  items: number;
  worked: number;
  /** outcomes recorded against the day's list */
  calls: number;
  reached: number;
  converted: number;
  /** open callbacks due before now */
  overdue_callbacks: number;
}

/** Customers of the team by tier × lifecycle in a run; clv as text (bigint sum). */
export interface PortfolioCellRow {
  tier: string;
  lifecycle: string;
  customers: number;
  clv: string;
}

/** Customers of the team by RFM segment in a run (null: not segmented); clv as text (bigint sum). */
export interface SegmentRow {
  segment: string | null;
  customers: number;
  clv: string;
}

export type MovementKind = 'promoted' | 'at_risk' | 'churned';
export const MOVEMENT_KINDS: readonly MovementKind[] = ['promoted', 'at_risk', 'churned'];

export interface MoverRow {
  id: string;
  external_id: string;
  name: string | null;
  owner_name: string | null;
  tier_before: string;
  tier_now: string;
  lifecycle_before: string;
  lifecycle_now: string;
  clv: string | null;
}

/** The chosen model's self-backtest of one run: purchases predicted and seen over its horizon. */
export interface AccuracyPointRow {
  run_id: string;
  as_of: string;
  model: string;
  horizon_days: number;
  predicted: number;
  actual: number;
  /** the chosen model's figures over the buyers who were core at the split (null: a run from before them) */
  core_predicted: number | null;
  core_actual: number | null;
}

/** Promotion is a step up the tier ladder (general → potential → core). */
const TIER_RANK = `CASE %s WHEN 'core' THEN 3 WHEN 'potential' THEN 2 ELSE 1 END`;
const rank = (col: string) => TIER_RANK.replace('%s', col);

/** How a customer moved between the previous run (p) and the current one (s). */
const MOVED: Record<MovementKind, string> = {
  promoted: `${rank('s.value_tier')} > ${rank('p.value_tier')}`,
  at_risk: `s.lifecycle = 'at_risk' AND p.lifecycle <> 'at_risk'`,
  churned: `s.lifecycle = 'churned' AND p.lifecycle <> 'churned'`,
};

/** The team's live customers scored in both runs ($3 current, $4 previous). */
const MOVERS_FROM = `
  FROM reps r
  JOIN customers c ON c.workspace_id = $1 AND c.owner_rep_id = r.id
    AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  JOIN customer_scores s ON s.workspace_id = $1 AND s.run_id = $3 AND s.customer_id = c.id
  JOIN customer_scores p ON p.workspace_id = $1 AND p.run_id = $4 AND p.customer_id = c.id
  WHERE r.workspace_id = $1 AND r.team_id = $2`;

/**
 * The manager dashboard's own figures, each for one team (customers owned by the team's reps, as the rep-load view
 * counts them). Runs are passed in (the workspace's current run and the run before it), never looked up per row.
 */
@Injectable()
export class ManagerDashboardRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The current run and the one it was compared with when it was scored (its `previousRunId`). */
  runs(
    workspaceId: string,
  ): Promise<{ current: string | null; previous: string | null; as_of: string | null } | undefined> {
    return this.first(
      `SELECT w.current_score_run_id AS current, r.model_params ->> 'previousRunId' AS previous,
              to_char(r.as_of, 'YYYY-MM-DD') AS as_of
       FROM workspaces w LEFT JOIN score_runs r ON r.id = w.current_score_run_id AND r.workspace_id = w.id
       WHERE w.id = $1`,
      [workspaceId],
    );
  }

  /** Each active rep of the team (and anyone with a list that day): list progress, reach, conversion, overdue. */
  teamDay(workspaceId: string, teamId: string, day: string, now: Date): Promise<TeamDayRow[]> {
    return this.rows<TeamDayRow>(
      `SELECT r.id, r.external_id, r.name, r.role, r.daily_capacity, l.capacity,
              COALESCE(i.items, 0)::int AS items, COALESCE(i.worked, 0)::int AS worked,
              COALESCE(o.calls, 0)::int AS calls, COALESCE(o.reached, 0)::int AS reached,
              COALESCE(o.converted, 0)::int AS converted, COALESCE(f.overdue, 0)::int AS overdue_callbacks
       FROM reps r
       LEFT JOIN worklists l ON l.workspace_id = $1 AND l.rep_id = r.id AND l.list_date = $3::date
       LEFT JOIN LATERAL (
         SELECT count(*) AS items, count(*) FILTER (WHERE it.state <> 'open') AS worked
         FROM worklist_items it WHERE it.workspace_id = $1 AND it.worklist_id = l.id
       ) i ON true
       LEFT JOIN LATERAL (
         SELECT count(*) AS calls,
                count(*) FILTER (WHERE wo.outcome = ANY ($5::text[])) AS reached,
                count(*) FILTER (WHERE wo.outcome = 'converted') AS converted
         FROM worklist_outcomes wo
         WHERE wo.workspace_id = $1 AND wo.rep_id = r.id AND wo.list_date = $3::date
       ) o ON true
       LEFT JOIN LATERAL (
         SELECT count(*) AS overdue FROM worklist_follow_ups fu
         WHERE fu.workspace_id = $1 AND fu.rep_id = r.id AND fu.kind = 'callback'
           AND fu.resolved_at IS NULL AND fu.due_at < $4
       ) f ON true
       WHERE r.workspace_id = $1 AND r.team_id = $2 AND (r.active OR l.id IS NOT NULL)
       ORDER BY r.role DESC, r.name, r.external_id`,
      [workspaceId, teamId, day, now, CONTACT_OUTCOMES],
    );
  }

  /** Customers owned by the team's reps by tier × lifecycle in `runId`, with their summed CLV. */
  portfolio(workspaceId: string, teamId: string, runId: string): Promise<PortfolioCellRow[]> {
    return this.rows<PortfolioCellRow>(
      `SELECT s.value_tier AS tier, s.lifecycle, count(*)::int AS customers, COALESCE(sum(s.clv), 0)::text AS clv
       FROM reps r
       JOIN customers c ON c.workspace_id = $1 AND c.owner_rep_id = r.id
         AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       JOIN customer_scores s ON s.workspace_id = $1 AND s.run_id = $3 AND s.customer_id = c.id
       WHERE r.workspace_id = $1 AND r.team_id = $2
       GROUP BY 1, 2`,
      [workspaceId, teamId, runId],
    );
  }

  /** Customers owned by the team's reps by RFM segment in `runId`, with their summed CLV. */
  segments(workspaceId: string, teamId: string, runId: string): Promise<SegmentRow[]> {
    return this.rows<SegmentRow>(
      `SELECT s.rfm_segment AS segment, count(*)::int AS customers, COALESCE(sum(s.clv), 0)::text AS clv
       FROM reps r
       JOIN customers c ON c.workspace_id = $1 AND c.owner_rep_id = r.id
         AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       JOIN customer_scores s ON s.workspace_id = $1 AND s.run_id = $3 AND s.customer_id = c.id
       WHERE r.workspace_id = $1 AND r.team_id = $2
       GROUP BY 1`,
      [workspaceId, teamId, runId],
    );
  }

  /** How many of the team's customers moved each way between the two runs. */
  async movementCounts(
    workspaceId: string,
    teamId: string,
    runs: { current: string; previous: string },
  ): Promise<Record<MovementKind, number>> {
    const row = await this.first<Record<MovementKind, number>>(
      `SELECT ${MOVEMENT_KINDS.map((k) => `count(*) FILTER (WHERE ${MOVED[k]})::int AS ${k}`).join(', ')}
       ${MOVERS_FROM}`,
      [workspaceId, teamId, runs.current, runs.previous],
    );
    return row ?? { promoted: 0, at_risk: 0, churned: 0 };
  }

  /** The customers who moved one way, most valuable first (a page of `limit`). */
  movers(
    workspaceId: string,
    teamId: string,
    runs: { current: string; previous: string },
    kind: MovementKind,
    limit: number,
  ): Promise<MoverRow[]> {
    return this.rows<MoverRow>(
      `SELECT c.id::text AS id, c.external_id, c.name, r.name AS owner_name,
              p.value_tier AS tier_before, s.value_tier AS tier_now,
              p.lifecycle AS lifecycle_before, s.lifecycle AS lifecycle_now, s.clv::text AS clv
       ${MOVERS_FROM} AND ${MOVED[kind]}
       ORDER BY s.clv DESC NULLS LAST, c.id
       LIMIT $5`,
      [workspaceId, teamId, runs.current, runs.previous, limit],
    );
  }

  /**
   * The chosen model's backtest of each completed live run (backtest runs left out), oldest first, at most `limit`
   * runs: per run its longest backtest horizon, the figure closest to what the run's CLV forecasts, and the same
   * over the buyers who were core accounts at the split (the report's tierAccuracy, at that horizon).
   */
  accuracyHistory(workspaceId: string, limit: number): Promise<AccuracyPointRow[]> {
    return this.rows<AccuracyPointRow>(
      `SELECT * FROM (
         SELECT DISTINCT ON (r.id) r.id AS run_id, to_char(r.as_of, 'YYYY-MM-DD') AS as_of, a.model,
                a.horizon_days, a.predicted, a.actual,
                (r.report #>> '{models,tierAccuracy,tiers,core,predicted}')::float8 AS core_predicted,
                (r.report #>> '{models,tierAccuracy,tiers,core,actual}')::float8 AS core_actual,
                r.as_of AS sort_as_of, r.created_at
         FROM score_runs r
         JOIN score_run_accuracy a ON a.workspace_id = $1 AND a.run_id = r.id AND a.chosen
         WHERE r.workspace_id = $1 AND r.status = 'completed'
           AND COALESCE(r.model_params ->> 'backtest', 'false') <> 'true'
         ORDER BY r.id, a.horizon_days DESC
       ) runs
       ORDER BY sort_as_of DESC, created_at DESC
       LIMIT $2`,
      [workspaceId, limit],
    ).then((rows) => rows.reverse());
  }
}
