import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueProcessor } from '../common/queue-processor';
import { Runtime, RUNTIME } from '../common/runtime';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { WorklistPublisher } from './worklist-publisher.service';
import { UrgentJob, WorklistUrgentService } from './worklist-urgent.service';

@Injectable()
export class WorklistProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    private readonly publisher: WorklistPublisher,
    private readonly urgent: WorklistUrgentService,
  ) {
    super(factory, runtime, QUEUES.worklist, 1);
  }

  protected async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'publish': {
        const { workspaceId, listDate } = job.data as { workspaceId: string; listDate: string };
        return this.publisher.publish(workspaceId, listDate);
      }
      case 'urgent':
        return this.urgent.raise(job.data as UrgentJob);
      default:
        throw new Error(`unknown worklist job ${job.name}`);
    }
  }
}
