import { createReadStream, createWriteStream, statSync, WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/app-error';
import { CopyBatch, writeCopy } from '../../database/copy/copy-writer';
import { CsvSyntaxError, readCsvRecords } from './csv-records';
import {
  ImportKind,
  resolveHeader,
  RowProblem,
  validateCustomer,
  validateInteraction,
  validateOrder,
  validateRep,
} from './csv-rows';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { DedupeReport, DedupeService } from '../../customers/dedupe/dedupe.service';
import { PiiCipher } from '../../customers/pii/pii';
import { MERGE_SQL, MergeShape, ORPHANS_SQL, STAGING_DDL } from './csv-import.sql';

const ANALYZE_TARGET: Record<ImportKind, string> = {
  customers: 'customers',
  orders: 'orders',
  interactions: 'interactions',
  reps: 'reps, teams',
};
const PROGRESS_EVERY_MS = 250;
/**
 * Characters of COPY text per chunk: the file is loaded and merged chunk by chunk, the next chunk parsed while the
 * database merges the previous one. Reps stay in one chunk (a rep's manager may come later in the file).
 */
const CHUNK_CHARS: Record<ImportKind, number> = {
  customers: 24 << 20,
  orders: 24 << 20,
  interactions: 24 << 20,
  reps: Number.POSITIVE_INFINITY,
};

export interface ImportOptions {
  workspaceId: string;
  kind: ImportKind;
  /** the CSV file (CLI); or `input` + `totalBytes` (an upload read back by a job) */
  file?: string;
  input?: AsyncIterable<Buffer>;
  totalBytes?: number;
  /** how the file is named in error messages (default: the file's base name) */
  name?: string;
  /** canonical column → source column, for foreign CSVs */
  map?: Record<string, string>;
  /** orders/interactions for unknown customers create placeholder customers instead of being rejected */
  createMissingCustomers?: boolean;
  source?: string;
  /** where rejected rows are written (row, column, reason); default `<file>.rejects.csv` */
  rejectFile?: string;
  /** after a customers import, merge duplicate customers (default true) */
  dedupe?: boolean;
  /** characters of COPY text per chunk (default: CHUNK_CHARS of the kind); tests use tiny chunks */
  chunkChars?: number;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  phase: 'loading' | 'merging' | 'deduplicating' | 'done';
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
  /** where the time went: parse + validate + COPY into staging, the set-based merge, duplicate detection */
  phases: { load: number; merge: number; dedupe?: number };
  /** customers imports: the duplicate detection run after the merge */
  dedupe?: DedupeReport;
}

/**
 * Bulk CSV import: streamed parse → per-row validation → COPY into a temporary staging table → one set-based
 * merge (INSERT … ON CONFLICT). Valid rows are always kept; every rejected row is written with its line number,
 * column and reason, so it can be fixed and re-imported. Re-importing the same file changes nothing. Memory stays
 * flat whatever the file size: one input chunk, one COPY chunk and the counts.
 */
@Injectable()
export class CsvImportService {
  private readonly logger = new Logger(CsvImportService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly dedupe: DedupeService,
  ) {}

  async import(opts: ImportOptions): Promise<ImportReport> {
    const started = Date.now();
    if (!opts.file && !opts.input) throw new Error('import needs a file or an input stream');
    const name = opts.name ?? (opts.file ? basename(opts.file) : 'upload');
    const totalBytes = opts.totalBytes ?? (opts.file ? statSync(opts.file).size : 0);
    const rejectPath = opts.rejectFile ?? `${opts.file ?? 'import'}.rejects.csv`;
    const rejects = new RejectWriter(rejectPath);
    const qr = this.db.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    let rows = 0;
    let valid = 0;
    let bytesRead = 0;
    let lastProgress = 0;
    const progress = (phase: ImportProgress['phase'], force = false) => {
      if (!opts.onProgress || (!force && Date.now() - lastProgress < PROGRESS_EVERY_MS)) return;
      lastProgress = Date.now();
      opts.onProgress({ phase, bytesRead, totalBytes, rows });
    };
    const chunks = new ChunkPipeline();
    try {
      await client.query('BEGIN');
      await client.query(STAGING_DDL[opts.kind]);
      if (opts.kind === 'orders' || opts.kind === 'interactions') await client.query(ORPHANS_SQL.create);
      const merge = new MergeState();
      const input = opts.input ?? createReadStream(opts.file as string, { highWaterMark: 1 << 20 });
      const counting = (async function* () {
        for await (const chunk of input) {
          bytesRead += chunk.length;
          yield chunk;
        }
      })();
      let header: { names: string[]; indexes: number[] } | null = null;
      const now = new Date();
      // Ids of a file that only ever increase are unique: the merge can then skip sorting out duplicates.
      let uniqueIds = true;
      let lastId = '';
      const batch = new CopyBatch();
      const chunkChars =
        opts.kind === 'reps' ? CHUNK_CHARS.reps : (opts.chunkChars ?? CHUNK_CHARS[opts.kind]);
      const submit = () => {
        const pieces = batch.take();
        const shape = { uniqueIds };
        return chunks.submit(() => this.loadChunk(client, pieces, opts, rejects, merge, shape));
      };
      for await (const { records, lines } of readCsvRecords(counting)) {
        for (let r = 0; r < records.length; r++) {
          const record = records[r];
          if (!header) {
            header = this.header(opts, name, record);
            continue;
          }
          rows++;
          const raw: Record<string, string> = {};
          for (let c = 0; c < header.names.length; c++)
            raw[header.names[c]] = record[header.indexes[c]] ?? '';
          const values = this.toCopyValues(opts.kind, raw, lines[r], now, rejects);
          if (values) {
            valid++;
            const id = values[1] as string;
            if (uniqueIds && !(id > lastId)) uniqueIds = false;
            lastId = id;
            batch.add(values);
          }
        }
        // The database loads and merges a chunk while the next one is parsed (at most two chunks wait).
        if (batch.bytes >= chunkChars) await submit();
        progress('loading');
      }
      if (!header) throw new AppError('empty_csv', `${name} has no header row`);
      if (batch.rows > 0) await submit();
      const loaded = Date.now();
      progress('merging', true);
      await chunks.drain();
      const orphans =
        opts.kind === 'orders' || opts.kind === 'interactions'
          ? await this.reportOrphans(client, rejects)
          : 0;
      await client.query('COMMIT');
      // Fresh statistics after a bulk load, or the planner picks nested loops over millions of rows.
      await client.query(`ANALYZE ${ANALYZE_TARGET[opts.kind]}`);
      const mergedAt = Date.now();
      let dedupe: DedupeReport | undefined;
      if (opts.kind === 'customers' && opts.dedupe !== false) {
        progress('deduplicating', true);
        dedupe = await this.dedupe.run(opts.workspaceId);
      }
      bytesRead = totalBytes || bytesRead;
      progress('done', true);
      const accepted = valid - orphans;
      return {
        kind: opts.kind,
        rows,
        valid: accepted,
        rejected: rejects.rejectedRows,
        warnings: rejects.warnings,
        inserted: merge.inserted,
        updated: merge.updated,
        unchanged: accepted - merge.inserted - merge.updated,
        rejectFile: rejects.count > 0 ? rejectPath : null,
        seconds: (Date.now() - started) / 1000,
        phases: {
          load: (loaded - started) / 1000,
          merge: (mergedAt - loaded) / 1000,
          ...(dedupe ? { dedupe: (Date.now() - mergedAt) / 1000 } : {}),
        },
        ...(dedupe ? { dedupe } : {}),
      };
    } catch (e) {
      // Let a running chunk finish failing before the rollback: the connection serves one statement at a time.
      await chunks.settle();
      await client.query('ROLLBACK').catch(() => undefined);
      if (e instanceof AppError) throw e;
      if (e instanceof CsvSyntaxError) throw new AppError('malformed_csv', `${name}: ${e.message}`);
      throw e;
    } finally {
      await rejects.close();
      await qr.release();
    }
  }

  /**
   * One chunk: COPY into the (emptied) staging table, then the set-based merge of those rows. All chunks run in
   * the import's one transaction, so the import still lands whole or not at all.
   */
  private async loadChunk(
    client: PoolClient,
    pieces: string[],
    opts: ImportOptions,
    rejects: RejectWriter,
    merge: MergeState,
    shape: MergeShape,
  ): Promise<void> {
    if (merge.chunks > 0) await client.query('TRUNCATE stage');
    const copy = client.query(copyFrom(`COPY stage FROM STDIN`));
    // Failures surface through writeCopy; the listener keeps a late one from crashing the process.
    copy.on('error', () => undefined);
    try {
      await writeCopy(copy, pieces);
    } catch (e) {
      // Abort an unfinished COPY (sends CopyFail) so the connection can roll back and return to the pool.
      if (!copy.writableFinished) {
        copy.destroy(e as Error);
        await new Promise((r) => setImmediate(r));
      }
      throw e;
    }
    // Temporary tables are never analysed by autovacuum: without statistics the joins plan as nested loops.
    if (merge.chunks === 0) await client.query('ANALYZE stage');
    merge.chunks++;
    const params = [opts.workspaceId, opts.source ?? 'crm'];
    if (opts.kind === 'orders' || opts.kind === 'interactions') {
      if (opts.createMissingCustomers) await client.query(MERGE_SQL.placeholderCustomers, params);
      await client.query(ORPHANS_SQL.collect, params);
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
    let counts: { inserted: number; updated: number };
    switch (opts.kind) {
      case 'reps':
        // reps are not per source system: they are the workspace's own people
        counts = await this.counted(client, MERGE_SQL.reps(shape), [opts.workspaceId]);
        await client.query(MERGE_SQL.repManagers, [opts.workspaceId]);
        break;
      case 'customers':
        counts = await this.counted(client, MERGE_SQL.customers(shape), params);
        break;
      case 'orders':
      case 'interactions':
        counts = await this.mergeActivity(client, opts.kind, params, shape, merge);
        break;
    }
    merge.inserted += counts.inserted;
    merge.updated += counts.updated;
  }

  /** Resolves the header row (with the column map) to the canonical columns and their positions. */
  private header(opts: ImportOptions, name: string, record: string[]) {
    const header = resolveHeader(opts.kind, record, opts.map);
    if (!header.ok) {
      const parts = [];
      if (header.missing.length) parts.push(`missing required column(s): ${header.missing.join(', ')}`);
      if (header.unknownMapTargets.length)
        parts.push(`--map names unknown column(s): ${header.unknownMapTargets.join(', ')}`);
      throw new AppError('invalid_csv_header', `${name}: ${parts.join('; ')} (header: ${record.join(',')})`);
    }
    return { names: [...header.columns.keys()], indexes: [...header.columns.values()] };
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

  /**
   * Orders and interactions. A first load of a source (nothing of it in the workspace yet) is a plain INSERT:
   * ON CONFLICT costs a speculative index probe per row. Should another writer add rows meanwhile, the unique
   * violation rolls back to the savepoint and the upsert runs instead.
   */
  private async mergeActivity(
    client: PoolClient,
    kind: 'orders' | 'interactions',
    params: string[],
    shape: MergeShape,
    merge: MergeState,
  ): Promise<{ inserted: number; updated: number }> {
    merge.firstLoad ??= !(await client.query(MERGE_SQL.hasAny[kind], params)).rows[0].any;
    if (merge.firstLoad && shape.uniqueIds) {
      await client.query('SAVEPOINT fresh_load');
      try {
        const res = await client.query(MERGE_SQL[kind]({ ...shape, fresh: true }), params);
        await client.query('RELEASE SAVEPOINT fresh_load');
        return { inserted: res.rowCount ?? 0, updated: 0 };
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e;
        await client.query('ROLLBACK TO SAVEPOINT fresh_load');
        merge.firstLoad = false;
      }
    }
    return this.counted(client, MERGE_SQL[kind]({ ...shape, fresh: false }), params);
  }

  private async counted(client: PoolClient, sql: string, params: string[]) {
    const { rows } = await client.query(sql, params);
    return { inserted: Number(rows[0].inserted), updated: Number(rows[0].updated) };
  }

  /** Rejects rows whose customer is unknown, reading them back page by page (there may be millions). */
  private async reportOrphans(client: PoolClient, rejects: RejectWriter): Promise<number> {
    await client.query(ORPHANS_SQL.open);
    let count = 0;
    for (;;) {
      const page = await client.query(ORPHANS_SQL.fetch);
      for (const o of page.rows as Array<{
        row_no: number;
        customer_external_id: string;
        raw: Record<string, string>;
      }>) {
        const reason = `unknown customer "${o.customer_external_id}" (import customers first, or use --create-missing-customers)`;
        rejects.reject(o.row_no, [{ column: 'customer_external_id', reason }], o.raw);
      }
      count += page.rows.length;
      if (page.rows.length === 0) break;
    }
    await client.query(ORPHANS_SQL.close);
    return count;
  }
}

/** What the chunks of one import share: counts, and whether this is the first load of its source. */
class MergeState {
  chunks = 0;
  inserted = 0;
  updated = 0;
  /** the workspace had no records of this kind from this source before the import (decided at the first chunk) */
  firstLoad: boolean | undefined;
}

/**
 * Runs the chunks' database work one after the other on the import's connection, while the caller goes on parsing;
 * `submit` waits while two chunks are pending, which bounds memory. The first failure stops the rest and is
 * thrown by the next submit or by drain.
 */
class ChunkPipeline {
  private tail: Promise<void> = Promise.resolve();
  private readonly pending: Array<Promise<void>> = [];
  private failure: { error: unknown } | null = null;

  async submit(work: () => Promise<void>): Promise<void> {
    this.check();
    this.tail = this.tail
      .then(() => (this.failure ? undefined : work()))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
    this.pending.push(this.tail);
    while (this.pending.length >= 2) await this.pending.shift();
    this.check();
  }

  async drain(): Promise<void> {
    await this.tail;
    this.check();
  }

  /** Waits for the running chunk to end, ignoring its outcome (the caller is already failing). */
  async settle(): Promise<void> {
    await this.tail;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
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
