import { createReadStream, createWriteStream, statSync, WriteStream } from 'node:fs';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { CopyLineWriter } from './copy-writer';
import {
  ImportKind,
  resolveHeader,
  RowProblem,
  validateCustomer,
  validateInteraction,
  validateOrder,
  validateRep,
} from './csv-rows';
import { PII_CIPHER } from './crm.tokens';
import { PiiCipher } from './pii';
import { MERGE_SQL, STAGING_DDL } from './csv-import.sql';

const ANALYZE_TARGET: Record<ImportKind, string> = {
  customers: 'customers',
  orders: 'orders',
  interactions: 'interactions',
  reps: 'reps, teams',
};

export interface ImportOptions {
  workspaceId: string;
  kind: ImportKind;
  file: string;
  /** canonical column → source column, for foreign CSVs */
  map?: Record<string, string>;
  /** orders/interactions for unknown customers create placeholder customers instead of being rejected */
  createMissingCustomers?: boolean;
  source?: string;
  /** where rejected rows are written (row, column, reason); default `<file>.rejects.csv` */
  rejectFile?: string;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface ImportReport {
  kind: ImportKind;
  rows: number;
  valid: number;
  rejected: number;
  warnings: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejectFile: string | null;
  seconds: number;
}

/**
 * Bulk CSV import: streamed parse → per-row validation → COPY into a temporary staging table → one set-based
 * merge (INSERT … ON CONFLICT). Valid rows are always kept; every rejected row is written with its line number,
 * column and reason, so it can be fixed and re-imported. Re-importing the same file changes nothing.
 */
@Injectable()
export class CsvImportService {
  private readonly logger = new Logger(CsvImportService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
  ) {}

  async import(opts: ImportOptions): Promise<ImportReport> {
    const started = Date.now();
    const totalBytes = statSync(opts.file).size;
    const rejectPath = opts.rejectFile ?? `${opts.file}.rejects.csv`;
    const rejects = new RejectWriter(rejectPath);
    const qr = this.db.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    let rows = 0;
    let valid = 0;
    let copy: ReturnType<typeof copyFrom> | null = null;
    try {
      await client.query('BEGIN');
      await client.query(STAGING_DDL[opts.kind]);
      copy = client.query(copyFrom(`COPY stage FROM STDIN`));
      // Failures surface through the awaited writes and the final end(); the listener keeps them from crashing the process.
      copy.on('error', () => undefined);
      const writer = new CopyLineWriter(copy);
      const input = createReadStream(opts.file);
      const parser = input.pipe(
        parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
      );
      let columns: Map<string, number> | null = null;
      const now = new Date();
      for await (const { record, info } of parser as AsyncIterable<{
        record: string[];
        info: { lines: number };
      }>) {
        if (!columns) {
          const header = resolveHeader(opts.kind, record, opts.map);
          if (!header.ok) {
            const parts = [];
            if (header.missing.length) parts.push(`missing required column(s): ${header.missing.join(', ')}`);
            if (header.unknownMapTargets.length)
              parts.push(`--map names unknown column(s): ${header.unknownMapTargets.join(', ')}`);
            throw new AppError(
              'invalid_csv_header',
              `${opts.file}: ${parts.join('; ')} (header: ${record.join(',')})`,
            );
          }
          columns = header.columns;
          continue;
        }
        rows++;
        const raw: Record<string, string> = {};
        for (const [col, i] of columns) raw[col] = record[i] ?? '';
        const line = info.lines;
        const values = this.toCopyValues(opts.kind, raw, line, now, rejects);
        if (values) {
          valid++;
          await writer.push(values);
        }
        if (opts.onProgress && rows % 20_000 === 0)
          opts.onProgress({ bytesRead: input.bytesRead, totalBytes, rows });
      }
      if (!columns) throw new AppError('empty_csv', `${opts.file} has no header row`);
      await writer.end();
      const merged = await this.merge(client, opts, rejects);
      await client.query('COMMIT');
      // Fresh statistics after a bulk load, or the planner picks nested loops over millions of rows.
      await client.query(`ANALYZE ${ANALYZE_TARGET[opts.kind]}`);
      opts.onProgress?.({ bytesRead: totalBytes, totalBytes, rows });
      const rejected = rejects.rejectedRows;
      return {
        kind: opts.kind,
        rows,
        valid: valid - merged.rejectedInMerge,
        rejected,
        warnings: rejects.warnings,
        inserted: merged.inserted,
        updated: merged.updated,
        unchanged: valid - merged.rejectedInMerge - merged.inserted - merged.updated,
        rejectFile: rejects.count > 0 ? rejectPath : null,
        seconds: (Date.now() - started) / 1000,
      };
    } catch (e) {
      // Abort an unfinished COPY (sends CopyFail) so the connection can roll back and return to the pool.
      if (copy && !copy.writableFinished) {
        copy.destroy(new Error('import aborted'));
        await new Promise((r) => setImmediate(r));
      }
      await client.query('ROLLBACK').catch(() => undefined);
      if (e instanceof AppError) throw e;
      const err = e as { code?: string; message: string };
      if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || err.code?.startsWith('CSV_')) {
        throw new AppError('malformed_csv', `${opts.file}: ${err.message}`);
      }
      throw e;
    } finally {
      await rejects.close();
      await qr.release();
    }
  }

