/**
 * Maps records of a foreign CRM API into wire events (the webhook format), pure. The pull path then validates
 * them with the same schema as webhooks, so both paths accept and reject exactly the same things.
 * Deletion, restore and merge markers (`deletedAt`, `restoredAt`, `mergedIntoExternalId`) become their own events.
 */
import { currencyExponent, parseDecimal } from '../csv/csv-rows';
import type { EntityConfig, PullEntity } from './connector-config';

const CUSTOMER_FIELDS = [
  'externalId',
  'updatedAt',
  'kind',
  'name',
  'email',
  'phone',
  'region',
  'country',
  'industry',
  'size',
  'sourceChannel',
  'ownerRepExternalId',
  'createdAt',
  'contacts',
  'doNotCall',
];
const CONTACT_FIELDS = ['externalId', 'name', 'title', 'email', 'phone', 'isPrimary'];
const ORDER_FIELDS = [
  'externalId',
  'customerExternalId',
  'updatedAt',
  'placedAt',
  'amountMinor',
  'currency',
  'status',
  'channel',
  'lines',
  // a refund or cancellation booked as an order of its own, and the order it reverses (docs/crm-sync.md)
  'reversal',
  'reverses',
];
const LINE_FIELDS = ['productCode', 'productName', 'category', 'quantity', 'amountMinor'];
const INTERACTION_FIELDS = [
  'externalId',
  'customerExternalId',
  'occurredAt',
  'updatedAt',
  'kind',
  'outcome',
  'score',
  'note',
  'repExternalId',
];
const MARKERS = ['deletedAt', 'restoredAt', 'mergedIntoExternalId'];
const ID_FIELDS = new Set([
  'externalId',
  'customerExternalId',
  'ownerRepExternalId',
  'repExternalId',
  'productCode',
  'reverses',
]);
const NUMBER_FIELDS = new Set(['amountMinor', 'quantity', 'score']);

/** Reads `a.b.0.c` from a JSON value; undefined when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function pick(record: unknown, fields: string[], map: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    let v = getPath(record, map[f] ?? f);
    if (v === undefined) continue;
    // Foreign APIs often send numeric ids as numbers and numbers as strings; types are otherwise left to validation.
    if (ID_FIELDS.has(f) && typeof v === 'number') v = String(v);
    if (NUMBER_FIELDS.has(f) && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) v = Number(v);
    out[f] = v;
  }
  return out;
}

/** `amount` given in major units ("12.50") instead of `amountMinor`: converted exactly with the currency's exponent. */
function majorAmount(record: unknown, map: Record<string, string>, currency: unknown): number | undefined {
  const path = map.amount;
  if (!path) return undefined;
  const v = getPath(record, path);
  if (v === undefined || v === null || typeof currency !== 'string') return undefined;
  try {
    const minor = parseDecimal(String(v), currencyExponent(currency.trim().toUpperCase()));
    return minor === null ? undefined : Number(minor);
  } catch {
    return undefined; // unknown currency: validation reports it
  }
}

export type WireEvent = { type: string; data: Record<string, unknown> };

/** The events one foreign record stands for (an upsert, and/or a delete, restore or merge). */
export function recordToEvents(entity: PullEntity, record: unknown, cfg: EntityConfig): WireEvent[] {
  const map = cfg.fields;
  const markers = pick(record, MARKERS, map);
  const deletedAt = markers.deletedAt ?? null;
  const restoredAt = markers.restoredAt ?? null;
  // A tombstone may carry no data: it yields a delete only, never an upsert of empty fields over the real ones.
  const stillDeleted =
    deletedAt !== null &&
    (restoredAt === null || Date.parse(String(restoredAt)) < Date.parse(String(deletedAt)));
  const events: WireEvent[] = [];
  if (entity === 'customers') {
    const data = pick(record, CUSTOMER_FIELDS, map);
    if (Array.isArray(data.contacts))
      data.contacts = data.contacts.map((c) => pick(c, CONTACT_FIELDS, cfg.itemFields));
    else if (data.contacts === null) delete data.contacts;
    const id = data.externalId;
    if (!stillDeleted) events.push({ type: 'customer.upserted', data });
    if (deletedAt !== null) events.push({ type: 'customer.deleted', data: { externalId: id, deletedAt } });
    if (restoredAt !== null) events.push({ type: 'customer.restored', data: { externalId: id, restoredAt } });
    const winner = markers.mergedIntoExternalId;
    if (winner !== undefined && winner !== null) {
      events.push({
        type: 'customer.merged',
        data: { winnerExternalId: String(winner), loserExternalId: id, mergedAt: data.updatedAt },
      });
    }
    return events;
  }
  if (entity === 'orders') {
    const data = pick(record, ORDER_FIELDS, map);
    if (data.amountMinor === undefined) {
      const minor = majorAmount(record, map, data.currency);
      if (minor !== undefined) data.amountMinor = minor;
    }
    if (Array.isArray(data.lines)) {
      data.lines = data.lines.map((l) => {
        const line = pick(l, LINE_FIELDS, cfg.itemFields);
        if (line.amountMinor === undefined) {
          const minor = majorAmount(l, cfg.itemFields, data.currency);
          if (minor !== undefined) line.amountMinor = minor;
        }
        return line;
      });
    } else if (data.lines === null) delete data.lines;
    const id = data.externalId;
    if (!stillDeleted) events.push({ type: 'order.upserted', data });
    if (deletedAt !== null) events.push({ type: 'order.deleted', data: { externalId: id, deletedAt } });
    if (restoredAt !== null) events.push({ type: 'order.restored', data: { externalId: id, restoredAt } });
    return events;
  }
  return [{ type: 'interaction.created', data: pick(record, INTERACTION_FIELDS, map) }];
}

/** The source modification time of a raw record (for the updated_since watermark), or null. */
export function recordUpdatedAt(record: unknown, cfg: EntityConfig): string | null {
  const v = getPath(record, cfg.fields.updatedAt ?? 'updatedAt');
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
