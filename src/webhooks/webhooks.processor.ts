import { Inject, Injectable } from '@nestjs/common';
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

  /** New outbox events → deliveries; plus the retries that are due and whose wake-up job was lost. */
  @OnJob(QUEUES.webhooks, 'dispatch')
  async dispatch() {
    return { deliveries: await this.delivery.dispatchPending(), due: await this.delivery.enqueueDue() };
  }

  /** One attempt; a failure is recorded and rescheduled by the service (the job itself never retries). */
  @OnJob(QUEUES.webhooks, 'deliver')
  async deliver({ deliveryId }: JobData<'webhooks', 'deliver'>) {
    const r = await this.delivery.attempt(deliveryId);
    return { status: r.status, httpStatus: r.httpStatus };
  }
}
