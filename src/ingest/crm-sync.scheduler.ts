import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { Runtime, RUNTIME } from '../common/runtime';
import { ScheduleRefresh } from '../queue/schedule-refresh.service';
import { CrmInboxService } from './events/crm-inbox.service';
import { ConnectorsService } from './pull/connectors.service';
import { RecordSyncService } from './sync/record-sync.service';
import { TenantScope } from '../database/tenant-scope';

/**
 * Schedules of CRM sync: each enabled connector's repeatable pull (a BullMQ job scheduler, re-registered at start-up,
 * idempotent), and a sweep that re-queues inbox rows whose job was lost and applies parked records whose customer
 * arrived in a concurrent batch.
 */
@Injectable()
export class CrmSyncScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(CrmSyncScheduler.name);

  constructor(
    private readonly connectors: ConnectorsService,
    private readonly inbox: CrmInboxService,
    private readonly sync: RecordSyncService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    refresh: ScheduleRefresh,
  ) {
    refresh.register('CRM pull', () => this.connectors.restoreMissingSchedules());
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.scheduler) return;
    const n = await TenantScope.crossTenant('the scheduler registers every workspace’s connectors', () =>
      this.connectors.registerAllSchedules(),
    );
    if (n > 0) this.logger.log(`${n} scheduled CRM pull connector(s)`);
  }

  @Interval('crm-sync-sweep', 30_000)
  async sweep(): Promise<void> {
    if (!this.runtime.scheduler) return;
    await TenantScope.crossTenant('the sweep covers every workspace', () => this.sweepAll());
  }

  private async sweepAll(): Promise<void> {
    try {
      const queued = await this.inbox.sweep();
      const unparked = await this.sync.resolveParked();
      if (queued || unparked)
        this.logger.log(`sweep: ${queued} inbox row(s) re-queued, ${unparked} record(s) unparked`);
    } catch (e) {
      this.logger.warn(`crm sync sweep failed: ${(e as Error).message}`);
    }
  }
}
