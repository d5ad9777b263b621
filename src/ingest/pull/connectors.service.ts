import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { audit } from '../../audit/audit-entry.repository';
import { Transactions } from '../../database/transactions';
import { formatPath } from '../events/crm-event.schema';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { QUEUES } from '../../queue/queue-factory';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { PiiCipher } from '../../customers/pii/pii';
import { OutboundGuard, OutboundRefused } from '../../net/outbound-guard';
import {
  connectorInputSchema,
  ConnectorRuntime,
  ConnectorSpec,
  PULL_ENTITIES,
  StoredConnectorConfig,
} from './connector-config';
import { ConnectorsRepository } from './connectors.repository';
import { ConnectorWriteBackRepository, WriteBackStateRow } from './connector-write-back.repository';
import { HubSpotRuntime, hubspotInputSchema, HubSpotSpec, HubSpotStoredConfig } from './hubspot-config';
import {
  SalesforceAuth,
  salesforceInputSchema,
  SalesforceRuntime,
  SalesforceSpec,
  SalesforceStoredConfig,
} from './salesforce-config';
import type { ConnectorKind } from './connectors.repository';

/** Any connector as a run needs it: the generic REST one or a CRM-shaped one. */
export type AnyConnectorRuntime = ConnectorRuntime | HubSpotRuntime | SalesforceRuntime;
/** The CRM-shaped connectors: they pull with the vendor's API and write scores back. */
export type VendorRuntime = HubSpotRuntime | SalesforceRuntime;

export interface ConnectorView {
  id: string;
  kind: ConnectorKind;
  name: string;
  source: string;
  baseUrl: string;
  /** the auth header's name only; its value is never returned */
  authHeader: string | null;
  config: StoredConnectorConfig | HubSpotStoredConfig | SalesforceStoredConfig;
  scheduleEveryMs: number | null;
  enabled: boolean;
  /** CRM-shaped connectors: how far the write-back got and what the CRM refused */
  writeBack: {
    afterEventId: string;
    events: number;
    customers: number;
    calls: number;
    lastPushAt: Date | null;
    lastReport: unknown;
    lastError: string | null;
    failures: number;
  } | null;
  lastRunAt: Date | null;
  lastRunReport: unknown;
  lastError: string | null;
  cursors: Array<{ entity: string; cursor: string | null; pages: number; records: number; updatedAt: Date }>;
}

/** Job scheduler id of a connector's repeatable pull (no ':' — BullMQ rejects it in custom ids). */
export const pullSchedulerId = (connectorId: string) => `pull-${connectorId}`;
/** Job scheduler id of a CRM-shaped connector's repeatable write-back push. */
export const pushSchedulerId = (connectorId: string) => `push-${connectorId}`;

/** Pull connector configurations: validated, the auth secret encrypted with the PII key, schedules kept in BullMQ. */
@Injectable()
export class ConnectorsService {
  private readonly logger = new Logger(ConnectorsService.name);

  constructor(
    private readonly repo: ConnectorsRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    private readonly guard: OutboundGuard,
    private readonly writeBacks: ConnectorWriteBackRepository,
  ) {}

