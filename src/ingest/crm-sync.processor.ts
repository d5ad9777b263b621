import { Inject, Injectable } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers } from '../queue/job-handlers';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';

/**
 * The one worker of the `crm-sync` queue. Several modules put jobs on it (imports, inbound events and pull
 * connectors here, dedupe in customers); each handles its own with `@OnJob`, and this processor dispatches — two
 * Worker objects on one queue would each take jobs the other one handles.
 */
@Injectable()
export class CrmSyncProcessor extends QueueProcessor {
  constructor(factory: QueueFactory, @Inject(RUNTIME) runtime: Runtime, handlers: JobHandlers) {
    // imports hold one connection each for minutes: two at a time per worker process is plenty
    super(factory, runtime, handlers, QUEUES.crmSync, 2);
  }
}
