/** One benchmark: prints its figure beside a baseline measured in the same run, so the ratio survives a noisy machine. */
export interface Benchmark {
  name: string;
  /** older names `npm run bench -- <alias>` still accepts */
  aliases?: string[];
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

export interface BenchContext {
  /** a PostgreSQL server URL (database `postgres`); benchmarks create and drop their own databases */
  serverUrl: string;
  /** set when Redis is available (BENCH_REDIS_URL) */
  redisUrl?: string;
  /** scale factor from BENCH_SCALE (1 = the documented size) */
  scale: number;
  /** whether the scale was asked for (`--scale=` or BENCH_SCALE), rather than the default 1 */
  scaleGiven?: boolean;
  log(message: string): void;
}

export interface BenchFigure {
  label: string;
  value: number;
  unit: string;
}

export interface BenchResult {
  figures: BenchFigure[];
  baselines: BenchFigure[];
  /** e.g. "scoring / GROUP BY = 2.4×" */
  ratios: string[];
  notes?: string[];
}
