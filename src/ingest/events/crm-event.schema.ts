/**
 * The wire format of CRM events (inbound webhooks; the pull connector maps foreign records into it), validated
 * with zod and normalised into SyncEvents. Pure and framework-free. Every problem names its field path
 * (`events[3].data.amountMinor`) and a machine-readable code, so a sender can fix exactly what is wrong.
 */
import { z } from 'zod';
import {
  currencyExponent,
  MAX_ORDER_AMOUNT_MAJOR,
  parseTimestamp,
  VERSION_CLOCK_SKEW_MS,
} from '../csv/csv-rows';
import { normaliseEmail, normalisePhone } from '../../customers/pii/pii';
import {
  ContactData,
  CustomerData,
  INTERACTION_KINDS,
  InteractionData,
  OrderData,
  SYNC_EVENT_TYPES,
  SyncEvent,
} from '../sync/sync-events';
import { isReversal, reversalProblems } from '../sync/reversal-rules';

/** Most events one webhook message may carry (more → 413 too_many_events). */
export const MAX_EVENTS_PER_BATCH = 1000;
/**
 * Business times (`placedAt`, `occurredAt`, `createdAt`) may run ahead of our clock by this much; further → rejected
 * as in the future. Version times (`updatedAt`, `deletedAt`, `restoredAt`, `mergedAt`) get only the clock skew
 * VERSION_CLOCK_SKEW_MS (5 minutes): the newest version wins, so one far in the future would freeze the record.
 */
const FUTURE_SLACK_MS = 24 * 3600_000;
/** At most this many problems are reported for one request. */
const MAX_ISSUES = 50;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export interface EventIssue {
  /** e.g. `events[3].data.amountMinor` */
  path: string;
  code: string;
  message: string;
}

export type ParsedBatch =
  | { ok: true; source: string; events: SyncEvent[]; ids: Array<string | null>; warnings: EventIssue[] }
  | { ok: false; issues: EventIssue[] };

export type ParsedEvent =
  { ok: true; event: SyncEvent; warnings: EventIssue[] } | { ok: false; issues: EventIssue[] };

const id = z.string().trim().min(1).max(200);
const text = (max = 500) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => (v == null || v.trim() === '' ? null : v.trim()));

/** An ISO 8601 date-time with zone (or a plain date), not after now + slack; normalised to toISOString(). */
function timestamp(now: () => number, slackMs = FUTURE_SLACK_MS) {
  return z
    .string()
    .max(40)
    .transform((v, ctx) => {
      const d = parseTimestamp(v.trim());
      if (!d) {
        ctx.addIssue({
          code: 'custom',
          message: `"${v.slice(0, 40)}" is not an ISO 8601 date-time with zone (or YYYY-MM-DD)`,
          params: { code: 'invalid_date' },
        });
        return z.NEVER;
      }
      if (d.getTime() > now() + slackMs) {
        const message =
          slackMs === FUTURE_SLACK_MS
            ? 'is in the future (more than a day ahead)'
            : `is in the future (a version may be at most ${slackMs / 60_000} minutes ahead of our clock)`;
        ctx.addIssue({ code: 'custom', message, params: { code: 'date_in_future' } });
        return z.NEVER;
      }
      return d.toISOString();
    });
}

type Timestamp = ReturnType<typeof timestamp>;

/** Line amounts in currency minor units: integers, never negative (a credit note's sign is its order's amountMinor). */
const minorUnits = () =>
  z.number().int().min(0, "must not be negative (a credit note's sign is its order's amountMinor)");

function customerSchema(ts: Timestamp, version: Timestamp) {
  const contact = z.strictObject({
    externalId: id,
    name: text(),
    title: text(200),
    email: text(254),
    phone: text(40),
    isPrimary: z.boolean().optional(),
  });

  return z.strictObject({
    externalId: id,
    updatedAt: version,
    kind: z.enum(['individual', 'business']).default('individual'),
    name: text(),
    email: text(254),
    phone: text(40),
    region: text(200),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 alpha-2 code')
      .nullish()
      .transform((v) => v?.toUpperCase() ?? null),
    industry: text(200),
    size: text(50),
    sourceChannel: text(100),
    ownerRepExternalId: text(200),
    // the CRM's do-not-call / no-consent flag: true applies it, false lifts only a CRM-set one (never a rep's)
    doNotCall: z.boolean().nullish(),
    createdAt: ts.nullish().transform((v) => v ?? null),
    contacts: z.array(contact).max(100).default([]),
  });
}

