import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue } from '../../queue/queue.module';
import { CrmSyncJobs } from '../crm-sync.processor';
import { DedupeService } from './dedupe.service';

/** job name on the crm-sync queue */
export const DEDUPE_JOB = 'dedupe';

/** Every dedupe job: three attempts, backing off; removed once done (the next request queues a new one). */
const RETRIES = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
} as const;

/** Duplicate detection as a crm-sync job: for the sync core after a batch of customer upserts, or on demand. */
@Injectable()
export class DedupeJobs implements OnModuleInit {
  constructor(
    private readonly jobs: CrmSyncJobs,
    private readonly dedupe: DedupeService,
    @InjectQueue(QUEUES.crmSync) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
      { ...RETRIES, jobId: `dedupe-${workspaceId}`, removeOnFail: { age: 7 * 24 * 3600 } },
    );
    return job.id;
  }

  /**
   * After a webhook or pull batch wrote customers: one delayed run per workspace (DEDUPE_AFTER_SYNC_DELAY_MS), which
   * every batch until it starts joins. Its own job id, so an on-demand run's failed job (kept a week for
   * inspection) never blocks it, and it keeps no failed job itself: the next batch queues it again. Runs of one
   * workspace are serialised by DedupeService's advisory lock.
   */
  async afterSync(workspaceId: string): Promise<void> {
    await this.queue.add(
      DEDUPE_JOB,
      { workspaceId },
      {
        ...RETRIES,
        jobId: `dedupe-sync-${workspaceId}`,
        delay: this.config.dedupeAfterSyncDelayMs,
        removeOnFail: true,
      },
    );
  }
}
