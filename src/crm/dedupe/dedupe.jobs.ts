import { Injectable, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue } from '../../queue/queue.module';
import { CrmSyncJobs } from '../crm-sync.processor';
import { DedupeService } from './dedupe.service';

/** job name on the crm-sync queue */
export const DEDUPE_JOB = 'dedupe';

/** Duplicate detection as a crm-sync job: for the sync core after a batch of customer upserts, or on demand. */
@Injectable()
export class DedupeJobs implements OnModuleInit {
  constructor(
    private readonly jobs: CrmSyncJobs,
    private readonly dedupe: DedupeService,
    @InjectQueue(QUEUES.crmSync) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.jobs.register(DEDUPE_JOB, (job) => {
      const { workspaceId, actor } = job.data as { workspaceId: string; actor?: string };
      return this.dedupe.run(workspaceId, { actor });
    });
  }

  /**
   * Queues a run for the workspace. While one is queued or running, further requests join it (same job id): a
   * change that lands during a run is picked up by the next import's run or request. The job is removed when done.
   */
  async enqueue(workspaceId: string, actor?: string): Promise<string | undefined> {
    const job = await this.queue.add(
      DEDUPE_JOB,
      { workspaceId, ...(actor ? { actor } : {}) },
      {
        jobId: `dedupe-${workspaceId}`,
        attempts: 3,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
    return job.id;
  }
}
