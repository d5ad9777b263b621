import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { QueueProcessor } from '../common/queue-processor';
import { Runtime, RUNTIME } from '../common/runtime';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { PoolService } from './pool.service';

@Injectable()
export class AssignmentsProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    private readonly pool: PoolService,
  ) {
    super(factory, runtime, QUEUES.assignments, 1);
  }

  protected async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'pool-sweep':
        return this.pool.sweep((job.data as { workspaceId: string }).workspaceId);
      default:
        throw new Error(`unknown assignments job ${job.name}`);
    }
  }
}
