import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import { BATCH_TABLE, WRITE_BACK_SQL } from './write-back.sql';

/** The diff's parameters (write-back.sql.ts). */
export interface DiffParams {
  runId: string;
  keys: string[];
  dropped: string[];
  clvStep: number;
  /** the mapping as text, part of the fingerprint */
  tag: string;
  /** which fields are sent, in WRITE_BACK_FIELDS order */
  included: boolean[];
}

const diffArgs = (workspaceId: string, p: DiffParams) => [
  workspaceId,
  p.runId,
  p.keys,
  p.dropped,
  p.clvStep,
  p.tag,
  p.included,
];

export interface ChangedRow {
  customer_id: string;
  payload: Record<string, unknown>;
}

export interface MappingRow {
  fields: unknown;
  updated_by: string | null;
  updated_at: Date;
}

/**
 * The write-back tables: each workspace's field mapping and each customer's fingerprint of what was last sent;
 * the set-based diff between the current scores and those fingerprints (write-back.sql.ts).
 */
@Injectable()
export class WriteBackRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  mapping(workspaceId: string): Promise<MappingRow | undefined> {
    return this.first<MappingRow>(
      `SELECT fields, updated_by, updated_at FROM write_back_mappings WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  async saveMapping(workspaceId: string, fields: unknown, actor: string, tx: Queryable): Promise<void> {
    await this.exec(
      `INSERT INTO write_back_mappings (workspace_id, fields, updated_by, updated_at)
       VALUES ($1, $2::jsonb, $3, now())
       ON CONFLICT (workspace_id) DO UPDATE
         SET fields = EXCLUDED.fields, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [workspaceId, JSON.stringify(fields), actor],
      tx,
    );
  }

  /** The workspace's current run, or null before the first finished run. */
  async currentRun(workspaceId: string, tx?: Queryable): Promise<string | null> {
    const row = await this.first<{ run_id: string | null }>(
      `SELECT current_score_run_id AS run_id FROM workspaces WHERE id = $1`,
      [workspaceId],
      tx,
    );
    return row?.run_id ?? null;
  }

  /**
   * The workspace pass: collects the customers whose sent values changed into a temporary table of the
   * transaction (dropped at commit) and records their new fingerprints; answers how many changed.
   */
  async collectWorkspaceChanges(workspaceId: string, p: DiffParams, tx: Queryable): Promise<number> {
    await this.exec(
      `CREATE TEMP TABLE IF NOT EXISTS write_back_batch
         (customer_id bigint PRIMARY KEY, payload jsonb NOT NULL) ON COMMIT DROP`,
      [],
      tx,
    );
    await this.exec(`TRUNCATE ${BATCH_TABLE}`, [], tx);
    // One pass over every customer: hash joins of a million rows fit in memory instead of spilling in 16 batches.
    // (No JIT: off for every connection, data-source.ts.)
    await this.exec(`SET LOCAL work_mem = '128MB'`, [], tx);
    await this.exec(WRITE_BACK_SQL.workspace, diffArgs(workspaceId, p), tx);
    const [{ n }] = await this.rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${BATCH_TABLE}`, [], tx);
    return n;
  }

  /** The next page of the collected changes, after a customer id (keyset paging on the temporary table). */
  collectedPage(
    after: string,
    limit: number,
    tx: Queryable,
  ): Promise<Array<{ customer_id: string; payload: Record<string, unknown> }>> {
    return this.rows(
      `SELECT b.customer_id::text AS customer_id, b.payload FROM ${BATCH_TABLE} b
       WHERE b.customer_id > $1::bigint ORDER BY b.customer_id LIMIT $2`,
      [after, limit],
      tx,
    );
  }

  /** The pass over a few customers: those whose sent values changed, in id order, fingerprints recorded. */
  customerChanges(
    workspaceId: string,
    customerIds: string[],
    p: DiffParams,
    tx: Queryable,
  ): Promise<ChangedRow[]> {
    return this.rows<ChangedRow>(WRITE_BACK_SQL.customers, [...diffArgs(workspaceId, p), customerIds], tx);
  }
}
