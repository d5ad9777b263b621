import { Injectable } from '@nestjs/common';
import { Transactions, Tx } from '../../database/transactions';
import { Metrics } from '../../metrics/metrics';
import { OutboxService } from '../../webhooks/outbox.service';
import { mergeStats, RunStats } from '../run-report';
import { RunTablesRepository } from '../run-tables.repository';
import { ChunkOutcomeRow, RunPhasesRow, RunRow, ScoreRunRepository } from '../score-run.repository';
import { ChunkScorers } from './chunk-scorers';
import { RunLoader } from './run-loader';
import { ScoringFlows } from './scoring-flows';
import {
  backtestNote,
  KEEP_NEWEST_RUNS,
  SERVED_LIST_DAYS,
  WorklistsNote,
  worklistsNote,
} from './score-retention';
import { WriteBackService } from '../../write-back/write-back.service';

/**
 * The last step of a run: indexes the run's scores table and attaches it as the run's partition, writes the
 * report, swaps the workspace's current snapshot atomically, cleans up and queues the worklists' publication.
 * A backtest stops after the attach and the report: it is readable by id and changes nothing live.
 */
@Injectable()
export class FinalizeStep {
  constructor(
    private readonly loader: RunLoader,
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly scorers: ChunkScorers,
    private readonly transactions: Transactions,
    private readonly outbox: OutboxService,
    private readonly writeBack: WriteBackService,
    private readonly flows: ScoringFlows,
    private readonly metrics: Metrics,
  ) {}

  async finalize(runId: string): Promise<Record<string, unknown>> {
    const run = await this.loader.run(runId);
    if (run.status === 'completed') return {};
    if (run.status === 'failed') return { skipped: 'the run failed before finalize' };
    this.scorers.forget(runId);
    await this.runs.markFinalizing(runId);
    const started = Date.now();
    const attached = await this.tables.isAttached(runId);
    if (!attached) await this.tables.indexScores(runId);
    const indexed = Date.now();
    const publish = !run.model_params.backtest && run.model_params.publishWorklists !== false;
    // what the run says about its day's call lists goes into the report with the swap, so whoever waits for
    // the run to complete reads it
    const worklists = run.model_params.backtest
      ? null
      : worklistsNote(
          run.as_of,
          publish,
          await this.runs.listsPublishedBefore(run.workspace_id, run.as_of, runId),
        );
    const summary = await this.transactions.run((tx) => this.swap(tx, runId, run, attached, worklists));
    const swapped = Date.now();
    this.metrics.scoringRuns.inc({
      outcome: 'completed',
      kind: run.model_params.backtest ? 'backtest' : 'live',
    });
    this.metrics.scoringRunDuration.observe({ outcome: 'completed' }, await this.runs.durationSeconds(runId));
    // Clean-up after the swap (readers already follow the new run). A backtest drops only its own inputs: it is
    // not the current snapshot, so another run's scores are none of its business (score-retention.ts).
    await this.tables.dropRunTables(runId, { scores: false });
    const dropped = run.model_params.backtest
      ? []
      : await this.tables.dropUnneededPartitions(run.workspace_id, {
          servedDays: SERVED_LIST_DAYS,
          newestRuns: KEEP_NEWEST_RUNS,
        });
    await this.runs.addToReport(runId, {
      finalizeSeconds: (Date.now() - started) / 1000,
      finalizeTimings: {
        indexes: (indexed - started) / 1000,
        swap: (swapped - indexed) / 1000,
        cleanup: (Date.now() - swapped) / 1000,
      },
      droppedPartitions: dropped.length,
      droppedRuns: dropped,
      finalizedAt: new Date().toISOString(),
    });
    await this.outbox.kick();
    // the call lists, then the per-customer write-back (docs/write-back.md) so next call dates include the lists
    if (publish) await this.flows.addPublishThenWriteBack(run.workspace_id, run.as_of, runId);
    else if (!run.model_params.backtest) await this.writeBack.queueAfterRun(run.workspace_id, runId);
    return summary;
  }

  /**
   * In one transaction: the chunks' statistics merged into the report, the partition attached, the workspace's
   * current run swapped, the run completed and its `scores.updated` event in the outbox.
   */
  private async swap(
    tx: Tx,
    runId: string,
    run: RunRow,
    attached: boolean,
    worklists: WorklistsNote | null,
  ): Promise<Record<string, unknown>> {
    const previousRunId = run.model_params.previousRunId ?? null;
    const chunks = await this.runs.chunkOutcomes(tx, runId);
    const missing = chunks.filter((c) => c.stats === null).length;
    if (missing > 0) throw new Error(`run ${runId}: ${missing} chunks not done`);
    const stats = mergeStats(chunks.map((c) => c.stats as RunStats));
    await this.addExternalIds(tx, stats);
    if (!attached) await this.tables.attachScores(tx, runId);
    const phases = await this.runs.phases(tx, runId);
    const result = runReport(run, chunks, stats, phases);
    // A backtest's partition is attached (readable by run id) but it never becomes the live snapshot and tells
    // no one that the scores changed: they did not.
    if (run.model_params.backtest) {
      const live = run.model_params.liveRun ?? null;
      const backtest = {
        liveRunId: live?.id ?? null,
        liveAsOf: live?.asOf ?? null,
        note: live ? backtestNote(runId, run.as_of, live) : null,
      };
      await this.runs.complete(tx, runId, { ...result, backtest });
      return { ...result, backtest };
    }
    // The swap: readers follow current_score_run_id, so the new snapshot appears in one statement.
    await this.runs.setCurrentRun(tx, run.workspace_id, runId);
    await this.runs.complete(tx, runId, { ...result, worklists });
    await this.outbox.append(tx, run.workspace_id, 'scores.updated', {
      runId,
      asOf: run.as_of,
      tiers: result.tiers,
      lifecycles: result.lifecycles,
      moves: previousRunId ? stats.moves : null,
      previousRunId,
    });
    return result;
  }

  /** The CRM ids of the few movers the report lists (the chunks carry internal ids only). */
  private async addExternalIds(tx: Tx, stats: RunStats): Promise<void> {
    const listed = Object.values(stats.topMoves).flat();
    if (listed.length === 0) return;
    const rows = await this.runs.externalIds(
      tx,
      listed.map((m) => m.customerId),
    );
    const byId = new Map(rows.map((r) => [r.id, r.external_id]));
    for (const m of listed) m.externalId = byId.get(m.customerId) ?? null;
  }
}

/** The run's report: what the chunks counted, merged, with the phases' durations and who ran the chunks. */
function runReport(
  run: RunRow,
  chunks: ChunkOutcomeRow[],
  stats: RunStats,
  phases: RunPhasesRow | undefined,
) {
  const previousRunId = run.model_params.previousRunId ?? null;
  const workers: Record<string, number> = {};
  for (const c of chunks) workers[c.worker ?? '?'] = (workers[c.worker ?? '?'] ?? 0) + 1;
  return {
    phases: phases ?? null,
    chunkSeconds: stats.seconds ?? null,
    scored: stats.customers,
    tiers: stats.tiers,
    lifecycles: stats.lifecycles,
    frequencyClasses: stats.frequencyClasses,
    abc: stats.abc,
    moves: previousRunId ? { ...stats.moves, top: stats.topMoves } : null,
    previousRunId,
    history: { mode: run.model_params.historyMode ?? 'full', rows: stats.historyRows },
    workers: Object.entries(workers).map(([worker, n]) => ({ worker, chunks: n })),
    chunkAttempts: chunks.reduce((n, c) => n + c.attempts, 0),
  };
}