/**
 * An order's own amount: a negative one is a credit note, a reversal giving |amountMinor| back (normaliseOrder), as
 * in a CSV import. Lines stay non-negative: they say what was bought or given back, the sign is the order's.
 */
const signedMinorUnits = () => z.number().int();

function orderSchema(ts: Timestamp, version: Timestamp) {
  const minor = minorUnits();
  const line = z.strictObject({
    productCode: id,
    productName: text(),
    category: text(200),
    quantity: z
      .number()
      .positive()
      .max(1e9)
      .refine((q) => Math.abs(Math.round(q * 1000) - q * 1000) < 1e-6, 'at most 3 decimals'),
    amountMinor: minor,
  });

  return z.strictObject({
    externalId: id,
    customerExternalId: id,
    updatedAt: version,
    placedAt: ts,
    amountMinor: signedMinorUnits(),
    currency: z
      .string()
      .transform((v) => v.trim().toUpperCase())
      .refine((v) => CURRENCIES.has(v), {
        message: 'unknown currency (ISO 4217)',
        params: { code: 'unknown_currency' },
      }),
    // a reversal's default is refunded (normaliseOrder); any other order's is paid
    status: z.enum(['paid', 'refunded', 'cancelled']).optional(),
    channel: text(100),
    lines: z.array(line).max(500).default([]),
    /** a refund or cancellation booked as an order of its own, giving amountMinor back on an earlier order */
    reversal: z.boolean().optional(),
    /** the externalId of the order it reverses (makes the order a reversal) */
    reverses: id.optional(),
  });
}

function interactionSchema(ts: Timestamp, version: Timestamp, now: () => number) {
  return z
    .strictObject({
      externalId: id,
      customerExternalId: id,
      occurredAt: ts,
      updatedAt: version.optional(),
      kind: z.enum(INTERACTION_KINDS),
      outcome: text(100),
      score: z.number().int().min(0).max(10).nullish(),
      note: text(4000),
      repExternalId: text(200),
    })
    .superRefine((i, ctx) => {
      // without updatedAt, occurredAt is the version: the same clock-skew limit applies
      if (i.updatedAt === undefined && Date.parse(i.occurredAt) > now() + VERSION_CLOCK_SKEW_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['occurredAt'],
          message: `is in the future and, without updatedAt, the record's version (at most ${VERSION_CLOCK_SKEW_MS / 60_000} minutes ahead of our clock)`,
          params: { code: 'date_in_future' },
        });
      }
    });
}

function buildSchema(now: () => number) {
  const ts = timestamp(now);
  const version = timestamp(now, VERSION_CLOCK_SKEW_MS);
  const customer = customerSchema(ts, version);
  const order = orderSchema(ts, version);
  const interaction = interactionSchema(ts, version, now);

  const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
    z.strictObject({ id: id.optional(), type: z.literal(type), occurredAt: ts.optional(), data });

  const event = z.discriminatedUnion('type', [
    envelope('customer.upserted', customer),
    envelope('customer.deleted', z.strictObject({ externalId: id, deletedAt: version })),
    envelope('customer.restored', z.strictObject({ externalId: id, restoredAt: version })),
    envelope(
      'customer.merged',
      z
        .strictObject({ winnerExternalId: id, loserExternalId: id, mergedAt: version })
        .refine((m) => m.winnerExternalId !== m.loserExternalId, {
          message: 'a customer cannot be merged into itself',
          path: ['loserExternalId'],
        }),
    ),
    envelope('order.upserted', order),
    envelope('order.deleted', z.strictObject({ externalId: id, deletedAt: version })),
    envelope('order.restored', z.strictObject({ externalId: id, restoredAt: version })),
    envelope('interaction.created', interaction),
  ]);

  const batch = z.strictObject({
    source: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (at most 40)')
      .default('crm'),
    events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
  });
  return { event, batch };
}

type Schemas = ReturnType<typeof buildSchema>;
type WireEvent = z.output<Schemas['event']>;

let defaultSchemas: Schemas | null = null;
function schemas(now?: Date): Schemas {
  if (now) return buildSchema(() => now.getTime());
  defaultSchemas ??= buildSchema(() => Date.now());
  return defaultSchemas;
}

