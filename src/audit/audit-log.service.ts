import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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
 * `key:<uuid>`, `system:<job>`, `cli` (src/audit/actor.ts).
 */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(
    workspaceId: string,
    q: AuditQuery,
  ): Promise<{ items: AuditEntry[]; nextBefore: string | null }> {
    const reps = q.repIds ?? null;
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT a.id::text, a.created_at, a.actor, a.action, a.subject, a.details
       FROM audit_log a
       WHERE a.workspace_id = $1
         AND ($2::bigint IS NULL OR a.id < $2)
         AND ($3::text IS NULL OR a.action = $3)
         AND ($4::text IS NULL OR a.subject = $4)
         AND ($5::uuid[] IS NULL
           OR a.actor = ANY (SELECT 'rep:' || r FROM unnest($5::uuid[]) r)
           OR a.subject = ANY (SELECT 'rep:' || r FROM unnest($5::uuid[]) r)
           OR EXISTS (SELECT 1 FROM customers c
                      WHERE c.workspace_id = $1 AND c.owner_rep_id = ANY ($5)
                        AND c.id = CASE WHEN a.subject ~ '^customer:[0-9]{1,18}$' THEN substr(a.subject, 10)::bigint END)
           OR EXISTS (SELECT 1 FROM customer_merges m
                      JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
                      WHERE m.workspace_id = $1 AND (w.owner_rep_id = ANY ($5) OR l.owner_rep_id = ANY ($5))
                        AND m.id = CASE WHEN a.subject ~ '^merge:[0-9a-f-]{36}$' THEN substr(a.subject, 7)::uuid END))
       ORDER BY a.id DESC
       LIMIT $6`,
      [workspaceId, q.before ?? null, q.action ?? null, q.subject ?? null, reps, q.limit],
    );
    const items = rows.map((r) => ({
      id: r.id as string,
      at: r.created_at as Date,
      actor: r.actor as string,
      action: r.action as string,
      subject: (r.subject as string) ?? null,
      details: r.details,
    }));
    return { items, nextBefore: items.length === q.limit ? items[items.length - 1].id : null };
  }
}
