import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { copyPieces } from '../../database/copy/copy-text';
import { SqlRepository } from '../../database/sql-repository';
import { MERGE_SQL, MergeShape, ORPHANS_SQL, STAGING_DDL } from './csv-import.sql';
import { ImportKind } from './csv-rows';
import { CurrencyRate } from './currency-rates';
import { FieldOwnership } from '../sync/field-ownership';
import { FIELD_WRITER_SQL } from '../sync/field-ownership.sql';

export type ActivityKind = 'orders' | 'interactions';

/** What one set-based merge did: rows inserted, rows changed (the rest of the chunk was already up to date). */
export interface MergeCounts {
  inserted: number;
  updated: number;
  /** customers: CRM values refused because Callplan owns the field (listed by GET /v1/sync/conflicts) */
  conflicts?: number;
  /** customers: rows skipped because the customer's stored version is newer than the row's `source_updated_at` */
  older?: number;
}

export interface UnknownOwnerRow {
  row_no: number;
  owner_rep: string;
}

export interface OrphanRow {
  row_no: number;
  customer_external_id: string;
  raw: Record<string, string>;
}

const ANALYZE_TARGET: Record<ImportKind, string[]> = {
  customers: ['customers'],
  orders: ['orders'],
  interactions: ['interactions'],
  reps: ['reps', 'teams'],
};

/**
 * The CSV import's statements, on the import's own connection (`client`, inside its one transaction): the
 * temporary staging table and its COPY, the set-based merges (MERGE_SQL) and the orphan report (ORPHANS_SQL).
 */
