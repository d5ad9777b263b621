import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { PurgeBatch, SqlRepository } from '../database/sql-repository';

export type DisabledReason = 'manual' | 'failing' | 'gone';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  event_types: string[];
  active: boolean;
  disabled_reason: DisabledReason | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS = `id, url, event_types, active, disabled_reason, disabled_at, failing_since,
  previous_secret_expires_at, created_at, updated_at`;

/** A delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  retry_step: number;
  attempts: number;
  message_id: string;
  payload: unknown;
  url: string;
  /** null only for a row written before secrets were encrypted and not yet converted (then `legacy_secret`) */
  secret_enc: Buffer | null;
  legacy_secret: string | null;
  previous_secret_enc: Buffer | null;
  previous_secret_expires_at: Date | null;
  endpoint_active: boolean;
}

/** An endpoint whose secret is still stored in plaintext (rows from before secrets were encrypted). */
export interface LegacySecretRow {
  id: string;
  secret: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface DeliveryLogRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  last_response_body: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface DueDeliveryRow {
  id: string;
  retry_step: number;
}

/** Webhook endpoints of a workspace and the deliveries to them (the delivery log). */
@Injectable()
export class WebhooksRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  async insertEndpoint(
    workspaceId: string,
    endpoint: { url: string; secretEnc: Buffer; eventTypes: string[] },
  ): Promise<WebhookEndpointRow> {
    const [row] = await this.rows<WebhookEndpointRow>(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret_enc, event_types) VALUES ($1, $2, $3, $4)
       RETURNING ${ENDPOINT_COLUMNS}`,
      [workspaceId, endpoint.url, endpoint.secretEnc, endpoint.eventTypes],
    );
    return row;
  }

  endpoints(workspaceId: string): Promise<WebhookEndpointRow[]> {
    return this.rows<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id`,
      [workspaceId],
    );
  }

  endpoint(workspaceId: string, id: string): Promise<WebhookEndpointRow | undefined> {
    return this.first<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
  }

  async updateEndpoint(
    workspaceId: string,
    id: string,
    change: { url?: string; eventTypes?: string[] },
  ): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.returning<WebhookEndpointRow>(
      `UPDATE webhook_endpoints
          SET url = COALESCE($3, url), event_types = COALESCE($4, event_types), updated_at = now()
        WHERE workspace_id = $1 AND id = $2
        RETURNING ${ENDPOINT_COLUMNS}`,
      [workspaceId, id, change.url ?? null, change.eventTypes ?? null],
    );
    return row;
  }

  /** Enables (clearing the failure streak) or disables by hand. */
  async setActive(workspaceId: string, id: string, active: boolean): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.returning<WebhookEndpointRow>(
      `UPDATE webhook_endpoints
          SET active = $3,
              disabled_reason = CASE WHEN $3 THEN NULL WHEN active THEN 'manual' ELSE disabled_reason END,
              disabled_at = CASE WHEN $3 THEN NULL WHEN active THEN now() ELSE disabled_at END,
              failing_since = CASE WHEN $3 THEN NULL ELSE failing_since END,
              updated_at = now()
        WHERE workspace_id = $1 AND id = $2
        RETURNING ${ENDPOINT_COLUMNS}`,
      [workspaceId, id, active],
    );
    return row;
  }

  async deleteEndpoint(workspaceId: string, id: string): Promise<boolean> {
    const rows = await this.returning<{ id: string }>(
      `DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 RETURNING id`,
      [workspaceId, id],
    );
    return rows.length > 0;
  }

  /** New secret (encrypted); the old one keeps signing (second signature) until `previousUntil`. */
  async rotateSecret(
    workspaceId: string,
    id: string,
    secretEnc: Buffer,
    previousUntil: Date,
  ): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.returning<WebhookEndpointRow>(
      `UPDATE webhook_endpoints
          SET previous_secret_enc = secret_enc, previous_secret_expires_at = $4, secret_enc = $3, updated_at = now()
        WHERE workspace_id = $1 AND id = $2
        RETURNING ${ENDPOINT_COLUMNS}`,
      [workspaceId, id, secretEnc, previousUntil],
    );
    return row;
  }

  legacySecrets(): Promise<LegacySecretRow[]> {
    return this.rows<LegacySecretRow>(
      // @crossTenant a start-up step encrypts the plaintext secrets left by older versions, in every workspace
      `SELECT id, secret FROM webhook_endpoints WHERE secret IS NOT NULL`,
    );
  }

  async storeEncryptedSecret(id: string, plain: string, secretEnc: Buffer): Promise<void> {
    await this.exec(
      // @crossTenant by primary key, from legacySecrets(); only while the plaintext is the one that was read
      `UPDATE webhook_endpoints SET secret_enc = $3, secret = NULL WHERE id = $1 AND secret = $2`,
      [id, plain, secretEnc],
    );
  }

  /** The demo registers a fresh local receiver per run; earlier runs' receivers are switched off. */
  async deactivateDemoReceivers(workspaceId: string, keepEndpointId: string): Promise<void> {
    await this.exec(
      `UPDATE webhook_endpoints SET active = false, disabled_reason = 'manual', disabled_at = now()
        WHERE workspace_id = $1 AND url LIKE 'http://127.0.0.1:%/callplan-demo-receiver' AND id <> $2 AND active`,
      [workspaceId, keepEndpointId],
    );
  }

  /**
   * Takes a due delivery for one attempt: its next attempt moves to `leaseUntil`, so a second worker does not send
   * it too, and a worker that dies mid-send leaves it to the sweep after the lease.
   */
  claim(deliveryId: string, now: Date, leaseUntil: Date): Promise<ClaimedDelivery | undefined> {
    return this.first<ClaimedDelivery>(
      // @crossTenant the delivery job claims its row by primary key
      `WITH claimed AS (
         UPDATE webhook_deliveries SET next_attempt_at = $3
          WHERE id = $1 AND status IN ('pending', 'failed') AND next_attempt_at <= $2
          RETURNING id, workspace_id, endpoint_id, outbox_event_id, retry_step, attempts)
       SELECT c.id, c.workspace_id, c.endpoint_id, c.retry_step, c.attempts, e.message_id, e.payload,
              w.url, w.secret_enc, w.secret AS legacy_secret, w.previous_secret_enc, w.previous_secret_expires_at, w.active AS endpoint_active
         FROM claimed c
         JOIN outbox_events e ON e.id = c.outbox_event_id
         JOIN webhook_endpoints w ON w.id = c.endpoint_id`,
      [deliveryId, now, leaseUntil],
    );
  }

  /** Deliveries whose next attempt is due, oldest first. */
  due(now: Date, limit: number): Promise<DueDeliveryRow[]> {
    return this.rows<DueDeliveryRow>(
      // @crossTenant the retry sweep covers every workspace
      `SELECT id, retry_step FROM webhook_deliveries
        WHERE next_attempt_at <= $1 AND status IN ('pending', 'failed')
        ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    );
  }

  async recordAttempt(
    deliveryId: string,
    attempt: {
      status: DeliveryStatus;
      at: Date;
      retryStep: number;
      nextAttemptAt: Date | null;
      httpStatus: number | null;
      error: string | null;
      responseBody: string | null;
    },
    tx?: Queryable,
  ): Promise<void> {
    await this.exec(
      // @crossTenant the delivery job updates its own row by primary key
      `UPDATE webhook_deliveries
          SET status = $2, attempts = attempts + 1, last_attempt_at = $3, retry_step = $4, next_attempt_at = $5,
              last_status_code = $6, last_error = $7, last_response_body = $8,
              delivered_at = CASE WHEN $2 = 'delivered' THEN $3::timestamptz END
        WHERE id = $1`,
      [
        deliveryId,
        attempt.status,
        attempt.at,
        attempt.retryStep,
        attempt.nextAttemptAt,
        attempt.httpStatus,
        attempt.error,
        attempt.responseBody,
      ],
      tx,
    );
  }

  /** A delivery succeeded: the endpoint's failure streak ends. */
  async endpointSucceeded(workspaceId: string, endpointId: string): Promise<void> {
    await this.exec(
      `UPDATE webhook_endpoints SET failing_since = NULL
        WHERE workspace_id = $1 AND id = $2 AND failing_since IS NOT NULL`,
      [workspaceId, endpointId],
    );
  }

  /**
   * A delivery failed: the streak starts now unless it runs already. Locks the endpoint row for the rest of the
   * transaction; returns since when the streak runs and whether the endpoint is still active.
   */
  async endpointFailed(
    workspaceId: string,
    endpointId: string,
    at: Date,
    tx: Queryable,
  ): Promise<{ failing_since: Date; active: boolean } | undefined> {
    const [row] = await this.returning<{ failing_since: Date; active: boolean }>(
      `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $3)
        WHERE workspace_id = $1 AND id = $2 RETURNING failing_since, active`,
      [workspaceId, endpointId, at],
      tx,
    );
    return row;
  }

  /**
   * Disables an active endpoint automatically and stops the retries of its deliveries (they stay `failed`,
   * replayable by recover). Returns the endpoint when this call disabled it (a concurrent disable returns nothing).
   */
  async disableAutomatically(
    workspaceId: string,
    endpointId: string,
    reason: 'failing' | 'gone',
    at: Date,
    tx: Queryable,
  ): Promise<WebhookEndpointRow | undefined> {
    const [row] = await this.returning<WebhookEndpointRow>(
      `UPDATE webhook_endpoints
          SET active = false, disabled_reason = $3, disabled_at = $4, updated_at = now()
        WHERE workspace_id = $1 AND id = $2 AND active
        RETURNING ${ENDPOINT_COLUMNS}`,
      [workspaceId, endpointId, reason, at],
      tx,
    );
    if (row) {
      await this.exec(
        `UPDATE webhook_deliveries
            SET status = 'failed', next_attempt_at = NULL,
                last_error = COALESCE(last_error, 'not sent: the endpoint was disabled')
          WHERE workspace_id = $1 AND endpoint_id = $2 AND status IN ('pending', 'failed')`,
        [workspaceId, endpointId],
        tx,
      );
    }
    return row;
  }

  /** The delivery log of one endpoint, newest first. */
  deliveries(
    workspaceId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus; since?: Date; until?: Date; beforeId?: string; limit: number },
  ): Promise<DeliveryLogRow[]> {
    return this.rows<DeliveryLogRow>(
      `SELECT d.id, d.endpoint_id, e.message_id, e.event_type, d.status, d.attempts, d.last_status_code,
              d.last_error, d.last_response_body, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.created_at
         FROM webhook_deliveries d
         JOIN outbox_events e ON e.id = d.outbox_event_id
        WHERE d.workspace_id = $1 AND d.endpoint_id = $2
          AND ($3::text IS NULL OR d.status = $3)
          AND ($4::timestamptz IS NULL OR d.created_at >= $4)
          AND ($5::timestamptz IS NULL OR d.created_at < $5)
          AND ($6::bigint IS NULL OR d.id < $6)
        ORDER BY d.id DESC
        LIMIT $7`,
      [
        workspaceId,
        endpointId,
        filter.status ?? null,
        filter.since ?? null,
        filter.until ?? null,
        filter.beforeId ?? null,
        filter.limit,
      ],
    );
  }

  deliveryLog(workspaceId: string, deliveryId: string): Promise<DeliveryLogRow | undefined> {
    return this.first<DeliveryLogRow>(
      `SELECT d.id, d.endpoint_id, e.message_id, e.event_type, d.status, d.attempts, d.last_status_code,
              d.last_error, d.last_response_body, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.created_at
         FROM webhook_deliveries d
         JOIN outbox_events e ON e.id = d.outbox_event_id
        WHERE d.workspace_id = $1 AND d.id = $2`,
      [workspaceId, deliveryId],
    );
  }

  /**
   * Schedules deliveries again from the start of the retry schedule (replay, recover): those of `ids`, or the
   * failed/dead ones of `endpointId` created since `since`. Returns the ids scheduled.
   */
  async reschedule(
    workspaceId: string,
    target: { ids: string[] } | { endpointId: string; since: Date },
    at: Date,
  ): Promise<string[]> {
    const byIds = 'ids' in target;
    const rows = await this.returning<{ id: string }>(
      `UPDATE webhook_deliveries
          SET status = 'pending', retry_step = 0, next_attempt_at = $2, delivered_at = NULL
        WHERE workspace_id = $1
          AND ${
            byIds
              ? `id = ANY ($3::bigint[])`
              : `endpoint_id = $3 AND created_at >= $4 AND status IN ('failed', 'dead')`
          }
        RETURNING id`,
      byIds ? [workspaceId, at, target.ids] : [workspaceId, at, target.endpointId, target.since],
    );
    return rows.map((r) => r.id);
  }

  /** A delivery of a one-off test event to one endpoint (already marked dispatched). */
  async insertTestDelivery(
    workspaceId: string,
    endpointId: string,
    event: { messageId: string; type: string; payload: string },
    at: Date,
  ): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `WITH ev AS (
         INSERT INTO outbox_events (workspace_id, message_id, event_type, payload, dispatched_at)
         VALUES ($1, $3, $4, $5, now()) RETURNING id)
       INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id, next_attempt_at)
       SELECT $1, ev.id, $2, $6 FROM ev RETURNING id`,
      [workspaceId, endpointId, event.messageId, event.type, event.payload, at],
    );
    return row.id;
  }

  /**
   * Retention: the delivery log — deliveries that are over (delivered, dead, or failed and no longer scheduled)
   * created before `b.before`. Pending and scheduled ones stay, whatever their age.
   */
  purgeDeliveries(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM webhook_deliveries
           WHERE workspace_id = $1 AND next_attempt_at IS NULL AND status <> 'pending' AND created_at < $2`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM webhook_deliveries WHERE workspace_id = $1 AND id IN (
               SELECT id FROM webhook_deliveries
               WHERE workspace_id = $1 AND next_attempt_at IS NULL AND status <> 'pending' AND created_at < $2
               ORDER BY created_at LIMIT $3)
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }
}
