import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../../database/sql';
import { SqlRepository } from '../../database/sql-repository';

export type CandidateStatus = 'pending' | 'accepted' | 'rejected' | 'superseded';

/** A candidate with both customers (as they stand now: a merged record answers with its winner). */
export interface CandidateRow {
  id: string;
  customer_a_id: string;
  customer_b_id: string;
  same_email: boolean;
  same_phone: boolean;
  status: CandidateStatus;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  merge_id: string | null;
  a_external_id: string;
  b_external_id: string;
  a_name: string | null;
  b_name: string | null;
  a_kind: string;
  b_kind: string;
  a_owner: string | null;
  b_owner: string | null;
  /** the live customer each stands for now, and when that one was born (the winner rule) */
  a_root: string;
  b_root: string;
  a_born: Date;
  b_born: Date;
  /** either customer erased or deleted since */
  gone: boolean;
}

const SELECT_CANDIDATE = `
  SELECT m.id, m.customer_a_id::text AS customer_a_id, m.customer_b_id::text AS customer_b_id, m.same_email,
         m.same_phone, m.status, m.created_at, m.decided_at, m.decided_by, m.merge_id,
         a.external_id AS a_external_id, b.external_id AS b_external_id, a.name AS a_name, b.name AS b_name,
         a.kind AS a_kind, b.kind AS b_kind, a.owner_rep_id AS a_owner, b.owner_rep_id AS b_owner,
         COALESCE(a.merged_into_id, a.id)::text AS a_root, COALESCE(b.merged_into_id, b.id)::text AS b_root,
         (SELECT COALESCE(r.source_created_at, r.created_at) FROM customers r
           WHERE r.id = COALESCE(a.merged_into_id, a.id) AND r.workspace_id = m.workspace_id) AS a_born,
         (SELECT COALESCE(r.source_created_at, r.created_at) FROM customers r
           WHERE r.id = COALESCE(b.merged_into_id, b.id) AND r.workspace_id = m.workspace_id) AS b_born,
         (a.deleted_at IS NOT NULL OR a.erased_at IS NOT NULL OR b.deleted_at IS NOT NULL OR b.erased_at IS NOT NULL) AS gone
  FROM merge_candidates m
  JOIN customers a ON a.id = m.customer_a_id AND a.workspace_id = m.workspace_id
  JOIN customers b ON b.id = m.customer_b_id AND b.workspace_id = m.workspace_id`;

