import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { OffersModule } from '../offers/offers.module';
import { PersonalityModule } from '../personality/personality.module';
import { PlaybooksModule } from '../playbooks/playbooks.module';
import { WriteBackModule } from '../write-back/write-back.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { CallReachModule } from './call-reach.module';
import { ListReadCache } from './list-read-cache.service';
import { ServedListDoor } from './served-list.door';
import { WorklistEventsController } from './worklist-events.controller';
import { WorklistItemBuilder } from './worklist-item-builder.service';
import { WorklistItemsController } from './worklist-items.controller';
import { WorklistOutcomesRepository } from './worklist-outcomes.repository';
import { WorklistOutcomesService } from './worklist-outcomes.service';
import { WorklistPinsController } from './worklist-pins.controller';
import { WorklistPinsRepository } from './worklist-pins.repository';
import { WorklistPinsService } from './worklist-pins.service';
import { WorklistPolicyService } from './worklist-policy.service';
import { WorklistPublisher } from './worklist-publisher.service';
import { WorklistQueryRepository } from './worklist-query.repository';
import { WorklistQueryService } from './worklist-query.service';
import { WorklistUrgentRepository } from './worklist-urgent.repository';
import { WorklistUrgentService } from './worklist-urgent.service';
import { WorklistController } from './worklist.controller';
import { WorklistProcessor } from './worklist.processor';
import { WorklistRepository } from './worklist.repository';

/**
 * Daily call lists: ranking and publishing, reads, outcomes and snoozes that feed the next lists, manager pins,
 * urgent inserts. `WorklistUrgentService.enqueue` is the entry point for CRM events.
 */
@Module({
  imports: [
    CallReachModule,
    CustomersModule,
    ExperimentsModule,
    OffersModule,
    PlaybooksModule,
    PersonalityModule,
    WebhooksModule,
    WorkspacesModule,
    WriteBackModule,
  ],
  controllers: [
    WorklistController,
    WorklistItemsController,
    WorklistPinsController,
    WorklistEventsController,
  ],
  providers: [
    WorklistRepository,
    WorklistQueryRepository,
    WorklistPinsRepository,
    WorklistOutcomesRepository,
    WorklistUrgentRepository,
    WorklistPublisher,
    WorklistQueryService,
    ListReadCache,
    ServedListDoor,
    WorklistProcessor,
    WorklistPolicyService,
    WorklistItemBuilder,
    WorklistOutcomesService,
    WorklistPinsService,
    WorklistUrgentService,
  ],
  exports: [
    ServedListDoor,
    WorklistPublisher,
    WorklistQueryService,
    WorklistUrgentService,
    WorklistOutcomesService,
    WorklistPinsService,
  ],
})
export class WorklistModule {}