/** `['events', 3, 'data', 'x']` → `events[3].data.x` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function toIssues(error: z.ZodError, prefix: Array<string | number>): EventIssue[] {
  const out: EventIssue[] = [];
  for (const i of error.issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys)
        out.push({ path: formatPath([...path, key]), code: 'unknown_field', message: 'unknown field' });
      continue;
    }
    const custom = (i as { params?: { code?: string } }).params?.code;
    const missing = i.code === 'invalid_type' && / received undefined$/.test(i.message);
    const code = missing
      ? 'required'
      : (custom ??
        (i.code === 'invalid_union'
          ? 'invalid_event_type'
          : i.code === 'invalid_value'
            ? 'invalid_enum'
            : i.code));
    const message =
      i.code === 'invalid_union'
        ? `type must be one of ${SYNC_EVENT_TYPES.join(', ')}`
        : missing
          ? 'is required'
          : i.message;
    out.push({ path: formatPath(path), code, message });
  }
  return out;
}

export interface ParseOptions {
  /** the clock for "not in the future" (default: now) */
  now?: Date;
  /**
   * false: check only, leaving emails and phones as sent (accepting a webhook needs no more: normalising drops
   * nothing that could fail the message, and the job normalises when it applies). Default true.
   */
  normalise?: boolean;
}

/** Validates one wire event (`{ id?, type, data }`) and normalises it. `path` prefixes the reported paths. */
export function parseEvent(
  input: unknown,
  now?: Date,
  path: Array<string | number> = [],
  normaliseContacts = true,
): ParsedEvent {
  const r = schemas(now).event.safeParse(input);
  if (!r.success) return { ok: false, issues: toIssues(r.error, path) };
  const issues: EventIssue[] = [];
  const warnings: EventIssue[] = [];
  const event = normalise(r.data, path, issues, warnings, normaliseContacts);
  return issues.length ? { ok: false, issues } : { ok: true, event, warnings };
}

/** Validates a webhook body (`{ source?, events: [...] }`): all events valid, or every problem with its path. */
export function parseEventBatch(input: unknown, opts: ParseOptions = {}): ParsedBatch {
  const { now, normalise: normaliseContacts = true } = opts;
  const b = schemas(now).batch.safeParse(input);
  const issues: EventIssue[] = b.success ? [] : toIssues(b.error, []);
  // Envelope problems (an unknown top-level field) do not hide the events' own problems: all are reported at once.
  const list = b.success ? b.data.events : (input as { events?: unknown } | null)?.events;
  if (!Array.isArray(list) || list.length > MAX_EVENTS_PER_BATCH)
    return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  const events: SyncEvent[] = [];
  const ids: Array<string | null> = [];
  const warnings: EventIssue[] = [];
  list.forEach((raw, i) => {
    if (issues.length >= MAX_ISSUES) return;
    const r = parseEvent(raw, now, ['events', i], normaliseContacts);
    if (!r.ok) issues.push(...r.issues);
    else {
      events.push(r.event);
      ids.push((raw as { id?: string }).id ?? null);
      warnings.push(...r.warnings);
    }
  });
  if (issues.length || !b.success) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  return { ok: true, source: b.data.source, events, ids, warnings };
}

function normalise(
  e: WireEvent,
  path: Array<string | number>,
  issues: EventIssue[],
  warnings: EventIssue[],
  normaliseContacts: boolean,
) {
  const at = (p: string) => formatPath([...path, 'data', p]);
  switch (e.type) {
    case 'customer.upserted':
      return {
        type: e.type,
        data: normaliseCustomer(e.data, at, issues, warnings, normaliseContacts),
      } as const;
    case 'customer.deleted':
      return { type: e.type, externalId: e.data.externalId, at: e.data.deletedAt } as const;
    case 'customer.restored':
      return { type: e.type, externalId: e.data.externalId, at: e.data.restoredAt } as const;
    case 'customer.merged':
      return {
        type: e.type,
        winnerExternalId: e.data.winnerExternalId,
        loserExternalId: e.data.loserExternalId,
        at: e.data.mergedAt,
      } as const;
    case 'order.upserted':
      return { type: e.type, data: normaliseOrder(e.data, at, issues) } as const;
    case 'order.deleted':
      return { type: e.type, externalId: e.data.externalId, at: e.data.deletedAt } as const;
    case 'order.restored':
      return { type: e.type, externalId: e.data.externalId, at: e.data.restoredAt } as const;
    case 'interaction.created': {
      const d = e.data;
      const data: InteractionData = {
        externalId: d.externalId,
        customerExternalId: d.customerExternalId,
        occurredAt: d.occurredAt,
        updatedAt: d.updatedAt ?? d.occurredAt,
        kind: d.kind,
        outcome: d.outcome,
        score: d.score ?? null,
        note: d.note,
        repExternalId: d.repExternalId,
      };
      return { type: e.type, data } as const;
    }
  }
}

