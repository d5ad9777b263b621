import { Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import type { Queryable } from '../database/sql';
import { Transactions } from '../database/transactions';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { OutboxService } from '../webhooks/outbox.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import {
  clvStepMinor,
  CUSTOMERS_PER_EVENT,
  DEFAULT_MAPPING,
  FieldMapping,
  parseMapping,
  sqlKeys,
  storedMapping,
  usedFields,
} from './write-back-fields';
import { DiffParams, WriteBackRepository } from './write-back.repository';

export interface FieldMappingView {
  /** Callplan field → CRM property name (null: not written back) */
  fields: FieldMapping;
  defaults: FieldMapping;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface WriteBackPassResult {
  /** the run whose scores were compared (null: the workspace has no finished run yet) */
  runId: string | null;
  /** customers whose written-back values changed, each sent once */
  changed: number;
  /** `customer.scores_changed` events appended (≤ CUSTOMERS_PER_EVENT customers each) */
  events: number;
  skipped?: string;
}

/**
 * Per-customer write-back (docs/write-back.md): `customer.scores_changed` events with the written-back values of
 * the customers whose values changed since they were last sent, under the workspace's field mapping. A workspace
 * pass runs as a job after each scoring run (and after a mapping change); a pass over a few customers runs inside
 * the transaction of an outcome or an assignment change, so its events commit with the change. What changed is
 * decided in SQL (write-back.sql.ts); this class only pages the result into events.
 */
@Injectable()
export class WriteBackService {
  constructor(
    private readonly repo: WriteBackRepository,
    private readonly transactions: Transactions,
    private readonly outbox: OutboxService,
    private readonly workspaces: WorkspacesService,
    @InjectQueue(QUEUES.scoring) private readonly queue: JobQueue<'scoring'>,
    @InjectQueue(QUEUES.crmSync) private readonly crmSync: JobQueue<'crm-sync'>,
  ) {}

  async mapping(workspaceId: string): Promise<FieldMappingView> {
    const row = await this.repo.mapping(workspaceId);
    return {
      fields: storedMapping(row?.fields),
      defaults: { ...DEFAULT_MAPPING },
      updatedBy: row?.updated_by ?? null,
      updatedAt: row?.updated_at ? row.updated_at.toISOString() : null,
    };
  }

  /**
   * Replaces the mapping (fields not named get their default name). Every customer's sent values carry the old
   * names, so the next workspace pass — queued here — sends every customer under the new ones.
   */
  async setMapping(workspaceId: string, input: unknown, actor: string): Promise<FieldMappingView> {
    const parsed = parseMapping(input);
    if (!parsed.ok) {
      throw new AppError('validation_failed', 'the field mapping is not valid', 400, parsed.issues);
    }
    const before = await this.mapping(workspaceId);
    await this.transactions.run(async (tx) => {
      await this.repo.saveMapping(workspaceId, parsed.mapping, actor, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'write_back.mapping_changed',
        details: { from: before.fields, to: parsed.mapping },
      });
    });
    await this.queueWorkspacePass(workspaceId, `mapping-${Date.now()}`);
    return this.mapping(workspaceId);
  }

  /**
   * Queues the workspace pass of a finished run. When the run publishes call lists (`publishJobId`), the pass
   * waits for them, so that the next call dates include the lists just published.
   */
  /** The write-back of a run that publishes no lists (a run that does adds it after its lists: ScoringFlows). */
  async queueAfterRun(workspaceId: string, runId: string): Promise<void> {
    await this.queue.add(
      'write-back',
      { workspaceId, runId },
      { jobId: writeBackJobId(workspaceId, runId), attempts: 3, removeOnComplete: 100, removeOnFail: 100 },
    );
  }

  private async queueWorkspacePass(workspaceId: string, why: string): Promise<void> {
    await this.queue.add(
      'write-back',
      { workspaceId },
      { jobId: `write-back-${workspaceId}-${why}`, attempts: 3, removeOnComplete: 100, removeOnFail: 100 },
    );
  }

  /**
   * The workspace pass: every scored customer of the current run compared with what was last sent, the changed
   * ones sent in events of CUSTOMERS_PER_EVENT, in one transaction (events and fingerprints commit together).
   * A pass for a run that is no longer current does nothing: the newer run's pass covers it.
   */
  async passWorkspace(workspaceId: string, runId?: string): Promise<WriteBackPassResult> {
    const { mapping, params } = await this.diffParams(workspaceId);
    const result = await this.transactions.run(async (tx): Promise<WriteBackPassResult> => {
      const current = await this.repo.currentRun(workspaceId, tx);
      if (!current) return { runId: null, changed: 0, events: 0, skipped: 'no finished run' };
      if (runId && runId !== current) {
        return { runId, changed: 0, events: 0, skipped: 'a newer run is current' };
      }
      const changed = await this.repo.collectWorkspaceChanges(workspaceId, { ...params, runId: current }, tx);
      let events = 0;
      let after = '0';
      for (;;) {
        const page = await this.repo.collectedPage(after, CUSTOMERS_PER_EVENT, tx);
        if (page.length === 0) break;
        await this.append(tx, workspaceId, mapping, page);
        events++;
        after = page[page.length - 1].customer_id;
      }
      return { runId: current, changed, events };
    });
    if (result.events > 0) {
      await this.outbox.kick();
      // CRM-shaped connectors (src/ingest/pull) write the same events back as CRM properties
      await this.crmSync.add(
        'push-workspace',
        { workspaceId },
        { jobId: `push-workspace-${workspaceId}-${Date.now()}`, removeOnComplete: 50, removeOnFail: 100 },
      );
    }
    return result;
  }

  /**
   * The pass over some customers, inside the caller's transaction (an outcome, an assignment change): those whose
   * written-back values changed go out in events of CUSTOMERS_PER_EVENT. The caller kicks the outbox after commit.
   */
  async passCustomers(tx: Queryable, workspaceId: string, customerIds: readonly string[]): Promise<number> {
    if (customerIds.length === 0) return 0;
    const runId = await this.repo.currentRun(workspaceId, tx);
    if (!runId) return 0;
    const { mapping, params } = await this.diffParams(workspaceId);
    const rows = await this.repo.customerChanges(
      workspaceId,
      [...new Set(customerIds)],
      { ...params, runId },
      tx,
    );
    let events = 0;
    for (let i = 0; i < rows.length; i += CUSTOMERS_PER_EVENT) {
      await this.append(tx, workspaceId, mapping, rows.slice(i, i + CUSTOMERS_PER_EVENT));
      events++;
    }
    return events;
  }

  private async append(
    tx: Queryable,
    workspaceId: string,
    mapping: FieldMapping,
    rows: Array<{ payload: Record<string, unknown> }>,
  ): Promise<void> {
    await this.outbox.append(tx, workspaceId, 'customer.scores_changed', {
      customers: rows.map((r) => r.payload),
      fields: usedFields(mapping),
    });
  }

  private async diffParams(
    workspaceId: string,
  ): Promise<{ mapping: FieldMapping; params: Omit<DiffParams, 'runId'> }> {
    const [{ fields: mapping }, ws] = await Promise.all([
      this.mapping(workspaceId),
      this.workspaces.byId(workspaceId),
    ]);
    return { mapping, params: { ...sqlKeys(mapping), clvStep: clvStepMinor(ws.currency) } };
  }
}

/** The job id of a run's write-back pass: one per run, whether queued alone or after the run's call lists. */
export function writeBackJobId(workspaceId: string, runId: string): string {
  return `write-back-${workspaceId}-${runId}`;
}
