import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AssignmentService } from './assignment.service';
import { AssignmentsController } from './assignments.controller';
import { AssignmentsProcessor } from './assignments.processor';
import { OwnershipWriter } from './ownership-writer.service';
import { PoolController } from './pool.controller';
import { PoolScheduler } from './pool.scheduler';
import { PoolService } from './pool.service';
import { RebalanceController } from './rebalance.controller';
import { RebalanceService } from './rebalance.service';
import { RepDeactivationController } from './rep-deactivation.controller';
import { RepDeactivationService } from './rep-deactivation.service';
import { RepLoadService } from './rep-load.service';
import { TeamsController } from './teams.controller';

/** Account assignment: managers' assignments, rep load, rebalance proposals, deactivation, the public pool. */
@Module({
  imports: [WebhooksModule, WorkspacesModule],
  controllers: [
    AssignmentsController,
    TeamsController,
    RebalanceController,
    RepDeactivationController,
    PoolController,
  ],
  providers: [
    OwnershipWriter,
    AssignmentService,
    RepLoadService,
    RebalanceService,
    RepDeactivationService,
    PoolService,
    PoolScheduler,
    AssignmentsProcessor,
  ],
  exports: [OwnershipWriter, PoolService, RebalanceService],
})
export class AssignmentsModule {}
