/**
 * The HubSpot CRM v3 shapes a connector speaks, pure and framework-free: the contacts search request and its
 * watermark cursor, a contact as a wire event of the sync core, the batch-update inputs of a write-back, the
 * failures of a multi-status (207) answer and the rate-limit headers. Shapes follow HubSpot's public API reference
 * and its official Node client (`@hubspot/api-client`: SimplePublicObject, CollectionResponseWithTotal,
 * BatchResponseSimplePublicObjectWithErrors, StandardError).
 */
import { z } from 'zod';
import { currencyExponent, parseDecimal } from '../csv/csv-rows';
import type { WireEvent } from './record-mapping';
import {
  HUBSPOT_MAX,
  HubSpotCompaniesConfig,
  HubSpotContactsConfig,
  HubSpotDealsConfig,
} from './hubspot-config';

/** What paging a search needs of an object's configuration: its modified-at property and its page size. */
export interface SearchPaging {
  pageSize: number;
  fields: { updatedAt: string };
}

/** A search filter (`IN` takes `values`). */
export type SearchFilter = { propertyName: string; operator: string; value?: string; values?: string[] };

/**
 * Where a contacts pull stands. Each page is a fresh search from a watermark on `lastmodifieddate`, never an `after`
 * offset into one long result list: a record modified during the pull moves behind the watermark and is read again
 * later instead of shifting the others past an offset (a skipped record), and no query nears HubSpot's 10,000
 * results per query.
 * - `since`: the newest instant read (ms since epoch); pages ask `GTE since` (`GT` when `strict`: the records of
 *   that instant were all read), oldest first;
 * - `tie`: a full page that all shares `since` is paged through by `hs_object_id` (`EQ since AND hs_object_id GT
 *   afterId`, sorted by id), a keyset that no concurrent change can shift.
 */
export interface HubSpotCursor {
  since: number | null;
  strict: boolean;
  tie: boolean;
  afterId: string | null;
}

const START: HubSpotCursor = { since: null, strict: false, tie: false, afterId: null };

export function parseCursor(raw: string | null): HubSpotCursor {
  if (raw === null) return { ...START };
  try {
    const c = JSON.parse(raw) as Partial<HubSpotCursor>;
    const since = typeof c.since === 'number' && Number.isFinite(c.since) ? c.since : null;
    if (since === null) return { ...START };
    return {
      since,
      strict: c.strict === true,
      tie: c.tie === true,
      afterId: typeof c.afterId === 'string' && /^\d{1,20}$/.test(c.afterId) ? c.afterId : null,
    };
  } catch {
    return { ...START };
  }
}

export const formatCursor = (c: HubSpotCursor): string => JSON.stringify(c);

/** The properties a contacts search asks for. */
export function contactProperties(cfg: HubSpotContactsConfig): string[] {
  const f = cfg.fields;
  const named = [
    f.updatedAt,
    f.createdAt,
    f.email,
    f.phone,
    f.region,
    f.country,
    f.industry,
    f.sourceChannel,
    f.ownerRepExternalId,
    ...f.name,
  ];
  return [...new Set(named.filter((p): p is string => p !== null))];
}

/** `POST /crm/v3/objects/contacts/search` for a cursor: from the watermark oldest first, or within a tie by id. */
export function searchBody(cfg: HubSpotContactsConfig, cursor: HubSpotCursor): Record<string, unknown> {
  return objectSearchBody(cfg, cursor, contactProperties(cfg));
}

/**
 * `POST /crm/v3/objects/{object}/search` for a cursor (contacts, companies, deals alike). `groups` are alternatives
 * (HubSpot ORs filter groups, at most 5), each ANDed with the cursor's filters (e.g. a deal's won stages, or its
 * cancelled stages once won); none: the cursor's filters alone.
 */
