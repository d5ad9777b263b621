import { Injectable, Logger, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job } from 'bullmq';
import { isUuid } from '../common/uuid';
import { TenantScope } from '../database/tenant-scope';
import { CROSS_TENANT_JOBS, JOBS, JobData, JobName, ROW_KEYED_JOBS } from './jobs';
import { QueueDatabaseRepository } from './queue-database.repository';
import { QueueName } from './queue-factory';

const ON_JOB = Symbol('callplan:on-job');

interface OnJobMeta {
  queue: QueueName;
  name: string;
}

/** A job handler: the typed payload, and the BullMQ job for attempt counts and options. */
export type JobHandler<Q extends QueueName, N extends JobName<Q>> = (
  data: JobData<Q, N>,
  job: Job<JobData<Q, N>>,
) => Promise<unknown>;

/**
 * Marks a provider method as the handler of one job: `@OnJob(QUEUES.worklist, 'publish')`. The method's first
 * parameter is typed from the registry in `jobs.ts`, so a payload is never cast.
 */
export function OnJob<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N) {
  return <T extends JobHandler<Q, N>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    SetMetadata<typeof ON_JOB, OnJobMeta>(ON_JOB, { queue, name })(target, key, descriptor);
  };
}

type AnyHandler = (data: unknown, job: Job) => Promise<unknown>;

/**
 * Finds every `@OnJob` method at start-up and refuses to start when a job of the registry has no handler, has two,
 * or a handler names a job the registry does not know. Processors dispatch through `handle`.
 */
@Injectable()
export class JobHandlers implements OnModuleInit {
  private readonly handlers = new Map<string, { owner: string; fn: AnyHandler }>();

  private readonly logger = new Logger(JobHandlers.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly rows: QueueDatabaseRepository,
  ) {}

  onModuleInit(): void {
    const problems: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = (proto as Record<string, unknown>)[method];
        const meta = Reflect.getMetadata(ON_JOB, fn as object) as OnJobMeta | undefined;
        if (!meta) continue;
        const key = `${meta.queue}/${meta.name}`;
        const owner = `${instance.constructor.name}.${method}`;
        const known = (JOBS[meta.queue] as Record<string, unknown> | undefined)?.[meta.name];
        if (!known) problems.push(`${owner} handles ${key}, which is not in the job registry`);
        const existing = this.handlers.get(key);
        if (existing) problems.push(`${key} has two handlers: ${existing.owner} and ${owner}`);
        else this.handlers.set(key, { owner, fn: (fn as AnyHandler).bind(instance) });
      }
    }
    for (const [queue, names] of Object.entries(JOBS)) {
      for (const name of Object.keys(names)) {
        if (!this.handlers.has(`${queue}/${name}`)) problems.push(`${queue}/${name} has no handler`);
      }
    }
    if (problems.length > 0) throw new Error(`job handlers: ${problems.join('; ')}`);
  }

  /**
   * Runs the handler of `job` on `queue`, in the tenant scope of its payload (row-level security): a payload that
   * names its workspace sees that workspace only; one that names a row (a run, a delivery, an inbox message, an
   * import, a connector: ROW_KEYED_JOBS) sees the workspace of that row only, looked up by primary key first; the
   * outbox dispatch and the all-workspace retention run (CROSS_TENANT_JOBS) see every workspace. A row that is gone
   * leaves nothing to do; any other job is refused.
   */
  async handle(queue: QueueName, job: Job): Promise<unknown> {
    const key = `${queue}/${job.name}`;
    const handler = this.handlers.get(key);
    if (!handler) throw new Error(`unknown ${queue} job ${job.name}`);
    const run = () => handler.fn(job.data, job);
    const workspaceId = payloadField(job.data, 'workspaceId');
    if (workspaceId) return TenantScope.run(workspaceId, run);
    const rowKey = ROW_KEYED_JOBS[key];
    if (rowKey) {
      const rowWorkspace = await this.workspaceOfRow(rowKey.table, payloadField(job.data, rowKey.field));
      if (rowWorkspace) return TenantScope.run(rowWorkspace, run);
      this.logger.warn(
        `${key} ${job.id}: its ${rowKey.field} names no row of ${rowKey.table}; nothing to do`,
      );
      return null;
    }
    const why = CROSS_TENANT_JOBS[key];
    if (why) return TenantScope.crossTenant(`${key}: ${why}`, run);
    throw new Error(`${key} names no workspace and no row: refused (no tenant scope)`);
  }

  /** The workspace of a job's row, or null when the id is malformed or the row is gone. */
  private async workspaceOfRow(table: string, id: string | null): Promise<string | null> {
    // the tables' keys are uuids, or bigint identities (deliveries, inbox) carried as decimal strings
    if (!id || !(isUuid(id) || /^[0-9]{1,18}$/.test(id))) return null;
    return this.rows.workspaceOfRow(table, id);
  }
}

function payloadField(data: unknown, field: string): string | null {
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v); // a bigint key sent as a number
  return typeof v === 'string' ? v : null;
}
