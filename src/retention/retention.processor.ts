import { Inject, Injectable } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers, OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';
import { RetentionService } from './retention.service';

/** The maintenance queue's worker: the daily retention run. */
@Injectable()
export class RetentionProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    handlers: JobHandlers,
    private readonly retention: RetentionService,
  ) {
    super(factory, runtime, handlers, QUEUES.maintenance, 1);
  }

  @OnJob(QUEUES.maintenance, 'retention')
  async retain({ workspaceId }: JobData<'maintenance', 'retention'>) {
    if (workspaceId) return { workspaces: [await this.retention.run(workspaceId)] };
    const report = await this.retention.runAll();
    return {
      workspaces: report.workspaces.map((w) => ({ slug: w.slug, removed: w.removed })),
      uploadFiles: report.uploadFiles,
      scoreTables: report.scoreTables.length,
    };
  }
}
