import { Injectable, Logger } from '@nestjs/common';
import { Transactions } from '../../database/transactions';
import { OutboundGuard } from '../../net/outbound-guard';
import { ConnectorWriteBackRepository, WriteBackFailure } from './connector-write-back.repository';
import { ConnectorsService, VendorRuntime } from './connectors.service';
import { CrmHttpError, emptyHttpStats, guardedHttpDeps, HttpDeps, HttpStats } from './crm-http-client';
import {
  batchFailures,
  coalesceUpdates,
  HUBSPOT_ID,
  hubspotProperties,
  isMissingProperty,
  ScoresChangedData,
} from './hubspot-api';
import { CrmRateLimiters, HubSpotClient } from './hubspot-client';
import { collectionBody, collectionFailures, SALESFORCE_ID } from './salesforce-api';
import { SalesforceClient } from './salesforce-client';

export interface PushReport {
  connectorId: string;
  status: 'completed' | 'skipped';
  /** `customer.scores_changed` events consumed */
  events: number;
  /** distinct records written (the newest values of each, coalesced over a window of events) */
  customers: number;
  /** records the CRM refused (kept in crm_write_back_failures) */
  failed: number;
  http: HttpStats;
  seconds: number;
}

/** Test seam: runs inside a window's transaction after its records were sent, before the position moves. */
export interface PushHooks {
  beforeCommit?: (window: { events: number; customers: number }) => void | Promise<void>;
}

type Update = { id: string; values: Record<string, unknown> };

/** How one vendor takes a batch of record updates. */
interface WriteBackTarget {
  /** records per call (the vendor's maximum by default) */
  batchSize: number;
  /** the vendor's record id format: other customers are refused without a call */
  id: RegExp;
  vendor: string;
  requests(): number;
  /** sends one batch; records the vendor refused go to `failed` */
  send(batch: Update[], failed: WriteBackFailure[], succeeded: string[]): Promise<void>;
}

/**
 * The write-back of a CRM-shaped connector: the workspace's `customer.scores_changed` events — what the write-back
 * diff (src/write-back) decided changed — after the connector's position, in windows of events; per window, the
 * newest values of each record are written as CRM properties in batches at the vendor's maximum (HubSpot
 * batch/update: 100), then the position moves in the window's transaction. A crash before that commit sends the
 * window again: writing the same values twice is harmless. Records the CRM refuses are kept per record with its
 * reason (visible in the API and CLI) and cleared when a later write succeeds; a missing property stops the push
 * with the vendor's message, the position kept, until the mapping or the CRM is fixed.
 */
@Injectable()
export class ConnectorPushService {
  private readonly logger = new Logger(ConnectorPushService.name);

  constructor(
    private readonly connectors: ConnectorsService,
    private readonly repo: ConnectorWriteBackRepository,
    private readonly transactions: Transactions,
    private readonly guard: OutboundGuard,
    private readonly limiters: CrmRateLimiters,
  ) {}

  /** After a write-back pass: the push of each connector of the workspace that writes back. */
  async pushWorkspace(workspaceId: string): Promise<PushReport[]> {
    const out: PushReport[] = [];
    for (const id of await this.repo.writingBack(workspaceId)) out.push(await this.push(id));
    return out;
  }

  async push(
    connectorId: string,
    hooks: PushHooks = {},
    deps: HttpDeps = guardedHttpDeps(this.guard),
  ): Promise<PushReport> {
    const started = Date.now();
    const http = emptyHttpStats();
    const report: PushReport = {
      connectorId,
      status: 'skipped',
      events: 0,
      customers: 0,
      failed: 0,
      http,
      seconds: 0,
    };
    const c = await this.connectors.runtime(connectorId);
    if (!c || c.kind === 'generic' || !c.writeBack.enabled) return report;
    const target = this.target(c, http, deps);
    report.status = 'completed';
    try {
      while (await this.window(c, target, report, hooks)) {
        /* next window */
      }
    } catch (e) {
      report.seconds = (Date.now() - started) / 1000;
      const err = e as Error & { code?: string };
      await this.recordPush(c, report, `${err.code ?? 'error'}: ${err.message}`.slice(0, 500));
      throw e;
    }
    report.seconds = (Date.now() - started) / 1000;
    await this.recordPush(c, report, null);
    return report;
  }