export function objectSearchBody(
  cfg: SearchPaging,
  cursor: HubSpotCursor,
  properties: string[],
  groups: SearchFilter[][] = [],
): Record<string, unknown> {
  const modified = cfg.fields.updatedAt;
  const common = { properties, limit: cfg.pageSize };
  const within = (base: SearchFilter[]) =>
    groups.length
      ? groups.map((g) => ({ filters: [...base, ...g] }))
      : base.length
        ? [{ filters: base }]
        : [];
  if (cursor.since === null) {
    return {
      filterGroups: within([]),
      sorts: [{ propertyName: modified, direction: 'ASCENDING' }],
      ...common,
    };
  }
  const at = String(cursor.since);
  if (cursor.tie) {
    const tie: SearchFilter[] = [{ propertyName: modified, operator: 'EQ', value: at }];
    if (cursor.afterId !== null) {
      tie.push({ propertyName: 'hs_object_id', operator: 'GT', value: cursor.afterId });
    }
    return {
      filterGroups: within(tie),
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      ...common,
    };
  }
  return {
    filterGroups: within([{ propertyName: modified, operator: cursor.strict ? 'GT' : 'GTE', value: at }]),
    sorts: [{ propertyName: modified, direction: 'ASCENDING' }],
    ...common,
  };
}

const simpleObject = z.looseObject({
  id: z.string().min(1).max(100),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  archived: z.boolean().optional(),
});

/** CollectionResponseWithTotalSimplePublicObjectForwardPaging */
export const searchResponseSchema = z.looseObject({
  total: z.number().int().optional(),
  results: z.array(simpleObject).max(HUBSPOT_MAX.searchPageSize),
  paging: z.looseObject({ next: z.looseObject({ after: z.string() }).optional() }).optional(),
});
export type HubSpotObject = z.output<typeof simpleObject>;
export type SearchResponse = z.output<typeof searchResponseSchema>;

/** A HubSpot datetime property value (ISO 8601, or ms since epoch as text) in ms; null when absent or unreadable. */
export function instantMs(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v.trim() === '') return null;
  const t = /^\d{1,15}$/.test(v.trim()) ? Number(v) : Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/**
 * The cursor after a page, and whether the list is exhausted. A full page moves the watermark to its newest instant
 * (the records of that instant come once more, harmlessly); a full page that all shares the watermark's instant
 * switches to paging that instant by id; a tie read to its end continues strictly after the instant.
 */
export function nextCursor(
  cursor: HubSpotCursor,
  records: HubSpotObject[],
  cfg: SearchPaging,
): { next: HubSpotCursor; done: boolean } {
  const full = records.length >= cfg.pageSize;
  if (cursor.tie) {
    if (full) return { next: { ...cursor, afterId: maxId(records) }, done: false };
    return { next: { since: cursor.since, strict: true, tie: false, afterId: null }, done: false };
  }
  const stamps = records
    .map((r) => instantMs(r.properties[cfg.fields.updatedAt]))
    .filter((t): t is number => t !== null);
  const newest = stamps.length ? Math.max(...stamps) : null;
  const advanced = newest !== null && (cursor.since === null || newest > cursor.since);
  const at = (since: number): HubSpotCursor => ({ since, strict: false, tie: false, afterId: null });
  if (!full) return { next: advanced ? at(newest) : cursor, done: true };
  if (advanced) return { next: at(newest), done: false };
  // a full page, all at the watermark's instant (a non-strict watermark: it was read from GTE since)
  return { next: { since: cursor.since, strict: false, tie: true, afterId: null }, done: false };
}

function maxId(records: HubSpotObject[]): string {
  return records.map((r) => r.id).reduce((a, b) => (BigInt(a) >= BigInt(b) ? a : b));
}

const COUNTRY = /^[A-Za-z]{2}$/;

