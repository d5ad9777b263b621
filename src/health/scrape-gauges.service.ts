import { Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { HEALTH_PART_TIMEOUT_MS, withTimeout } from './health-timeout';
import { HealthRepository } from './health.repository';
import { HealthService } from './health.service';

/**
 * The gauges /metrics reads at scrape time: queue depths of every queue, the CRM inbox's open messages, each
 * workspace's last successful run. Each part answers within HEALTH_PART_TIMEOUT_MS (statement_timeout in the
 * database) or keeps its previous values and sets callplan_metrics_scrape_errors{part} to 1.
 */
@Injectable()
export class ScrapeGauges {
  constructor(
    private readonly metrics: Metrics,
    private readonly repo: HealthRepository,
    private readonly health: HealthService,
  ) {}

  async refresh(timeoutMs = HEALTH_PART_TIMEOUT_MS): Promise<void> {
    await Promise.all([
      this.part('queues', timeoutMs, () => this.queues()),
      this.part('inbox', timeoutMs, () => this.inbox(timeoutMs)),
      this.part('scoring', timeoutMs, () => this.lastSuccess(timeoutMs)),
    ]);
  }

  private async part(name: string, timeoutMs: number, read: () => Promise<void>): Promise<void> {
    const ok = await withTimeout(
      read().then(
        () => true,
        () => false,
      ),
      timeoutMs,
      () => false,
    );
    this.metrics.scrapeErrors.set({ part: name }, ok ? 0 : 1);
  }

  private async queues(): Promise<void> {
    const counts = await Promise.all(
      this.health.queues.map(([, q]) => q.getJobCounts('waiting', 'active', 'delayed', 'failed')),
    );
    for (const [i, [name]] of this.health.queues.entries())
      for (const [state, n] of Object.entries(counts[i]))
        this.metrics.queueJobs.set({ queue: name, state }, n);
  }

  private async inbox(timeoutMs: number): Promise<void> {
    const r = await this.repo.inboxOpen(timeoutMs);
    this.metrics.crmInbox.set({ state: 'pending' }, r.pending);
    this.metrics.crmInbox.set({ state: 'failed' }, r.failed);
    this.metrics.crmInboxOldestPending.set(r.oldest_pending_seconds ?? 0);
  }

  private async lastSuccess(timeoutMs: number): Promise<void> {
    const rows = await this.repo.lastScoringSuccess(timeoutMs);
    // a workspace removed since the last scrape loses its series
    this.metrics.scoringLastSuccess.reset();
    for (const r of rows) this.metrics.scoringLastSuccess.set({ workspace: r.slug }, r.finished_at);
  }
}
