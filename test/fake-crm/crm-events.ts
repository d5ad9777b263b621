import { randomUUID } from 'node:crypto';
import { signedWebhookHeaders } from '../../src/ingest/events/webhook-signature';

/** Builders of wire-format CRM events (the webhook body format of docs/crm-sync.md), for tests and the benchmark. */
export type WireEvent = { id?: string; type: string; data: Record<string, unknown> };

export const ev = {
  customer: (externalId: string, updatedAt: string, fields: Record<string, unknown> = {}): WireEvent => ({
    type: 'customer.upserted',
    data: { externalId, updatedAt, ...fields },
  }),
  customerDeleted: (externalId: string, deletedAt: string): WireEvent => ({
    type: 'customer.deleted',
    data: { externalId, deletedAt },
  }),
  customerRestored: (externalId: string, restoredAt: string): WireEvent => ({
    type: 'customer.restored',
    data: { externalId, restoredAt },
  }),
  merged: (winnerExternalId: string, loserExternalId: string, mergedAt: string): WireEvent => ({
    type: 'customer.merged',
    data: { winnerExternalId, loserExternalId, mergedAt },
  }),
  order: (
    externalId: string,
    customerExternalId: string,
    updatedAt: string,
    fields: Record<string, unknown> = {},
  ): WireEvent => ({
    type: 'order.upserted',
    data: {
      externalId,
      customerExternalId,
      updatedAt,
      placedAt: '2026-03-01T10:00:00Z',
      amountMinor: 12_500,
      currency: 'CNY',
      ...fields,
    },
  }),
  orderDeleted: (externalId: string, deletedAt: string): WireEvent => ({
    type: 'order.deleted',
    data: { externalId, deletedAt },
  }),
  orderRestored: (externalId: string, restoredAt: string): WireEvent => ({
    type: 'order.restored',
    data: { externalId, restoredAt },
  }),
  interaction: (
    externalId: string,
    customerExternalId: string,
    occurredAt: string,
    fields: Record<string, unknown> = {},
  ): WireEvent => ({
    type: 'interaction.created',
    data: { externalId, customerExternalId, occurredAt, kind: 'call', ...fields },
  }),
};

/** `2026-05-01T00:00:00Z` + n minutes, as an ISO string (a compact way to write ordered source times). */
export function t(minutes: number): string {
  return new Date(Date.UTC(2026, 4, 1) + minutes * 60_000).toISOString();
}

/** POSTs a signed webhook message to /v1/crm/events/:slug and returns status and JSON body. */
export async function postEvents(
  baseUrl: string,
  slug: string,
  secret: string,
  body: unknown,
  opts: { webhookId?: string; at?: Date; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{
  status: number;
  body: { error?: { code: string; message: string; details?: unknown } } & Record<string, unknown>;
}> {
  const text = opts.rawBody ?? JSON.stringify(body);
  const headers = {
    ...signedWebhookHeaders(secret, opts.webhookId ?? `msg_${randomUUID()}`, text, opts.at),
    ...opts.headers,
  };
  const res = await fetch(`${baseUrl}/v1/crm/events/${slug}`, { method: 'POST', headers, body: text });
  const raw = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = { raw };
  }
  return { status: res.status, body: parsed };
}
