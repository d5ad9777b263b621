import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ScoreExportService } from './score-export.service';
import { ScoreRunService } from './score-run.service';
import { ScoreRunSteps } from './score-run.steps';
import { ScoringController } from './scoring.controller';
import { ScoringProcessor } from './scoring.processor';
import { ScoringScheduler } from './scoring.scheduler';

@Module({
  imports: [WebhooksModule, WorkspacesModule],
  controllers: [ScoringController],
  providers: [ScoreRunService, ScoreRunSteps, ScoringProcessor, ScoringScheduler, ScoreExportService],
  exports: [ScoreRunService, ScoringScheduler, ScoreExportService],
})
export class ScoringModule {}