@Injectable()
export class CsvImportRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The settings rows are read against: time zone (local date-times) and currency (orders). */
  workspaceSettings(workspaceId: string): Promise<{ timezone: string; currency: string } | undefined> {
    return this.first(`SELECT timezone, currency FROM workspaces WHERE id = $1`, [workspaceId]);
  }

  /** The workspace's rate table (small: a row per currency and day a rate starts). */
  currencyRates(workspaceId: string): Promise<CurrencyRate[]> {
    return this.rows(
      `SELECT currency, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", rate::text AS rate
       FROM currency_rates WHERE workspace_id = $1 ORDER BY currency, valid_from`,
      [workspaceId],
    );
  }

  /** The staging table of the kind (and, for orders/interactions, the orphans table); dropped at commit. */
  async createStaging(kind: ImportKind, client: PoolClient): Promise<void> {
    await client.query(STAGING_DDL[kind]);
    if (kind === 'orders' || kind === 'interactions') await client.query(ORPHANS_SQL.create);
  }

  /** Empties the staging table (chunks after the first) and COPYs a chunk's pieces into it. */
  async stageChunk(pieces: string[], first: boolean, client: PoolClient): Promise<void> {
    if (!first) await client.query('TRUNCATE stage');
    await copyPieces(client, 'stage', pieces);
    // Temporary tables are never analysed by autovacuum: without statistics the joins plan as nested loops.
    if (first) await client.query('ANALYZE stage');
  }

  /** Placeholder customers for the staged rows' unknown customer ids. */
  async createPlaceholderCustomers(workspaceId: string, source: string, client: PoolClient): Promise<void> {
    await client.query(MERGE_SQL.placeholderCustomers, [workspaceId, source]);
  }

  /** Sets aside the staged rows whose customer is unknown. */
  async collectOrphans(workspaceId: string, source: string, client: PoolClient): Promise<void> {
    await client.query(ORPHANS_SQL.collect, [workspaceId, source]);
  }

  /**
   * Owners given by a rep's email or display name (case-insensitive) instead of the external id: one match
   * becomes its external id; several are left out of the row, answered with their rows and candidates.
   */
  async resolveOwners(
    workspaceId: string,
    client: PoolClient,
  ): Promise<Array<{ row_no: number; owner_rep: string; candidates: string[] }>> {
    await client.query(MERGE_SQL.resolveOwners, [workspaceId]);
    return (await client.query(MERGE_SQL.ambiguousOwners, [workspaceId])).rows;
  }

  async unknownOwners(workspaceId: string, client: PoolClient): Promise<UnknownOwnerRow[]> {
    return (await client.query<UnknownOwnerRow>(MERGE_SQL.unknownOwners, [workspaceId])).rows;
  }

  /** The workspace's stored `settings.fieldOwnership` overrides (validated by field-ownership.ts). */
  async fieldOwnershipSettings(workspaceId: string): Promise<unknown> {
    const row = await this.first<{ stored: unknown }>(
      `SELECT settings -> 'fieldOwnership' AS stored FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    return row?.stored ?? null;
  }

  /**
   * Merges the staged customers under the workspace's field ownership; the history trigger names the import
   * ('csv') as the writer for the rest of the import's transaction.
   */
  async mergeCustomers(
    workspaceId: string,
    source: string,
    shape: MergeShape,
    ownership: FieldOwnership,
    client: PoolClient,
  ): Promise<MergeCounts> {
    await client.query(FIELD_WRITER_SQL, ['csv']);
    const { rows } = await client.query<{
      inserted: string;
      updated: string;
      conflicts: string;
      older: string;
    }>(MERGE_SQL.customers(shape), [workspaceId, source, ownership.owner, ownership.personality]);
    return {
      inserted: Number(rows[0].inserted),
      updated: Number(rows[0].updated),
      conflicts: Number(rows[0].conflicts),
      older: Number(rows[0].older),
    };
  }

  /**
   * Applies the staged rows' `do_not_call` flags (after mergeCustomers, rows skipped as older left out) like the
   * CRM's events do; answers the conflicts recorded (a "callable" against a rep's do-not-call, which stays).
   */
  async customersDoNotCall(
    workspaceId: string,
    source: string,
    shape: MergeShape,
    client: PoolClient,
  ): Promise<number> {
    const { rows } = await client.query<{ conflicts: number }>(MERGE_SQL.customersDoNotCall(shape), [
      workspaceId,
      source,
    ]);
    return rows[0].conflicts;
  }

  /** Reps are not per source system: they are the workspace's own people. Managers are linked after the merge. */
  async mergeReps(workspaceId: string, shape: MergeShape, client: PoolClient): Promise<MergeCounts> {
    const counts = await this.counted(MERGE_SQL.reps(shape), [workspaceId], client);
    await client.query(MERGE_SQL.repManagers, [workspaceId]);
    return counts;
  }

  /** Whether the workspace already has records of this kind from this source. */
  async hasAny(
    workspaceId: string,
    source: string,
    kind: ActivityKind,
    client: PoolClient,
  ): Promise<boolean> {
    const { rows } = await client.query<{ any: boolean }>(MERGE_SQL.hasAny[kind], [workspaceId, source]);
    return rows[0].any;
  }

  /**
   * The plain INSERT of a first load, under a savepoint: answers the rows inserted, or null when another writer
   * added one of them meanwhile (unique violation; rolled back to the savepoint, the caller upserts instead).
   */
  async insertFresh(
    workspaceId: string,
    source: string,
    kind: ActivityKind,
    shape: MergeShape,
    client: PoolClient,
  ): Promise<number | null> {
    await client.query('SAVEPOINT fresh_load');
    try {
      const res = await client.query(MERGE_SQL[kind]({ ...shape, fresh: true }), [workspaceId, source]);
      await client.query('RELEASE SAVEPOINT fresh_load');
      return res.rowCount ?? 0;
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') throw e;
      await client.query('ROLLBACK TO SAVEPOINT fresh_load');
      return null;
    }
  }

  upsertActivity(
    workspaceId: string,
    source: string,
    kind: ActivityKind,
    shape: MergeShape,
    client: PoolClient,
  ): Promise<MergeCounts> {
    return this.counted(MERGE_SQL[kind]({ ...shape, fresh: false }), [workspaceId, source], client);
  }

  /** Reads the orphans back page by page through a cursor (there may be millions), calling `onPage` with each. */
  async readOrphans(client: PoolClient, onPage: (rows: OrphanRow[]) => void): Promise<void> {
    await client.query(ORPHANS_SQL.open);
    for (;;) {
      const page = await client.query<OrphanRow>(ORPHANS_SQL.fetch);
      onPage(page.rows);
      if (page.rows.length === 0) break;
    }
    await client.query(ORPHANS_SQL.close);
  }

  /** Fresh statistics after a bulk load, or the planner picks nested loops over millions of rows. */
  async analyze(kind: ImportKind): Promise<void> {
    // ANALYZE needs the table's owner: a SECURITY DEFINER function of the migrations runs it for the app role
    for (const table of ANALYZE_TARGET[kind])
      await this.exec(`SELECT analyze_tenant_table($1::regclass)`, [table]);
  }

  private async counted(sql: string, params: string[], client: PoolClient): Promise<MergeCounts> {
    const { rows } = await client.query<{ inserted: string; updated: string }>(sql, params);
    return { inserted: Number(rows[0].inserted), updated: Number(rows[0].updated) };
  }
}
