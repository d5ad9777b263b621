import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { todayIn } from '../workspaces/workspaces.service';
import { HOLDOUT_SQL, liftReport, LiftReport } from './experiment-lift';

export interface Experiment {
  id: string;
  name: string;
  holdoutShare: number;
  startsOn: string;
  endsOn: string | null;
  createdAt: Date;
}

/**
 * Holdout experiments: while one runs, a random share of customers (deterministic by experiment and customer) is
 * left off the call lists; the report compares conversion and revenue per customer of the rest against them,
 * overall and per value tier (intention to treat over the owned customers).
 */
@Injectable()
export class ExperimentsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(
    workspaceId: string,
    input: { name: string; holdoutShare: number; startsOn?: string; endsOn?: string },
    actor: string,
  ): Promise<Experiment> {
    const [ws] = await this.db.query(`SELECT timezone FROM workspaces WHERE id = $1`, [workspaceId]);
    const startsOn = input.startsOn ?? todayIn(ws.timezone);
    return this.db.transaction(async (tx) => {
      const overlapping = await tx.query(
        `SELECT 1 FROM experiments WHERE workspace_id = $1 AND daterange(starts_on, ends_on, '[]') && daterange($2::date, $3::date, '[]')`,
        [workspaceId, startsOn, input.endsOn ?? null],
      );
      if (overlapping.length)
        throw new AppError('experiment_overlap', 'another experiment runs in that period', 409);
      const [row] = await tx.query(
        `INSERT INTO experiments (workspace_id, name, holdout_share, starts_on, ends_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [workspaceId, input.name, input.holdoutShare, startsOn, input.endsOn ?? null, actor],
      );
      await audit(tx, {
        workspaceId,
        actor,
        action: 'experiment.created',
        subject: `experiment:${row.id}`,
        details: input,
      });
      return toExperiment(row);
    });
  }

  async list(workspaceId: string): Promise<Experiment[]> {
    const rows = await this.db.query(
      `SELECT * FROM experiments WHERE workspace_id = $1 ORDER BY starts_on DESC`,
      [workspaceId],
    );
    return rows.map(toExperiment);
  }

  /** Conversion (≥ 1 paid order in the window) and revenue per customer, treated vs holdout, overall and per tier. */
  async report(
    workspaceId: string,
    experimentId: string,
  ): Promise<{
    experiment: Experiment;
    window: { from: string; to: string };
    overall: LiftReport;
    byTier: Record<string, LiftReport>;
  }> {
    const [row] = await this.db.query(
      `SELECT e.*, w.timezone FROM experiments e JOIN workspaces w ON w.id = e.workspace_id WHERE e.id = $1 AND e.workspace_id = $2`,
      [experimentId, workspaceId],
    );
    if (!row) throw AppError.notFound('experiment');
    const to = row.ends_on ?? todayIn(row.timezone);
    const groups: Array<{
      tier: string;
      holdout: boolean;
      customers: number;
      converted: number;
      revenue: string;
    }> = await this.db.query(
      `WITH population AS (
         SELECT c.id, COALESCE(s.value_tier, 'unscored') AS tier, ${HOLDOUT_SQL('$2', 'c.id', 'e.holdout_share')} AS holdout
         FROM customers c
         JOIN experiments e ON e.id = $2
         LEFT JOIN workspaces w ON w.id = c.workspace_id
         LEFT JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = c.id
         WHERE c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       ), outcome AS (
         SELECT o.customer_id, sum(o.amount_minor) AS revenue
         FROM orders o
         WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL
           AND o.placed_at >= ($3::date::timestamp AT TIME ZONE $5) AND o.placed_at < (($4::date + 1)::timestamp AT TIME ZONE $5)
         GROUP BY o.customer_id
       )
       SELECT p.tier, p.holdout, count(*)::int AS customers, count(o.customer_id)::int AS converted, COALESCE(sum(o.revenue), 0) AS revenue
       FROM population p LEFT JOIN outcome o ON o.customer_id = p.id
       GROUP BY GROUPING SETS ((p.tier, p.holdout), (p.holdout))`,
      [workspaceId, experimentId, row.starts_on, to, row.timezone],
    );
    const pick = (tier: string | null, holdout: boolean) => {
      const g = groups.find((x) => x.tier === tier && x.holdout === holdout);
      return { customers: g?.customers ?? 0, converted: g?.converted ?? 0, revenue: Number(g?.revenue ?? 0) };
    };
    const tiers = [...new Set(groups.map((g) => g.tier).filter((t): t is string => t !== null))];
    return {
      experiment: toExperiment(row),
      window: { from: row.starts_on, to },
      overall: liftReport(pick(null, false), pick(null, true)),
      byTier: Object.fromEntries(tiers.map((t) => [t, liftReport(pick(t, false), pick(t, true))])),
    };
  }
}

function toExperiment(r: Record<string, unknown>): Experiment {
  return {
    id: r.id as string,
    name: r.name as string,
    holdoutShare: Number(r.holdout_share),
    startsOn: r.starts_on as string,
    endsOn: (r.ends_on as string) ?? null,
    createdAt: r.created_at as Date,
  };
}
