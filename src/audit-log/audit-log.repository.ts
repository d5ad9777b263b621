import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface AuditLogRow {
  id: string;
  created_at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: unknown;
}

export interface AuditLogFilter {
  limit: number;
  before?: string;
  action?: string;
  subject?: string;
  /** only entries by these reps or about their customers, merges or themselves; null for all */
  repIds: string[] | null;
}

/** Reads the audit log (the writer is `audit()` in audit-entry.repository.ts). */
@Injectable()
export class AuditLogRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** A page of entries, newest first (keyset on id). */
  page(workspaceId: string, q: AuditLogFilter): Promise<AuditLogRow[]> {
    return this.rows<AuditLogRow>(
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
      [workspaceId, q.before ?? null, q.action ?? null, q.subject ?? null, q.repIds, q.limit],
    );
  }
}
