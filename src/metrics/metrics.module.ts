import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';
import { MetricsExporter } from './metrics-exporter.service';
import { MetricsPushService } from './metrics-push.service';
import { ProcessMetricsRepository } from './process-metrics.repository';

/** The application's metrics (one registry per app), the workers' push and the API's export. */
@Global()
@Module({
  providers: [
    { provide: Metrics, useFactory: () => new Metrics() },
    ProcessMetricsRepository,
    MetricsPushService,
    MetricsExporter,
  ],
  exports: [Metrics, MetricsExporter],
})
export class MetricsModule {}
