import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksProcessor } from './webhooks.processor';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksScheduler } from './webhooks.scheduler';

@Module({
  controllers: [WebhooksController],
  providers: [
    OutboxService,
    OutboxRepository,
    WebhooksRepository,
    WebhookDeliveryService,
    WebhookEndpointsService,
    WebhooksProcessor,
    WebhooksScheduler,
  ],
  exports: [OutboxService, WebhookEndpointsService, WebhookDeliveryService],
})
export class WebhooksModule {}
