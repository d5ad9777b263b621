import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { ScheduleRefresh } from '../queue/schedule-refresh.service';
import { WorkspacesService } from '../workspaces/workspaces.service';

/**
 * The nightly schedule: one BullMQ job scheduler per workspace, with the workspace's cron and time zone, so the
 * run happens at 02:00 in Shanghai for one tenant and 02:00 in Berlin for another. Upserting is idempotent, so
 * every scheduler process may (re)register them at start-up, and does again on each ScheduleRefresh.
 */
@Injectable()
export class ScoringScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScoringScheduler.name);

  constructor(
    @InjectQueue(QUEUES.scoring) private readonly queue: JobQueue<'scoring'>,
    private readonly workspaces: WorkspacesService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    refresh: ScheduleRefresh,
  ) {
    refresh.register('nightly scoring', () => this.registerAll(true));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.scheduler) return;
    await this.registerAll();
  }

  private async registerAll(quiet = false): Promise<void> {
    for (const ws of await this.workspaces.all())
      await this.register(ws.id, ws.scoringCron, ws.timezone, quiet);
  }

  async register(workspaceId: string, cron: string, timezone: string, quiet = false): Promise<void> {
    await this.queue.upsertJobScheduler(
      `nightly-score-${workspaceId}`,
      { pattern: cron, tz: timezone },
      { name: 'nightly', data: { workspaceId }, opts: { removeOnComplete: 30, removeOnFail: 100 } },
    );
    if (!quiet) this.logger.log(`nightly scoring for workspace ${workspaceId}: "${cron}" ${timezone}`);
  }
}
