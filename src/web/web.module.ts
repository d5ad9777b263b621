import { PersonalityModule } from '../personality/personality.module';
import { Module } from '@nestjs/common';
import { WorklistModule } from '../worklist/worklist.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { EmbedSessionService } from './embed-session.service';
import { EmbedTokenGuard } from './embed-token.guard';
import { PageRenderer } from './page-renderer';
import { RepWorkspaceController } from './rep/rep-workspace.controller';
import { RepWorkspaceService } from './rep/rep-workspace.service';
import { WebController } from './web.controller';

@Module({
  imports: [WorklistModule, WorkspacesModule, PersonalityModule],
  controllers: [WebController, RepWorkspaceController],
  providers: [EmbedSessionService, EmbedTokenGuard, PageRenderer, RepWorkspaceService],
  exports: [EmbedSessionService, EmbedTokenGuard, PageRenderer],
})
export class WebModule {}
