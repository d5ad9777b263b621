import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  event_types: string[];
  active: boolean;
  created_at: Date;
}

/** A delivery with what sending it needs: the event's message id and payload, the endpoint's URL and secret. */
export interface DeliveryRow {
  status: string;
  message_id: string;
  payload: unknown;
  url: string;
  secret: string;
}

export type DeliveryStatus = 'delivered' | 'failed' | 'dead';

/** Webhook endpoints of a workspace and the delivery attempts to them. */
@Injectable()
export class WebhooksRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async insertEndpoint(
    workspaceId: string,
    endpoint: { url: string; secret: string; eventTypes: string[] },
  ): Promise<WebhookEndpointRow> {
    const [row] = await this.rows<WebhookEndpointRow>(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret, event_types) VALUES ($1, $2, $3, $4)
       RETURNING id, url, event_types, active, created_at`,
      [workspaceId, endpoint.url, endpoint.secret, endpoint.eventTypes],
    );
    return row;
  }

  endpoints(workspaceId: string): Promise<WebhookEndpointRow[]> {
    return this.rows<WebhookEndpointRow>(
      `SELECT id, url, event_types, active, created_at FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at`,
      [workspaceId],
    );
  }

  /** The demo registers a fresh local receiver per run; earlier runs' receivers are switched off. */
  async deactivateDemoReceivers(workspaceId: string, keepEndpointId: string): Promise<void> {
    await this.exec(
      `UPDATE webhook_endpoints SET active = false WHERE workspace_id = $1 AND url LIKE 'http://127.0.0.1:%/callplan-demo-receiver' AND id <> $2`,
      [workspaceId, keepEndpointId],
    );
  }

  delivery(deliveryId: string): Promise<DeliveryRow | undefined> {
    return this.first<DeliveryRow>(
      // @crossTenant the delivery job loads its row by primary key
      `SELECT d.status, e.message_id, e.payload, w.url, w.secret
         FROM webhook_deliveries d
         JOIN outbox_events e ON e.id = d.outbox_event_id
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.id = $1`,
      [deliveryId],
    );
  }

  async recordAttempt(
    deliveryId: string,
    attempt: { status: DeliveryStatus; number: number; httpStatus: number | null; error: string | null },
  ): Promise<void> {
    await this.exec(
      // @crossTenant the delivery job updates its own row by primary key
      `UPDATE webhook_deliveries
          SET status = $2, attempts = $3, last_status_code = $4, last_error = $5,
              delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
        WHERE id = $1`,
      [deliveryId, attempt.status, attempt.number, attempt.httpStatus, attempt.error],
    );
  }
}
