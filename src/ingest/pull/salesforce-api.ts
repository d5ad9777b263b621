/**
 * The Salesforce REST shapes a connector speaks, pure and framework-free: the SOQL query of a pull and its cursor
 * (a `SystemModstamp` watermark plus the server-side query locator of `nextRecordsUrl`), a record as a wire event of
 * the sync core, the sObject Collections update of a write-back and its per-record results, the
 * `Sforce-Limit-Info` header and the error bodies (`[{ message, errorCode }]`). Shapes follow the Salesforce REST API
 * Developer Guide and jsforce.
 */
import { z } from 'zod';
import { currencyExponent, parseDecimal } from '../csv/csv-rows';
import { getPath, WireEvent } from './record-mapping';
import { SalesforceRecordsConfig } from './salesforce-config';

/**
 * Where a pull stands: the query runs `WHERE SystemModstamp >= since ORDER BY SystemModstamp, Id` and is paged by
 * its locator (`nextRecordsUrl`: a server-side cursor over a snapshot, so nothing shifts under it); `seen` is the
 * newest instant read so far, from which a query whose locator expired (15 minutes idle) starts again. A finished
 * query moves `since` to `seen` (inclusive: the boundary records come once more, harmlessly).
 */
export interface SalesforceCursor {
  since: string | null;
  locator: string | null;
  seen: string | null;
}

const START: SalesforceCursor = { since: null, locator: null, seen: null };
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** `/services/data/v62.0/query/01gD0000002HU6KIAW-2000` */
const LOCATOR = /^\/services\/data\/v\d{2,3}\.0\/query\/[A-Za-z0-9]{1,40}-\d{1,10}$/;

export function parseSalesforceCursor(raw: string | null): SalesforceCursor {
  if (raw === null) return { ...START };
  try {
    const c = JSON.parse(raw) as Partial<SalesforceCursor>;
    const instant = (v: unknown) => (typeof v === 'string' && INSTANT.test(v) ? v : null);
    return {
      since: instant(c.since),
      locator: typeof c.locator === 'string' && LOCATOR.test(c.locator) ? c.locator : null,
      seen: instant(c.seen),
    };
  } catch {
    return { ...START };
  }
}

export const formatSalesforceCursor = (c: SalesforceCursor): string => JSON.stringify(c);

/** The fields a query selects (Id first). */
export function selectedFields(cfg: SalesforceRecordsConfig): string[] {
  const f = cfg.fields;
  const named = [
    f.updatedAt,
    f.name,
    f.email,
    f.phone,
    f.region,
    f.country,
    f.industry,
    f.sourceChannel,
    f.ownerRepExternalId,
    f.createdAt,
  ];
  return [...new Set(['Id', ...named.filter((n): n is string => n !== null)])];
}

/** The SOQL of a pull from `since` (field names are validated API names; the instant is a SOQL datetime literal). */
export function soql(cfg: SalesforceRecordsConfig, since: string | null): string {
  const modified = cfg.fields.updatedAt;
  const where = since === null ? '' : ` WHERE ${modified} >= ${since}`;
  return `SELECT ${selectedFields(cfg).join(', ')} FROM ${cfg.object}${where} ORDER BY ${modified} ASC, Id ASC`;
}

const sobject = z.looseObject({
  attributes: z.looseObject({ type: z.string() }).optional(),
  Id: z.string().min(15).max(18),
});

/** QueryResult */
export const queryResponseSchema = z.looseObject({
  totalSize: z.number().int(),
  done: z.boolean(),
  /** only Salesforce's own locator shape is ever followed (it becomes a request path under the instance URL) */
  nextRecordsUrl: z.string().regex(LOCATOR, 'a query locator path').optional(),
  records: z.array(sobject).max(2000),
});
export type QueryResponse = z.output<typeof queryResponseSchema>;
export type SalesforceRecord = z.output<typeof sobject>;

