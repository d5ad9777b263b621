import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AssignmentsModule } from './assignments/assignments.module';
import { AuthModule } from './auth/auth.module';
import { Runtime } from './common/runtime';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import { IngestModule } from './ingest/ingest.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ExperimentsModule } from './experiments/experiments.module';
import { OffersModule } from './offers/offers.module';
import { PersonalityModule } from './personality/personality.module';
import { PlaybooksModule } from './playbooks/playbooks.module';
import { QueueModule } from './queue/queue.module';
import { ScoringModule } from './scoring/scoring.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WorklistModule } from './worklist/worklist.module';
import { WorkspacesModule } from './workspaces/workspaces.module';
import { WorkspaceSettingsModule } from './workspace-settings/workspace-settings.module';
import { WebModule } from './web/web.module';
import { AuditLogModule } from './audit-log/audit-log.module';
import { RetentionModule } from './retention/retention.module';

/** The whole application; `runtime` decides whether this process serves HTTP, consumes queues, runs schedules. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string, runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, runtime),
        LoggerModule.forRoot({
          pinoHttp: {
            level: runtime.quiet ? 'warn' : config.logLevel,
            // Keys and signatures never reach the logs.
            redact: [
              'req.headers.authorization',
              'req.headers["x-api-key"]',
              'req.headers["webhook-signature"]',
              'req.headers.cookie',
              'res.headers["set-cookie"]',
            ],
            // Paths only: query strings can carry tokens or personal data (?token=…, ?email=…).
            serializers: {
              req: (req: { url?: string; query?: unknown }) => ({
                ...req,
                url: req.url?.split('?')[0],
                query: undefined,
              }),
            },
            autoLogging: config.env !== 'test',
          },
        }),
        DatabaseModule.forRoot(databaseUrl, config.databasePoolSize),
        QueueModule.forRoot({ redisUrl: config.redisUrl, databaseUrl, prefix: config.queuePrefix }),
        ScheduleModule.forRoot(),
        MetricsModule,
        RateLimitModule,
        AuthModule,
        WorkspacesModule,
        CustomersModule,
        IngestModule,
        OffersModule,
        ExperimentsModule,
        PlaybooksModule,
        PersonalityModule,
        ScoringModule,
        WorklistModule,
        WebhooksModule,
        HealthModule,
        WebModule,
        AssignmentsModule,
        AuditLogModule,
        WorkspaceSettingsModule,
        RetentionModule,
      ],
    };
  }
}
