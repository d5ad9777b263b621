import { readdirSync } from 'node:fs';
import { Injectable, Logger } from '@nestjs/common';
import { poolPolicy } from '../assignments/assignment-settings';
import { PoolScheduler } from '../assignments/pool.scheduler';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import { Transactions } from '../database/transactions';
import { findTemplatesDir } from '../playbooks/playbooks.service';
import { ScoringScheduler } from '../scoring/scoring.scheduler';
import { WorkspaceColumns, WorkspaceRepository, WorkspaceRow } from '../workspaces/workspace.repository';
import { slugProblem, unknownWorkspaceMessage, WORKSPACE_DEFAULTS } from '../workspaces/workspace-fields';
import { effectiveSettings, FieldIssue } from './settings-sections';
import {
  applyChange,
  changedFields,
  changeShapeIssues,
  impactWarnings,
  WorkspaceChange,
} from './workspace-change';

/** A workspace as the API and the CLI show it. */
export interface WorkspaceView {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  currency: string;
  locale: string;
  scoringCron: string;
  /** every section with defaults filled in */
  settings: Record<string, unknown>;
  /** what the workspace set itself (the stored overrides) */
  overrides: Record<string, unknown>;
  /** stored overrides that no longer validate (the section is left out of `settings`) */
  invalid: FieldIssue[];
  createdAt: string;
  updatedAt: string;
}

export interface WorkspaceUpdate {
  workspace: WorkspaceView;
  /** changed fields by path, with their old and new value */
  changed: Record<string, { before: unknown; after: unknown }>;
  /** what the change does to data the workspace holds */
  warnings: string[];
}

/**
 * Workspace settings in one place: reads, creates and changes a workspace's columns and its settings JSON,
 * validated by the parsers of the rooms that read them (settings-sections.ts), audited with before and after,
 * and re-registers the schedules a change moves. Sits above worklist, assignments and scoring for that reason.
 */
@Injectable()
export class WorkspaceSettingsService {
  private readonly logger = new Logger(WorkspaceSettingsService.name);
  private locales?: readonly string[];

  constructor(
    private readonly workspaces: WorkspaceRepository,
    private readonly transactions: Transactions,
    private readonly scoringScheduler: ScoringScheduler,
    private readonly poolScheduler: PoolScheduler,
  ) {}

  async show(workspaceId: string): Promise<WorkspaceView> {
    const row = await this.workspaces.byId(workspaceId);
    if (!row) throw AppError.notFound('workspace');
    return view(row);
  }

  async showBySlug(slug: string): Promise<WorkspaceView> {
    const row = await this.workspaces.bySlug(slug);
    if (!row) throw new AppError('unknown_workspace', unknownWorkspaceMessage(slug), 404, { slug });
    return view(row);
  }

  /** Creates a workspace with these settings (defaults for the rest); 409 when the slug is taken. */
  async create(slug: string, body: unknown, actor: string): Promise<WorkspaceView> {
    const problem = slugProblem(slug);
    if (problem) throw invalid([{ path: 'slug', message: problem }]);
    const change = this.parse(body);
    const base: WorkspaceColumns = {
      name: slug,
      timezone: WORKSPACE_DEFAULTS.timezone,
      locale: WORKSPACE_DEFAULTS.locale,
      currency: WORKSPACE_DEFAULTS.currency,
      scoring_cron: WORKSPACE_DEFAULTS.scoringCron,
      settings: {},
    };
    const { next, issues } = applyChange(base, change, this.supportedLocales());
    if (issues.length) throw invalid(issues);
    const row = await this.transactions.run(async (tx) => {
      const created = await this.workspaces.insert(slug, next, tx);
      if (!created) {
        throw new AppError(
          'workspace_exists',
          `workspace '${slug}' already exists (change it with: callplan workspace update --slug ${slug} …)`,
          409,
          { slug },
        );
      }
      await audit(tx, {
        workspaceId: created.id,
        actor,
        action: 'workspace.created',
        subject: `workspace:${created.id}`,
        details: { slug, after: changedFields(base, next) },
      });
      return created;
    });
    await this.reschedule(row, { scoring: true, pool: true });
    return view(row);
  }

