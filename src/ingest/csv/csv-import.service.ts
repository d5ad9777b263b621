import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AppError } from '../../common/app-error';
import { CopyBatch } from '../../database/copy/copy-text';
import { clientQueryable } from '../../database/sql';
import { Transactions } from '../../database/transactions';
import { OffersService } from '../../offers/offers.service';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { DedupeReport, DedupeService } from '../../customers/dedupe/dedupe.service';
import { PiiCipher } from '../../customers/pii/pii';
import { PiiHashing, WorkspaceHash } from '../../customers/pii/pii-hashing.service';
import {
  DEFAULT_FIELD_OWNERSHIP,
  FieldOwnership,
  FieldOwnershipError,
  resolveFieldOwnership,
} from '../sync/field-ownership';
import { ChunkPipeline } from './chunk-pipeline';
import { ActivityKind, CsvImportRepository, MergeCounts } from './csv-import.repository';
import { MergeShape } from './csv-import.sql';
import { compileDateFormat, LocalTimeReader } from './csv-dates';
import { CsvEncoding, decodeCsvBytes, DETECTION_BYTES } from './csv-encoding';
import { ColumnSource, resolveCsvHeader } from './csv-header';
import { CsvEncodingError, CsvSyntaxError, readCsvRecords } from './csv-records';
import {
  ImportKind,
  RowContext,
  RowProblem,
  validateCustomer,
  validateInteraction,
  validateOrder,
  validateRep,
} from './csv-rows';
import { applyPreset, PresetName } from './csv-presets';
import { currencyPolicy } from './currency-rates';
import { chooseImportPath, estimateRows, existingRowsCap, ImportPath, ImportPathChoice } from './import-path';
import { RejectWriter } from './reject-writer';

const PROGRESS_EVERY_MS = 250;
/**
 * Characters of COPY text per chunk: the file is loaded and merged chunk by chunk, the next chunk parsed while the
 * database merges the previous one. Reps stay in one chunk (a rep's manager may come later in the file).
 */
