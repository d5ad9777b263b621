import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { outboundGuardProvider, WebhookClock, webhookSecretCipherProvider } from './webhooks.providers';
import { OutboundGuard } from '../net/outbound-guard';
import {
  WebhookDeliveriesController,
  WebhookEventTypesController,
  WebhooksController,
} from './webhooks.controller';
import { WebhooksProcessor } from './webhooks.processor';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksScheduler } from './webhooks.scheduler';

@Module({
  controllers: [WebhooksController, WebhookDeliveriesController, WebhookEventTypesController],
  providers: [
    OutboxService,
    OutboxRepository,
    WebhooksRepository,
    WebhookDeliveryService,
    WebhookEndpointsService,
    WebhooksProcessor,
    WebhooksScheduler,
    WebhookClock,
    outboundGuardProvider,
    webhookSecretCipherProvider,
  ],
  exports: [OutboxService, WebhookEndpointsService, WebhookDeliveryService, OutboundGuard, WebhookClock],
})
export class WebhooksModule {}
