import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Runtime, RUNTIME } from '../common/runtime';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics, PUSHED_PREFIX } from './metrics';
import { ProcessMetricsRepository, PushedMetrics } from './process-metrics.repository';

/** A pushed row counts towards /metrics this long after its last write; a dead worker's counts leave after it. */
export const PUSHED_KEEP_SECONDS = 3600;

/**
 * Workers expose no port: a process that runs queue workers without HTTP writes its `callplan_*` metrics (prom-client
 * JSON) to `process_metrics` every METRICS_PUSH_MS and once more on shutdown; the API's /metrics adds every row to
 * its own registry (MetricsExporter). One scrape target however many workers run, no port per worker.
 */
@Injectable()
export class MetricsPushService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricsPushService.name);
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly metrics: Metrics,
    private readonly repo: ProcessMetricsRepository,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.runtime.http || !this.runtime.workers) return;
    this.timer = setInterval(() => void this.push(), this.config.metricsPushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.push();
  }

  /** Writes this process's counts now. */
  async push(): Promise<void> {
    const all = await this.metrics.registry.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith(PUSHED_PREFIX)) as PushedMetrics;
    try {
      await this.repo.write(this.id, ours, PUSHED_KEEP_SECONDS);
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.logger.warn(`metrics not pushed: ${(e as Error).message}`);
      this.failing = true;
    }
  }
}
