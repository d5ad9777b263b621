import { Module } from '@nestjs/common';
import { AssignmentsModule } from '../assignments/assignments.module';
import { PlaybooksModule } from '../playbooks/playbooks.module';
import { ScoringModule } from '../scoring/scoring.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { TalkTrackPreviewService } from './talk-track-preview.service';
import { TalkTracksController } from './talk-tracks.controller';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceSettingsService } from './workspace-settings.service';

/**
 * Workspace settings in one place: GET/PATCH /v1/workspace and the service behind `callplan workspace`; the preview
 * of the workspace's talk-track templates.
 */
@Module({
  imports: [WorkspacesModule, ScoringModule, AssignmentsModule, PlaybooksModule],
  controllers: [WorkspaceController, TalkTracksController],
  providers: [WorkspaceSettingsService, TalkTrackPreviewService],
  exports: [WorkspaceSettingsService],
})
export class WorkspaceSettingsModule {}
