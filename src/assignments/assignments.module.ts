import { Module } from '@nestjs/common';
import { WriteBackModule } from '../write-back/write-back.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AssignmentHistoryRepository } from './assignment-history.repository';
import { AssignmentService } from './assignment.service';
import { AssignmentsController } from './assignments.controller';
import { AssignmentsProcessor } from './assignments.processor';
import { OwnershipWriter } from './ownership-writer.service';
import { OwnershipRepository } from './ownership.repository';
import { PoolController } from './pool.controller';
import { PoolScheduler } from './pool.scheduler';
import { PoolRepository } from './pool.repository';
import { PoolService } from './pool.service';
import { RebalanceController } from './rebalance.controller';
import { RebalanceRepository } from './rebalance.repository';
import { RebalanceService } from './rebalance.service';
import { RepDeactivationController } from './rep-deactivation.controller';
import { RepDeactivationRepository } from './rep-deactivation.repository';
import { RepDeactivationService } from './rep-deactivation.service';
import { RepLoadRepository } from './rep-load.repository';
import { RepLoadService } from './rep-load.service';
import { TeamsController } from './teams.controller';

/** Account assignment: managers' assignments, rep load, rebalance proposals, deactivation, the public pool. */
@Module({
  imports: [WebhooksModule, WorkspacesModule, WriteBackModule],
  controllers: [
    AssignmentsController,
    TeamsController,
    RebalanceController,
    RepDeactivationController,
    PoolController,
  ],
  providers: [
    OwnershipRepository,
    OwnershipWriter,
    AssignmentHistoryRepository,
    AssignmentService,
    RepLoadRepository,
    RepLoadService,
    RebalanceRepository,
    RebalanceService,
    RepDeactivationRepository,
    RepDeactivationService,
    PoolRepository,
    PoolService,
    PoolScheduler,
    AssignmentsProcessor,
  ],
  exports: [OwnershipWriter, PoolService, RebalanceService, RepLoadService, PoolScheduler],
})
export class AssignmentsModule {}
