import { Benchmark } from './benchmark';
import { bgNbdFitBench, scoringNightlyBench, scoringSkeletonBench } from './scoring.bench';
import { scoringAccuracyBench } from './scoring-accuracy.bench';
import { scoringSlopeBench } from './scoring-slope.bench';
import { webhooksInboundBenchmark } from './webhooks-inbound.bench';
import { worklistBenchmark } from './worklist.bench';
import { importBenchmark } from './import.bench';
import { crmConnectorsBenchmark } from './crm-connectors.bench';

/** Every benchmark `npm run bench` knows, in the order they run. Add yours with one import and one entry. */
export const BENCHMARKS: Benchmark[] = [
  worklistBenchmark,
  webhooksInboundBenchmark,
  importBenchmark,
  scoringSkeletonBench,
  scoringNightlyBench,
  scoringSlopeBench,
  bgNbdFitBench,
  crmConnectorsBenchmark,
  scoringAccuracyBench,
];
