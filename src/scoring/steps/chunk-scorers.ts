import { Injectable } from '@nestjs/common';
import { ChunkInputRow, createChunkScorer, RunModelContext, ScoreRow } from '../chunk-scoring';
import { createScoringPolicy } from '../models/customer-policy';
import type { RunParams } from '../score-run.repository';

/** Per run: the scorer with its memoised BG/NBD curves, shared by the chunks this process runs. */
@Injectable()
export class ChunkScorers {
  private readonly scorers = new Map<string, (row: ChunkInputRow) => ScoreRow>();

  get(runId: string, params: RunParams): (row: ChunkInputRow) => ScoreRow {
    let scorer = this.scorers.get(runId);
    if (!scorer) {
      const { workspace, ...overrides } = params.policy ?? {};
      scorer = createChunkScorer(
        params.context as RunModelContext,
        createScoringPolicy(workspace ?? {}, overrides),
      );
      // a worker serves a few workspaces at a time; keep the latest runs' memos only
      if (this.scorers.size >= 4) this.scorers.delete(this.scorers.keys().next().value as string);
      this.scorers.set(runId, scorer);
    }
    return scorer;
  }

  /** The run is over (finalized or failed): its memo goes. */
  forget(runId: string): void {
    this.scorers.delete(runId);
  }
}
