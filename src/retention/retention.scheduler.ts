import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';

/** When the daily retention run starts (UTC): after the nightly scoring runs' usual hours, before the 07:00 lists. */
export const RETENTION_CRON = '15 4 * * *';

/**
 * One BullMQ job scheduler for the whole deployment: a daily `retention` job that goes through every workspace
 * with its own settings. Upserting is idempotent, so every scheduler process registers it at start-up.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(RetentionScheduler.name);

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: JobQueue<'maintenance'>,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.scheduler) return;
    try {
      await this.queue.upsertJobScheduler(
        'retention-daily',
        { pattern: RETENTION_CRON, tz: 'UTC' },
        {
          name: 'retention',
          data: {},
          opts: {
            attempts: 3,
            backoff: { type: 'exponential', delay: 60_000 },
            removeOnComplete: 30,
            removeOnFail: 100,
          },
        },
      );
    } catch (e) {
      this.logger.warn(`no daily retention run: ${(e as Error).message}`);
    }
  }
}