/** Possible duplicates awaiting (or past) a person's decision: written by dedupe runs, decided over the API/CLI. */
@Injectable()
export class MergeCandidatesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Proposes pairs (a < b, in step); a pair proposed before keeps its row and status (a rejected pair stays
   * rejected, a pending one pending) unless it was superseded: then it is pending again (the two were separated
   * since). Answers how many were new or reopened.
   */
  async propose(
    workspaceId: string,
    pairs: { a: string[]; b: string[]; sameEmail: boolean[]; samePhone: boolean[] },
    tx: Queryable,
  ): Promise<number> {
    if (pairs.a.length === 0) return 0;
    const rows = await this.rows<{ id: string }>(
      `INSERT INTO merge_candidates (workspace_id, customer_a_id, customer_b_id, same_email, same_phone)
       SELECT $1, a, b, e, p FROM unnest($2::bigint[], $3::bigint[], $4::boolean[], $5::boolean[]) AS t(a, b, e, p)
       ON CONFLICT (workspace_id, customer_a_id, customer_b_id) DO UPDATE
         SET status = 'pending', created_at = now(), decided_at = NULL, decided_by = NULL, merge_id = NULL,
             same_email = EXCLUDED.same_email, same_phone = EXCLUDED.same_phone
         WHERE merge_candidates.status = 'superseded'
       RETURNING id`,
      [workspaceId, pairs.a, pairs.b, pairs.sameEmail, pairs.samePhone],
      tx,
    );
    return rows.length;
  }

  /** How many of these pairs (a < b, in step) propose() would add or reopen. */
  async countNew(workspaceId: string, pairs: { a: string[]; b: string[] }, tx?: Queryable): Promise<number> {
    if (pairs.a.length === 0) return 0;
    const row = await this.first<{ n: number }>(
      `SELECT count(*)::int AS n FROM unnest($2::bigint[], $3::bigint[]) AS t(a, b)
       WHERE NOT EXISTS (SELECT 1 FROM merge_candidates m
                         WHERE m.workspace_id = $1 AND m.customer_a_id = t.a AND m.customer_b_id = t.b
                           AND m.status <> 'superseded')`,
      [workspaceId, pairs.a, pairs.b],
      tx,
    );
    return row?.n ?? 0;
  }

  /** Pending candidates whose two customers became one, or one of which was erased or deleted: nothing to decide. */
  async supersede(workspaceId: string, actor: string, tx: Queryable): Promise<number> {
    const rows = await this.returning<{ id: string }>(
      `UPDATE merge_candidates m SET status = 'superseded', decided_at = now(), decided_by = $2
       FROM customers a, customers b
       WHERE m.workspace_id = $1 AND m.status = 'pending'
         AND a.id = m.customer_a_id AND a.workspace_id = $1 AND b.id = m.customer_b_id AND b.workspace_id = $1
         AND (COALESCE(a.merged_into_id, a.id) = COALESCE(b.merged_into_id, b.id)
              OR a.deleted_at IS NOT NULL OR a.erased_at IS NOT NULL
              OR b.deleted_at IS NOT NULL OR b.erased_at IS NOT NULL)
       RETURNING m.id`,
      [workspaceId, actor],
      tx,
    );
    return rows.length;
  }

  async countPending(workspaceId: string, tx?: Queryable): Promise<number> {
    const row = await this.first<{ n: number }>(
      `SELECT count(*)::int AS n FROM merge_candidates WHERE workspace_id = $1 AND status = 'pending'`,
      [workspaceId],
      tx,
    );
    return row?.n ?? 0;
  }

  /**
   * Newest first by (created_at, id), keyset after `before`; `ownerRepIds` keeps those touching a customer owned
   * by these reps (null: all).
   */
  list(
    workspaceId: string,
    q: { limit: number; before: string | null; status: CandidateStatus | null; ownerRepIds: string[] | null },
  ): Promise<CandidateRow[]> {
    return this.rows<CandidateRow>(
      `${SELECT_CANDIDATE}
       WHERE m.workspace_id = $1
         AND ($3::text IS NULL OR m.status = $3)
         AND ($4::uuid IS NULL OR (m.created_at, m.id) <
              (SELECT created_at, id FROM merge_candidates WHERE id = $4 AND workspace_id = $1))
         AND ($5::uuid[] IS NULL OR a.owner_rep_id = ANY ($5) OR b.owner_rep_id = ANY ($5))
       ORDER BY m.created_at DESC, m.id DESC LIMIT $2`,
      [workspaceId, q.limit, q.status, q.before, q.ownerRepIds],
    );
  }

  /** One candidate, locked for a decision when `tx` is given. */
  get(workspaceId: string, id: string, tx?: Queryable): Promise<CandidateRow | undefined> {
    return this.first<CandidateRow>(
      `${SELECT_CANDIDATE} WHERE m.workspace_id = $1 AND m.id = $2${tx ? ' FOR UPDATE OF m' : ''}`,
      [workspaceId, id],
      tx,
    );
  }

  async decide(
    workspaceId: string,
    id: string,
    d: { status: CandidateStatus; actor: string; mergeId: string | null },
    tx: Queryable,
  ): Promise<void> {
    await this.exec(
      `UPDATE merge_candidates SET status = $3, decided_at = now(), decided_by = $4, merge_id = $5
       WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id, d.status, d.actor, d.mergeId],
      tx,
    );
  }
}
