import { Metrics } from './metrics';
import { MetricsExporter } from './metrics-exporter.service';
import type { ProcessMetricsRepository } from './process-metrics.repository';

/** One sample's value in exposition text, or undefined. */
const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('MetricsExporter', () => {
  it("reports the process's event loop delay when workers' counts are merged in", async () => {
    const metrics = new Metrics();
    // one worker's push on record (no series of its own): the merging path of render()
    const repo = { recent: async () => [[]] } as unknown as ProcessMetricsRepository;
    const exporter = new MetricsExporter(metrics, repo);
    await exporter.render(1_000); // a scrape starts a new delay window
    await new Promise((resolve) => setTimeout(resolve, 100)); // the monitor's 10 ms timer records some delays
    const text = await exporter.render(1_000);
    // each collection resets the delay histogram: collected twice in one scrape, every series read exactly 0
    expect(sample(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
  });
});
