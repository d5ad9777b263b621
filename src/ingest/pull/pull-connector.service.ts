import { Inject, Injectable, Logger } from '@nestjs/common';
import { Transactions, Tx } from '../../database/transactions';
import { canonicalJson } from '../sync/sync-rules';
import { EventIssue, parseEvent } from '../events/crm-event.schema';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { PiiCipher } from '../../customers/pii/pii';
import { PiiHashing } from '../../customers/pii/pii-hashing.service';
import { DedupeJobs } from '../../customers/dedupe/dedupe.jobs';
import { RecordSyncService } from '../sync/record-sync.service';
import { ApplyReport, emptyReport, SyncEvent } from '../sync/sync-events';
import { ConnectorRuntime, EntityConfig, pageUrl, PULL_ENTITIES, PullEntity } from './connector-config';
import { ConnectorsRepository } from './connectors.repository';
import { ConnectorsService } from './connectors.service';
import { OutboundGuard } from '../../net/outbound-guard';
import {
  emptyHttpStats,
  getJson,
  guardedHttpDeps,
  HttpDeps,
  HttpStats,
  PullHttpError,
} from './crm-http-client';
import { getPath, recordToEvents, recordUpdatedAt } from './record-mapping';

export interface PullEntityReport {
  entity: PullEntity;
  pages: number;
  records: number;
  rejected: number;
  applied: ApplyReport;
}

export interface PullReport {
  connectorId: string;
  status: 'completed' | 'superseded' | 'skipped';
  entities: PullEntityReport[];
  http: HttpStats;
  seconds: number;
}

/** Test seam: runs inside a page's transaction after its records were applied, before the cursor moves. */
export interface PullHooks {
  beforeCommit?: (page: { entity: PullEntity; pageNo: number; records: number }) => void | Promise<void>;
}

/** Another run moved the cursor since this one read it: this run stops, the other carries on. */
class Superseded extends Error {}

const RECORDS_PER_PAGE_CAP = 5000;

/**
 * Runs a pull connector: for customers, then orders, then interactions, fetch a page at the stored cursor, apply
 * its records through RecordSyncService and advance the cursor IN THE SAME TRANSACTION. A crash anywhere before
 * the commit leaves the cursor where it was, so the page is fetched again, and applying is idempotent: the result
 * equals a clean run. Two runs at once cannot both advance: the cursor row is compared before it moves.
 */
@Injectable()
export class PullConnectorService {
  private readonly logger = new Logger(PullConnectorService.name);

  constructor(
    private readonly repo: ConnectorsRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly connectors: ConnectorsService,
    private readonly sync: RecordSyncService,
    private readonly dedupe: DedupeJobs,
    private readonly guard: OutboundGuard,
    private readonly hashing: PiiHashing,
  ) {}

  async run(
    connectorId: string,
    hooks: PullHooks = {},
    deps: HttpDeps = guardedHttpDeps(this.guard),
  ): Promise<PullReport> {
    const started = Date.now();
    const http = emptyHttpStats();
    const connector = await this.connectors.runtime(connectorId);
    if (!connector) return { connectorId, status: 'skipped', entities: [], http, seconds: 0 };
    const entities: PullEntityReport[] = [];
    let status: PullReport['status'] = 'completed';
    try {
      for (const entity of PULL_ENTITIES) {
        const cfg = connector.entities[entity];
        if (!cfg) continue;
        const report: PullEntityReport = {
          entity,
          pages: 0,
          records: 0,
          rejected: 0,
          applied: emptyReport(),
        };
        entities.push(report);
        await this.pullEntity(connector, entity, cfg, report, http, hooks, deps);
      }
    } catch (e) {
      if (!(e instanceof Superseded)) {
        await this.dedupeAfter(connector.workspaceId, entities).catch((d: Error) =>
          this.logger.warn(`connector ${connector.id}: queueing dedupe failed: ${d.message}`),
        );
        await this.recordRun(connector.id, { entities, http }, e as Error);
        throw e;
      }
      status = 'superseded';
    }
    await this.dedupeAfter(connector.workspaceId, entities);
    const result: PullReport = {
      connectorId,
      status,
      entities,
      http,
      seconds: (Date.now() - started) / 1000,
    };
    await this.recordRun(connector.id, result, null);
    return result;
  }

