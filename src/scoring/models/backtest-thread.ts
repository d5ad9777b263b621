/**
 * The self-backtest (backtest.ts) in a worker thread, so that the fit step's other fits run beside it on the
 * worker process's second core (issue 16: the fit step ran the backtest and the run's own fits one after the
 * other). The thread runs the same pure function on a structured clone of the same inputs, so the result is the
 * same to the bit. No framework imports; the thread script is backtest.worker.ts.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BacktestOptions, BacktestResult, PurchaseHistory } from './backtest';
import type { WeightedRepeatSummary } from './bg-nbd';
import type { CountModelName, CountModelParams } from './count-models';
import type { FitReport } from './types';

/**
 * Under Jest this file runs as TypeScript: the thread then compiles what it requires with @swc/core
 * (a development dependency, there when the sources are run directly). The built application runs the .js file.
 */
const TYPESCRIPT_BOOTSTRAP = `
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
require.extensions['.ts'] = (module, filename) =>
  module._compile(
    transformSync(readFileSync(filename, 'utf8'), {
      filename,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    }).code,
    filename,
  );
require(require('node:worker_threads').workerData.script);
`;

/**
 * The thread's V8 heap, capped: its inputs are a few thousand rows, and a default isolate (young generation sized
 * like the process's) raised the worker process's peak RSS at 1M customers from 478 to 552 MB, over the 512 MB
 * the nightly run is allowed (issue 16); capped, 498 MB, the thread still done before the main thread's fits. Over
 * the cap the thread fails and the backtest runs in this thread. (Under Jest the thread compiles TypeScript first
 * and runs uncapped.)
 */
const THREAD_HEAP = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 };

/** What the thread computes: the backtest, and its chosen model fitted on `candidateRows` when not BG/NBD. */
export interface ThreadBacktest {
  result: BacktestResult;
  candidateFit?: { model: CountModelName; fit: FitReport<CountModelParams> };
}

/**
 * backtest(histories, opts), computed in a worker thread; then, when the backtest chose a model other than
 * BG/NBD and `candidateRows` are given, that model fitted on them (the fit the run's scores will most likely use,
 * run-models.ts chooseModel), so it is ready when the rest of the fit step gets there.
 */
export function backtestInThread(
  histories: PurchaseHistory[],
  opts: BacktestOptions,
  candidateRows?: WeightedRepeatSummary[],
): Promise<ThreadBacktest> {
  const typescript = __filename.endsWith('.ts');
  const script = join(__dirname, `backtest.worker.${typescript ? 'ts' : 'js'}`);
  const input = { histories, opts, candidateRows };
  const worker = typescript
    ? new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: { script, ...input } })
    : new Worker(script, { workerData: input, resourceLimits: THREAD_HEAP });
  return new Promise<ThreadBacktest>((resolve, reject) => {
    let settled = false;
    worker.once('message', (result: ThreadBacktest) => {
      settled = true;
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the backtest thread exited with code ${code} before its result`));
    });
  });
}
