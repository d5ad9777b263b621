import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Rep } from './rep.entity';
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

  /** Returns the workspace with this slug, creating it when missing (its offers seed themselves at first read). */
  async ensure(spec: WorkspaceSpec): Promise<Workspace> {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(spec.slug)) {
      throw new AppError(
        'invalid_workspace_slug',
        `workspace slug "${spec.slug}" must be lowercase letters, digits and -`,
      );
    }
    if (spec.timezone && !isValidTimeZone(spec.timezone)) {
      throw new AppError('invalid_timezone', `unknown time zone "${spec.timezone}"`);
    }
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

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
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
