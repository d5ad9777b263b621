import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { ScheduleRefresh } from '../queue/schedule-refresh.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { poolPolicy } from './assignment-settings';

/**
 * The daily pool sweep: one BullMQ job scheduler per workspace with the workspace's sweep cron and time zone
 * (default 06:30, before the 07:00 lists). Upserting is idempotent, so every scheduler process registers them at
 * start-up, and a settings change re-registers that workspace's.
 */
@Injectable()
export class PoolScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(PoolScheduler.name);

  constructor(
    @InjectQueue(QUEUES.assignments) private readonly queue: JobQueue<'assignments'>,
    private readonly workspaces: WorkspacesService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    refresh: ScheduleRefresh,
  ) {
    refresh.register('pool sweep', () => this.registerAll());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.scheduler) return;
    await this.registerAll();
  }

  private async registerAll(): Promise<void> {
    for (const ws of await this.workspaces.all()) {
      try {
        await this.register(ws.id, poolPolicy(ws.settings).sweepCron, ws.timezone);
      } catch (e) {
        this.logger.warn(`no pool sweep for workspace ${ws.id}: ${(e as Error).message}`);
      }
    }
  }

  async register(workspaceId: string, cron: string, timezone: string): Promise<void> {
    await this.queue.upsertJobScheduler(
      `pool-sweep-${workspaceId}`,
      { pattern: cron, tz: timezone },
      { name: 'pool-sweep', data: { workspaceId }, opts: { removeOnComplete: 30, removeOnFail: 100 } },
    );
  }
}
