import { Injectable } from '@nestjs/common';
import { RunTablesRepository } from '../run-tables.repository';
import { ScoreRunRepository } from '../score-run.repository';
import { ChunkScorers } from './chunk-scorers';

/** A step that failed its last attempt fails its run (scoring.processor.ts), so it does not wait for ever. */
@Injectable()
export class FailStep {
  constructor(
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly scorers: ChunkScorers,
  ) {}

  async fail(runId: string, error: string): Promise<void> {
    this.scorers.forget(runId);
    const failed = await this.runs.markFailed(runId, error.slice(0, 2000));
    if (failed) await this.tables.dropRunTables(runId, { scores: true });
  }
}
