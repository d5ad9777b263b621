import { Injectable, OnModuleInit } from '@nestjs/common';
import { CrmSyncJobs } from '../crm-sync.processor';
import { CrmInboxService } from '../events/crm-inbox.service';
import { PullConnectorService } from '../pull/pull-connector.service';
import { SYNC_JOBS } from './sync-jobs';

/**
 * Registers the sync core's jobs with the one crm-sync processor: `inbox` applies one stored webhook message,
 * `pull` runs one pull connector. Both are idempotent, so a retry or a duplicate job does no harm.
 */
@Injectable()
export class CrmSyncHandlers implements OnModuleInit {
  constructor(
    private readonly jobs: CrmSyncJobs,
    private readonly inbox: CrmInboxService,
    private readonly pull: PullConnectorService,
  ) {}

  onModuleInit(): void {
    this.jobs.register(SYNC_JOBS.inbox, (job) =>
      this.inbox.process((job.data as { inboxId: string }).inboxId),
    );
    this.jobs.register(SYNC_JOBS.pull, (job) =>
      this.pull.run((job.data as { connectorId: string }).connectorId),
    );
  }
}
