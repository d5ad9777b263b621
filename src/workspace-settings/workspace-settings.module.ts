import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { ScoringModule } from '../scoring/scoring.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceSettingsService } from './workspace-settings.service';

/** Workspace settings in one place: GET/PATCH /v1/workspace and the service behind `callplan workspace`. */
@Module({
  imports: [WorkspacesModule, ScoringModule, AssignmentsModule],
  controllers: [WorkspaceController],
  providers: [WorkspaceSettingsService],
  exports: [WorkspaceSettingsService],
})
export class WorkspaceSettingsModule {}
