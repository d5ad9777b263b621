import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueProcessor } from '../common/queue-processor';
import { Runtime, RUNTIME } from '../common/runtime';
import { QueueFactory, QUEUES } from '../queue/queue-factory';

export type CrmSyncJobHandler = (job: Job) => Promise<unknown>;

/**
 * Handlers of the `crm-sync` queue by job name. Several parts of the CRM module put jobs on that queue (imports,
 * dedupe, inbound events, pull connectors); each registers its handler here in `onModuleInit`, and the one
 * processor below dispatches — two Worker objects on one queue would each take jobs the other one handles.
 */
@Injectable()
export class CrmSyncJobs {
  private readonly handlers = new Map<string, CrmSyncJobHandler>();

  register(name: string, handler: CrmSyncJobHandler): void {
    if (this.handlers.has(name)) throw new Error(`crm-sync job "${name}" has two handlers`);
    this.handlers.set(name, handler);
  }

  handler(name: string): CrmSyncJobHandler | undefined {
    return this.handlers.get(name);
  }
}

@Injectable()
export class CrmSyncProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    private readonly jobs: CrmSyncJobs,
  ) {
    // imports hold one connection each for minutes: two at a time per worker process is plenty
    super(factory, runtime, QUEUES.crmSync, 2);
  }

  protected async process(job: Job): Promise<unknown> {
    const handler = this.jobs.handler(job.name);
    if (!handler) throw new Error(`unknown crm-sync job ${job.name}`);
    return handler(job);
  }
}
