import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { Queryable } from '../database/sql';
import { resolveWorklistSettings, WorklistSettings, WorklistSettingsError } from './worklist-settings';

/** What every worklist operation needs to know about a workspace and its current score snapshot. */
export interface WorklistPolicy {
  workspaceId: string;
  timeZone: string;
  currency: string;
  locale: string;
  settings: WorklistSettings;
  /** null before the first completed scoring run */
  run: {
    id: string;
    asOf: string;
    horizonDays: number;
    /** median spend of buyers in that run (minor units), or the scoring fallback */
    referenceValue: number;
  } | null;
}

/** Reads a workspace's worklist settings (validated, defaults applied) and its current score run. */
@Injectable()
export class WorklistPolicyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async load(workspaceId: string, tx: Queryable = this.db): Promise<WorklistPolicy> {
    const [row] = await tx.query(
      `SELECT w.id, w.timezone, w.currency, w.locale, w.settings -> 'worklist' AS worklist,
              r.id AS run_id, r.as_of::text AS as_of, r.horizon_days,
              (r.model_params #>> '{policy,workspace,referenceValue}')::float8 AS reference_value
       FROM workspaces w LEFT JOIN score_runs r ON r.id = w.current_score_run_id
       WHERE w.id = $1`,
      [workspaceId],
    );
    if (!row) throw AppError.notFound('workspace');
    let settings: WorklistSettings;
    try {
      settings = resolveWorklistSettings(row.worklist ?? undefined);
    } catch (e) {
      if (e instanceof WorklistSettingsError) {
        throw new AppError('invalid_worklist_settings', e.message, 409, { issues: e.issues });
      }
      throw e;
    }
    return {
      workspaceId,
      timeZone: row.timezone,
      currency: row.currency,
      locale: row.locale,
      settings,
      run: row.run_id
        ? {
            id: row.run_id,
            asOf: row.as_of,
            horizonDays: row.horizon_days,
            referenceValue: row.reference_value > 0 ? Number(row.reference_value) : 10_000,
          }
        : null,
    };
  }
}
