import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { newWebhookSecret } from './webhook-signing';

export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  createdAt: Date;
}

@Injectable()
export class WebhookEndpointsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

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
    const [row] = await this.db.query(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret, event_types) VALUES ($1, $2, $3, $4)
       RETURNING id, url, event_types, active, created_at`,
      [workspaceId, url, secret, eventTypes],
    );
    return { ...toView(row), secret };
  }

  async list(workspaceId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.db.query(
      `SELECT id, url, event_types, active, created_at FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at`,
      [workspaceId],
    );
    return rows.map(toView);
  }
}

function toView(row: { id: string; url: string; event_types: string[]; active: boolean; created_at: Date }) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    active: row.active,
    createdAt: row.created_at,
  };
}
