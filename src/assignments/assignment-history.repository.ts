import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface HistoryRow {
  id: string;
  batch_id: string;
  customer_id: string;
  customer_external_id: string;
  customer_name: string | null;
  from_rep_id: string | null;
  from_ext: string | null;
  from_name: string | null;
  to_rep_id: string | null;
  to_ext: string | null;
  to_name: string | null;
  pool_team: string | null;
  reason: string;
  detail: string | null;
  note: string | null;
  proposal_id: string | null;
  actor: string;
  created_at: Date;
}

/** Whose history: one customer's, or the moves to and from one rep. */
export type HistorySubject = { customerId: string } | { repId: string };

/** The assignment history (written by the OwnershipWriter), read newest first. */
@Injectable()
export class AssignmentHistoryRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Entries of the subject older than `before` (an entry id), newest first, at most `limit`. */
  page(
    workspaceId: string,
    subject: HistorySubject,
    before: string | null,
    limit: number,
  ): Promise<HistoryRow[]> {
    const [filter, value] =
      'customerId' in subject
        ? ['h.customer_id = $2::bigint', subject.customerId]
        : ['(h.from_rep_id = $2::uuid OR h.to_rep_id = $2::uuid)', subject.repId];
    return this.rows<HistoryRow>(
      `SELECT h.id, h.batch_id, h.customer_id, c.external_id AS customer_external_id, c.name AS customer_name,
              h.from_rep_id, fr.external_id AS from_ext, fr.name AS from_name,
              h.to_rep_id, tr.external_id AS to_ext, tr.name AS to_name, t.external_id AS pool_team,
              h.reason, h.detail, h.note, h.proposal_id, h.actor, h.created_at
       FROM assignment_history h
       JOIN customers c ON c.id = h.customer_id
       LEFT JOIN reps fr ON fr.id = h.from_rep_id
       LEFT JOIN reps tr ON tr.id = h.to_rep_id
       LEFT JOIN teams t ON t.id = h.pool_team_id
       WHERE h.workspace_id = $1 AND ${filter} AND ($3::bigint IS NULL OR h.id < $3::bigint)
       ORDER BY h.id DESC LIMIT $4`,
      [workspaceId, value, before, limit],
    );
  }
}
