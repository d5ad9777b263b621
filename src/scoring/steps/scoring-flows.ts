import { Injectable } from '@nestjs/common';
import { FlowProducer } from 'bullmq';
import { flowJob } from '../../queue/jobs';
import { QueueFactory, QUEUES } from '../../queue/queue-factory';
import { writeBackJobId } from '../../write-back/write-back.service';

/**
 * The two flows of a run, each a parent job waiting on one child per chunk: fit ← inputs × N (prepare adds it)
 * and finalize ← chunk × N (fit adds it). Job ids are idempotent: BullMQ ignores ids that exist, so a re-delivered
 * step adds nothing twice.
 */
@Injectable()
export class ScoringFlows {
  private flows?: FlowProducer;

  constructor(private readonly queues: QueueFactory) {}

  async addFitFlow(runId: string, chunkNos: number[]): Promise<void> {
    await this.producer().add(
      flowJob(
        QUEUES.scoring,
        'fit',
        { runId },
        { jobId: `score-fit-${runId}`, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
        chunkNos.map((n) =>
          flowJob(
            QUEUES.scoring,
            'inputs',
            { runId, chunkNo: n },
            {
              jobId: `score-inputs-${runId}-${n}`,
              attempts: 5,
              backoff: { type: 'exponential', delay: 2_000 },
              failParentOnFailure: true,
              removeOnComplete: 1000,
            },
          ),
        ),
      ),
    );
  }

  async addScoringFlow(runId: string, chunkNos: number[]): Promise<void> {
    await this.producer().add(
      flowJob(
        QUEUES.scoring,
        'finalize',
        { runId },
        { jobId: `score-finalize-${runId}`, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
        chunkNos.map((n) =>
          flowJob(
            QUEUES.scoring,
            'chunk',
            { runId, chunkNo: n },
            {
              jobId: `score-chunk-${runId}-${n}`,
              attempts: 5,
              backoff: { type: 'exponential', delay: 2_000 },
              failParentOnFailure: true,
              removeOnComplete: 1000,
            },
          ),
        ),
      ),
    );
  }

  /** One producer per process, made on first use (a process that runs no prepare or fit opens none). */
  /**
   * The run's call lists, then its per-customer write-back (docs/write-back.md): the write-back is the parent of
   * the publication, so it runs once the lists exist and next call dates include them. A publication that fails
   * for good does not hold the write-back back (`ignoreDependencyOnFailure`): it then sends without today's lists.
   */
  async addPublishThenWriteBack(workspaceId: string, listDate: string, runId: string): Promise<void> {
    await this.producer().add(
      flowJob(
        QUEUES.scoring,
        'write-back',
        { workspaceId, runId },
        { jobId: writeBackJobId(workspaceId, runId), attempts: 3, removeOnComplete: 100, removeOnFail: 100 },
        [
          flowJob(
            QUEUES.worklist,
            'publish',
            { workspaceId, listDate, runId },
            {
              jobId: `worklist-publish-${workspaceId}-${listDate}-${runId}`,
              attempts: 3,
              removeOnComplete: 100,
              ignoreDependencyOnFailure: true,
            },
          ),
        ],
      ),
    );
  }

  private producer(): FlowProducer {
    this.flows ??= this.queues.flowProducer();
    return this.flows;
  }
}
