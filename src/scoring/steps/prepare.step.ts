import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { Transactions } from '../../database/transactions';
import { CustomerSummariesRepository } from '../customer-summaries.repository';
import { RunTablesRepository } from '../run-tables.repository';
import type { PreviousModels } from '../run-models';
import { RunRow, ScoreRunRepository } from '../score-run.repository';
import { RunLoader } from './run-loader';
import { ScoringFlows } from './scoring-flows';

/** The first step of a run: plans the chunks (once) and queues their inputs jobs under the fit job. */
@Injectable()
export class PrepareStep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loader: RunLoader,
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly summaries: CustomerSummariesRepository,
    private readonly transactions: Transactions,
    private readonly flows: ScoringFlows,
  ) {}

  async prepare(runId: string): Promise<{ chunks: number }> {
    const run = await this.loader.run(runId);
    if (run.status !== 'queued' && run.status !== 'preparing') return { chunks: 0 };
    await this.runs.markPreparing(runId);
    let chunks = await this.loader.chunks(runId);
    // a re-delivered prepare keeps the plan (and the previous run) its inputs jobs may already have used
    if (chunks.length === 0) {
      await this.plan(run);
      chunks = await this.loader.chunks(runId);
    }
    await this.tables.createScoresTable(run.workspace_id, runId);
    await this.flows.addFitFlow(
      runId,
      chunks.map((c) => c.chunk_no),
    );
    return { chunks: chunks.length };
  }

  /**
   * The chunk plan, with the run it compares with and how its inputs use the customer summaries. The summaries'
   * plan commits with the chunk plan, so a crash in between cannot leave a build half-planned.
   */
  private async plan(run: RunRow): Promise<void> {
    const previous = await this.previousRun(run);
    const target = await this.loader.summaryTarget(run);
    await this.transactions.onClient(async (client) => {
      const summaries = await this.summaries.plan(client, target);
      await this.runs.recordPlan(
        client,
        run.id,
        {
          previousRunId: previous?.id ?? null,
          previousMargin: previous?.margin ?? null,
          previousModels: previous?.models ?? null,
          summaries,
        },
        { customerSummaries: { mode: summaries, customers: 0, seconds: 0 } },
      );
      await this.runs.planChunks(client, run.workspace_id, run.id, this.config.scoringChunkSize);
    });
  }

  /**
   * The run this one compares with (moves, CLV trend, history deltas): the workspace's current snapshot, unless
   * that is of a later date (a backtest after the nightly run compares with nothing rather than with the future).
   */
  private async previousRun(
    run: RunRow,
  ): Promise<{ id: string; margin: number | undefined; models: PreviousModels } | null> {
    if (!run.current_score_run_id) return null;
    const row = await this.runs.completedRun(run.current_score_run_id, run.as_of);
    return row
      ? { id: row.id, margin: row.margin === null ? undefined : Number(row.margin), models: row.models }
      : null;
  }
}
