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
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/principal';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsExporter } from '../metrics/metrics-exporter.service';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.service';
import { HEALTH_PART_TIMEOUT_MS } from './health-timeout';
import { HealthReport, HealthService } from './health.service';
import { presentsMetricsToken } from './metrics-token';
import { ScrapeGauges } from './scrape-gauges.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly gauges: ScrapeGauges,
    private readonly exporter: MetricsExporter,
    private readonly failures: AuthFailureLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Liveness and readiness: 200 when the database and the queue backend answer, every queue has a live worker
   * (heartbeat) and no scoring run is stuck; 503 naming the failing parts otherwise. Each part answers within
   * 2 s, so this never hangs. Limited per client address (RATE_LIMIT_IP): each probe reads the database.
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
   * Prometheus metrics of the deployment (docs/operations.md#monitoring): this process's, the workers' pushed
   * counts, and gauges read from the database and the queues at scrape time (each part within 2 s). Behind
   * METRICS_TOKEN as a bearer token — no API key opens it; without METRICS_TOKEN the route answers 404. Not
   * request-limited (the scraper is one trusted caller); a wrong token counts as a failed authentication.
   */
  @Get('metrics')
  @Public()
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
  @SkipThrottle({ ip: true })
  async metrics(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const token = this.config.metricsToken;
    if (!token) throw AppError.notFound('route');
    await this.failures.check(req.ip, 'metrics_token', () => {
      if (!presentsMetricsToken(req.headers.authorization, token))
        throw new AppError(
          'unauthenticated',
          'the metrics token is missing or wrong (Authorization: Bearer <METRICS_TOKEN>)',
          HttpStatus.UNAUTHORIZED,
        );
    });
    await this.gauges.refresh();
    res.type(this.exporter.contentType);
    return this.exporter.render(HEALTH_PART_TIMEOUT_MS);
  }
}