  /** Validates one row; returns its COPY values or records why it was rejected. */
  private toCopyValues(
    kind: ImportKind,
    raw: Record<string, string>,
    line: number,
    now: Date,
    rejects: RejectWriter,
  ) {
    switch (kind) {
      case 'customers': {
        const v = validateCustomer(raw);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        for (const w of v.warnings) rejects.warn(line, w);
        const r = v.row;
        return [
          line,
          r.externalId,
          r.name,
          r.kind,
          r.email === null ? null : this.pii.encrypt(r.email),
          r.email === null ? null : this.pii.hash(r.email),
          r.phone === null ? null : this.pii.encrypt(r.phone),
          r.phone === null ? null : this.pii.hash(r.phone),
          r.region,
          r.country,
          r.industry,
          r.ownerRep,
          r.createdAt,
          r.personality,
        ];
      }
      case 'orders': {
        const v = validateOrder(raw, now);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        const r = v.row;
        return [line, r.externalId, r.customerExternalId, r.placedAt, r.amountMinor, r.currency, r.status];
      }
      case 'interactions': {
        const v = validateInteraction(raw, now);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        const r = v.row;
        return [line, r.externalId, r.customerExternalId, r.occurredAt, r.kind, r.outcome, r.score, r.note];
      }
      case 'reps': {
        const v = validateRep(raw);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        const r = v.row;
        return [
          line,
          r.externalId,
          r.name,
          r.email,
          r.role,
          r.team,
          r.managerExternalId,
          r.dailyCapacity,
          r.locale,
        ];
      }
    }
  }

  private async merge(client: PoolClient, opts: ImportOptions, rejects: RejectWriter) {
    const params = [opts.workspaceId, opts.source ?? 'crm'];
    let rejectedInMerge = 0;
    if (opts.kind === 'orders' || opts.kind === 'interactions') {
      if (opts.createMissingCustomers) {
        await client.query(MERGE_SQL.placeholderCustomers, params);
      }
      const orphans = await client.query(MERGE_SQL.orphans, params);
      for (const o of orphans.rows as Array<{
        row_no: number;
        customer_external_id: string;
        raw: Record<string, string>;
      }>) {
        const reason = `unknown customer "${o.customer_external_id}" (import customers first, or use --create-missing-customers)`;
        rejects.reject(o.row_no, [{ column: 'customer_external_id', reason }], o.raw);
      }
      rejectedInMerge = orphans.rowCount ?? 0;
    }
    if (opts.kind === 'customers') {
      const unknownOwners = await client.query(MERGE_SQL.unknownOwners, [opts.workspaceId]);
      for (const o of unknownOwners.rows as Array<{ row_no: number; owner_rep: string }>) {
        rejects.warn(o.row_no, {
          column: 'owner_rep',
          reason: `unknown rep "${o.owner_rep}"; customer kept without an owner`,
        });
      }
    }
    // reps are not per source system: they are the workspace's own people
    const res = await client.query(MERGE_SQL[opts.kind], opts.kind === 'reps' ? [opts.workspaceId] : params);
    if (opts.kind === 'reps') await client.query(MERGE_SQL.repManagers, [opts.workspaceId]);
    const flags = res.rows as Array<{ inserted: boolean }>;
    const inserted = flags.filter((f) => f.inserted).length;
    return { inserted, updated: flags.length - inserted, rejectedInMerge };
  }
}

/** Writes rejected rows (line, column, reason, original values) as CSV, ready to fix and replay. */
class RejectWriter {
  private out: WriteStream | null = null;
  private readonly rejectedLines = new Set<number>();
  count = 0;
  warnings = 0;

  constructor(private readonly path: string) {}

  get rejectedRows(): number {
    return this.rejectedLines.size;
  }

  reject(line: number, problems: RowProblem[], raw: Record<string, string>): null {
    this.rejectedLines.add(line);
    for (const p of problems) this.write(line, 'rejected', p, raw);
    return null;
  }

  warn(line: number, problem: RowProblem): void {
    this.warnings++;
    this.write(line, 'warning', problem, {});
  }

  private write(line: number, severity: string, p: RowProblem, raw: Record<string, string>) {
    if (!this.out) {
      this.out = createWriteStream(this.path);
      this.out.write('line,severity,column,reason,row\n');
    }
    this.count++;
    const rowJson = Object.keys(raw).length ? JSON.stringify(raw) : '';
    this.out.write([line, severity, p.column, p.reason, rowJson].map(csvCell).join(',') + '\n');
  }

  async close(): Promise<void> {
    const out = this.out;
    if (out) await new Promise<void>((resolve) => out.end(resolve));
  }
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
