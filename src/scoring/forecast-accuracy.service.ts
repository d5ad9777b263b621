import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { ForecastAccuracyRepository } from './forecast-accuracy.repository';
import type { HoldoutMetrics } from './models/backtest';
import type { PriorityCheck } from './models/priority-check';
import type { TierAccuracy } from './models/tier-accuracy';
import { VALUE_TIERS, type ValueTier } from './models/types';
import type { CorrectionReport } from './run-correction';
import { ScoreRunService } from './score-run.service';
import type { SpendChoiceReport } from './run-spend';

/** A run's self-backtest as the API and the CLI show it (docs/models-clv.md, "Model choice"). */
export interface RunAccuracyView {
  runId: string;
  asOf: string;
  status: string;
  /** the model the run's scores use, its correction and why (null: no backtest ran, see `note`) */
  chosen: string | null;
  scale: number | null;
  reason: string | null;
  note: string | null;
  /** per candidate model and backtest horizon: how right the fit on (as-of − h) was about the next h days */
  backtests: Array<
    TierFigures & {
      model: string;
      horizonDays: number;
      chosen: boolean;
      excluded: boolean;
      degenerate: string[];
      calibration: Array<{ decile: number; customers: number; predicted: number; actual: number }>;
      params: Record<string, number>;
      scale: number;
    }
  >;
  /** the priority's top-decile revenue capture beside naive rankings, at the longest horizon (null: none) */
  priorityCheck: PriorityCheck | null;
  /**
   * the chosen model's figures at the longest backtest horizon over every sampled buyer and per value tier the
   * buyer held at the split (null: no model chosen, or a run from before it)
   */
  byTier: {
    model: string;
    horizonDays: number;
    overall: TierFigures;
    tiers: Record<ValueTier, TierFigures | null>;
  } | null;
  /**
   * the learned correction on top of the chosen model: which parts the scores use, which parts tonight's validation
   * supported (a part not in use switches on when two runs in a row support it), why, and the cross-fitted figures
   * (null: no model chosen, or a run from before the correction)
   */
  correction: {
    used: boolean;
    expectedPurchases: boolean;
    pBuy: boolean;
    /** null: a run from before the two-night rule recorded it */
    supported: { expectedPurchases: boolean; pBuy: boolean } | null;
    reason: string;
    horizonDays: number | null;
    customers: number;
    buyers: number;
    validation: CorrectionReport['validation'];
  } | null;
  /** the spend model the run scores with, why, and each candidate's mean backtest figures (null: none chosen) */
  spend: {
    chosen: string;
    reason: string;
    candidates: Array<{
      model: string;
      meanMae: number | null;
      meanAggregateError: number | null;
      meanRevenueMae: number | null;
      meanRevenueAggregateError: number | null;
      excluded: string | null;
    }>;
  } | null;
}

/** The holdout figures of a group of sampled buyers: a backtest row's (beside its calibration), a value tier's. */
export interface TierFigures {
  customers: number;
  actualPurchases: number;
  predictedPurchases: number;
  /** null: nothing was bought in the holdout but something was predicted */
  aggregateError: number | null;
  mae: number;
  rmse: number;
  auc: number | null;
  topDecileCapture: number | null;
}

@Injectable()
export class ForecastAccuracyService {
  constructor(
    private readonly runs: ScoreRunService,
    private readonly accuracy: ForecastAccuracyRepository,
  ) {}

  /** The self-backtest of a run of the workspace (404 outside it), or of its newest completed run. */
  async forRun(workspaceId: string, runId?: string): Promise<RunAccuracyView> {
    const run = runId
      ? await this.runs.get(workspaceId, runId)
      : (await this.runs.latest(workspaceId)).find((r) => r.status === 'completed');
    if (!run) throw AppError.notFound('completed score run');
    const rows = await this.accuracy.list(workspaceId, run.id);
    const models = (
      run.report as {
        models?: {
          choice?: { chosen: string | null; scale: number; reason: string };
          priorityCheck?: PriorityCheck;
          spendChoice?: SpendChoiceReport;
          correction?: CorrectionReport;
          tierAccuracy?: TierAccuracy;
        };
      }
    ).models;
    const choice = models?.choice;
    return {
      runId: run.id,
      asOf: run.asOf,
      status: run.status,
      chosen: choice?.chosen ?? null,
      scale: choice?.scale ?? null,
      reason: choice?.reason ?? null,
      note: choice
        ? null
        : run.status === 'completed'
          ? 'no self-backtest in this run (too few buyers or too short a history, or a run from before backtests): see report.models.reasons'
          : `the run is ${run.status}; its backtest is stored by the fit step`,
      backtests: rows.map((r) => ({
        model: r.model,
        horizonDays: r.horizon_days,
        chosen: r.chosen,
        excluded: r.excluded,
        degenerate: r.degenerate,
        customers: r.customers,
        actualPurchases: r.actual,
        predictedPurchases: r.predicted,
        aggregateError: r.aggregate_error,
        mae: r.mae,
        rmse: r.rmse,
        auc: r.auc,
        topDecileCapture: r.top_decile_capture,
        calibration: r.calibration,
        params: r.params,
        scale: r.scale,
      })),
      priorityCheck: models?.priorityCheck ?? null,
      byTier: tierView(models?.tierAccuracy),
      correction: correctionView(models?.correction),
      spend: spendView(models?.spendChoice),
    };
  }
}

function figures(m: HoldoutMetrics): TierFigures {
  return {
    customers: m.customers,
    actualPurchases: m.actual,
    predictedPurchases: m.predicted,
    aggregateError: m.aggregateError,
    mae: m.mae,
    rmse: m.rmse,
    auc: m.auc,
    topDecileCapture: m.topDecileCapture,
  };
}

function tierView(a: TierAccuracy | undefined): RunAccuracyView['byTier'] {
  if (!a) return null;
  const tiers = Object.fromEntries(
    VALUE_TIERS.map((t) => [t, a.tiers[t] ? figures(a.tiers[t]) : null]),
  ) as Record<ValueTier, TierFigures | null>;
  return { model: a.model, horizonDays: a.horizonDays, overall: figures(a.overall), tiers };
}

/** The report's learned correction without its coefficients (those stay in the run's report). */
function correctionView(c: CorrectionReport | undefined): RunAccuracyView['correction'] {
  if (!c) return null;
  return {
    used: c.used,
    expectedPurchases: c.expectedPurchases,
    pBuy: c.pBuy,
    supported: c.supported ? { expectedPurchases: c.supported.count, pBuy: c.supported.pBuy } : null,
    reason: c.reason,
    horizonDays: c.horizon,
    customers: c.customers,
    buyers: c.buyers,
    validation: c.validation,
  };
}

/** The report's spend choice without its per-horizon detail and parameters (those stay in the run's report). */
function spendView(r: SpendChoiceReport | undefined): RunAccuracyView['spend'] {
  if (!r) return null;
  return {
    chosen: r.chosen,
    reason: r.reason,
    candidates: r.candidates.map((c) => ({
      model: c.model,
      meanMae: c.meanMae,
      meanAggregateError: c.meanAggregateError,
      meanRevenueMae: c.meanRevenueMae,
      meanRevenueAggregateError: c.meanRevenueAggregateError,
      excluded: c.excluded,
    })),
  };
}
