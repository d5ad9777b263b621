import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { TenantScope } from '../database/tenant-scope';

/**
 * Job schedulers (nightly scoring, pool sweeps, CRM pulls) live in the queue backend. A Redis that lost its data
 * (FLUSHALL, a new instance without persistence) loses them, and they would come back only when a scheduler
 * process restarts. Each room that owns schedulers registers its idempotent "upsert all of mine" here; scheduler
 * processes run every one of them again every SCHEDULES_REFRESH_MS (default 5 minutes).
 */
@Injectable()
export class ScheduleRefresh implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleRefresh.name);
  private readonly tasks: Array<{ name: string; run: () => Promise<unknown> }> = [];
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `run` upserts every job scheduler of `name` (idempotent); called again on each refresh. */
  register(name: string, run: () => Promise<unknown>): void {
    this.tasks.push({ name, run });
  }

  onApplicationBootstrap(): void {
    if (!this.runtime.scheduler) return;
    this.timer = setInterval(() => void this.refresh(), this.config.schedulesRefreshMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async refresh(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const t of this.tasks) {
        // each task upserts the schedulers of every workspace (row-level security: all workspaces' rows)
        await TenantScope.crossTenant(`the ${t.name} schedules of every workspace`, () => t.run()).catch(
          (e: Error) => this.logger.warn(`${t.name} schedules not refreshed: ${e.message}`),
        );
      }
    } finally {
      this.running = false;
    }
  }
}
