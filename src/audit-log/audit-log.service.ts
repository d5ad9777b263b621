import { Injectable } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AuditLogRepository } from './audit-log.repository';

export interface AuditEntry {
  id: string;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: unknown;
}

export interface AuditQuery {
  limit: number;
  /** entries older than this id (the previous page's nextBefore) */
  before?: string;
  action?: string;
  subject?: string;
  /** managers: only entries by these reps or about their customers, merges or themselves */
  repIds?: string[];
}

/**
 * Reads the append-only audit log, newest first, page by page (keyset on id, so a page costs the same at any
 * depth). Subjects follow `customer:<id>`, `merge:<uuid>`, `rep:<uuid>`, `import:<uuid>`; actors `rep:<uuid>`,
 * `key:<uuid>`, `system:<job>`, `cli` (src/auth/actor.ts).
 */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly entries: AuditLogRepository,
    private readonly scopes: AccessScopeService,
  ) {}

  /** The entries the principal may read: everything for admins, for managers those by or about their team. */
  async listFor(
    p: Principal,
    q: Omit<AuditQuery, 'repIds'>,
  ): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
    const scope = await this.scopes.repScope(p);
    return this.list(p.workspaceId, { ...q, repIds: scope.all ? undefined : [...scope.repIds] });
  }

  async list(
    workspaceId: string,
    q: AuditQuery,
  ): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
    const rows = await this.entries.page(workspaceId, { ...q, repIds: q.repIds ?? null });
    const items = rows.map((r) => ({
      id: r.id,
      at: r.created_at,
      actor: r.actor,
      action: r.action,
      subject: r.subject ?? null,
      details: r.details,
    }));
    return { items, nextBefore: items.length === q.limit ? items[items.length - 1].id : null };
  }
}