  /** Pages that wrote customers (committed, even if a later page failed) may have made duplicates. */
  private async dedupeAfter(workspaceId: string, entities: PullEntityReport[]): Promise<void> {
    if (entities.some((e) => e.applied.customersWritten > 0)) await this.dedupe.afterSync(workspaceId);
  }

  private async pullEntity(
    c: ConnectorRuntime,
    entity: PullEntity,
    cfg: EntityConfig,
    report: PullEntityReport,
    http: HttpStats,
    hooks: PullHooks,
    deps: HttpDeps,
  ): Promise<void> {
    await this.repo.ensureCursor(c.id, entity);
    const headers = c.auth ? { [c.auth.header]: c.auth.value } : {};
    for (let pageNo = 1; pageNo <= c.maxPagesPerRun; pageNo++) {
      const cursor = await this.repo.cursor(c.id, entity);
      const body = await getJson(pageUrl(c, cfg.path, cursor), headers, c.http, http, deps);
      const records = getPath(body, c.paging.recordsPath);
      if (!Array.isArray(records) || records.length > RECORDS_PER_PAGE_CAP) {
        throw new PullHttpError(
          'pull_bad_response',
          `${entity}: "${c.paging.recordsPath}" is not a list of at most ${RECORDS_PER_PAGE_CAP} records`,
        );
      }
      const { next, done } = this.advance(c, cfg, body, records, cursor);
      const { events, rejects } = this.toEvents(entity, cfg, records);
      await this.transactions.run(async (tx) => {
        const locked = await this.repo.lockCursor(c.id, entity, tx);
        if ((locked?.cursor ?? null) !== cursor) throw new Superseded();
        const applied = await this.sync.applyBatch(c.workspaceId, c.source, events, tx);
        await this.storeRejects(tx, c, entity, rejects);
        await hooks.beforeCommit?.({ entity, pageNo, records: records.length });
        await this.repo.advanceCursor(c.id, entity, next, records.length, tx);
        addReports(report.applied, applied);
      });
      report.pages++;
      report.records += records.length;
      report.rejected += rejects.length;
      if (done) return;
    }
  }

  /** The cursor after this page, and whether the list is exhausted. */
  private advance(
    c: ConnectorRuntime,
    cfg: EntityConfig,
    body: unknown,
    records: unknown[],
    cursor: string | null,
  ): { next: string | null; done: boolean } {
    const full = records.length >= c.paging.pageSize;
    if (c.paging.mode === 'updated_since') {
      // Inclusive watermark: the next page starts at the newest updated_at seen (its records come again, harmlessly).
      const stamps = records.map((r) => recordUpdatedAt(r, cfg)).filter((s): s is string => s !== null);
      const newest = stamps.length ? stamps.reduce((a, b) => (a > b ? a : b)) : null;
      const next = newest !== null && (cursor === null || newest > cursor) ? newest : cursor;
      if (full && next === cursor) {
        throw new PullHttpError(
          'pull_watermark_stuck',
          `a full page of ${records.length} records shares updated_at ${cursor}; raise paging.pageSize`,
        );
      }
      return { next, done: !full };
    }
    const raw = getPath(body, c.paging.nextCursorPath);
    const next = raw === undefined || raw === null || raw === '' ? cursor : String(raw);
    const hasMore = c.paging.hasMorePath ? getPath(body, c.paging.hasMorePath) : undefined;
    const done = hasMore !== undefined ? hasMore !== true : !full || next === cursor;
    return { next, done: done || next === cursor };
  }

