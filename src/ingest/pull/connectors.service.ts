import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/app-error';
import { audit } from '../../audit/audit-entry.repository';
import { formatPath } from '../events/crm-event.schema';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { QUEUES } from '../../queue/queue-factory';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { PiiCipher } from '../../customers/pii/pii';
import {
  connectorInputSchema,
  ConnectorRuntime,
  ConnectorSpec,
  PULL_ENTITIES,
  StoredConnectorConfig,
} from './connector-config';

export interface ConnectorView {
  id: string;
  name: string;
  source: string;
  baseUrl: string;
  /** the auth header's name only; its value is never returned */
  authHeader: string | null;
  config: StoredConnectorConfig;
  scheduleEveryMs: number | null;
  enabled: boolean;
  lastRunAt: Date | null;
  lastRunReport: unknown;
  lastError: string | null;
  cursors: Array<{ entity: string; cursor: string | null; pages: number; records: number; updatedAt: Date }>;
}

/** Job scheduler id of a connector's repeatable pull (no ':' — BullMQ rejects it in custom ids). */
export const pullSchedulerId = (connectorId: string) => `pull-${connectorId}`;

/** Pull connector configurations: validated, the auth secret encrypted with the PII key, schedules kept in BullMQ. */
@Injectable()
export class ConnectorsService {
  private readonly logger = new Logger(ConnectorsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
  ) {}

  /** Validates a connector definition; throws validation_failed with field paths. */
  static parse(input: unknown): ConnectorSpec {
    const r = connectorInputSchema.safeParse(input);
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
    const config: StoredConnectorConfig = {
      entities: spec.entities,
      paging: spec.paging,
      http: spec.http,
      maxPagesPerRun: spec.maxPagesPerRun,
    };
    const id = await this.db.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO crm_connectors AS t (workspace_id, name, source, base_url, auth_header_name, auth_header_value_enc,
           config, schedule_every_ms, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (workspace_id, name) DO UPDATE SET source = EXCLUDED.source, base_url = EXCLUDED.base_url,
           auth_header_name = EXCLUDED.auth_header_name, auth_header_value_enc = EXCLUDED.auth_header_value_enc,
           config = EXCLUDED.config, schedule_every_ms = EXCLUDED.schedule_every_ms, enabled = EXCLUDED.enabled,
           updated_at = now()
         RETURNING id`,
        [
          workspaceId,
          spec.name,
          spec.source,
          spec.baseUrl,
          spec.auth?.header ?? null,
          spec.auth ? this.pii.encrypt(spec.auth.value) : null,
          JSON.stringify(config),
          spec.scheduleEveryMs ?? null,
          spec.enabled,
        ],
      );
      await audit(tx, {
        workspaceId,
        actor,
        action: 'crm.connector_saved',
        subject: `connector:${row.id}`,
        details: { name: spec.name, baseUrl: spec.baseUrl, scheduleEveryMs: spec.scheduleEveryMs ?? null },
      });
      return row.id as string;
    });
    await this.syncSchedule(id, spec.enabled ? (spec.scheduleEveryMs ?? null) : null);
    return this.get(workspaceId, id);
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

  /** Re-registers every enabled connector's schedule (scheduler processes, at start-up). */
  async registerAllSchedules(): Promise<number> {
    const rows: Array<{ id: string; schedule_every_ms: number | null; enabled: boolean }> =
      await this.db.query(`SELECT id, schedule_every_ms, enabled FROM crm_connectors`);
    for (const r of rows) await this.syncSchedule(r.id, r.enabled ? r.schedule_every_ms : null);
    return rows.filter((r) => r.enabled && r.schedule_every_ms !== null).length;
  }

  /** Queues an on-demand pull now (a run already going makes the second one stop at its first page). */
  async enqueuePull(workspaceId: string, connectorId: string): Promise<{ jobId: string }> {
    await this.get(workspaceId, connectorId);
    const jobId = `pull-${connectorId}-${Date.now()}`;
    await this.queue.add('pull', { connectorId }, { jobId, removeOnComplete: 50, removeOnFail: 100 });
    return { jobId };
  }

  async list(workspaceId: string): Promise<ConnectorView[]> {
    const rows = await this.db.query(`SELECT id FROM crm_connectors WHERE workspace_id = $1 ORDER BY name`, [
      workspaceId,
    ]);
    return Promise.all(rows.map((r: { id: string }) => this.get(workspaceId, r.id)));
  }

  async byName(workspaceId: string, name: string): Promise<ConnectorView> {
    const [row] = await this.db.query(`SELECT id FROM crm_connectors WHERE workspace_id = $1 AND name = $2`, [
      workspaceId,
      name,
    ]);
    if (!row) throw AppError.notFound(`connector "${name}"`);
    return this.get(workspaceId, row.id);
  }

  async get(workspaceId: string, id: string): Promise<ConnectorView> {
    const [r] = await this.db.query(`SELECT * FROM crm_connectors WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
    if (!r) throw AppError.notFound('connector');
    const cursors = await this.db.query(
      `SELECT entity, cursor, pages, records, updated_at FROM crm_connector_cursors WHERE connector_id = $1
       ORDER BY array_position($2::text[], entity)`,
      [id, PULL_ENTITIES],
    );
    return {
      id: r.id,
      name: r.name,
      source: r.source,
      baseUrl: r.base_url,
      authHeader: r.auth_header_name,
      config: r.config,
      scheduleEveryMs: r.schedule_every_ms,
      enabled: r.enabled,
      lastRunAt: r.last_run_at,
      lastRunReport: r.last_run_report,
      lastError: r.last_error,
      cursors: cursors.map((c: Record<string, unknown>) => ({
        entity: c.entity as string,
        cursor: (c.cursor as string) ?? null,
        pages: Number(c.pages),
        records: Number(c.records),
        updatedAt: c.updated_at as Date,
      })),
    };
  }

  async remove(workspaceId: string, id: string, actor: string): Promise<void> {
    await this.get(workspaceId, id);
    await this.syncSchedule(id, null);
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM crm_connectors WHERE id = $1`, [id]);
      await audit(tx, { workspaceId, actor, action: 'crm.connector_removed', subject: `connector:${id}` });
    });
  }

  /** The connector as a run needs it, secret decrypted. For the pull service only. */
  async runtime(connectorId: string): Promise<ConnectorRuntime | null> {
    const [r] = await this.db.query(`SELECT * FROM crm_connectors WHERE id = $1`, [connectorId]);
    if (!r) return null;
    if (!r.enabled) {
      this.logger.log(`connector ${connectorId} is disabled; pull skipped`);
      return null;
    }
    const config = r.config as StoredConnectorConfig;
    return {
      ...config,
      id: r.id,
      workspaceId: r.workspace_id,
      name: r.name,
      source: r.source,
      baseUrl: r.base_url,
      auth:
        r.auth_header_name && r.auth_header_value_enc
          ? { header: r.auth_header_name, value: this.pii.decrypt(r.auth_header_value_enc) }
          : null,
    };
  }
}
