import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';
import { Public, Roles } from '../auth/principal';
import { InjectQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';

collectDefaultMetrics();
const queueJobs = new Gauge({
  name: 'callplan_queue_jobs',
  help: 'jobs per queue and state',
  labelNames: ['queue', 'state'],
});

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(QUEUES.scoring) private readonly scoring: Queue,
    @InjectQueue(QUEUES.webhooks) private readonly webhooks: Queue,
    @InjectQueue(QUEUES.worklist) private readonly worklist: Queue,
    @InjectQueue(QUEUES.crmSync) private readonly crmSync: Queue,
    @InjectQueue(QUEUES.assignments) private readonly assignments: Queue,
  ) {}

  private get queues(): Array<[string, Queue]> {
    return [
      ['scoring', this.scoring],
      ['worklist', this.worklist],
      ['webhooks', this.webhooks],
      ['crm-sync', this.crmSync],
      ['assignments', this.assignments],
    ];
  }

  /**
   * Liveness and readiness: the database answers, and no queue has jobs waiting for more than a minute while
   * none is active (the symptom of workers that stopped consuming).
   */
  @Get('health')
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 3000 }),
      ...this.queues.map(
        ([name, queue]) =>
          () =>
            this.queueCheck(name, queue),
      ),
    ]);
  }

  /** Prometheus metrics (process, queue depths). Needs an admin or integration key. */
  @Get('metrics')
  @Roles('admin', 'integration')
  @Header('content-type', register.contentType)
  async metrics(): Promise<string> {
    for (const [name, queue] of [
      ['scoring', this.scoring],
      ['webhooks', this.webhooks],
    ] as const) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue: name, state }, n);
    }
    return register.metrics();
  }

  private async queueCheck(key: string, queue: Queue) {
    const indicator = this.indicators.check(key);
    const counts = await queue.getJobCounts('waiting', 'active');
    if (counts.waiting > 0 && counts.active === 0) {
      const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
      const ageMs = oldest ? Date.now() - oldest.timestamp : 0;
      if (ageMs > 60_000)
        return indicator.down({
          ...counts,
          oldestWaitingMs: ageMs,
          message: 'jobs wait but no worker consumes them',
        });
    }
    return indicator.up(counts);
  }
}
