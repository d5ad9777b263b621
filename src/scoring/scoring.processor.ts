import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { QueueProcessor } from '../common/queue-processor';
import { Runtime, RUNTIME } from '../common/runtime';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { ScoreRunService } from './score-run.service';
import { ScoreRunSteps } from './score-run.steps';

@Injectable()
export class ScoringProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly steps: ScoreRunSteps,
    private readonly runs: ScoreRunService,
  ) {
    super(factory, runtime, QUEUES.scoring, config.workerConcurrency, {
      lockDuration: config.scoringLockMs,
      stalledInterval: config.scoringStalledCheckMs,
    });
  }

  protected async process(job: Job): Promise<unknown> {
    const data = job.data as { runId?: string; chunkNo?: number; workspaceId?: string };
    try {
      switch (job.name) {
        case 'nightly':
          return (await this.runs.start({ workspaceId: data.workspaceId as string, trigger: 'schedule' })).run
            .id;
        case 'prepare':
          return await this.steps.prepare(data.runId as string);
        case 'inputs':
          return await this.steps.inputs(data.runId as string, data.chunkNo as number);
        case 'fit':
          return await this.steps.fit(data.runId as string);
        case 'chunk':
          return await this.steps.chunk(data.runId as string, data.chunkNo as number);
        case 'finalize':
          return await this.steps.finalize(data.runId as string);
        default:
          throw new Error(`unknown scoring job ${job.name}`);
      }
    } catch (e) {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (finalAttempt && data.runId)
        await this.steps.fail(data.runId, `${job.name}: ${(e as Error).message}`);
      throw e;
    }
  }
}
