/** The thread of backtest-thread.ts: one backtest (and its chosen model's fit) on the inputs it was started with. */
import { parentPort, workerData } from 'node:worker_threads';
import { backtest, type BacktestOptions, type PurchaseHistory } from './backtest';
import type { WeightedRepeatSummary } from './bg-nbd';
import { fitCountModelByName } from './count-models';
import type { ThreadBacktest } from './backtest-thread';

const { histories, opts, candidateRows } = workerData as {
  histories: PurchaseHistory[];
  opts: BacktestOptions;
  candidateRows?: WeightedRepeatSummary[];
};
const result = backtest(histories, opts);
const out: ThreadBacktest = { result };
if (candidateRows && result.chosen && result.chosen !== 'bg-nbd')
  out.candidateFit = { model: result.chosen, fit: fitCountModelByName(result.chosen, candidateRows) };
parentPort!.postMessage(out);