  /**
   * Validates a connector definition by its `kind` (absent: the generic REST connector); throws validation_failed
   * with field paths.
   */
  static parse(input: unknown): ConnectorSpec | HubSpotSpec | SalesforceSpec {
    const kind = (input as { kind?: unknown } | null)?.kind;
    const r =
      kind === 'hubspot'
        ? hubspotInputSchema.safeParse(input)
        : kind === 'salesforce'
          ? salesforceInputSchema.safeParse(input)
          : connectorInputSchema.safeParse(input);
    if (!r.success) {
      throw new AppError(
        'validation_failed',
        'connector configuration failed validation',
        400,
        r.error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: i.message })),
      );
    }
    return r.data;
  }

  /** Creates or replaces (by name) a connector; cursors of a replaced connector are kept. */
  async upsert(workspaceId: string, input: unknown, actor: string): Promise<ConnectorView> {
    const spec = ConnectorsService.parse(input);
    await this.checkBaseUrl(spec.baseUrl);
    const common = {
      name: spec.name,
      source: spec.source,
      baseUrl: spec.baseUrl,
      scheduleEveryMs: spec.scheduleEveryMs ?? null,
      enabled: spec.enabled,
    };
    const row =
      spec.kind === 'salesforce'
        ? {
            ...common,
            kind: 'salesforce' as const,
            authHeaderName: 'oauth',
            authHeaderValueEnc: this.pii.encrypt(JSON.stringify(spec.auth)),
            config: {
              apiVersion: spec.apiVersion,
              records: spec.records,
              limits: spec.limits,
              writeBack: spec.writeBack,
              http: spec.http,
              maxPagesPerRun: spec.maxPagesPerRun,
            } satisfies SalesforceStoredConfig,
          }
        : spec.kind === 'hubspot'
          ? {
              ...common,
              kind: 'hubspot' as const,
              authHeaderName: 'Authorization',
              authHeaderValueEnc: this.pii.encrypt(`Bearer ${spec.auth.privateAppToken}`),
              config: {
                contacts: spec.contacts,
                companies: spec.companies,
                deals: spec.deals,
                limits: spec.limits,
                writeBack: spec.writeBack,
                http: spec.http,
                maxPagesPerRun: spec.maxPagesPerRun,
              } satisfies HubSpotStoredConfig,
            }
          : {
              ...common,
              kind: 'generic' as const,
              authHeaderName: spec.auth?.header ?? null,
              authHeaderValueEnc: spec.auth ? this.pii.encrypt(spec.auth.value) : null,
              config: {
                entities: spec.entities,
                paging: spec.paging,
                http: spec.http,
                maxPagesPerRun: spec.maxPagesPerRun,
              } satisfies StoredConnectorConfig,
            };
    const id = await this.transactions.run(async (tx) => {
      const saved = await this.repo.upsert(workspaceId, row, tx);
      if (row.kind !== 'generic') await this.writeBacks.ensureState(workspaceId, saved, tx);
      await audit(tx, {
        workspaceId,
        actor,
        action: 'crm.connector_saved',
        subject: `connector:${saved}`,
        details: {
          name: spec.name,
          kind: row.kind,
          baseUrl: spec.baseUrl,
          scheduleEveryMs: spec.scheduleEveryMs ?? null,
        },
      });
      return saved;
    });
    await this.syncSchedule(id, spec.enabled ? (spec.scheduleEveryMs ?? null) : null);
    const writeBack = 'writeBack' in spec ? spec.writeBack : null;
    await this.syncPushSchedule(id, spec.enabled && writeBack?.enabled ? writeBack.everyMs : null);
    return this.get(workspaceId, id);
  }

  /** The SSRF guard at definition time (the pull checks again at every request). */
  private async checkBaseUrl(baseUrl: string): Promise<void> {
    try {
      await this.guard.check(baseUrl);
    } catch (e) {
      if (!(e instanceof OutboundRefused)) throw e;
      throw new AppError('url_not_allowed', e.message, 422, [
        { path: 'baseUrl', code: 'url_not_allowed', message: e.message },
      ]);
    }
  }

  /** Registers (or removes) the connector's repeatable pull. Idempotent. */
  async syncSchedule(connectorId: string, everyMs: number | null): Promise<void> {
    if (everyMs === null) {
      await this.queue.removeJobScheduler(pullSchedulerId(connectorId));
      return;
    }
    await this.queue.upsertJobScheduler(
      pullSchedulerId(connectorId),
      { every: everyMs },
      { name: 'pull', data: { connectorId }, opts: { removeOnComplete: 50, removeOnFail: 100 } },
    );
  }

  /** Registers (or removes) a CRM-shaped connector's repeatable write-back push. Idempotent. */
  async syncPushSchedule(connectorId: string, everyMs: number | null): Promise<void> {
    if (everyMs === null) {
      await this.queue.removeJobScheduler(pushSchedulerId(connectorId));
      return;
    }
    await this.queue.upsertJobScheduler(
      pushSchedulerId(connectorId),
      { every: everyMs },
      { name: 'push', data: { connectorId }, opts: { removeOnComplete: 50, removeOnFail: 100 } },
    );
  }

  /** Re-registers every enabled connector's schedule (scheduler processes, at start-up). */
  async registerAllSchedules(): Promise<number> {
    const rows = await this.repo.schedules();
    for (const r of rows) {
      await this.syncSchedule(r.id, r.enabled ? r.schedule_every_ms : null);
      const wb =
        r.kind === 'generic' ? null : (r.config as HubSpotStoredConfig | SalesforceStoredConfig).writeBack;
      await this.syncPushSchedule(r.id, r.enabled && wb?.enabled ? wb.everyMs : null);
    }
    return rows.filter((r) => r.enabled && r.schedule_every_ms !== null).length;
  }

  /**
   * Registers the schedules of enabled connectors that the queue backend no longer has (it lost its data); an
   * existing one is left alone, so its next pull keeps its time.
   */
  async restoreMissingSchedules(): Promise<number> {
    let restored = 0;
    for (const r of await this.repo.schedules()) {
      if (!r.enabled || r.schedule_every_ms === null) continue;
      if (await this.queue.getJobScheduler(pullSchedulerId(r.id))) continue;
      await this.syncSchedule(r.id, r.schedule_every_ms);
      restored++;
    }
    return restored;
  }

  /** Queues an on-demand pull now (a run already going makes the second one stop at its first page). */
  async enqueuePull(workspaceId: string, connectorId: string): Promise<{ jobId: string }> {
    await this.get(workspaceId, connectorId);
    const jobId = `pull-${connectorId}-${Date.now()}`;
    await this.queue.add('pull', { connectorId }, { jobId, removeOnComplete: 50, removeOnFail: 100 });
    return { jobId };
  }

  /** Queues a write-back push now (CRM-shaped connectors only). */
  async enqueuePush(workspaceId: string, connectorId: string): Promise<{ jobId: string }> {
    const c = await this.get(workspaceId, connectorId);
    if (c.kind === 'generic') {
      throw new AppError('not_supported', 'a generic connector does not write back (use webhooks)', 409);
    }
    const jobId = `push-${connectorId}-${Date.now()}`;
    await this.queue.add('push', { connectorId }, { jobId, removeOnComplete: 50, removeOnFail: 100 });
    return { jobId };
  }

  /** The records the CRM refused in this connector's write-backs, newest first. */
  async writeBackFailures(workspaceId: string, connectorId: string, limit = 100) {
    await this.get(workspaceId, connectorId);
    return this.writeBacks.failures(workspaceId, connectorId, limit);
  }

  async list(workspaceId: string): Promise<ConnectorView[]> {
    const ids = await this.repo.ids(workspaceId);
    return Promise.all(ids.map((id) => this.get(workspaceId, id)));
  }

  async byName(workspaceId: string, name: string): Promise<ConnectorView> {
    const id = await this.repo.idByName(workspaceId, name);
    if (!id) throw AppError.notFound(`connector "${name}"`);
    return this.get(workspaceId, id);
  }

  async get(workspaceId: string, id: string): Promise<ConnectorView> {
    const r = await this.repo.get(workspaceId, id);
    if (!r) throw AppError.notFound('connector');
    const cursors = await this.repo.cursors(id, PULL_ENTITIES);
    const wb = r.kind === 'generic' ? null : await this.writeBacks.state(workspaceId, id);
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      source: r.source,
      baseUrl: r.base_url,
      authHeader: r.auth_header_name,
      config: r.config,
      scheduleEveryMs: r.schedule_every_ms,
      enabled: r.enabled,
      writeBack: wb ? writeBackView(wb) : null,
      lastRunAt: r.last_run_at,
      lastRunReport: r.last_run_report,
      lastError: r.last_error,
      cursors: cursors.map((c) => ({
        entity: c.entity,
        cursor: c.cursor ?? null,
        pages: Number(c.pages),
        records: Number(c.records),
        updatedAt: c.updated_at,
      })),
    };
  }

  async remove(workspaceId: string, id: string, actor: string): Promise<void> {
    await this.get(workspaceId, id);
    await this.syncSchedule(id, null);
    await this.syncPushSchedule(id, null);
    await this.transactions.run(async (tx) => {
      await this.repo.remove(id, tx);
      await audit(tx, { workspaceId, actor, action: 'crm.connector_removed', subject: `connector:${id}` });
    });
  }

  /** Records rejected by sync, per origin (CLI status). */
  rejectCounts(workspaceId: string): Promise<Array<{ origin: string; n: number }>> {
    return this.repo.rejectCounts(workspaceId);
  }

  /** Keeps a Salesforce connector's renewed tokens, encrypted (its runs only). */
  async saveTokens(connectorId: string, auth: SalesforceAuth): Promise<void> {
    await this.repo.updateSecret(connectorId, this.pii.encrypt(JSON.stringify(auth)));
  }

  /** The connector as a run needs it, secret decrypted. For the pull and push services only. */
  async runtime(connectorId: string): Promise<AnyConnectorRuntime | null> {
    const r = await this.repo.forRun(connectorId);
    if (!r) return null;
    if (!r.enabled) {
      this.logger.log(`connector ${connectorId} is disabled; run skipped`);
      return null;
    }
    const ids = {
      id: r.id,
      workspaceId: r.workspace_id,
      name: r.name,
      source: r.source,
      baseUrl: r.base_url,
    };
    if (r.kind === 'salesforce') {
      const auth = JSON.parse(
        r.auth_header_value_enc ? this.pii.decrypt(r.auth_header_value_enc) : '{}',
      ) as SalesforceAuth;
      return { ...(r.config as SalesforceStoredConfig), ...ids, kind: 'salesforce', auth };
    }
    if (r.kind === 'hubspot') {
      const secret = r.auth_header_value_enc ? this.pii.decrypt(r.auth_header_value_enc) : '';
      return {
        ...(r.config as HubSpotStoredConfig),
        ...ids,
        kind: 'hubspot',
        token: secret.replace(/^Bearer /, ''),
      };
    }
    return {
      ...(r.config as StoredConnectorConfig),
      ...ids,
      kind: 'generic',
      auth:
        r.auth_header_name && r.auth_header_value_enc
          ? { header: r.auth_header_name, value: this.pii.decrypt(r.auth_header_value_enc) }
          : null,
    };
  }
}

function writeBackView(s: WriteBackStateRow): NonNullable<ConnectorView['writeBack']> {
  return {
    afterEventId: s.after_event_id,
    events: Number(s.events),
    customers: Number(s.customers),
    calls: Number(s.calls),
    lastPushAt: s.last_push_at,
    lastReport: s.last_report,
    lastError: s.last_error,
    failures: s.failures,
  };
}
