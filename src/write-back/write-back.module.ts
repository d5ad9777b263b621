import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WriteBackController } from './write-back.controller';
import { WriteBackJobs } from './write-back.jobs';
import { WriteBackRepository } from './write-back.repository';
import { WriteBackService } from './write-back.service';

/**
 * Per-customer write-back: the field mapping, the diff against what was last sent, `customer.scores_changed`
 * events. Imported by scoring (after a run), worklist (outcomes) and assignments (owner changes).
 */
@Module({
  imports: [WebhooksModule, WorkspacesModule],
  controllers: [WriteBackController],
  providers: [WriteBackRepository, WriteBackService, WriteBackJobs],
  exports: [WriteBackService],
})
export class WriteBackModule {}
