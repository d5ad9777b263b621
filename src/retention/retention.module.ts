import { Module } from '@nestjs/common';
import { AuditLogRepository } from '../audit-log/audit-log.repository';
import { CrmInboxRepository } from '../ingest/events/crm-inbox.repository';
import { ImportsRepository } from '../ingest/imports/imports.repository';
import { IngestModule } from '../ingest/ingest.module';
import { RecordSyncRepository } from '../ingest/sync/record-sync.repository';
import { RunTablesRepository } from '../scoring/run-tables.repository';
import { OutboxRepository } from '../webhooks/outbox.repository';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RetentionProcessor } from './retention.processor';
import { RetentionScheduler } from './retention.scheduler';
import { RetentionService } from './retention.service';

/**
 * Retention of operational data (docs/operations.md#retention). Sits above the rooms whose tables it cleans and
 * calls their repositories' purge methods (the SQL stays in each room); the repositories are stateless, so they are
 * provided here again rather than exported by every module.
 */
@Module({
  imports: [IngestModule, WorkspacesModule],
  providers: [
    CrmInboxRepository,
    RecordSyncRepository,
    ImportsRepository,
    WebhooksRepository,
    OutboxRepository,
    AuditLogRepository,
    RunTablesRepository,
    RetentionService,
    RetentionProcessor,
    RetentionScheduler,
  ],
  exports: [RetentionService],
})
export class RetentionModule {}
