import { Module } from '@nestjs/common';
import { OutboxService } from './outbox.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksProcessor } from './webhooks.processor';
import { WebhooksScheduler } from './webhooks.scheduler';

@Module({
  controllers: [WebhooksController],
  providers: [
    OutboxService,
    WebhookDeliveryService,
    WebhookEndpointsService,
    WebhooksProcessor,
    WebhooksScheduler,
  ],
  exports: [OutboxService, WebhookEndpointsService, WebhookDeliveryService],
})
export class WebhooksModule {}
