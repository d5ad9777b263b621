import { Injectable, Logger } from '@nestjs/common';
import { OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QUEUES } from '../queue/queue-factory';
import { WriteBackService } from './write-back.service';

/** The workspace write-back pass as a job (scoring queue), queued after each run and after a mapping change. */
@Injectable()
export class WriteBackJobs {
  private readonly logger = new Logger(WriteBackJobs.name);

  constructor(private readonly writeBack: WriteBackService) {}

  /** A run's pass comes after its call lists when it publishes them (the parent of the publish job). */
  @OnJob(QUEUES.scoring, 'write-back')
  async pass(data: JobData<'scoring', 'write-back'>) {
    const result = await this.writeBack.passWorkspace(data.workspaceId, data.runId);
    if (result.events > 0) {
      this.logger.log(
        `write-back ${data.workspaceId}: ${result.changed} customers changed, ${result.events} events`,
      );
    }
    return result;
  }
}
