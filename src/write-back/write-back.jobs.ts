import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { WriteBackService } from './write-back.service';

const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** The workspace write-back pass as a job (scoring queue), queued after each run and after a mapping change. */
@Injectable()
export class WriteBackJobs {
  private readonly logger = new Logger(WriteBackJobs.name);

  constructor(
    private readonly writeBack: WriteBackService,
    @InjectQueue(QUEUES.worklist) private readonly worklistQueue: JobQueue<'worklist'>,
  ) {}

  /**
   * Waits (by retrying) while the run's call-list publication is still queued or running, so the next call dates
   * include today's lists; on the last attempt it runs regardless — a later pass sends what it missed.
   */
  @OnJob(QUEUES.scoring, 'write-back')
  async pass(data: JobData<'scoring', 'write-back'>, job: Job) {
    if (data.afterJob && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      const state = await this.worklistQueue.getJobState(data.afterJob);
      if (LIVE_JOB_STATES.has(state)) {
        throw new Error(`waiting for the call lists of run ${data.runId} to be published (${state})`);
      }
    }
    const result = await this.writeBack.passWorkspace(data.workspaceId, data.runId);
    if (result.events > 0) {
      this.logger.log(
        `write-back ${data.workspaceId}: ${result.changed} customers changed, ${result.events} events`,
      );
    }
    return result;
  }
}
