import { Injectable } from '@nestjs/common';
import type { CustomerSummaryTarget } from '../customer-summaries';
import { ChunkRow, RunRow, ScoreRunRepository } from '../score-run.repository';

/** What every step starts with: its run (with the workspace's settings) and the run's chunk plan. */
@Injectable()
export class RunLoader {
  constructor(private readonly runs: ScoreRunRepository) {}

  async run(runId: string): Promise<RunRow> {
    const row = await this.runs.load(runId);
    if (!row) throw new Error(`score run ${runId} not found`);
    return row;
  }

  chunks(runId: string): Promise<ChunkRow[]> {
    return this.runs.chunks(runId);
  }

  /** The customer summaries a run reads: the workspace's, as of the end of its as-of day. */
  async summaryTarget(run: RunRow): Promise<CustomerSummaryTarget> {
    const cutoff = await this.runs.endOfDay(run.as_of, run.timezone);
    return { workspaceId: run.workspace_id, timezone: run.timezone, currency: run.currency, cutoff };
  }
}
