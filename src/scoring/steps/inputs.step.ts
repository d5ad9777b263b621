import { Injectable } from '@nestjs/common';
import { Transactions } from '../../database/transactions';
import type { IdRange } from '../customer-summaries';
import { CustomerSummariesRepository } from '../customer-summaries.repository';
import { RunTablesRepository } from '../run-tables.repository';
import { ChunkRow, ScoreRunRepository } from '../score-run.repository';
import { RunLoader } from './run-loader';

/** Stands for "no previous run" in the inputs statement (matches no partition). */
const NO_RUN = '00000000-0000-0000-0000-000000000000';

/**
 * One chunk's inputs: brings the chunk's customer summaries to the run's cutoff, then builds its inputs table
 * (summaries or, for a backtest, purchases and touches from the history, with the previous scores) in one
 * set-based statement.
 */
@Injectable()
export class InputsStep {
  constructor(
    private readonly loader: RunLoader,
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly summaries: CustomerSummariesRepository,
    private readonly transactions: Transactions,
  ) {}

  async inputs(runId: string, chunkNo: number): Promise<{ customers: number }> {
    const run = await this.loader.run(runId);
    if (run.status !== 'preparing') return { customers: 0 };
    const chunks = await this.loader.chunks(runId);
    const at = chunks.findIndex((c) => c.chunk_no === chunkNo);
    const chunk = chunks[at];
    if (!chunk) throw new Error(`chunk ${chunkNo} of run ${runId} not planned`);
    if (chunk.inputs_at) return { customers: chunk.customers };
    const range = summaryRange(chunks, at);
    const summaries = run.model_params.summaries;
    const refresh = summaries === 'build' || summaries === 'refresh' ? summaries : null;
    const target = await this.loader.summaryTarget(run);
    return this.transactions.onClient(async (client) => {
      // first the chunk's summaries (in this transaction: a crash leaves the change-log entries in place)
      const summaryStarted = Date.now();
      const recomputed = refresh
        ? await this.summaries.refreshRange(client, target, refresh, range, { customers: chunk.customers })
        : 0;
      const summarySeconds = (Date.now() - summaryStarted) / 1000;
      const customers = await this.tables.buildInputs(client, runId, chunkNo, run.timezone, {
        workspaceId: run.workspace_id,
        firstCustomerId: chunk.first_customer_id,
        lastCustomerId: chunk.last_customer_id,
        cutoff: target.cutoff,
        previousRunId: run.model_params.previousRunId ?? NO_RUN,
        summaries: refresh ? 'stored' : { history: run.currency },
      });
      await this.runs.markInputsBuilt(client, runId, chunkNo, customers);
      // last, so that the other chunks' jobs wait on the run's row only for this commit
      if (refresh) await this.runs.addSummaryRefresh(client, runId, refresh, recomputed, summarySeconds);
      return { customers };
    });
  }
}

/**
 * The ids whose summaries chunk `at` refreshes. The chunks' ranges cover every id: the gaps between chunks
 * (merged or deleted customers, whose change-log entries must go too) and the ids after the last included.
 */
function summaryRange(chunks: ChunkRow[], at: number): IdRange {
  return {
    from: at === 0 ? null : chunks[at].first_customer_id,
    to: at === chunks.length - 1 ? null : String(BigInt(chunks[at + 1].first_customer_id) - 1n),
  };
}
