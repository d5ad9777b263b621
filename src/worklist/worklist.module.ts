import { Module } from '@nestjs/common';
import { CrmModule } from '../crm/crm.module';
import { OffersModule } from '../offers/offers.module';
import { PlaybooksModule } from '../playbooks/playbooks.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WorklistPublisher } from './worklist-publisher.service';
import { WorklistQueryService } from './worklist-query.service';
import { WorklistController } from './worklist.controller';
import { WorklistProcessor } from './worklist.processor';

@Module({
  imports: [CrmModule, OffersModule, PlaybooksModule, WebhooksModule, WorkspacesModule],
  controllers: [WorklistController],
  providers: [WorklistPublisher, WorklistQueryService, WorklistProcessor],
  exports: [WorklistPublisher, WorklistQueryService],
})
export class WorklistModule {}
