import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { PiiCipher } from '../common/pii-cipher';
import { OutboundGuard, OutboundRefused } from '../net/outbound-guard';
import { EVENT_TYPE_SPECS, EVENT_TYPES, OutboundEventType, unknownEventTypes } from './event-types';
import { WEBHOOK_SECRET_CIPHER, WebhookClock } from './webhooks.providers';
import { AttemptResult, WebhookDeliveryService } from './webhook-delivery.service';
import { newWebhookSecret } from './webhook-signing';
import {
  DeliveryLogRow,
  DeliveryStatus,
  WebhookEndpointRow,
  WebhooksRepository,
} from './webhooks.repository';
import { isUuid } from '../common/uuid';
import { TenantScope } from '../database/tenant-scope';

export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  active: boolean;
  disabledReason: 'manual' | 'failing' | 'gone' | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  /** end of the rotation overlap: until then deliveries carry the previous secret's signature too */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  /** the receiver's answer, first 2 KiB */
  responseBody: string | null;
  error: string | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** Longest rotation overlap, hours. */
export const MAX_ROTATION_OVERLAP_HOURS = 7 * 24;

/** The endpoint registry and its operations: CRUD, enable/disable, secret rotation, delivery log, replay. */
@Injectable()
export class WebhookEndpointsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookEndpointsService.name);

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly guard: OutboundGuard,
    private readonly delivery: WebhookDeliveryService,
    private readonly clock: WebhookClock,
    @Inject(WEBHOOK_SECRET_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  /** Encrypts the plaintext secrets of endpoints created before secrets were encrypted (see the migration). */
  async onApplicationBootstrap(): Promise<void> {
    const n = await TenantScope.crossTenant('a start-up step over every workspace’s endpoints', () =>
      this.encryptLegacySecrets(),
    );
    if (n > 0) this.logger.log(`encrypted the signing secrets of ${n} webhook endpoints`);
  }

  async encryptLegacySecrets(): Promise<number> {
    const rows = await this.webhooks.legacySecrets();
    for (const r of rows)
      await this.webhooks.storeEncryptedSecret(r.id, r.secret, this.cipher.encrypt(r.secret));
    return rows.length;
  }

  /** Registers an endpoint; returns its signing secret once. */
  async create(
    workspaceId: string,
    url: string,
    eventTypes: string[] = [],
  ): Promise<WebhookEndpointView & { secret: string }> {
    await this.checkUrl(url);
    checkEventTypes(eventTypes);
    const secret = newWebhookSecret();
    const row = await this.webhooks.insertEndpoint(workspaceId, {
      url,
      secretEnc: this.cipher.encrypt(secret),
      eventTypes: dedupe(eventTypes),
    });
    return { ...toView(row), secret };
  }

  async list(workspaceId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.webhooks.endpoints(workspaceId);
    return rows.map(toView);
  }

  async get(workspaceId: string, id: string): Promise<WebhookEndpointView> {
    return toView(found(await this.webhooks.endpoint(workspaceId, checkId(id))));
  }

  /** Changes URL, event types and/or active; a changed URL passes the SSRF check again. */
  async update(
    workspaceId: string,
    id: string,
    change: { url?: string; eventTypes?: string[]; active?: boolean },
  ): Promise<WebhookEndpointView> {
    checkId(id);
    if (change.url !== undefined) await this.checkUrl(change.url);
    if (change.eventTypes !== undefined) checkEventTypes(change.eventTypes);
    let row = found(await this.webhooks.endpoint(workspaceId, id));
    if (change.url !== undefined || change.eventTypes !== undefined)
      row = found(
        await this.webhooks.updateEndpoint(workspaceId, id, {
          url: change.url,
          eventTypes: change.eventTypes && dedupe(change.eventTypes),
        }),
      );
    if (change.active !== undefined && change.active !== row.active)
      row = found(await this.webhooks.setActive(workspaceId, id, change.active));
    return toView(row);
  }

  setActive(workspaceId: string, id: string, active: boolean): Promise<WebhookEndpointView> {
    return this.update(workspaceId, id, { active });
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    if (!(await this.webhooks.deleteEndpoint(workspaceId, checkId(id))))
      throw AppError.notFound('webhook endpoint');
  }

  /**
   * A new signing secret (returned once). For `overlapHours` deliveries are signed with both the new and the
   * previous secret (Standard Webhooks allows several signatures), so the receiver can switch without a gap.
   */
  async rotate(
    workspaceId: string,
    id: string,
    overlapHours = 24,
  ): Promise<WebhookEndpointView & { secret: string }> {
    checkId(id);
    if (!Number.isFinite(overlapHours) || overlapHours < 0 || overlapHours > MAX_ROTATION_OVERLAP_HOURS)
      throw new AppError('validation_failed', `overlapHours must be 0–${MAX_ROTATION_OVERLAP_HOURS}`, 400, [
        { path: 'overlapHours', code: 'out_of_range', message: `0–${MAX_ROTATION_OVERLAP_HOURS} hours` },
      ]);
    const secret = newWebhookSecret();
    const until = new Date(Date.now() + overlapHours * 3_600_000);
    const row = found(await this.webhooks.rotateSecret(workspaceId, id, this.cipher.encrypt(secret), until));
    return { ...toView(row), secret };
  }

  /** The delivery log of an endpoint, newest first; `before` pages on (the last id of the previous page). */
  async deliveries(
    workspaceId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus; since?: Date; until?: Date; before?: string; limit: number },
  ): Promise<DeliveryView[]> {
    found(await this.webhooks.endpoint(workspaceId, checkId(endpointId)));
    const rows = await this.webhooks.deliveries(workspaceId, endpointId, {
      status: filter.status,
      since: filter.since,
      until: filter.until,
      beforeId: filter.before,
      limit: filter.limit,
    });
    return rows.map(toDeliveryView);
  }

  /** Sends one delivery again from the start of the retry schedule (whatever its status). */
  async replay(workspaceId: string, deliveryId: string): Promise<DeliveryView> {
    if (!/^\d{1,18}$/.test(deliveryId)) throw AppError.notFound('webhook delivery');
    found(await this.webhooks.deliveryLog(workspaceId, deliveryId), 'webhook delivery');
    await this.webhooks.reschedule(workspaceId, { ids: [deliveryId] }, this.clock.now());
    await this.delivery.enqueueNow([deliveryId]);
    return toDeliveryView(
      found(await this.webhooks.deliveryLog(workspaceId, deliveryId), 'webhook delivery'),
    );
  }

  /** Replays every failed or dead delivery of the endpoint created since `since`. */
  async recover(workspaceId: string, endpointId: string, since: Date): Promise<{ scheduled: number }> {
    const endpoint = found(await this.webhooks.endpoint(workspaceId, checkId(endpointId)));
    if (!endpoint.active)
      throw new AppError(
        'endpoint_disabled',
        'enable the endpoint before recovering its deliveries',
        HttpStatus.CONFLICT,
      );
    const ids = await this.webhooks.reschedule(workspaceId, { endpointId, since }, this.clock.now());
    await this.delivery.enqueueNow(ids);
    return { scheduled: ids.length };
  }

  /**
   * Sends the catalog's example of an event type (default: the endpoint's first subscribed type) to the endpoint now, signed like any delivery, and answers with the
   * attempt's result (a failure is retried on the schedule like any other delivery).
   */
  async sendTest(workspaceId: string, endpointId: string, requested?: string): Promise<AttemptResult> {
    const endpoint = found(await this.webhooks.endpoint(workspaceId, checkId(endpointId)));
    // by default a type the endpoint subscribes to
    const eventType = requested ?? endpoint.event_types[0] ?? EVENT_TYPES[0];
    checkEventTypes([eventType], 'eventType');
    const spec = EVENT_TYPE_SPECS.find((s) => s.type === eventType)!;
    const messageId = `msg_${randomUUID().replace(/-/g, '')}`;
    const payload = { type: eventType, timestamp: new Date().toISOString(), test: true, data: spec.example };
    const id = await this.webhooks.insertTestDelivery(
      workspaceId,
      endpointId,
      { messageId, type: eventType, payload: JSON.stringify(payload) },
      this.clock.now(),
    );
    return this.delivery.attempt(id);
  }

  /** Switches off the local receivers of earlier demo runs, keeping `keepEndpointId` (the CLI demo). */
  deactivateDemoReceivers(workspaceId: string, keepEndpointId: string): Promise<void> {
    return this.webhooks.deactivateDemoReceivers(workspaceId, keepEndpointId);
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await this.guard.check(url);
    } catch (e) {
      if (!(e instanceof OutboundRefused)) throw e;
      throw new AppError('url_not_allowed', e.message, HttpStatus.UNPROCESSABLE_ENTITY, [
        { path: 'url', code: 'url_not_allowed', message: e.message },
      ]);
    }
  }
}

