import { Inject, Injectable } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers, OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';
import { WorklistPublisher } from './worklist-publisher.service';
import { WorklistUrgentService } from './worklist-urgent.service';

@Injectable()
export class WorklistProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    handlers: JobHandlers,
    private readonly publisher: WorklistPublisher,
    private readonly urgent: WorklistUrgentService,
  ) {
    super(factory, runtime, handlers, QUEUES.worklist, 1);
  }

  @OnJob(QUEUES.worklist, 'publish')
  publish({ workspaceId, listDate }: JobData<'worklist', 'publish'>) {
    return this.publisher.publish(workspaceId, listDate);
  }

  @OnJob(QUEUES.worklist, 'urgent')
  raiseUrgent(data: JobData<'worklist', 'urgent'>) {
    return this.urgent.raise(data);
  }
}
