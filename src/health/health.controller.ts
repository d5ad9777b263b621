import { HealthReportSchema } from './health.views';
import { Controller, Get, Header, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Gauge, register } from 'prom-client';
import { Public } from '../auth/principal';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { HEALTH_PART_TIMEOUT_MS, withTimeout } from './health-timeout';
import { HealthReport, HealthService } from './health.service';
import { presentsMetricsToken } from './metrics-token';

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
    private readonly health: HealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Liveness and readiness: 200 when the database and the queue backend answer, every queue has a live worker
   * (heartbeat) and no scoring run is stuck; 503 naming the failing parts otherwise. Each part answers within
   * 2 s, so this never hangs.
   */
  @Get('health')
  @Public()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Liveness and readiness: 200, or 503 naming the failing parts' })
  @ApiOkResponse({ schema: HealthReportSchema })
  @ApiServiceUnavailableResponse({ schema: HealthReportSchema, description: 'a part is down (see failing)' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await this.health.report();
    res.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  /**
   * Prometheus metrics (process, queue depths of every tenant), behind METRICS_TOKEN as a bearer token — no API
   * key opens it. Without METRICS_TOKEN configured the route answers 404.
   */
  @Get('metrics')
  @Public()
  @Header('content-type', register.contentType)
  @ApiOperation({ summary: 'Prometheus metrics (METRICS_TOKEN; 404 when none is configured)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text format',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP process_cpu_seconds_total Total user and system CPU time\nprocess_cpu_seconds_total 1.2\n',
      },
    },
  })
  async metrics(@Req() req: Request): Promise<string> {
    const token = this.config.metricsToken;
    if (!token) throw AppError.notFound('route');
    if (!presentsMetricsToken(req.headers.authorization, token))
      throw new AppError(
        'unauthenticated',
        'the metrics token is missing or wrong (Authorization: Bearer <METRICS_TOKEN>)',
        HttpStatus.UNAUTHORIZED,
      );
    await Promise.all(
      this.health.queues.map(async ([name, queue]) => {
        const counts = await withTimeout(
          queue.getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => null),
          HEALTH_PART_TIMEOUT_MS,
          () => null,
        );
        for (const [state, n] of Object.entries(counts ?? {})) queueJobs.set({ queue: name, state }, n);
      }),
    );
    return register.metrics();
  }
}
