import { Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { QueueProcessor } from '../common/queue-processor';
import { Runtime, RUNTIME } from '../common/runtime';
import { QueueFactory, QUEUES } from '../queue/queue-factory';
import { WebhookDeliveryService } from './webhook-delivery.service';

@Injectable()
export class WebhooksProcessor extends QueueProcessor {
  constructor(
    factory: QueueFactory,
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly delivery: WebhookDeliveryService,
  ) {
    super(factory, runtime, QUEUES.webhooks, Math.max(4, config.workerConcurrency));
  }

  protected async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'dispatch':
        return { deliveries: await this.delivery.dispatchPending() };
      case 'deliver': {
        const attempt = job.attemptsMade + 1;
        const final = attempt >= (job.opts.attempts ?? 1);
        await this.delivery.deliver((job.data as { deliveryId: string }).deliveryId, attempt, final);
        return { attempt };
      }
      default:
        throw new Error(`unknown webhooks job ${job.name}`);
    }
  }
}
