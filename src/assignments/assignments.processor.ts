import { Inject, Injectable } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers, OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';
import { PoolService } from './pool.service';

@Injectable()
export class AssignmentsProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    handlers: JobHandlers,
    private readonly pool: PoolService,
  ) {
    super(factory, runtime, handlers, QUEUES.assignments, 1);
  }

  @OnJob(QUEUES.assignments, 'pool-sweep')
  sweepPool({ workspaceId }: JobData<'assignments', 'pool-sweep'>) {
    return this.pool.sweep(workspaceId);
  }
}
