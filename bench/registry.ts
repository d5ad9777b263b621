import { Benchmark } from './benchmark';

/** Every benchmark `npm run bench` knows, in the order they run. Add yours with one import and one entry. */
export const BENCHMARKS: Benchmark[] = [];
