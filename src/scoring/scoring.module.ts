import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { CustomerSummariesRepository } from './customer-summaries.repository';
import { ForecastAccuracyRepository } from './forecast-accuracy.repository';
import { ForecastAccuracyService } from './forecast-accuracy.service';
import { RunTablesRepository } from './run-tables.repository';
import { ScoreExportRepository } from './score-export.repository';
import { ScoreExportService } from './score-export.service';
import { ScoreRunRepository } from './score-run.repository';
import { ScoreRunService } from './score-run.service';
import { ScoringController } from './scoring.controller';
import { ScoringProcessor } from './scoring.processor';
import { ScoringScheduler } from './scoring.scheduler';
import { WriteBackModule } from '../write-back/write-back.module';
import { ChunkScorers } from './steps/chunk-scorers';
import { ChunkStep } from './steps/chunk.step';
import { FailStep } from './steps/fail.step';
import { FinalizeStep } from './steps/finalize.step';
import { FitStep } from './steps/fit.step';
import { InputsStep } from './steps/inputs.step';
import { PrepareStep } from './steps/prepare.step';
import { RunLoader } from './steps/run-loader';
import { ScoringFlows } from './steps/scoring-flows';

@Module({
  imports: [WebhooksModule, WorkspacesModule, WriteBackModule],
  controllers: [ScoringController],
  providers: [
    ScoreRunRepository,
    RunTablesRepository,
    CustomerSummariesRepository,
    ForecastAccuracyRepository,
    ForecastAccuracyService,
    ScoreExportRepository,
    ScoreRunService,
    ScoreExportService,
    RunLoader,
    ScoringFlows,
    ChunkScorers,
    PrepareStep,
    InputsStep,
    FitStep,
    ChunkStep,
    FinalizeStep,
    FailStep,
    ScoringProcessor,
    ScoringScheduler,
  ],
  exports: [ScoreRunService, ScoringScheduler, ScoreExportService, ForecastAccuracyService],
})
export class ScoringModule {}
