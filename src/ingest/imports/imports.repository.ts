import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PurgeBatch, SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';
import type { CsvEncoding } from '../csv/csv-encoding';
import type { PresetName } from '../csv/csv-presets';
import { ImportKind } from '../csv/csv-rows';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';
export type ImportFilePart = 'upload' | 'rejects';

/** The options an import was requested with, as stored on its row. */
export interface ImportOptionsRow {
  map?: Record<string, string>;
  source?: string;
  createMissingCustomers?: boolean;
  encoding?: CsvEncoding;
  dateFormat?: string;
  preset?: PresetName;
  ignoreUnknownColumns?: boolean;
}

/** A row of `imports` (jsonb columns as stored: progress `{}` until the job reports). */
export interface ImportRow {
  id: string;
  workspace_id: string;
  kind: ImportKind;
  status: ImportStatus;
  file_name: string;
  /** bigint: arrives as a string */
  size_bytes: string;
  options: ImportOptionsRow;
  progress: Record<string, unknown>;
  report: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** An import as listed: its row and whether a rejects report is stored. */
export interface ImportListRow extends ImportRow {
  has_rejects: boolean;
}

/**
 * The `imports` rows of HTTP imports and their stored files (`import_files`, 1 MB pieces). The job's statements
 * address its row by primary key: the row was created for a workspace by the request that queued the job.
 */
@Injectable()
export class ImportsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async create(
    workspaceId: string,
    kind: ImportKind,
    fileName: string,
    options: ImportOptionsRow,
    actor: string,
  ): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `INSERT INTO imports (workspace_id, kind, file_name, size_bytes, options, created_by)
       VALUES ($1, $2, $3, 0, $4, $5) RETURNING id`,
      [workspaceId, kind, fileName, JSON.stringify(options), actor],
    );
    return row.id;
  }

  async setSize(id: string, sizeBytes: number, tx: Tx): Promise<void> {
    // @crossTenant the row was just created by create() for the caller's workspace
    await this.exec(`UPDATE imports SET size_bytes = $2 WHERE id = $1`, [id, sizeBytes], tx);
  }

  async remove(id: string): Promise<void> {
    // @crossTenant the row was just created by create() for the caller's workspace
    await this.exec(`DELETE FROM imports WHERE id = $1`, [id]);
  }

  get(workspaceId: string, id: string): Promise<ImportListRow | undefined> {
    return this.first(
      `SELECT i.*, EXISTS (SELECT 1 FROM import_files f WHERE f.import_id = i.id AND f.part = 'rejects') AS has_rejects
       FROM imports i WHERE i.workspace_id = $1 AND i.id = $2`,
      [workspaceId, id],
    );
  }

  list(workspaceId: string, limit: number): Promise<ImportListRow[]> {
    return this.rows(
      `SELECT i.*, EXISTS (SELECT 1 FROM import_files f WHERE f.import_id = i.id AND f.part = 'rejects') AS has_rejects
       FROM imports i WHERE i.workspace_id = $1 ORDER BY i.created_at DESC LIMIT $2`,
      [workspaceId, limit],
    );
  }

  /** The job loads its row by primary key. */
  forJob(id: string): Promise<ImportRow | undefined> {
    // @crossTenant the job's payload is the row id
    return this.first(`SELECT * FROM imports WHERE id = $1`, [id]);
  }

  async markRunning(id: string): Promise<void> {
    await this.exec(
      // @crossTenant the job's own row, by primary key
      `UPDATE imports SET status = 'running', started_at = now(), progress = '{}', error = NULL WHERE id = $1`,
      [id],
    );
  }

  async setProgress(id: string, progress: unknown): Promise<void> {
    // @crossTenant the job's own row, by primary key
    await this.exec(`UPDATE imports SET progress = $2 WHERE id = $1 AND status = 'running'`, [
      id,
      JSON.stringify(progress),
    ]);
  }

  async complete(id: string, report: unknown, progress: unknown): Promise<void> {
    await this.exec(
      // @crossTenant the job's own row, by primary key
      `UPDATE imports SET status = 'completed', report = $2, progress = $3, finished_at = now() WHERE id = $1`,
      [id, JSON.stringify(report), JSON.stringify(progress)],
    );
  }

  async fail(id: string, error: { code: string; message: string; details?: unknown }): Promise<void> {
    await this.exec(
      // @crossTenant the job's own row, by primary key
      `UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
      [id, JSON.stringify(error)],
    );
  }

  /** Deletes the stored files of imports finished more than `days` ago, in every workspace. */
  async purgeFilesOlderThan(days: number): Promise<void> {
    await this.exec(
      // @crossTenant retention applies to every workspace alike
      `DELETE FROM import_files f USING imports i
       WHERE f.import_id = i.id AND i.finished_at < now() - make_interval(days => $1)`,
      [days],
    );
  }

  async addFilePiece(importId: string, part: ImportFilePart, seq: number, data: Buffer): Promise<void> {
    await this.exec(`INSERT INTO import_files (import_id, part, seq, data) VALUES ($1, $2, $3, $4)`, [
      importId,
      part,
      seq,
      data,
    ]);
  }

  async filePiece(importId: string, part: ImportFilePart, seq: number): Promise<Buffer | undefined> {
    const row = await this.first<{ data: Buffer }>(
      `SELECT data FROM import_files WHERE import_id = $1 AND part = $2 AND seq = $3`,
      [importId, part, seq],
    );
    return row?.data;
  }

  async fileExists(importId: string, part: ImportFilePart): Promise<boolean> {
    const row = await this.first<{ '?column?': number }>(
      `SELECT 1 FROM import_files WHERE import_id = $1 AND part = $2 AND seq = 0`,
      [importId, part],
    );
    return !!row;
  }

  async removeFile(importId: string, part: ImportFilePart): Promise<void> {
    await this.exec(`DELETE FROM import_files WHERE import_id = $1 AND part = $2`, [importId, part]);
  }

  /** Imports not finished, in every workspace, oldest first, with how much of their upload is stored (crash recovery). */
  unfinished(): Promise<UnfinishedImportRow[]> {
    return this.rows<UnfinishedImportRow>(
      // @crossTenant the recovery sweep looks at every workspace's unfinished imports
      `SELECT i.id, i.status, i.size_bytes,
              count(f.seq)::int AS pieces, coalesce(sum(length(f.data)), 0)::text AS stored_bytes
       FROM imports i LEFT JOIN import_files f ON f.import_id = i.id AND f.part = 'upload'
       WHERE i.status IN ('queued', 'running')
       GROUP BY i.id
       ORDER BY i.created_at, i.id`,
    );
  }

  /** Marks an import failed unless it finished meanwhile; true when this call did it. */
  async failUnfinished(id: string, error: { code: string; message: string }): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      // @crossTenant the recovery sweep's row, by primary key
      `UPDATE imports SET status = 'failed', error = $2, finished_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
      [id, JSON.stringify(error)],
    );
    return rows.length > 0;
  }

  /** Retention: finished imports (completed or failed) and their stored files, finished before `b.before`. */
  purgeFinished(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM imports
           WHERE workspace_id = $1 AND status IN ('completed', 'failed') AND finished_at < $2`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM imports WHERE workspace_id = $1 AND id IN (
               SELECT id FROM imports
               WHERE workspace_id = $1 AND status IN ('completed', 'failed') AND finished_at < $2
               ORDER BY finished_at LIMIT $3)
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }
}

/** An unfinished import and its stored upload (bigint sizes arrive as strings). */
export interface UnfinishedImportRow {
  id: string;
  status: ImportStatus;
  size_bytes: string;
  pieces: number;
  stored_bytes: string;
}
