import { Injectable } from '@nestjs/common';
import { AggregatorRegistry, Registry } from 'prom-client';
import { Metrics } from './metrics';
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
    const own = await this.metrics.registry.getMetricsAsJSON();
    if (!pushed?.length) return this.metrics.registry.metrics();
    const merged: Registry = AggregatorRegistry.aggregate([own, ...pushed]);
    return merged.metrics();
  }
}