/** Throws `validation_failed` naming each unknown type (the catalog is the list: GET /v1/webhook-event-types). */
export function checkEventTypes(types: readonly string[], field = 'eventTypes'): void {
  const unknown = unknownEventTypes(types);
  if (unknown.length === 0) return;
  throw new AppError(
    'validation_failed',
    `unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
    400,
    types.flatMap((t, i) =>
      unknown.includes(t)
        ? [
            {
              path: field === 'eventType' ? field : `${field}[${i}]`,
              code: 'unknown_event_type',
              message: `unknown event type "${t}"`,
            },
          ]
        : [],
    ),
  );
}

function checkId(id: string): string {
  if (!isUuid(id)) throw AppError.notFound('webhook endpoint');
  return id;
}

function found<T>(row: T | undefined, what = 'webhook endpoint'): T {
  if (!row) throw AppError.notFound(what);
  return row;
}

function dedupe(types: string[]): OutboundEventType[] {
  return [...new Set(types)] as OutboundEventType[];
}

function toView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    active: row.active,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    failingSince: row.failing_since,
    previousSecretExpiresAt:
      row.previous_secret_expires_at && row.previous_secret_expires_at > new Date()
        ? row.previous_secret_expires_at
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDeliveryView(row: DeliveryLogRow): DeliveryView {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    messageId: row.message_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.last_status_code,
    responseBody: row.last_response_body,
    error: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}
