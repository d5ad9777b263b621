import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Rep } from './rep.entity';
import { currencyProblem, slugProblem, timeZoneProblem } from './workspace-fields';
import { Workspace } from './workspace.entity';

export interface WorkspaceSpec {
  slug: string;
  name?: string;
  timezone?: string;
  locale?: string;
  currency?: string;
}

@Injectable()
export class WorkspacesService {
  constructor(
    @InjectRepository(Workspace) private readonly workspaces: Repository<Workspace>,
    @InjectRepository(Rep) private readonly reps: Repository<Rep>,
  ) {}

  /**
   * Returns the workspace with this slug, creating it with defaults when missing (its offers seed themselves at
   * first read). For set-up code only — tests, benchmarks, the CLI's implicit workspaces (IMPLICIT_WORKSPACES);
   * people create workspaces with `callplan workspace create` or WorkspaceSettingsService.create, which validate
   * and audit every setting.
   */
  async ensure(spec: WorkspaceSpec): Promise<Workspace> {
    const slug = slugProblem(spec.slug);
    if (slug) throw new AppError('invalid_workspace_slug', `workspace slug ${slug}`);
    const tz = spec.timezone ? timeZoneProblem(spec.timezone) : null;
    if (tz) throw new AppError('invalid_timezone', tz);
    const currency = spec.currency ? currencyProblem(spec.currency) : null;
    if (currency) throw new AppError('invalid_currency', currency);
    await this.workspaces
      .createQueryBuilder()
      .insert()
      .values({
        slug: spec.slug,
        name: spec.name ?? spec.slug,
        timezone: spec.timezone ?? 'Asia/Shanghai',
        locale: spec.locale ?? 'zh-CN',
        currency: spec.currency ?? 'CNY',
      })
      .orIgnore()
      .execute();
    return this.bySlug(spec.slug);
  }

  /** The workspace with this slug, or null. */
  find(slug: string): Promise<Workspace | null> {
    return this.workspaces.findOneBy({ slug });
  }

  async bySlug(slug: string): Promise<Workspace> {
    const ws = await this.workspaces.findOneBy({ slug });
    if (!ws) throw AppError.notFound(`workspace "${slug}"`);
    return ws;
  }

  async byId(id: string): Promise<Workspace> {
    const ws = await this.workspaces.findOneBy({ id });
    if (!ws) throw AppError.notFound('workspace');
    return ws;
  }

  all(): Promise<Workspace[]> {
    return this.workspaces.find({ order: { slug: 'ASC' } });
  }

  /** A rep by its CRM external id within a workspace. */
  async repByExternalId(workspaceId: string, externalId: string): Promise<Rep> {
    const rep = await this.reps.findOneBy({ workspaceId, externalId });
    if (!rep) throw AppError.notFound(`rep "${externalId}"`);
    return rep;
  }

  activeReps(workspaceId: string): Promise<Rep[]> {
    return this.reps.find({ where: { workspaceId, active: true }, order: { externalId: 'ASC' } });
  }
}

/** The calendar date (YYYY-MM-DD) it is now in a time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
