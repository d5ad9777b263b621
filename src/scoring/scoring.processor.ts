import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers, OnJob } from '../queue/job-handlers';
import { JobData, RunChunkJob, RunStepJob } from '../queue/jobs';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';
import { ScoreRunService } from './score-run.service';
import { ChunkStep } from './steps/chunk.step';
import { FailStep } from './steps/fail.step';
import { FinalizeStep } from './steps/finalize.step';
import { FitStep } from './steps/fit.step';
import { InputsStep } from './steps/inputs.step';
import { PrepareStep } from './steps/prepare.step';

@Injectable()
export class ScoringProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(APP_CONFIG) config: AppConfig,
    handlers: JobHandlers,
    private readonly runs: ScoreRunService,
    private readonly prepareStep: PrepareStep,
    private readonly inputsStep: InputsStep,
    private readonly fitStep: FitStep,
    private readonly chunkStep: ChunkStep,
    private readonly finalizeStep: FinalizeStep,
    private readonly failStep: FailStep,
  ) {
    super(factory, runtime, handlers, QUEUES.scoring, config.workerConcurrency, {
      lockDuration: config.scoringLockMs,
      stalledInterval: config.scoringStalledCheckMs,
    });
  }

  /** A step that fails its last attempt fails its run, so the run does not wait forever for it. */
  protected override async process(job: Job): Promise<unknown> {
    try {
      return await super.process(job);
    } catch (e) {
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const data: unknown = job.data; // every job of this queue but `nightly` names its run
      const runId = data && typeof data === 'object' && 'runId' in data ? String(data.runId) : null;
      if (finalAttempt && runId) await this.failStep.fail(runId, `${job.name}: ${(e as Error).message}`);
      throw e;
    }
  }

  @OnJob(QUEUES.scoring, 'nightly')
  async nightly({ workspaceId }: JobData<'scoring', 'nightly'>) {
    return (await this.runs.start({ workspaceId, trigger: 'schedule' })).run.id;
  }

  @OnJob(QUEUES.scoring, 'prepare')
  prepare({ runId }: RunStepJob) {
    return this.prepareStep.prepare(runId);
  }

  @OnJob(QUEUES.scoring, 'inputs')
  inputs({ runId, chunkNo }: RunChunkJob) {
    return this.inputsStep.inputs(runId, chunkNo);
  }

  @OnJob(QUEUES.scoring, 'fit')
  fit({ runId }: RunStepJob) {
    return this.fitStep.fit(runId);
  }

  @OnJob(QUEUES.scoring, 'chunk')
  chunk({ runId, chunkNo }: RunChunkJob) {
    return this.chunkStep.chunk(runId, chunkNo);
  }

  @OnJob(QUEUES.scoring, 'finalize')
  finalize({ runId }: RunStepJob) {
    return this.finalizeStep.finalize(runId);
  }
}