/** A Salesforce datetime (`2026-01-01T10:00:00.000+0000`) as an ISO instant, or null. */
export function sfInstant(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** The cursor after a page: the locator while the query has more, else the watermark moved to the newest read. */
export function nextSalesforceCursor(
  cursor: SalesforceCursor,
  page: QueryResponse,
  modifiedField: string,
): { next: SalesforceCursor; done: boolean } {
  let seen = cursor.seen;
  for (const r of page.records) {
    const t = sfInstant(getPath(r, modifiedField));
    if (t !== null && (seen === null || t > seen)) seen = t;
  }
  if (page.done || !page.nextRecordsUrl) {
    return { next: { since: seen ?? cursor.since, locator: null, seen: null }, done: true };
  }
  return { next: { since: cursor.since, locator: page.nextRecordsUrl, seen }, done: false };
}

/** A query whose locator expired starts again from the newest instant read. */
export const restartCursor = (c: SalesforceCursor): SalesforceCursor => ({
  since: c.seen ?? c.since,
  locator: null,
  seen: null,
});

const COUNTRY = /^[A-Za-z]{2}$/;

/** A Contact or Account as a `customer.upserted` wire event. */
export function sfRecordToWire(record: SalesforceRecord, cfg: SalesforceRecordsConfig): WireEvent {
  const f = cfg.fields;
  const read = (name: string | null) => (name === null ? undefined : (getPath(record, name) ?? null));
  const data: Record<string, unknown> = {
    externalId: record.Id,
    kind: cfg.object === 'Account' ? 'business' : 'individual',
    updatedAt: sfInstant(getPath(record, f.updatedAt)) ?? getPath(record, f.updatedAt) ?? null,
  };
  for (const key of [
    'name',
    'email',
    'phone',
    'region',
    'industry',
    'sourceChannel',
    'ownerRepExternalId',
  ] as const) {
    const v = read(f[key]);
    if (v !== undefined) data[key] = v;
  }
  const country = read(f.country);
  if (country !== undefined)
    data.country = typeof country === 'string' && COUNTRY.test(country) ? country : null;
  if (f.createdAt !== null) data.createdAt = sfInstant(getPath(record, f.createdAt));
  return { type: 'customer.upserted', data };
}

/** The lookup from an Opportunity to the customer record pulled. */
export function opportunityCustomerField(cfg: SalesforceRecordsConfig): 'ContactId' | 'AccountId' {
  return cfg.opportunities.customerField ?? (cfg.object === 'Account' ? 'AccountId' : 'ContactId');
}

/** A SOQL string literal (the config allows no quotes or backslashes in stage names; escaped all the same). */
const soqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Won Opportunities from the watermark, and those in a cancelled stage (a re-opened one stays an order until it is
 * deleted in Callplan).
 */
export function opportunitySoql(cfg: SalesforceRecordsConfig, since: string | null): string {
  const o = cfg.opportunities;
  const cancelled = o.cancelledStages ?? [];
  const fields = [
    'Id',
    'SystemModstamp',
    opportunityCustomerField(cfg),
    'Amount',
    'CloseDate',
    ...(o.currencyField ? [o.currencyField] : []),
    ...(cancelled.length ? ['StageName'] : []),
    ...(o.reversesField ? [o.reversesField] : []),
  ];
  const orders = cancelled.length
    ? `(IsWon = true OR StageName IN (${cancelled.map(soqlString).join(', ')}))`
    : 'IsWon = true';
  const where = [orders, ...(since === null ? [] : [`SystemModstamp >= ${since}`])].join(' AND ');
  return `SELECT ${[...new Set(fields)].join(', ')} FROM Opportunity WHERE ${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

/**
 * An Opportunity as an `order.upserted` wire event (Amount in major units, converted exactly): won, a paid order;
 * won with a negative Amount, a refund booked as an Opportunity of its own (a reversal, `refunded`, |Amount|, naming
 * the Opportunity in `reversesField` when set); in a cancelled stage, the order undone (`cancelled`).
 * docs/crm-sync.md, "Refunds and cancellations".
 */
export function opportunityToWire(record: SalesforceRecord, cfg: SalesforceRecordsConfig): WireEvent {
  const o = cfg.opportunities;
  const currency = (o.currencyField ? getPath(record, o.currencyField) : null) ?? o.currency;
  const amount = getPath(record, 'Amount');
  let amountMinor: number | null = null;
  if (typeof amount === 'number' && typeof currency === 'string') {
    try {
      const minor = parseDecimal(String(amount), currencyExponent(currency));
      amountMinor = minor === null ? null : Number(minor);
    } catch {
      amountMinor = null; // unknown currency: validation names it
    }
  }
  const stage = getPath(record, 'StageName');
  const cancelled = typeof stage === 'string' && (o.cancelledStages ?? []).includes(stage);
  const refund = !cancelled && amountMinor !== null && amountMinor < 0;
  // A refund Opportunity in a cancelled stage (the refund undone) is no order: said to be no reversal, its negative amount
  // is refused (reversal_conflict) instead of read as a credit note to net, as an event's negative amount is.
  const undoneRefund = cancelled && amountMinor !== null && amountMinor < 0;
  const link = refund && o.reversesField ? getPath(record, o.reversesField) : null;
  const reverses = typeof link === 'string' && link.trim() !== '' ? link.trim() : null;
  return {
    type: 'order.upserted',
    data: {
      externalId: record.Id,
      customerExternalId: getPath(record, opportunityCustomerField(cfg)) ?? null,
      updatedAt: sfInstant(getPath(record, 'SystemModstamp')),
      placedAt: getPath(record, 'CloseDate') ?? null,
      amountMinor: refund ? -(amountMinor as number) : amountMinor,
      currency,
      status: cancelled ? 'cancelled' : refund ? 'refunded' : 'paid',
      ...(refund
        ? { reversal: true, ...(reverses ? { reverses } : {}) }
        : undoneRefund
          ? { reversal: false }
          : {}),
    },
  };
}

/** A Salesforce record id (15 or 18 characters). */
export const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** A Callplan value as a Salesforce field value (typed JSON: numbers, dates as text, null clears). */
export function salesforceValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(String).join(';'); // multi-select picklist
  if (typeof v === 'object' && 'amountMinor' in v && 'currency' in v) {
    const { amountMinor, currency } = v as { amountMinor: number; currency: string };
    return Number(amountMinor) / 10 ** currencyExponent(String(currency));
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** The body of `PATCH /services/data/vXX.X/composite/sobjects` (≤ 200 records), each record on its own. */
export function collectionBody(
  object: string,
  updates: Array<{ id: string; values: Record<string, unknown> }>,
): Record<string, unknown> {
  return {
    allOrNone: false,
    records: updates.map((u) => ({
      attributes: { type: object },
      Id: u.id,
      ...Object.fromEntries(Object.entries(u.values).map(([k, v]) => [k, salesforceValue(v)])),
    })),
  };
}

const saveResult = z.looseObject({
  id: z.string().nullable().optional(),
  success: z.boolean(),
  errors: z
    .array(z.looseObject({ statusCode: z.string().optional(), message: z.string().optional() }))
    .default([]),
});

/** The failed records of a collection answer (SaveResult[] in the order of the request). */
export function collectionFailures(
  body: unknown,
  ids: string[],
): { failed: Array<{ id: string; code: string; message: string }>; succeeded: string[] } | null {
  const parsed = z.array(saveResult).safeParse(body);
  if (!parsed.success || parsed.data.length !== ids.length) return null;
  const failed: Array<{ id: string; code: string; message: string }> = [];
  const succeeded: string[] = [];
  parsed.data.forEach((r, i) => {
    if (r.success) succeeded.push(ids[i]);
    else {
      const e = r.errors[0];
      failed.push({
        id: ids[i],
        code: e?.statusCode ?? 'ERROR',
        message: (e?.message ?? 'refused').slice(0, 300),
      });
    }
  });
  return { failed, succeeded };
}

/** `Sforce-Limit-Info: api-usage=18/5000` → used and allowed API requests of the org's rolling 24 hours. */
export function limitInfo(header: string | null): { used: number; max: number } | null {
  const m = /api-usage=(\d{1,12})\/(\d{1,12})/.exec(header ?? '');
  return m ? { used: Number(m[1]), max: Number(m[2]) } : null;
}

/** The `errorCode` of a Salesforce error body (`[{ message, errorCode }]`). */
export function errorCode(body: unknown): string | null {
  const first = Array.isArray(body) ? (body[0] as { errorCode?: unknown } | undefined) : undefined;
  return typeof first?.errorCode === 'string' ? first.errorCode : null;
}