  private target(c: VendorRuntime, http: HttpStats, deps: HttpDeps): WriteBackTarget {
    if (c.kind === 'salesforce') {
      const client = new SalesforceClient(c, http, deps, (auth) => this.connectors.saveTokens(c.id, auth));
      return {
        batchSize: c.writeBack.batchSize,
        id: SALESFORCE_ID,
        vendor: 'Salesforce',
        requests: () => client.requests,
        send: async (batch, failed, succeeded) => {
          const ids = batch.map((u) => u.id);
          const body = await client.updateCollection(collectionBody(c.records.object, batch));
          const r = collectionFailures(body, ids);
          if (!r)
            throw new CrmHttpError(
              'pull_bad_response',
              'sObject Collections: unexpected answer',
              200,
              undefined,
            );
          for (const f of r.failed) failed.push({ externalId: f.id, code: f.code, message: f.message });
          succeeded.push(...r.succeeded);
        },
      };
    }
    const client = new HubSpotClient(c, this.limiters.hubspot(c), http, deps);
    return {
      batchSize: c.writeBack.batchSize,
      id: HUBSPOT_ID,
      vendor: 'HubSpot',
      requests: () => client.requests,
      send: (batch, failed, succeeded) => this.sendHubSpot(client, batch, failed, succeeded),
    };
  }

  /** One window of events, sent and committed; answers whether a full window was taken (more may follow). */
  private window(
    c: VendorRuntime,
    target: WriteBackTarget,
    report: PushReport,
    hooks: PushHooks,
  ): Promise<boolean> {
    return this.transactions.run(async (tx) => {
      const after = await this.repo.lockPosition(c.workspaceId, c.id, tx);
      if (after === null) return false;
      const events = await this.repo.pendingEvents(c.workspaceId, after, c.writeBack.eventsPerWindow, tx);
      if (events.length === 0) return false;
      const updates = coalesceUpdates(events.map((e) => e.data as ScoresChangedData));
      const callsBefore = target.requests();
      const { failed, succeeded } = await this.send(target, updates);
      const last = events[events.length - 1].id;
      await this.repo.recordOutcomes(c.workspaceId, c.id, last, failed, succeeded, tx);
      await hooks.beforeCommit?.({ events: events.length, customers: updates.size });
      await this.repo.advance(
        c.workspaceId,
        c.id,
        last,
        { events: events.length, customers: updates.size, calls: target.requests() - callsBefore },
        tx,
      );
      report.events += events.length;
      report.customers += updates.size;
      report.failed += failed.length;
      return events.length >= c.writeBack.eventsPerWindow;
    });
  }

  private async send(
    target: WriteBackTarget,
    updates: Map<string, Record<string, unknown>>,
  ): Promise<{ failed: WriteBackFailure[]; succeeded: string[] }> {
    const failed: WriteBackFailure[] = [];
    const valid: Update[] = [];
    for (const [id, values] of updates) {
      if (target.id.test(id)) valid.push({ id, values });
      else
        failed.push({
          externalId: id,
          code: `not_a_${target.vendor.toLowerCase()}_id`,
          message: `the customer is not a ${target.vendor} record`,
        });
    }
    const succeeded: string[] = [];
    for (let i = 0; i < valid.length; i += target.batchSize) {
      await target.send(valid.slice(i, i + target.batchSize), failed, succeeded);
    }
    return { failed, succeeded };
  }

  /** One HubSpot batch/update; a 400 for one bad value is narrowed down by halves so the other records still go. */
  private async sendHubSpot(
    client: HubSpotClient,
    batch: Update[],
    failed: WriteBackFailure[],
    succeeded: string[],
  ): Promise<void> {
    try {
      const body = await client.batchUpdateContacts(
        batch.map((u) => ({ id: u.id, properties: hubspotProperties(u.values) })),
      );
      const refused = new Set<string>();
      for (const f of batchFailures(body)) {
        for (const id of f.ids) {
          refused.add(id);
          failed.push({ externalId: id, code: f.code, message: f.message });
        }
      }
      for (const u of batch) if (!refused.has(u.id)) succeeded.push(u.id);
    } catch (e) {
      if (!(e instanceof CrmHttpError) || e.vendorStatus !== 400 || isMissingProperty(e.body)) throw e;
      if (batch.length === 1) {
        const category = (e.body as { category?: unknown } | null)?.category;
        failed.push({
          externalId: batch[0].id,
          code: typeof category === 'string' ? category : 'VALIDATION_ERROR',
          message: e.message.slice(0, 300),
        });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.sendHubSpot(client, batch.slice(0, half), failed, succeeded);
      await this.sendHubSpot(client, batch.slice(half), failed, succeeded);
    }
  }

  private async recordPush(c: VendorRuntime, report: PushReport, error: string | null): Promise<void> {
    await this.repo
      .recordPush(c.workspaceId, c.id, report, error)
      .catch((e: Error) => this.logger.warn(`could not record push of ${c.id}: ${e.message}`));
  }
}