type WireCustomer = Extract<WireEvent, { type: 'customer.upserted' }>['data'];
type WireOrder = Extract<WireEvent, { type: 'order.upserted' }>['data'];

function normaliseCustomer(
  d: WireCustomer,
  at: (p: string) => string,
  issues: EventIssue[],
  warnings: EventIssue[],
  normaliseContacts: boolean,
): CustomerData {
  // Unusable contact details are dropped with a warning and the record kept (as the CSV import does): losing a
  // customer and their history over a typo in a phone number would be worse.
  const email = (raw: string | null, p: string) => {
    if (raw === null || !normaliseContacts) return raw;
    const v = normaliseEmail(raw);
    if (v === null)
      warnings.push({ path: at(p), code: 'email_dropped', message: 'not an email address; dropped' });
    return v;
  };
  const phone = (raw: string | null, p: string) => {
    if (raw === null || !normaliseContacts) return raw;
    const v = normalisePhone(raw, d.country);
    if (v === null)
      warnings.push({ path: at(p), code: 'phone_dropped', message: 'not a phone number; dropped' });
    return v;
  };
  checkContacts(d, at, issues);
  const contacts: ContactData[] = d.contacts
    .map((c, i) => ({
      externalId: c.externalId,
      name: c.name,
      title: c.title,
      email: email(c.email, `contacts[${i}].email`),
      phone: phone(c.phone, `contacts[${i}].phone`),
      isPrimary: c.isPrimary ?? false,
    }))
    .sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  return {
    externalId: d.externalId,
    updatedAt: d.updatedAt,
    kind: d.kind,
    name: d.name,
    email: email(d.email, 'email'),
    phone: phone(d.phone, 'phone'),
    region: d.region,
    country: d.country,
    industry: d.industry,
    size: d.size,
    sourceChannel: d.sourceChannel,
    ownerRepExternalId: d.ownerRepExternalId,
    createdAt: d.createdAt,
    contacts,
    // only when given, so the digest of versions without the flag stays what it was
    ...(typeof d.doNotCall === 'boolean' ? { doNotCall: d.doNotCall } : {}),
  };
}

/** Contact persons belong to business customers, each listed once. */
function checkContacts(d: WireCustomer, at: (p: string) => string, issues: EventIssue[]): void {
  if (d.contacts.length > 0 && d.kind !== 'business') {
    issues.push({
      path: at('contacts'),
      code: 'contacts_need_business',
      message: 'contact persons belong to business customers (kind = business)',
    });
  }
  const seen = new Set<string>();
  d.contacts.forEach((c, i) => {
    if (seen.has(c.externalId))
      issues.push({ path: at(`contacts[${i}].externalId`), code: 'duplicate', message: 'listed twice' });
    seen.add(c.externalId);
  });
}

function normaliseOrder(d: WireOrder, at: (p: string) => string, issues: EventIssue[]): OrderData {
  const max = MAX_ORDER_AMOUNT_MAJOR * 10 ** currencyExponent(d.currency);
  const absurd = (p: string) =>
    issues.push({
      path: at(p),
      code: 'amount_too_large',
      message: `exceeds ${MAX_ORDER_AMOUNT_MAJOR} ${d.currency}`,
    });
  // a credit note booked with a negative amount: a reversal of |amount| (the rules of the CSV import, csv-rows.ts)
  const negative = d.amountMinor < 0;
  const amountMinor = Math.abs(d.amountMinor);
  if (amountMinor > max) absurd('amountMinor');
  d.lines.forEach((l, i) => {
    if (l.amountMinor > max) absurd(`lines[${i}].amountMinor`);
  });
  const signals = { flag: d.reversal, namesReversed: d.reverses !== undefined, negative };
  const reversal = isReversal(signals);
  for (const p of reversalProblems(signals, d.status, 'amountMinor'))
    issues.push({ path: at(p.field), code: p.code, message: p.reason });
  return {
    externalId: d.externalId,
    customerExternalId: d.customerExternalId,
    updatedAt: d.updatedAt,
    placedAt: d.placedAt,
    amountMinor,
    currency: d.currency,
    status: d.status ?? (reversal ? 'refunded' : 'paid'),
    // only when given, so the digest of orders that are no reversal stays what it was
    ...(reversal ? { reversal: true, reversesExternalId: d.reverses ?? null } : {}),
    channel: d.channel,
    lines: d.lines.map((l) => ({
      productCode: l.productCode,
      productName: l.productName,
      category: l.category,
      quantity: l.quantity,
      amountMinor: l.amountMinor,
    })),
  };
}
