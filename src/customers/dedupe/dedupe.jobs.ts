import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { QUEUES } from '../../queue/queue-factory';
import { InjectQueue, JobQueue } from '../../queue/queue.module';
import { OnJob } from '../../queue/job-handlers';
import { JobData } from '../../queue/jobs';
import { DedupeService } from './dedupe.service';

/** Every dedupe job: three attempts, backing off; removed once done (the next request queues a new one). */
const RETRIES = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
} as const;

/** Duplicate detection as a crm-sync job: for the sync core after a batch of customer upserts, or on demand. */
@Injectable()
export class DedupeJobs {
  constructor(
    private readonly dedupe: DedupeService,
    @InjectQueue(QUEUES.crmSync) private readonly queue: JobQueue<'crm-sync'>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @OnJob(QUEUES.crmSync, 'dedupe')
  run({ workspaceId, actor }: JobData<'crm-sync', 'dedupe'>) {
    return this.dedupe.run(workspaceId, { actor });
  }

  /**
   * Queues a run for the workspace. While one is queued or running, further requests join it (same job id): a
   * change that lands during a run is picked up by the next import's run or request. The job is removed when done.
   */
  async enqueue(workspaceId: string, actor?: string): Promise<string | undefined> {
    const job = await this.queue.add(
      'dedupe',
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
      'dedupe',
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