  private toEvents(entity: PullEntity, cfg: EntityConfig, records: unknown[]) {
    const events: SyncEvent[] = [];
    const rejects: Array<{ record: unknown; externalId: string | null; problems: EventIssue[] }> = [];
    records.forEach((record, i) => {
      const problems: EventIssue[] = [];
      const parsed: SyncEvent[] = [];
      for (const wire of recordToEvents(entity, record, cfg)) {
        const r = parseEvent(wire, undefined, [entity, i]);
        if (r.ok) parsed.push(r.event);
        else problems.push(...r.issues);
      }
      // A record is applied whole or not at all (its upsert and its delete marker belong together).
      if (problems.length === 0) events.push(...parsed);
      else {
        const id = getPath(record, cfg.fields.externalId ?? 'externalId');
        rejects.push({ record, externalId: id == null ? null : String(id), problems });
      }
    });
    return { events, rejects };
  }

  /**
   * Tries stored invalid records again (`ids` null: all of the workspace's), after a fix of the connector's mapping
   * or of the data rules: each is mapped with its connector's current definition and validated by the same schema;
   * one that now passes is applied and its reject removed in one transaction, one that still fails keeps its
   * (updated) reasons. Records of a connector that is gone or disabled stay as they are.
   */
  async replayRejects(
    workspaceId: string,
    ids: string[] | null,
    limit = 10_000,
  ): Promise<{ applied: number; stillRejected: number; skipped: number }> {
    const rows = await this.repo.rejectsToReplay(workspaceId, ids, limit);
    const out = { applied: 0, stillRejected: 0, skipped: 0 };
    const runtimes = new Map<string, ConnectorRuntime | null>();
    for (const row of rows) {
      if (!runtimes.has(row.origin)) {
        const id = row.origin.startsWith('pull:')
          ? await this.repo.idByName(workspaceId, row.origin.slice('pull:'.length))
          : undefined;
        runtimes.set(row.origin, id ? await this.connectors.runtime(id) : null);
      }
      const c = runtimes.get(row.origin);
      const cfg = c?.entities[row.entity];
      if (!c || !cfg) {
        out.skipped++;
        continue;
      }
      const record: unknown = JSON.parse(this.pii.decrypt(row.payload_enc));
      const { events, rejects } = this.toEvents(row.entity, cfg, [record]);
      if (rejects.length) {
        await this.repo.updateRejectProblems(workspaceId, row.id, rejects[0].problems);
        out.stillRejected++;
        continue;
      }
      const applied = await this.transactions.run(async (tx) => {
        const report = await this.sync.applyBatch(workspaceId, row.source, events, tx);
        await this.repo.removeReject(workspaceId, row.id, tx);
        return report;
      });
      if (applied.customersWritten > 0) await this.dedupe.afterSync(workspaceId);
      out.applied++;
    }
    return out;
  }

  /** Invalid records are kept (encrypted) with their reasons, never silently dropped; a replayed page adds nothing. */
  private async storeRejects(
    tx: Tx,
    c: ConnectorRuntime,
    entity: PullEntity,
    rejects: Array<{ record: unknown; externalId: string | null; problems: EventIssue[] }>,
  ): Promise<void> {
    if (rejects.length === 0) return;
    const hash = await this.hashing.forWorkspace(c.workspaceId, tx);
    const rows = rejects.map((r) => {
      const json = canonicalJson(r.record);
      return {
        external_id: r.externalId,
        problems: r.problems,
        digest: hash(json).toString('hex'),
        payload: this.pii.encrypt(json).toString('hex'),
      };
    });
    await this.repo.storeRejects(c.workspaceId, c.source, `pull:${c.name}`, entity, rows, tx);
  }

  private async recordRun(connectorId: string, report: unknown, error: Error | null): Promise<void> {
    await this.repo
      .recordRun(
        connectorId,
        report,
        error ? `${(error as { code?: string }).code ?? 'error'}: ${error.message}`.slice(0, 500) : null,
      )
      .catch((e: Error) => this.logger.warn(`could not record pull run of ${connectorId}: ${e.message}`));
  }
}

function addReports(into: ApplyReport, add: ApplyReport): void {
  for (const k of Object.keys(into) as Array<keyof ApplyReport>) into[k] += add[k];
}
