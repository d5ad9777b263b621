import { Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import { Transactions } from '../database/transactions';
import { todayIn } from '../workspaces/workspaces.service';
import { liftReport, LiftReport } from './experiment-lift';
import { ExperimentRepository, ExperimentRow } from './experiment.repository';

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
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly transactions: Transactions,
  ) {}

  async create(
    workspaceId: string,
    input: { name: string; holdoutShare: number; startsOn?: string; endsOn?: string },
    actor: string,
  ): Promise<Experiment> {
    const startsOn = input.startsOn ?? todayIn(await this.experiments.timezoneOf(workspaceId));
    return this.transactions.run(async (tx) => {
      if (await this.experiments.overlaps(workspaceId, startsOn, input.endsOn ?? null, tx))
        throw new AppError('experiment_overlap', 'another experiment runs in that period', 409);
      const row = await this.experiments.insert(
        workspaceId,
        {
          name: input.name,
          holdoutShare: input.holdoutShare,
          startsOn,
          endsOn: input.endsOn ?? null,
          createdBy: actor,
        },
        tx,
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
    return (await this.experiments.list(workspaceId)).map(toExperiment);
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
    const row = await this.experiments.withTimezone(workspaceId, experimentId);
    if (!row) throw AppError.notFound('experiment');
    const to = row.ends_on ?? todayIn(row.timezone);
    const groups = await this.experiments.liftGroups(workspaceId, experimentId, {
      from: row.starts_on,
      to,
      timezone: row.timezone,
    });
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

function toExperiment(r: ExperimentRow): Experiment {
  return {
    id: r.id,
    name: r.name,
    holdoutShare: Number(r.holdout_share),
    startsOn: r.starts_on,
    endsOn: r.ends_on ?? null,
    createdAt: r.created_at,
  };
}