  /** Applies a partial change; 400 for a body of the wrong shape, 422 naming every refused field. */
  async update(workspaceId: string, body: unknown, actor: string): Promise<WorkspaceUpdate> {
    const change = this.parse(body);
    const result = await this.transactions.run(async (tx) => {
      const row = await this.workspaces.lock(workspaceId, tx);
      if (!row) throw AppError.notFound('workspace');
      const before = columnsOf(row);
      const { next, issues } = applyChange(before, change, this.supportedLocales());
      if (issues.length) throw invalid(issues);
      const changed = changedFields(before, next);
      if (Object.keys(changed).length === 0) return { row, before, changed, warnings: [] };
      // counting the orders is only worth it when the change can leave them out or re-date them
      const held =
        'currency' in changed || 'timezone' in changed
          ? await this.workspaces.holdings(workspaceId, tx)
          : { customers: 0, interactions: 0, ordersByCurrency: {}, completedRuns: 0 };
      const warnings = impactWarnings(before, next, held);
      const saved = await this.workspaces.update(workspaceId, next, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'workspace.settings_changed',
        subject: `workspace:${workspaceId}`,
        details: { changed, warnings },
      });
      return { row: saved, before, changed, warnings };
    });
    const { row, before, changed, warnings } = result;
    const zoneMoved = 'timezone' in changed;
    const poolCronMoved = sweepCronOf(before.settings) !== sweepCronOf(row.settings);
    await this.reschedule(row, {
      scoring: zoneMoved || 'scoringCron' in changed,
      pool: zoneMoved || poolCronMoved,
    });
    return { workspace: view(row), changed, warnings };
  }

  /** The talk-track locales: the folders of templates/talk-tracks, as the renderer reads them. */
  supportedLocales(): readonly string[] {
    this.locales ??= readdirSync(findTemplatesDir(), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    return this.locales;
  }

  private parse(body: unknown): WorkspaceChange {
    const issues = changeShapeIssues(body ?? {});
    if (issues.length)
      throw new AppError('validation_failed', 'workspace change failed validation', 400, issues);
    return (body ?? {}) as WorkspaceChange;
  }

  /** Upserts the job schedulers a change moved (idempotent; any process with the queue may do it). */
  private async reschedule(row: WorkspaceRow, what: { scoring: boolean; pool: boolean }): Promise<void> {
    if (what.scoring) await this.scoringScheduler.register(row.id, row.scoring_cron, row.timezone);
    if (what.pool) {
      try {
        await this.poolScheduler.register(row.id, poolPolicy(row.settings).sweepCron, row.timezone);
      } catch (e) {
        this.logger.warn(`pool sweep of workspace ${row.id} not rescheduled: ${(e as Error).message}`);
      }
    }
  }
}

function invalid(issues: FieldIssue[]): AppError {
  return new AppError(
    'invalid_settings',
    `invalid workspace settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    422,
    issues,
  );
}

function sweepCronOf(settings: Record<string, unknown>): string | null {
  try {
    return poolPolicy(settings).sweepCron;
  } catch {
    return null; // stored pool rules that no longer validate: the pool room reports them
  }
}

function columnsOf(row: WorkspaceRow): WorkspaceColumns {
  return {
    name: row.name,
    timezone: row.timezone,
    locale: row.locale,
    currency: row.currency.trim(),
    scoring_cron: row.scoring_cron,
    settings: row.settings ?? {},
  };
}

function view(row: WorkspaceRow): WorkspaceView {
  const { effective, invalid } = effectiveSettings(row.settings ?? {});
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    timezone: row.timezone,
    currency: row.currency.trim(),
    locale: row.locale,
    scoringCron: row.scoring_cron,
    settings: effective,
    overrides: row.settings ?? {},
    invalid,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
