import { Injectable, Logger } from '@nestjs/common';
import { resolveTalkTrackSettings, type TalkTrackSettings } from '../playbooks/talk-track-settings';
import { AppError } from '../common/app-error';
import { Queryable } from '../database/sql';
import { WorklistRepository } from './worklist.repository';
import { resolveWorklistSettings, WorklistSettings, WorklistSettingsError } from './worklist-settings';

/** What every worklist operation needs to know about a workspace and its current score snapshot. */
export interface WorklistPolicy {
  workspaceId: string;
  timeZone: string;
  currency: string;
  locale: string;
  settings: WorklistSettings;
  /** the workspace's own talk-track templates and variants (settings.talkTracks) */
  talkTracks: TalkTrackSettings;
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
  private readonly logger = new Logger(WorklistPolicyService.name);

  constructor(private readonly lists: WorklistRepository) {}

  async load(workspaceId: string, tx?: Queryable): Promise<WorklistPolicy> {
    const row = await this.lists.policy(workspaceId, tx);
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
    let talkTracks: TalkTrackSettings = { templates: {}, variants: {} };
    try {
      talkTracks = resolveTalkTrackSettings(row.talk_tracks ?? undefined);
    } catch (e) {
      // Checked on save; one that stopped validating (the built-in templates changed) must not stop the lists.
      this.logger.warn(`workspace ${workspaceId}: talk-track templates ignored: ${(e as Error).message}`);
    }
    return {
      workspaceId,
      talkTracks,
      timeZone: row.timezone,
      currency: row.currency,
      locale: row.locale,
      settings,
      run: row.run_id
        ? {
            id: row.run_id,
            asOf: row.as_of,
            horizonDays: row.horizon_days,
            referenceValue: (row.reference_value ?? 0) > 0 ? Number(row.reference_value) : 10_000,
          }
        : null,
    };
  }
}
