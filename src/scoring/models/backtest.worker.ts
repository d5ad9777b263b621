/** The thread of backtest-thread.ts: one backtest on the inputs it was started with, posted back. */
import { parentPort, workerData } from 'node:worker_threads';
import { backtest, type BacktestOptions, type PurchaseHistory } from './backtest';

const { histories, opts } = workerData as { histories: PurchaseHistory[]; opts: BacktestOptions };
parentPort!.postMessage(backtest(histories, opts));
