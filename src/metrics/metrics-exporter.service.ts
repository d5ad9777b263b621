import { Injectable } from '@nestjs/common';
import { AggregatorRegistry, Registry } from 'prom-client';
import { Metrics, PUSHED_PREFIX } from './metrics';
import { PUSHED_KEEP_SECONDS } from './metrics-push.service';
import { ProcessMetricsRepository } from './process-metrics.repository';

/** What /metrics answers: this process's registry plus every worker's pushed counts (summed, as a cluster would). */
@Injectable()
export class MetricsExporter {
  constructor(
    private readonly metrics: Metrics,
    private readonly repo: ProcessMetricsRepository,
  ) {}

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  /** The exposition text; when the pushed rows cannot be read within `timeoutMs`, this process's alone. */
  async render(timeoutMs: number): Promise<string> {
    const pushed = await this.repo.recent(PUSHED_KEEP_SECONDS, timeoutMs).catch(() => null);
    this.metrics.scrapeErrors.set({ part: 'pushed' }, pushed ? 0 : 1);
    const registry = this.metrics.registry;
    if (!pushed?.length) return registry.metrics();
    // ours summed with the workers' (prom-client's cluster aggregation); the process's own nodejs_/process_ series
    // as they are (aggregation would drop some, e.g. process_start_time_seconds)
    // The process's series first: collecting the event loop delay resets its histogram, so a second collection in
    // the same scrape (getMetricsAsJSON below) would leave it empty and every nodejs_eventloop_lag_* at 0.
    const processOnly = registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .filter((name) => !name.startsWith(PUSHED_PREFIX));
    const texts: string[] = [];
    for (const name of processOnly) texts.push(await registry.getSingleMetricAsString(name));
    const own = (await registry.getMetricsAsJSON()).filter((m) => m.name.startsWith(PUSHED_PREFIX));
    const merged: Registry = AggregatorRegistry.aggregate([own, ...pushed]);
    return `${texts.join('\n')}\n${await merged.metrics()}`;
  }
}
