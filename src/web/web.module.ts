import { PersonalityModule } from '../personality/personality.module';
import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { CustomersModule } from '../customers/customers.module';
import { ExperimentsModule } from '../experiments/experiments.module';
import { OffersModule } from '../offers/offers.module';
import { WorklistModule } from '../worklist/worklist.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { EmbedSessionService } from './embed-session.service';
import { EmbedTokenGuard, ManagerEmbedTokenGuard } from './embed-token.guard';
import { ManagerDashboardController } from './manager/manager-dashboard.controller';
import { ManagerDashboardRepository } from './manager/manager-dashboard.repository';
import { ManagerDashboardService } from './manager/manager-dashboard.service';
import { PageRenderer } from './page-renderer';
import { RepDrawerRepository } from './rep/rep-drawer.repository';
import { RepWorkspaceController } from './rep/rep-workspace.controller';
import { RepWorkspaceService } from './rep/rep-workspace.service';
import { WebController } from './web.controller';

@Module({
  imports: [
    WorklistModule,
    WorkspacesModule,
    AssignmentsModule,
    CustomersModule,
    ExperimentsModule,
    OffersModule,
    PersonalityModule,
  ],
  controllers: [WebController, RepWorkspaceController, ManagerDashboardController],
  providers: [
    EmbedSessionService,
    EmbedTokenGuard,
    ManagerEmbedTokenGuard,
    PageRenderer,
    RepWorkspaceService,
    RepDrawerRepository,
    ManagerDashboardRepository,
    ManagerDashboardService,
  ],
  exports: [EmbedSessionService, EmbedTokenGuard, PageRenderer],
})
export class WebModule {}
