import { Injectable, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Job } from 'bullmq';
import { TenantScope } from '../database/tenant-scope';
import { JOBS, JobData, JobName } from './jobs';
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

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
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
   * import, a connector) or nothing (the outbox dispatch) loads it by primary key across workspaces.
   */
  handle(queue: QueueName, job: Job): Promise<unknown> {
    const handler = this.handlers.get(`${queue}/${job.name}`);
    if (!handler) throw new Error(`unknown ${queue} job ${job.name}`);
    const workspaceId = payloadWorkspace(job.data);
    return workspaceId
      ? TenantScope.run(workspaceId, () => handler.fn(job.data, job))
      : TenantScope.crossTenant(`${queue}/${job.name}: the payload names a row, not a workspace`, () =>
          handler.fn(job.data, job),
        );
  }
}

function payloadWorkspace(data: unknown): string | null {
  const id = data && typeof data === 'object' ? (data as { workspaceId?: unknown }).workspaceId : undefined;
  return typeof id === 'string' ? id : null;
}
