import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Runtime, RUNTIME } from '../common/runtime';
import { JobHandlers, OnJob } from '../queue/job-handlers';
import { JobData } from '../queue/jobs';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { QueueProcessor } from '../queue/queue-processor';
import { WebhookDeliveryService } from './webhook-delivery.service';

@Injectable()
export class WebhooksProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(APP_CONFIG) config: AppConfig,
    handlers: JobHandlers,
    private readonly delivery: WebhookDeliveryService,
  ) {
    super(factory, runtime, handlers, QUEUES.webhooks, Math.max(4, config.workerConcurrency));
  }

  @OnJob(QUEUES.webhooks, 'dispatch')
  async dispatch() {
    return { deliveries: await this.delivery.dispatchPending() };
  }

  @OnJob(QUEUES.webhooks, 'deliver')
  async deliver({ deliveryId }: JobData<'webhooks', 'deliver'>, job: Job) {
    const attempt = job.attemptsMade + 1;
    const final = attempt >= (job.opts.attempts ?? 1);
    await this.delivery.deliver(deliveryId, attempt, final);
    return { attempt };
  }
}
