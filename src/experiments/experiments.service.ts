import { Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import { Transactions, Tx } from '../database/transactions';
import { OffersService } from '../offers/offers.service';
import { DEFAULT_VARIANT } from '../playbooks/talk-track-settings';
import { todayIn } from '../workspaces/workspaces.service';
import { ArmStrategy, parseDesign } from './experiment-design';
import {
  ArmComparison,
  ArmOutcome,
  ArmSummary,
  compareArms,
  CompareOptions,
  DEFAULT_COMPARE,
  summarizeArm,
} from './experiment-stats';
import { ArmGroupRow, ArmRow, Exposure, ExperimentRepository, ExperimentRow } from './experiment.repository';

export interface Experiment {
  id: string;
  name: string;
  startsOn: string;
  endsOn: string | null;
  control: string;
  arms: Array<{ key: string; weight: number; strategy: ArmStrategy }>;
  createdAt: Date;
}

/** An arm of the report: its analysed customers, outcome, exposures and (not for the control) the comparison. */
export interface ArmReport extends ArmSummary {
  arm: string;
  strategy: ArmStrategy;
  /** left out of the analysis for a promise (callback asked for, manager's pin) held on the first day */
  excludedPromised: number;
  /** published items and distinct customers of the arm; holdout customers listed because of a promise */
  exposures: { customers: number; items: number; promisedCustomers: number };
  /** against the control arm; null for the control itself */
  vsControl: ArmComparison | null;
}

export interface ExperimentReport {
  experiment: Experiment;
  window: { from: string; to: string; ended: boolean };
  /** the fixed-horizon level of the intervals and the sequential test's settings */
  method: {
    level: number;
    alpha: number;
    sequential: 'msprt';
    relativeEffect: number;
    minCustomersPerArm: number;
  };
  excludedPromised: number;
  arms: ArmReport[];
  byTier: Record<string, ArmReport[]>;
}

/** What the publisher needs of a running experiment: its id and arms (with their buckets). */
export interface RunningExperiment {
  id: string;
  arms: ArmRow[];
}

/**
 * A/B/n experiments over call-list strategies. Creating one checks the design (experiment-design.ts) against
 * the workspace's day and catalog and refuses an overlap (the population is every owned customer of the
 * workspace, so two experiments at once would share it). The report compares each arm with the control over the
 * owned customers the hash puts in each arm (intention to treat), overall and per value tier.
 */
@Injectable()
export class ExperimentsService {
  constructor(
    private readonly experiments: ExperimentRepository,
    private readonly offers: OffersService,
    private readonly transactions: Transactions,
  ) {}

  async create(workspaceId: string, body: unknown, actor: string): Promise<Experiment> {
    const ws = await this.experiments.workspaceOf(workspaceId);
    const offers = await this.offers.list(workspaceId);
    const parsed = parseDesign(
      body,
      todayIn(ws.timezone),
      new Set(offers.map((o) => o.code)),
      new Set([DEFAULT_VARIANT, ...ws.talk_track_variants]),
    );
    if (!parsed.design) {
      const first = parsed.issues[0];
      throw new AppError(first.code, `${first.path}: ${first.message}`, 422, parsed.issues);
    }
    const design = parsed.design;
    return this.transactions.run(async (tx) => {
      await this.experiments.lockWorkspace(workspaceId, tx);
      if (await this.experiments.overlaps(workspaceId, design.startsOn, design.endsOn, tx))
        throw new AppError('experiment_overlap', 'another experiment runs in that period', 409, [
          { path: 'startsOn', code: 'experiment_overlap', message: 'another experiment runs in that period' },
        ]);
      const id = await this.experiments.insert(
        workspaceId,
        { ...design, createdBy: actor, tierRunId: ws.current_score_run_id },
        tx,
      );
      await audit(tx, {
        workspaceId,
        actor,
        action: 'experiment.created',
        subject: `experiment:${id}`,
        details: design,
      });
      return toExperiment((await this.experiments.find(workspaceId, id, tx))!);
    });
  }

  async list(workspaceId: string): Promise<Experiment[]> {
    return (await this.experiments.list(workspaceId)).map(toExperiment);
  }

  /** The experiments running on a list day, for the publisher. */
  async runningOn(workspaceId: string, day: string, tx?: Tx): Promise<RunningExperiment[]> {
    return (await this.experiments.runningOn(workspaceId, day, tx)).map((e) => ({ id: e.id, arms: e.arms }));
  }

  /** Logs which customer saw which arm on which list (called in the publishing transaction). */
  logExposures(workspaceId: string, listDate: string, rows: readonly Exposure[], tx: Tx): Promise<void> {
    return this.experiments.insertExposures(workspaceId, listDate, rows, tx);
  }

  async report(workspaceId: string, experimentId: string): Promise<ExperimentReport> {
    const row = await this.experiments.find(workspaceId, experimentId);
    if (!row) throw AppError.notFound('experiment');
    const today = todayIn(row.timezone);
    const ended = row.ends_on !== null && row.ends_on < today;
    // before the first day there is no window yet: an empty one on the first day
    const to =
      row.ends_on !== null && row.ends_on < today
        ? row.ends_on
        : today < row.starts_on
          ? row.starts_on
          : today;
    const [groups, exposures] = await Promise.all([
      this.experiments.armGroups(workspaceId, experimentId, {
        from: row.starts_on,
        to,
        timezone: row.timezone,
      }),
      this.experiments.exposureCounts(workspaceId, experimentId),
    ]);
    const opts: CompareOptions = { ...DEFAULT_COMPARE, comparisons: Math.max(1, row.arms.length - 1), ended };
    const armsOf = (tier: string | null) =>
      armReports(
        row,
        groups.filter((g) => g.tier === tier),
        exposures,
        opts,
      );
    const tiers = [...new Set(groups.map((g) => g.tier).filter((t): t is string => t !== null))].sort();
    const overall = armsOf(null);
    return {
      experiment: toExperiment(row),
      window: { from: row.starts_on, to, ended },
      method: {
        level: opts.level,
        alpha: opts.alpha,
        sequential: 'msprt',
        relativeEffect: opts.relativeEffect,
        minCustomersPerArm: opts.minCustomersPerArm,
      },
      excludedPromised: overall.reduce((s, a) => s + a.excludedPromised, 0),
      arms: overall,
      byTier: Object.fromEntries(tiers.map((t) => [t, armsOf(t)])),
    };
  }
}

/** One tier's (or the overall) arms, control first compared with nothing, every other arm with the control. */
function armReports(
  e: ExperimentRow,
  groups: readonly ArmGroupRow[],
  exposures: Awaited<ReturnType<ExperimentRepository['exposureCounts']>>,
  opts: CompareOptions,
): ArmReport[] {
  const outcomeOf = (arm: string): ArmOutcome & { promised: number } => {
    const g = groups.find((x) => x.arm === arm);
    return {
      customers: g?.customers ?? 0,
      converted: g?.converted ?? 0,
      revenue: Number(g?.revenue ?? 0),
      revenueSquares: Number(g?.revenue_squares ?? 0),
      promised: g?.promised ?? 0,
    };
  };
  const control = outcomeOf(e.control_arm);
  return e.arms.map((a) => {
    const o = outcomeOf(a.key);
    const x = exposures.find((r) => r.arm === a.key);
    return {
      arm: a.key,
      strategy: a.strategy,
      ...summarizeArm(o, opts.level),
      excludedPromised: o.promised,
      exposures: {
        customers: x?.customers ?? 0,
        items: x?.items ?? 0,
        promisedCustomers: x?.promised_customers ?? 0,
      },
      vsControl: a.key === e.control_arm ? null : compareArms(o, control, opts),
    };
  });
}

function toExperiment(r: ExperimentRow): Experiment {
  return {
    id: r.id,
    name: r.name,
    startsOn: r.starts_on,
    endsOn: r.ends_on ?? null,
    control: r.control_arm,
    arms: r.arms.map((a) => ({ key: a.key, weight: a.weight, strategy: a.strategy })),
    createdAt: r.created_at,
  };
}
