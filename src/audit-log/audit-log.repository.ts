import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tx } from '../database/transactions';
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

  /** Retention: how many entries of the workspace were written before `before`. */
  countOlder(workspaceId: string, before: Date): Promise<number> {
    return this.countOf(
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND created_at < $2`,
      [workspaceId, before],
    );
  }

  /**
   * Retention, inside the transaction that archives and deletes them: the oldest `limit` entries written before
   * `before`, locked (a second run skips them), with the trigger's bypass switched on for this transaction only.
   */
  async takeForArchive(workspaceId: string, before: Date, limit: number, tx: Tx): Promise<AuditLogRow[]> {
    await this.exec(`SELECT set_config('callplan.audit_retention', 'on', true)`, [], tx);
    return this.rows<AuditLogRow>(
      `SELECT id::text, created_at, actor, action, subject, details FROM audit_log
       WHERE workspace_id = $1 AND created_at < $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [workspaceId, before, limit],
      tx,
    );
  }

  /**
   * Retention: deletes archived entries (takeForArchive's, same transaction). The trigger lets a DELETE through only
   * with the bypass on and only for entries older than 90 days; everything else still raises.
   */
  async deleteArchived(workspaceId: string, ids: string[], tx: Tx): Promise<void> {
    await this.exec(
      `DELETE FROM audit_log WHERE workspace_id = $1 AND id = ANY ($2::bigint[])`,
      [workspaceId, ids],
      tx,
    );
  }
}
