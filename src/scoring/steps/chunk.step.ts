import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { Transactions } from '../../database/transactions';
import { BinaryCopyWriter } from '../binary-copy';
import { ChunkInputColumns } from '../chunk-input-columns';
import { historyLine, writeScoreRow } from '../chunk-io';
import type { ChunkInputRow, ScoreRow } from '../chunk-scoring';
import { addToStats, emptyStats, historyChanged, RunStats } from '../run-report';
import { RunTablesRepository } from '../run-tables.repository';
import { RunRow, ScoreRunRepository } from '../score-run.repository';
import { ChunkScorers } from './chunk-scorers';
import { RunLoader } from './run-loader';

const WORKER_ID = `${hostname()}-${process.pid}`;
/** Customers scored and sent to COPY at a time within a chunk. */
const COPY_BATCH = 2_000;

/** Seconds a chunk spent reading its inputs, scoring, and writing rows. */
interface ChunkSeconds {
  read: number;
  score: number;
  write: number;
}

/** Scores one chunk: its inputs and previous scores in, score rows, history rows and statistics out. */
@Injectable()
export class ChunkStep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loader: RunLoader,
    private readonly runs: ScoreRunRepository,
    private readonly tables: RunTablesRepository,
    private readonly scorers: ChunkScorers,
    private readonly transactions: Transactions,
  ) {}

  async chunk(runId: string, chunkNo: number): Promise<{ customers: number }> {
    const run = await this.loader.run(runId);
    if (run.status !== 'scoring') return { customers: 0 };
    // scores and "done" are committed together, so a done chunk has its rows and a chunk not done has none
    const started = await this.runs.startChunk(runId, chunkNo);
    if (!started) {
      if (!(await this.runs.isChunkPlanned(runId, chunkNo)))
        throw new Error(`chunk ${chunkNo} of run ${runId} not planned`);
      return { customers: 0 }; // done already (a re-delivered job)
    }
    const score = this.scorers.get(runId, run.model_params);
    const seconds: ChunkSeconds = { read: 0, score: 0, write: 0 };
    let customers = 0;
    // One transaction: read the chunk's inputs, then score and stream the rows into COPY batch by batch (so a
    // chunk's lines never pile up in memory), mark it done, commit. A worker killed anywhere in it leaves nothing.
    await this.transactions
      .onClient(async (client) => {
        const t = Date.now();
        // sized for the chunk's planned customers up front: growing from small copied the columns six times
        const rows = new ChunkInputColumns(started.customers);
        await this.tables.copyOutChunkRows(client, runId, chunkNo, run.as_of, (f) => rows.add(f));
        customers = rows.length;
        seconds.read = (Date.now() - t) / 1000;
        const stats = await this.writeRows(client, runId, run, rows, score, seconds);
        if (this.config.scoringChunkDelayMs > 0) {
          await new Promise((r) => setTimeout(r, this.config.scoringChunkDelayMs));
        }
        // a concurrent duplicate already committed this chunk: roll ours back rather than write the rows twice
        if (!(await this.runs.markChunkDone(client, runId, chunkNo, WORKER_ID, stats)))
          throw new DuplicateChunk();
        await this.runs.countChunkDone(client, runId);
      })
      .catch((e: unknown) => {
        if (!(e instanceof DuplicateChunk)) throw e;
      });
    return { customers };
  }

  /** Scores the rows and streams score rows (binary COPY) and history rows out; the chunk's statistics. */
  private async writeRows(
    client: PoolClient,
    runId: string,
    run: RunRow,
    rows: ChunkInputColumns,
    score: (row: ChunkInputRow) => ScoreRow,
    seconds: ChunkSeconds,
  ): Promise<RunStats> {
    const stats = emptyStats();
    // joined per batch: one string per 2,000 customers is held to the end of the chunk, not one per customer
    const history: string[] = [];
    let historyRows = 0;
    const historyMode = run.model_params.historyMode ?? 'full';
    const copy = this.tables.copyScores(client, runId);
    const writer = new BinaryCopyWriter().header();
    let t: number;
    for (let i = 0; i < rows.length; i += COPY_BATCH) {
      t = Date.now();
      const lines: string[] = [];
      for (let r = i; r < Math.min(i + COPY_BATCH, rows.length); r++) {
        const input = rows.row(r);
        const s = score(input);
        addToStats(stats, input, s);
        writeScoreRow(writer, s);
        if (historyMode === 'full' || (historyMode === 'delta' && historyChanged(input, s))) {
          lines.push(historyLine(runId, run.workspace_id, s));
          historyRows++;
        }
      }
      if (lines.length > 0) history.push(lines.join(''));
      seconds.score += (Date.now() - t) / 1000;
      t = Date.now();
      await copy.write(writer.take());
      seconds.write += (Date.now() - t) / 1000;
    }
    t = Date.now();
    await copy.write(writer.trailer().take());
    await copy.end();
    await this.tables.copyHistory(client, history);
    seconds.write += (Date.now() - t) / 1000;
    stats.historyRows = historyRows;
    stats.seconds = seconds;
    return stats;
  }
}

class DuplicateChunk extends Error {}
