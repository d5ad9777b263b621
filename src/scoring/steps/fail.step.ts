import { Injectable } from '@nestjs/common';
import { Metrics } from '../../metrics/metrics';
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
    private readonly metrics: Metrics,
  ) {}

  async fail(runId: string, error: string): Promise<void> {
    this.scorers.forget(runId);
    const failed = await this.runs.markFailed(runId, error.slice(0, 2000));
    if (!failed) return;
    this.metrics.scoringRuns.inc({ outcome: 'failed', kind: failed.backtest ? 'backtest' : 'live' });
    this.metrics.scoringRunDuration.observe({ outcome: 'failed' }, failed.seconds);
    await this.tables.dropRunTables(runId, { scores: true });
  }
}