/** A contact as a `customer.upserted` wire event (validated afterwards by the webhook schema, like any pull). */
export function contactToWire(record: HubSpotObject, cfg: HubSpotContactsConfig): WireEvent {
  const f = cfg.fields;
  const p = record.properties;
  const read = (name: string | null) => (name === null ? undefined : (p[name] ?? null));
  const data: Record<string, unknown> = { externalId: record.id, kind: 'individual' };
  const modified = instantMs(p[f.updatedAt]) ?? instantMs(record.updatedAt);
  data.updatedAt = modified === null ? (p[f.updatedAt] ?? null) : new Date(modified).toISOString();
  const name = f.name
    .map((n) => p[n]?.trim() ?? '')
    .filter(Boolean)
    .join(' ');
  data.name = name || null;
  for (const key of [
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
  if (country !== undefined) data.country = country !== null && COUNTRY.test(country.trim()) ? country : null;
  if (f.createdAt !== null) {
    const created = instantMs(p[f.createdAt]);
    data.createdAt = created === null ? null : new Date(created).toISOString();
  }
  return { type: 'customer.upserted', data };
}

/**
 * Where a customers pull stands: contacts, then (when enabled) companies, each with its own watermark. A cursor
 * stored before companies were pulled is the contacts' one.
 */
export interface HubSpotCustomersCursor {
  contacts: HubSpotCursor;
  companies: HubSpotCursor;
}

export function parseCustomersCursor(raw: string | null): HubSpotCustomersCursor {
  try {
    const c = raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
    if (c && typeof c.contacts === 'object' && c.contacts !== null) {
      return {
        contacts: parseCursor(JSON.stringify(c.contacts)),
        companies: parseCursor(JSON.stringify(c.companies ?? null)),
      };
    }
  } catch {
    // a legacy or unreadable cursor: read below
  }
  return { contacts: parseCursor(raw), companies: parseCursor(null) };
}

/** The properties a companies search asks for. */
export function companyProperties(cfg: HubSpotCompaniesConfig): string[] {
  const named = Object.values(cfg.fields);
  return [...new Set(named.filter((p): p is string => p !== null))];
}

/** A company's customer external id: HubSpot's contact and company ids are separate sequences that may collide. */
export const companyExternalId = (id: string): string => `company-${id}`;

/** A company (tagged `objectType: 'companies'` when stored) as a `customer.upserted` of kind `business`. */
export function companyToWire(record: HubSpotObject, cfg: HubSpotCompaniesConfig): WireEvent {
  const f = cfg.fields;
  const p = record.properties;
  const read = (name: string | null) => (name === null ? undefined : (p[name] ?? null));
  const data: Record<string, unknown> = { externalId: companyExternalId(record.id), kind: 'business' };
  const modified = instantMs(p[f.updatedAt]) ?? instantMs(record.updatedAt);
  data.updatedAt = modified === null ? (p[f.updatedAt] ?? null) : new Date(modified).toISOString();
  data.name = p[f.name]?.trim() || (f.domain === null ? null : p[f.domain]?.trim() || null);
  for (const key of ['phone', 'region', 'industry', 'ownerRepExternalId'] as const) {
    const v = read(f[key]);
    if (v !== undefined) data[key] = v;
  }
  const country = read(f.country);
  if (country !== undefined) data.country = country !== null && COUNTRY.test(country.trim()) ? country : null;
  if (f.createdAt !== null) {
    const created = instantMs(p[f.createdAt]);
    data.createdAt = created === null ? null : new Date(created).toISOString();
  }
  return { type: 'customer.upserted', data };
}

/** The properties a deals search asks for. */
export function dealProperties(cfg: HubSpotDealsConfig): string[] {
  const named = Object.values(cfg.fields);
  return [...new Set(named.filter((p): p is string => p !== null))];
}

/**
 * The deals that are orders, as filter groups of a deals search: won deals, and — when cancelled stages and the
 * won-entered property are configured — deals in a cancelled stage that were won before (HubSpot keeps
 * `hs_date_entered_<won stage>` after the deal moves on) and are no refund (amount ≥ 0). A deal that was never won
 * is no order, whatever its stage.
 */
export function dealFilterGroups(cfg: HubSpotDealsConfig): SearchFilter[][] {
  const lower = (xs: string[]) => xs.map((s) => s.toLowerCase());
  const won: SearchFilter[] = [
    { propertyName: cfg.fields.stage, operator: 'IN', values: lower(cfg.wonStages) },
  ];
  const cancelled = cfg.cancelledStages ?? [];
  if (cancelled.length === 0 || !cfg.fields.wonEnteredAt) return [won];
  return [
    won,
    [
      { propertyName: cfg.fields.stage, operator: 'IN', values: lower(cancelled) },
      { propertyName: cfg.fields.wonEnteredAt, operator: 'HAS_PROPERTY' },
      { propertyName: cfg.fields.amount, operator: 'GTE', value: '0' },
    ],
  ];
}

/** A deal as the pull stores it: the record and the customer external id its association named (null: none). */
export type HubSpotDeal = HubSpotObject & { customerExternalId: string | null };

/**
 * A deal as an `order.upserted`, its amount in the currency's minor units: a won deal is paid; a won deal with a
 * negative amount is a refund booked as a deal of its own (a reversal, `refunded`, giving |amount| back — on the
 * deal `fields.reverses` names, else on one scoring matches); a deal in a cancelled stage is the order undone
 * (`cancelled`, the same external id as when it was won). docs/crm-sync.md, "Refunds and cancellations".
 */
export function dealToWire(record: HubSpotDeal, cfg: HubSpotDealsConfig): WireEvent {
  const f = cfg.fields;
  const p = record.properties;
  const currency = (f.currency === null ? null : p[f.currency]?.trim() || null) ?? cfg.currency;
  const amount = p[f.amount]?.trim() ?? '';
  let amountMinor: number | null;
  try {
    const minor = amount === '' ? null : parseDecimal(amount, currencyExponent(currency));
    amountMinor = minor === null ? null : Number(minor);
  } catch {
    amountMinor = null; // an unknown currency: validation names it
  }
  const modified = instantMs(p[f.updatedAt]) ?? instantMs(record.updatedAt);
  const closed = instantMs(p[f.closedAt]);
  const stage = p[f.stage]?.trim().toLowerCase() ?? '';
  const cancelled = (cfg.cancelledStages ?? []).some((s) => s.toLowerCase() === stage);
  const refund = !cancelled && amountMinor !== null && amountMinor < 0;
  // A refund deal in a cancelled stage (the refund undone) is no order: said to be no reversal, its negative amount
  // is refused (reversal_conflict) instead of read as a credit note to net, as an event's negative amount is.
  const undoneRefund = cancelled && amountMinor !== null && amountMinor < 0;
  const reverses = refund && f.reverses ? p[f.reverses]?.trim() || null : null;
  return {
    type: 'order.upserted',
    data: {
      externalId: record.id,
      customerExternalId: record.customerExternalId,
      updatedAt: modified === null ? (p[f.updatedAt] ?? null) : new Date(modified).toISOString(),
      placedAt: closed === null ? (p[f.closedAt] ?? null) : new Date(closed).toISOString(),
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

const associationsAnswer = z.looseObject({
  results: z
    .array(
      z.looseObject({
        from: z.looseObject({ id: z.union([z.string(), z.number()]) }),
        to: z
          .array(
            z.looseObject({
              toObjectId: z.union([z.string(), z.number()]),
              associationTypes: z
                .array(
                  z.looseObject({
                    typeId: z.number().optional(),
                    label: z.string().nullish(),
                    category: z.string().optional(),
                  }),
                )
                .optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

/**
 * `POST /crm/v4/associations/deals/{contacts|companies}/batch/read` answer → each deal's one customer: the
 * association labelled primary, else the lowest id (a stable choice); deals without one are absent (a 207 lists
 * them under `errors`). Null when the answer is not an associations batch.
 */
export function primaryAssociations(body: unknown): Map<string, string> | null {
  const parsed = associationsAnswer.safeParse(body);
  if (!parsed.success) return null;
  const out = new Map<string, string>();
  for (const r of parsed.data.results) {
    const primary = r.to.filter((t) =>
      (t.associationTypes ?? []).some((a) => /primary/i.test(a.label ?? '')),
    );
    const pick = (primary.length ? primary : r.to)
      .map((t) => String(t.toObjectId))
      .filter((id) => HUBSPOT_ID.test(id))
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))[0];
    if (pick !== undefined) out.set(String(r.from.id), pick);
  }
  return out;
}

/** The `data` of a `customer.scores_changed` event (docs/write-back.md). */
export interface ScoresChangedData {
  customers: Array<Record<string, unknown>>;
  fields: Record<string, string>;
}

/** A Callplan value as a HubSpot property value (HubSpot takes strings; '' clears a property). */
export function propertyValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => propertyValue(x)).join(';'); // multi-select values
  if (typeof v === 'object' && 'amountMinor' in v && 'currency' in v) {
    const { amountMinor, currency } = v as { amountMinor: number; currency: string };
    const exp = currencyExponent(String(currency));
    return exp === 0 ? String(amountMinor) : (Number(amountMinor) / 10 ** exp).toFixed(exp);
  }
  return JSON.stringify(v);
}

/**
 * The newest values per record over some events, in event order (a later event's values win), keyed by the CRM
 * record id. Each customer of an event carries every written-back field under the mapping's names,
 * `fields.externalId` naming its key. Vendor-neutral: each connector converts the values its own way.
 */
export function coalesceUpdates(events: ScoresChangedData[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const e of events) {
    const idKey = e.fields?.externalId ?? 'externalId';
    for (const c of e.customers ?? []) {
      const id = c[idKey];
      if (typeof id !== 'string' || id === '') continue;
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c)) if (k !== idKey) values[k] = v;
      out.delete(id); // re-insert: keeps the order of the newest change
      out.set(id, values);
    }
  }
  return out;
}

/** HubSpot properties of a record: every value as HubSpot's text. */
export function hubspotProperties(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, propertyValue(v)]));
}

/** HubSpot record ids are numeric; a customer from another source cannot be one of its contacts. */
export const HUBSPOT_ID = /^\d{1,20}$/;

/** One failed record set of a batch answer (StandardError: category, message, context.ids). */
export interface BatchFailure {
  ids: string[];
  code: string;
  message: string;
}

const standardError = z.looseObject({
  category: z.string().optional(),
  message: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
});

/** The failed records of a batch answer (HTTP 207 multi-status with `errors`). */
export function batchFailures(body: unknown): BatchFailure[] {
  const parsed = z.looseObject({ errors: z.array(standardError).optional() }).safeParse(body);
  if (!parsed.success) return [];
  return (parsed.data.errors ?? []).map((e) => ({
    ids: e.context?.ids ?? [],
    code: e.category ?? 'ERROR',
    message: (e.message ?? 'refused').slice(0, 300),
  }));
}

/** Whether a 400 names a property the portal does not have (a configuration problem: stop, don't bisect). */
export function isMissingProperty(body: unknown): boolean {
  const parsed = z
    .looseObject({
      message: z.string().optional(),
      errors: z.array(z.looseObject({ code: z.string().optional() })).optional(),
    })
    .safeParse(body);
  if (!parsed.success) return false;
  return (
    (parsed.data.errors ?? []).some((e) => e.code === 'PROPERTY_DOESNT_EXIST') ||
    /does not exist/i.test(parsed.data.message ?? '')
  );
}

/** The rolling window HubSpot reports on each (non-search) answer, when it does. */
export interface RateLimitReport {
  max: number;
  intervalMs: number;
  remaining: number;
}

export function rateLimitHeaders(get: (name: string) => string | null): RateLimitReport | null {
  const num = (n: string) => {
    const v = get(n);
    return v !== null && /^\d{1,12}$/.test(v.trim()) ? Number(v) : null;
  };
  const max = num('x-hubspot-ratelimit-max');
  const intervalMs = num('x-hubspot-ratelimit-interval-milliseconds');
  const remaining = num('x-hubspot-ratelimit-remaining');
  if (max === null || intervalMs === null || remaining === null || max === 0 || intervalMs === 0) return null;
  return { max, intervalMs, remaining };
}