const CHUNK_CHARS: Record<ImportKind, number> = {
  // A customer's COPY line is ~5× an order's (two ciphertexts, two hashes, in hex): 8 M characters are ~18k customers,
  // so a 100k-customer file is merged in six chunks overlapping the parsing rather than two (the last one's merge
  // is not overlapped: with 24 M, a fifth of a 100k import waited for it, and a 50k file had no overlap at all).
  customers: 8 << 20,
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
  /** canonical column → source column (or `A + B`, joined with a space), for foreign CSVs */
  map?: Record<string, string>;
  /** file columns that feed no canonical column are listed as ignored instead of being an error */
  ignoreUnknownColumns?: boolean;
  /** the file's character encoding; detected from its first bytes when not given */
  encoding?: CsvEncoding;
  /** the format of date-times without an offset (`MM/DD/YYYY HH:mm`…); ISO 8601 is always read */
  dateFormat?: string;
  /** header preset of a CRM's export (column map, date format, other columns ignored); `map` entries override it */
  preset?: PresetName;
  /** orders/interactions for unknown customers create placeholder customers instead of being rejected */
  createMissingCustomers?: boolean;
  source?: string;
  /** where rejected rows are written (row, column, reason); default `<file>.rejects.csv` */
  rejectFile?: string;
  /** after a customers import, merge duplicate customers (default true) */
  dedupe?: boolean;
  /** characters of COPY text per chunk (default: CHUNK_CHARS of the kind); tests use tiny chunks */
  chunkChars?: number;
  /**
   * orders/interactions: land the rows chunk by chunk (`incremental`, the default) or stage the whole file and land
   * it in one statement (`bulk`); `auto` chooses by the size of the file and of the workspace (import-path.ts).
   * Not `auto` by default: landing in place, the bulk path measured 0.69–0.77× the incremental one (docs/benchmarks.md,
   * "CSV import of 10 M orders"). Customers and reps are always incremental.
   */
  path?: ImportPath | 'auto';
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
  /** how the rows were landed (import-path.ts) and why */
  path: ImportPath;
  pathReason: string;
  /** customers imports: the duplicate detection run after the merge */
  dedupe?: DedupeReport;
  /** the encoding the file was read in, and how it was chosen */
  encoding: { name: CsvEncoding; by: 'bom' | 'content' | 'ascii' | 'option' };
  /** optional columns the file lacks (left empty) and file columns that fed nothing */
  columns: { missingOptional: string[]; ignored: string[] };
  /** values without an offset, read as wall-clock times in the workspace's time zone */
  localTimes: { timeZone: string; dateFormat: string | null; values: number };
  /** orders: the workspace currency and how many orders were converted into it with its rate table */
  currency?: { workspace: string; converted: number };
  /** customers: CRM values refused because Callplan owns the field (field ownership; listed as conflicts) */
  conflicts?: number;
  /**
   * customers: rows not applied because the customer's stored CRM version (webhook, pull or an earlier import) is
   * newer than the row's `source_updated_at`
   */
  older?: number;
  /** what the summary must say beside the counts: header warnings, time zone, conversions */
  notices: string[];
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
    private readonly repo: CsvImportRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly dedupe: DedupeService,
    private readonly hashing: PiiHashing,
    private readonly offers: OffersService,
  ) {}

  async import(options: ImportOptions): Promise<ImportReport> {
    if (!options.file && !options.input) throw new Error('import needs a file or an input stream');
    const opts = options.preset
      ? { ...options, ...applyPreset(options.preset, options.kind, options) }
      : options;
    const context = await this.rowContext(opts);
    const run = new ImportRun(opts, context);
    try {
      // One transaction on one connection: the staging table, every chunk's COPY and merge, the orphan report.
      await this.transactions.onClient((client) => this.loadAndMerge(client, run));
      await this.repo.analyze(opts.kind);
      run.mergedAt = Date.now();
      let dedupe: DedupeReport | undefined;
      if (opts.kind === 'customers' && opts.dedupe !== false) {
        run.progress('deduplicating', true);
        dedupe = await this.dedupe.run(opts.workspaceId);
      }
      run.bytesRead = run.totalBytes || run.bytesRead;
      run.progress('done', true);
      return run.report(dedupe);
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof CsvSyntaxError) throw new AppError('malformed_csv', `${run.name}: ${e.message}`);
      if (e instanceof CsvEncodingError) throw undecodable(run, e);
      throw e;
    } finally {
      await run.rejects.close();
    }
  }

  /** The workspace's time zone and currency (and rate table) as the rows are validated against them. */
  private async rowContext(opts: ImportOptions): Promise<ImportContext> {
    if (opts.dateFormat) {
      try {
        compileDateFormat(opts.dateFormat);
      } catch (e) {
        throw new AppError('invalid_date_format', (e as Error).message, 400, { field: 'dateFormat' });
      }
    }
    const ws = await this.repo.workspaceSettings(opts.workspaceId);
    if (!ws) throw AppError.notFound('workspace');
    const localTimes = new LocalTimeReader(ws.timezone, opts.dateFormat);
    if (opts.kind === 'customers')
      return { localTimes, ownership: await this.fieldOwnership(opts.workspaceId) };
    if (opts.kind !== 'orders') return { localTimes };
    const rates = await this.repo.currencyRates(opts.workspaceId);
    return { localTimes, currency: currencyPolicy(ws.currency, rates) };
  }

  /** Who owns the customer fields Callplan can change too (settings.fieldOwnership over the defaults). */
  private async fieldOwnership(workspaceId: string): Promise<FieldOwnership> {
    const stored = await this.repo.fieldOwnershipSettings(workspaceId);
    try {
      return resolveFieldOwnership(stored);
    } catch (e) {
      if (!(e instanceof FieldOwnershipError)) throw e;
      throw new AppError(
        'invalid_workspace_settings',
        `${e.message} (fix it with PATCH /v1/workspace)`,
        409,
        e.issues.map((i) => ({ path: `settings.fieldOwnership.${i}` })),
      );
    }
  }

  /** Parses and loads the file chunk by chunk, waits for the last merge, then reports the orphans. */
  private async loadAndMerge(client: PoolClient, run: ImportRun): Promise<void> {
    const chunks = new ChunkPipeline();
    try {
      // the key of the workspace's email/phone hashes (the previous one during a rotation, until re-keyed)
      if (run.opts.kind === 'customers')
        run.hash = await this.hashing.forWorkspaceOnClient(run.opts.workspaceId, client);
      await this.repo.createStaging(run.opts.kind, client);
      let last: MergeShape = { uniqueIds: true };
      await this.parseInto(run, async (pieces, shape) => {
        // decided once the first chunk is parsed (its rows per byte estimate the file's rows); nothing runs yet
        run.path ??= await this.choosePath(client, run);
        last = shape;
        await chunks.submit(() => this.loadChunk(client, pieces, run, shape));
      });
      run.loadedAt = Date.now();
      run.progress('merging', true);
      await chunks.drain();
      if (run.path?.path === 'bulk') await this.landBulk(client, run, last);
      // Offers redeemed (or given back) by the file's orders spend their budgets in the import's transaction, not
      // at the next publish. One pass over the workspace's showings rather than one per chunk over the chunk's
      // orders: its cost follows the items that showed an offer, not the size of the file.
      if (run.opts.kind === 'orders')
        await this.offers.ordersChanged(run.opts.workspaceId, 'all', clientQueryable(client));
      if (isActivity(run.opts.kind)) run.orphans = await this.reportOrphans(client, run.rejects);
    } catch (e) {
      // Let a running chunk finish failing before the rollback: the connection serves one statement at a time.
      await chunks.settle();
      throw e;
    }
  }

  /**
   * Streams the file through the CSV reader and validation into COPY text, handing each full chunk to `submit`
   * (which waits while the database is two chunks behind).
   */
  private async parseInto(
    run: ImportRun,
    submit: (pieces: string[], shape: MergeShape) => Promise<void>,
  ): Promise<void> {
    const { opts } = run;
    let header: { names: string[]; sources: ColumnSource[] } | null = null;
    const now = new Date();
    // Ids of a file that only ever increase are unique: the merge can then skip sorting out duplicates.
    let uniqueIds = true;
    let lastId = '';
    const batch = new CopyBatch();
    const chunkChars = opts.kind === 'reps' ? CHUNK_CHARS.reps : (opts.chunkChars ?? CHUNK_CHARS[opts.kind]);
    const flush = () => submit(batch.take(), { uniqueIds });
    const text = decodeCsvBytes(run.input(), opts.encoding, (guess) => (run.encoding = guess));
    const readerOptions = {
      // only a UTF-16 decoder can leave half a character
      get checkSurrogates() {
        return run.encoding.encoding.startsWith('utf-16');
      },
    };
    for await (const { records, lines, nul } of readCsvRecords(text, readerOptions)) {
      for (let r = 0; r < records.length; r++) {
        const record = records[r];
        if (!header) {
          header = this.header(run, record);
          continue;
        }
        run.rows++;
        const raw: Record<string, string> = {};
        for (let c = 0; c < header.names.length; c++) {
          const source = header.sources[c];
          raw[header.names[c]] = typeof source === 'number' ? (record[source] ?? '') : joined(record, source);
        }
        if (nul) {
          const problems = nulProblems(raw);
          if (problems) {
            run.rejects.reject(lines[r], problems, raw);
            continue;
          }
        }
        const values = this.toCopyValues(opts.kind, raw, lines[r], now, run);
        if (values) {
          run.valid++;
          const id = values[1] as string;
          if (uniqueIds && !(id > lastId)) uniqueIds = false;
          lastId = id;
          batch.add(values);
        }
      }
      // The database loads and merges a chunk while the next one is parsed (at most two chunks wait).
      if (batch.bytes >= chunkChars) await flush();
      run.progress('loading');
    }
    if (!header) throw new AppError('empty_csv', `${run.name} has no header row`);
    if (batch.rows > 0) await flush();
  }

  /**
   * One chunk: COPY into the (emptied) staging table, then the set-based merge of those rows. All chunks run in
   * the import's one transaction, so the import still lands whole or not at all.
   */
  private async loadChunk(
    client: PoolClient,
    pieces: string[],
    run: ImportRun,
    shape: MergeShape,
  ): Promise<void> {
    const { opts, merge } = run;
    if (run.path?.path === 'bulk') {
      // staged only: checked and landed once every chunk is in (landBulk)
      await this.repo.stageChunk(pieces, merge.chunks === 0, client, 'append');
      merge.chunks++;
      return;
    }
    await this.repo.stageChunk(pieces, merge.chunks === 0, client);
    merge.chunks++;
    const source = opts.source ?? 'crm';
    if (isActivity(opts.kind)) {
      if (opts.createMissingCustomers)
        await this.repo.createPlaceholderCustomers(opts.workspaceId, source, client);
      await this.repo.collectOrphans(opts.workspaceId, source, client);
    }
    if (opts.kind === 'customers') {
      // An owner given by a rep's email or display name (CRM exports name people) becomes that rep's external id.
      for (const o of await this.repo.resolveOwners(opts.workspaceId, client)) {
        run.rejects.warn(o.row_no, {
          column: 'owner_rep',
          reason: `"${o.owner_rep}" matches ${o.candidates.length} reps (${o.candidates.join(', ')}); customer kept without an owner`,
        });
      }
      for (const o of await this.repo.unknownOwners(opts.workspaceId, client)) {
        run.rejects.warn(o.row_no, {
          column: 'owner_rep',
          reason: `unknown rep "${o.owner_rep}"; customer kept without an owner`,
        });
      }
    }
    let counts: MergeCounts;
    switch (opts.kind) {
      case 'reps':
        counts = await this.repo.mergeReps(opts.workspaceId, shape, client);
        break;
      case 'customers':
        counts = await this.repo.mergeCustomers(
          opts.workspaceId,
          source,
          { ...shape, versioned: run.columns.fed.has('source_updated_at') },
          run.context.ownership ?? DEFAULT_FIELD_OWNERSHIP,
          client,
        );
        if (run.columns.fed.has('do_not_call'))
          merge.conflicts += await this.repo.customersDoNotCall(opts.workspaceId, source, shape, client);
        break;
      case 'orders':
      case 'interactions':
        counts = await this.mergeActivity(client, opts.kind, opts.workspaceId, source, shape, merge);
        break;
    }
    merge.inserted += counts.inserted;
    merge.updated += counts.updated;
    merge.conflicts += counts.conflicts ?? 0;
    merge.older += counts.older ?? 0;
  }

  /**
   * Resolves the header row (with the column map) to the canonical columns and their sources; an unknown,
   * duplicate or missing column is an error naming each problem (with the nearest known name for a typo).
   */
  private header(run: ImportRun, record: string[]) {
    const { opts } = run;
    const header = resolveCsvHeader(opts.kind, record, {
      map: opts.map,
      ignoreUnknown: opts.ignoreUnknownColumns,
    });
    if (!header.ok) {
      const missing = header.problems.filter((p) => p.problem === 'missing_column').map((p) => p.column);
      const parts = header.problems.filter((p) => p.problem !== 'missing_column').map((p) => p.message);
      // one sentence for the missing ones, as before: "missing required column(s): a, b"
      if (missing.length) parts.push(`missing required column(s): ${missing.join(', ')}`);
      throw new AppError(
        'invalid_csv_header',
        `${run.name}: line 1: ${parts.join('; ')} (header: ${record.join(',')})`,
        400,
        header.problems.map(({ column, problem, suggestion }) => ({ column, problem, suggestion })),
      );
    }
    run.columns = {
      missingOptional: header.missingOptional,
      ignored: header.ignored,
      fed: new Set(header.columns.keys()),
    };
    return { names: [...header.columns.keys()], sources: [...header.columns.values()] };
  }

  /** Validates one row; returns its COPY values or records why it was rejected. */
  private toCopyValues(
    kind: ImportKind,
    raw: Record<string, string>,
    line: number,
    now: Date,
    run: ImportRun,
  ) {
    const { rejects, context } = run;
    switch (kind) {
      case 'customers': {
        const v = validateCustomer(raw, context);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        for (const w of v.warnings) rejects.warn(line, w);
        const r = v.row;
        return [
          line,
          r.externalId,
          r.name,
          r.kind,
          r.email === null ? null : this.pii.encrypt(r.email),
          r.email === null ? null : run.hash(r.email),
          r.phone === null ? null : this.pii.encrypt(r.phone),
          r.phone === null ? null : run.hash(r.phone),
          r.region,
          r.country,
          r.industry,
          r.ownerRep,
          r.createdAt,
          r.personality,
          r.sourceUpdatedAt,
          r.doNotCall,
        ];
      }
      case 'orders': {
        const v = validateOrder(raw, now, context);
        if (!v.ok) return rejects.reject(line, v.problems, raw);
        const r = v.row;
        if (r.original) run.converted++;
        if (r.creditNote) run.creditNotes++;
        return [
          line,
          r.externalId,
          r.customerExternalId,
          r.placedAt,
          r.amountMinor,
          r.currency,
          r.status,
          r.original?.amountMinor ?? null,
          r.original?.currency ?? null,
          r.reversal,
          r.reversesExternalId,
        ];
      }
      case 'interactions': {
        const v = validateInteraction(raw, now, context);
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
   * Which path an orders/interactions import takes (import-path.ts): asked for, or chosen from the file's
   * estimated rows and the workspace's existing rows of the kind. Customers and reps are always incremental.
   */
  private async choosePath(client: PoolClient, run: ImportRun): Promise<ImportPathChoice> {
    const { opts } = run;
    const asked = opts.path ?? 'incremental';
    if (!isActivity(opts.kind))
      return { path: 'incremental', reason: `${opts.kind} are merged chunk by chunk` };
    if (asked !== 'auto') return { path: asked, reason: 'asked for' };
    const incomingRows = estimateRows(run.valid, run.bytesRead, run.totalBytes);
    const existingRows =
      incomingRows === null
        ? 0
        : await this.repo.existingRows(opts.workspaceId, opts.kind, existingRowsCap(incomingRows), client);
    const choice = chooseImportPath({ incomingRows, existingRows });
    this.logger.log(`${run.name}: ${choice.path} import (${choice.reason})`);
    return choice;
  }

  /**
   * The bulk path's second half, once every chunk is staged: statistics, placeholder customers if asked, the
   * rows of unknown customers set aside by one anti-join over the whole file, and one INSERT … SELECT into the
   * target — the same statements as a chunk of the incremental path, over the whole file at once.
   */
  private async landBulk(client: PoolClient, run: ImportRun, shape: MergeShape): Promise<void> {
    const { opts, merge } = run;
    if (!isActivity(opts.kind) || merge.chunks === 0) return;
    const source = opts.source ?? 'crm';
    await this.repo.analyzeStage(client);
    if (opts.createMissingCustomers)
      await this.repo.createPlaceholderCustomers(opts.workspaceId, source, client);
    await this.repo.collectOrphans(opts.workspaceId, source, client);
    const counts = await this.mergeActivity(client, opts.kind, opts.workspaceId, source, shape, merge, true);
    merge.inserted += counts.inserted;
    merge.updated += counts.updated;
  }

  /**
   * Orders and interactions. A first load of a source (nothing of it in the workspace yet) is a plain INSERT:
   * ON CONFLICT costs a speculative index probe per row. Should another writer add rows meanwhile, the unique
   * violation rolls back to the savepoint and the upsert runs instead. `wholeFile` (bulk): every staged row is in
   * this one statement, so a file with repeated ids can be a plain INSERT too (its last line of each id).
   */
  private async mergeActivity(
    client: PoolClient,
    kind: ActivityKind,
    workspaceId: string,
    source: string,
    shape: MergeShape,
    merge: MergeState,
    wholeFile = false,
  ): Promise<MergeCounts> {
    merge.firstLoad ??= !(await this.repo.hasAny(workspaceId, source, kind, client));
    if (merge.firstLoad && (shape.uniqueIds || wholeFile)) {
      const inserted = await this.repo.insertFresh(workspaceId, source, kind, shape, client);
      if (inserted !== null) return { inserted, updated: 0 };
      merge.firstLoad = false;
    }
    return this.repo.upsertActivity(workspaceId, source, kind, shape, client);
  }

  /** Rejects rows whose customer is unknown, reading them back page by page (there may be millions). */
  private async reportOrphans(client: PoolClient, rejects: RejectWriter): Promise<number> {
    let count = 0;
    await this.repo.readOrphans(client, (page) => {
      for (const o of page) {
        const reason = `unknown customer "${o.customer_external_id}" (import customers first, or use --create-missing-customers)`;
        rejects.reject(o.row_no, [{ column: 'customer_external_id', reason }], o.raw);
      }
      count += page.length;
    });
    return count;
  }
}

/** Several file columns joined with a space (`name=First Name + Last Name`), empty ones left out. */
function joined(record: string[], indexes: number[]): string {
  let out = '';
  for (const i of indexes) {
    const v = (record[i] ?? '').trim();
    if (v) out = out ? `${out} ${v}` : v;
  }
  return out;
}

/** PostgreSQL cannot store U+0000 in text: each field holding one is a problem of the row. */
function nulProblems(raw: Record<string, string>): RowProblem[] | null {
  let problems: RowProblem[] | null = null;
  for (const [column, value] of Object.entries(raw)) {
    const at = value.indexOf('\0');
    if (at !== -1)
      (problems ??= []).push({
        column,
        reason: `contains a NUL character (U+0000) at character ${at + 1}; PostgreSQL cannot store it`,
      });
  }
  return problems;
}

/** The error for a file with bytes its encoding cannot read: where, in what encoding, and what to try. */
function undecodable(run: ImportRun, e: CsvEncodingError): AppError {
  const { encoding, by } = run.encoding;
  const how =
    by === 'option'
      ? `read as ${encoding} (as asked)`
      : by === 'ascii'
        ? `read as ${encoding} (the first ${DETECTION_BYTES / 1024} KB were plain ASCII)`
        : `read as ${encoding} (detected${by === 'bom' ? ' from its byte order mark' : ''})`;
  const hint =
    by === 'option'
      ? 'check the file or pass another --encoding'
      : 'if the file is in another encoding, pass --encoding utf-8|utf-16le|utf-16be|gb18030|windows-1252';
  return new AppError(
    'undecodable_csv',
    `${run.name}: ${e.message}; ${how}: nothing was imported; ${hint}`,
    422,
    {
      line: e.line,
      column: e.column,
      encoding,
    },
  );
}

/** What rows are validated and merged against: the row context, plus field ownership for customers. */
type ImportContext = RowContext & { localTimes: LocalTimeReader; ownership?: FieldOwnership };

function isActivity(kind: ImportKind): kind is ActivityKind {
  return kind === 'orders' || kind === 'interactions';
}

/** What the chunks of one import share: counts, and whether this is the first load of its source. */
class MergeState {
  chunks = 0;
  inserted = 0;
  updated = 0;
  /** customers: CRM values refused because Callplan owns the field */
  conflicts = 0;
  /** customers: rows skipped because the customer's stored version is newer */
  older = 0;
  /** the workspace had no records of this kind from this source before the import (decided at the first chunk) */
  firstLoad: boolean | undefined;
}

/** One import in progress: its input, counts, progress reports and timings, and the report they add up to. */
class ImportRun {
  readonly started = Date.now();
  readonly name: string;
  readonly totalBytes: number;
  readonly rejectPath: string;
  readonly rejects: RejectWriter;
  readonly merge = new MergeState();
  rows = 0;
  valid = 0;
  bytesRead = 0;
  /** rows of orders/interactions rejected at the end because their customer is unknown */
  orphans = 0;
  /** orders converted into the workspace currency */
  converted = 0;
  /** orders given with a negative amount, read as reversals of |amount| */
  creditNotes = 0;
  /** set by the decoder before the first row */
  encoding: { encoding: CsvEncoding; by: ImportReport['encoding']['by'] } = {
    encoding: 'utf-8',
    by: 'ascii',
  };
  /** the report's columns, and the canonical columns the file feeds */
  columns: ImportReport['columns'] & { fed: ReadonlySet<string> } = {
    missingOptional: [],
    ignored: [],
    fed: new Set(),
  };
  loadedAt = 0;
  mergedAt = 0;
  /** the path chosen when the first chunk was parsed (import-path.ts) */
  path: ImportPathChoice | undefined;
  /** keyed hash of emails and phones for this workspace (set inside the import's transaction) */
  hash: WorkspaceHash = () => {
    throw new Error('hash used before the import transaction began');
  };
  private lastProgress = 0;

  constructor(
    readonly opts: ImportOptions,
    readonly context: ImportContext,
  ) {
    this.name = opts.name ?? (opts.file ? basename(opts.file) : 'upload');
    this.totalBytes = opts.totalBytes ?? (opts.file ? statSync(opts.file).size : 0);
    this.rejectPath = opts.rejectFile ?? `${opts.file ?? 'import'}.rejects.csv`;
    this.rejects = new RejectWriter(this.rejectPath);
  }

  /** The file's bytes, counted as they are read. */
  async *input(): AsyncGenerator<Buffer> {
    const input = this.opts.input ?? createReadStream(this.opts.file as string, { highWaterMark: 1 << 20 });
    for await (const chunk of input) {
      this.bytesRead += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }

  progress(phase: ImportProgress['phase'], force = false): void {
    const { onProgress } = this.opts;
    if (!onProgress || (!force && Date.now() - this.lastProgress < PROGRESS_EVERY_MS)) return;
    this.lastProgress = Date.now();
    onProgress({ phase, bytesRead: this.bytesRead, totalBytes: this.totalBytes, rows: this.rows });
  }

  report(dedupe: DedupeReport | undefined): ImportReport {
    const accepted = this.valid - this.orphans;
    return {
      kind: this.opts.kind,
      rows: this.rows,
      valid: accepted,
      rejected: this.rejects.rejectedRows,
      warnings: this.rejects.warnings,
      inserted: this.merge.inserted,
      updated: this.merge.updated,
      unchanged: accepted - this.merge.inserted - this.merge.updated - this.merge.older,
      rejectFile: this.rejects.count > 0 ? this.rejectPath : null,
      seconds: (Date.now() - this.started) / 1000,
      phases: {
        load: (this.loadedAt - this.started) / 1000,
        merge: (this.mergedAt - this.loadedAt) / 1000,
        ...(dedupe ? { dedupe: (Date.now() - this.mergedAt) / 1000 } : {}),
      },
      ...(dedupe ? { dedupe } : {}),
      path: this.path?.path ?? 'incremental',
      pathReason: this.path?.reason ?? 'no rows to load',
      encoding: { name: this.encoding.encoding, by: this.encoding.by },
      columns: { missingOptional: this.columns.missingOptional, ignored: this.columns.ignored },
      localTimes: {
        timeZone: this.context.localTimes.timeZone,
        dateFormat: this.context.localTimes.dateFormat,
        values: this.context.localTimes.localValues,
      },
      ...(this.context.currency
        ? { currency: { workspace: this.context.currency.workspaceCurrency, converted: this.converted } }
        : {}),
      ...(this.opts.kind === 'customers' ? { conflicts: this.merge.conflicts, older: this.merge.older } : {}),
      notices: this.notices(),
    };
  }

  private notices(): string[] {
    const notices: string[] = [];
    const { missingOptional, ignored } = this.columns;
    if (missingOptional.length)
      notices.push(`optional column(s) not in the file, left empty: ${missingOptional.join(', ')}`);
    if (ignored.length) notices.push(`column(s) ignored: ${ignored.join(', ')}`);
    const local = this.context.localTimes;
    if (local.localValues > 0)
      notices.push(
        `${local.localValues} date/time value(s) without an offset read as local time in ${local.timeZone}` +
          (local.dateFormat ? ` (format ${local.dateFormat})` : ''),
      );
    if (this.converted > 0 && this.context.currency)
      notices.push(
        `${this.converted} order(s) converted to ${this.context.currency.workspaceCurrency} with the workspace's rates (original amount and currency kept)`,
      );
    // a file's negative amounts were refused before: say how they are read now
    if (this.creditNotes > 0)
      notices.push(
        `${this.creditNotes} order(s) with a negative amount read as refunds or cancellations of |amount| (reversals, netted against the orders they reverse)`,
      );
    if (this.merge.older > 0)
      notices.push(
        `${this.merge.older} row(s) not applied: older (source_updated_at) than the version already stored for the customer`,
      );
    if (this.merge.conflicts > 0)
      notices.push(
        `${this.merge.conflicts} CRM value(s) not applied because Callplan owns the field (a rep's or manager's decision); listed by \`callplan sync conflicts\` and GET /v1/sync/conflicts`,
      );
    return notices;
  }
}
