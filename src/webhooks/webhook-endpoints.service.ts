import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { newWebhookSecret } from './webhook-signing';
import { WebhookEndpointRow, WebhooksRepository } from './webhooks.repository';

export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  createdAt: Date;
}

@Injectable()
export class WebhookEndpointsService {
  constructor(private readonly webhooks: WebhooksRepository) {}

  /** Registers an endpoint; returns its signing secret once. */
  async create(
    workspaceId: string,
    url: string,
    eventTypes: string[] = [],
  ): Promise<WebhookEndpointView & { secret: string }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('invalid_url', `"${url}" is not a valid URL`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol))
      throw new AppError('invalid_url', 'webhook URLs must be http(s)');
    const secret = newWebhookSecret();
    const row = await this.webhooks.insertEndpoint(workspaceId, { url, secret, eventTypes });
    return { ...toView(row), secret };
  }

  async list(workspaceId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.webhooks.endpoints(workspaceId);
    return rows.map(toView);
  }

  /** Switches off the local receivers of earlier demo runs, keeping `keepEndpointId` (the CLI demo). */
  deactivateDemoReceivers(workspaceId: string, keepEndpointId: string): Promise<void> {
    return this.webhooks.deactivateDemoReceivers(workspaceId, keepEndpointId);
  }
}

function toView(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    active: row.active,
    createdAt: row.created_at,
  };
}
