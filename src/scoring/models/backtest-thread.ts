/**
 * The self-backtest (backtest.ts) in a worker thread, so that the fit step's other fits run beside it on the
 * worker process's second core (issue 16: the fit step ran the backtest and the run's own fits one after the
 * other). The thread runs the same pure function on a structured clone of the same inputs, so the result is the
 * same to the bit. No framework imports; the thread script is backtest.worker.ts.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BacktestOptions, BacktestResult, PurchaseHistory } from './backtest';

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

/** backtest(histories, opts), computed in a worker thread. */
export function backtestInThread(
  histories: PurchaseHistory[],
  opts: BacktestOptions,
): Promise<BacktestResult> {
  const typescript = __filename.endsWith('.ts');
  const script = join(__dirname, `backtest.worker.${typescript ? 'ts' : 'js'}`);
  const worker = typescript
    ? new Worker(TYPESCRIPT_BOOTSTRAP, { eval: true, workerData: { script, histories, opts } })
    : new Worker(script, { workerData: { histories, opts } });
  return new Promise<BacktestResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (result: BacktestResult) => {
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
