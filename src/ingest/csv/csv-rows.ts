/**
 * Validation of canonical CSV rows, pure and framework-free. Each validator turns a raw record (canonical column
 * name → string) into a typed row or a list of problems naming the column, so the importer can keep every valid
 * row and report every rejected one with row number, column and reason.
 */
import { normaliseEmail, normalisePhone } from '../../customers/pii/pii';
import type { LocalTimeReader } from './csv-dates';
import { isReversal, reversalProblems } from '../sync/reversal-rules';

export type ImportKind = 'customers' | 'orders' | 'interactions' | 'reps';

export const CANONICAL_COLUMNS: Record<ImportKind, { required: string[]; optional: string[] }> = {
  customers: {
    required: ['external_id'],
    optional: [
      'name',
      'kind',
      'email',
      'phone',
      'region',
      'country',
      'industry',
      'owner_rep',
      'created_at',
      'personality',
      'source_updated_at',
      'do_not_call',
    ],
  },
  orders: {
    required: ['external_id', 'customer_external_id', 'placed_at', 'amount', 'currency'],
    optional: ['status', 'reversal', 'reverses'],
  },
  interactions: {
    required: ['external_id', 'customer_external_id', 'occurred_at', 'kind'],
    optional: ['outcome', 'score', 'note'],
  },
  reps: {
    required: ['external_id', 'name'],
    optional: ['email', 'role', 'team', 'manager_external_id', 'daily_capacity', 'locale'],
  },
};

/**
 * Optional columns a file is not expected to have (sync metadata, not customer data): accepted, but not listed as
 * "left empty" when missing.
 */
export const UNLISTED_OPTIONAL: ReadonlySet<string> = new Set([
  'source_updated_at',
  'do_not_call',
  'reversal',
  'reverses',
]);

/** Other header names accepted for a canonical column (matched as loosely as the canonical name). */
export const COLUMN_ALIASES: Readonly<Record<string, readonly string[]>> = {
  source_updated_at: ['updated_at'],
};

export interface RowProblem {
  column: string;
  reason: string;
}
/** A valid row may still carry warnings: a field that was dropped (e.g. an unusable phone) while the row is kept. */
export type Validated<T> =
  { ok: true; row: T; warnings: RowProblem[] } | { ok: false; problems: RowProblem[] };

export interface CustomerRow {
  externalId: string;
  name: string | null;
  kind: 'individual' | 'business';
  email: string | null;
  phone: string | null;
  region: string | null;
  country: string | null;
  industry: string | null;
  ownerRep: string | null;
  createdAt: string | null;
  personality: string | null;
  /** the CRM version of the row (`source_updated_at`): an older row does not overwrite a newer stored version */
  sourceUpdatedAt: string | null;
  /** the CRM's do-not-call flag; null when the file does not say */
  doNotCall: boolean | null;
}
export interface OrderRow {
  externalId: string;
  customerExternalId: string;
  placedAt: string;
  amountMinor: bigint;
  currency: string;
  status: 'paid' | 'refunded' | 'cancelled';
  /**
   * a refund or cancellation booked as a row of its own (`reversal` or `reverses` columns, or a negative amount): gives
   * `amountMinor` (always ≥ 0) back on an earlier paid order (the one `reversesExternalId` names, else one scoring
   * matches; docs/scoring-run.md, "Refunds and cancellations")
   */
  reversal: boolean;
  reversesExternalId: string | null;
  /** the file gave the amount negative (a credit note): `reversal` is true and `amountMinor` is |amount| */
  creditNote: boolean;
  /** the amount as the file gave it, when it was converted into the workspace currency */
  original: { amountMinor: bigint; currency: string } | null;
}
export interface InteractionRow {
  externalId: string;
  customerExternalId: string;
  occurredAt: string;
  kind: string;
  outcome: string | null;
  score: number | null;
  note: string | null;
}
export interface RepRow {
  externalId: string;
  name: string;
  email: string | null;
  role: 'rep' | 'manager' | 'admin';
  team: string | null;
  managerExternalId: string | null;
  dailyCapacity: number;
  locale: string;
}

const MAX_TEXT = 500;
const MAX_NOTE = 4000;
/** Orders above this (in major units) are rejected as absurd rather than silently skewing every score. */
export const MAX_ORDER_AMOUNT_MAJOR = 100_000_000;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const PERSONALITIES = new Set(['rational', 'emotional', 'leader', 'stable']);
const INTERACTION_KINDS = new Set(['call', 'email', 'visit', 'campaign', 'complaint', 'survey']);

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

const NO_WARNINGS: RowProblem[] = Object.freeze([]) as unknown as RowProblem[];

/**
 * What validation needs beyond the row: how to read date-times without an offset (in the workspace's time zone,
 * optionally in a `--date-format`; without a reader they are refused) and how to treat an order's currency.
 */
export interface RowContext {
  localTimes?: LocalTimeReader;
  currency?: CurrencyPolicy;
  /** the clock for "not in the future" (default: the time of the call) */
  now?: Date;
}

/**
 * A record's version (`source_updated_at`, a CRM event's `updatedAt`/`deletedAt`/…) may run ahead of our clock by
 * this much (clock skew between the CRM and us); further ahead it is refused. Newest version wins, so a typo'd
 * 2062 accepted once would freeze the record against every real change until then.
 */
export const VERSION_CLOCK_SKEW_MS = 5 * 60_000;

/** The currency orders are scored in, and how an order in another currency is converted (or why it cannot be). */
export interface CurrencyPolicy {
  workspaceCurrency: string;
  /**
   * Converts `amountMinor` of `currency` at the order's instant into minor units of the workspace currency, or
   * answers why not (no rate table, no rate for that currency or date).
   */
  convert(
    currency: string,
    amountMinor: bigint,
    placedAtMs: number,
  ): { amountMinor: bigint } | { error: string };
}

class Collector {
  constructor(private readonly context: RowContext = {}) {}
  // Created on first use: most rows have neither, and a bulk import validates millions of them.
  private problemList?: RowProblem[];
  private warningList?: RowProblem[];
  get problems(): RowProblem[] {
    return (this.problemList ??= []);
  }
  get warnings(): RowProblem[] {
    return (this.warningList ??= []);
  }
  text(
    raw: Record<string, string>,
    column: string,
    { required = false, max = MAX_TEXT } = {},
  ): string | null {
    const v = (raw[column] ?? '').trim();
    if (v === '') {
      if (required) this.problems.push({ column, reason: 'is required' });
      return null;
    }
    if (v.length > max) this.problems.push({ column, reason: `longer than ${max} characters` });
    return v;
  }
  oneOf<T extends string>(
    raw: Record<string, string>,
    column: string,
    allowed: readonly T[],
    fallback: T,
  ): T {
    const v = (raw[column] ?? '').trim().toLowerCase();
    if (v === '') return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push({ column, reason: `must be one of ${allowed.join(', ')} (got "${v}")` });
      return fallback;
    }
    return v as T;
  }
  timestamp(raw: Record<string, string>, column: string, required: boolean, notAfter?: Date): string | null {
    const v = this.text(raw, column, { required });
    if (v === null) return null;
    // Already canonical ('2026-03-04T10:11:12Z'): kept as written, no Date or string allocated (10 M rows…).
    const fast = isoUtcSecondsMs(v);
    const local = this.context.localTimes;
    // With a reader, a plain date is local midnight too (else midnight UTC, as parseTimestamp reads it).
    let t = fast !== undefined ? fast : local && DATE_ONLY.test(v) ? null : parseTimestamp(v);
    if (t === null && fast === undefined && local) {
      const read = local.read(v);
      if (read && 'error' in read) {
        this.problems.push({ column, reason: read.error });
        return null;
      }
      if (read) t = new Date(read.ms);
    }
    if (t === null) {
      const expected = local?.dateFormat
        ? `an ISO 8601 date or date-time, or ${local.dateFormat}`
        : 'an ISO 8601 date or date-time';
      this.problems.push({ column, reason: `"${v}" is not ${expected}` });
      return null;
    }
    const ms = typeof t === 'number' ? t : t.getTime();
    if (notAfter && ms > notAfter.getTime()) {
      this.problems.push({ column, reason: `"${v}" is in the future` });
      return null;
    }
    return typeof t === 'number' ? v : t.toISOString();
  }
  flag(raw: Record<string, string>, column: string): boolean | null {
    const v = (raw[column] ?? '').trim().toLowerCase();
    if (v === '') return null;
    if (TRUE_WORDS.has(v)) return true;
    if (FALSE_WORDS.has(v)) return false;
    this.problems.push({ column, reason: `must be true, false, yes, no, 1 or 0 (got "${v}")` });
    return null;
  }
  get ok(): boolean {
    return this.problemList === undefined;
  }
  result<T>(row: T): Validated<T> {
    return this.problemList === undefined
      ? { ok: true, row, warnings: this.warningList ?? NO_WARNINGS }
      : { ok: false, problems: this.problemList };
  }
}

/** The shape generators and most CRMs write: '2026-03-04T10:11:12Z' (checked without the slow Date parser). */
const ISO_UTC_SECONDS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds of '2026-03-04T10:11:12Z' (the shape of ISO_UTC_SECONDS) without the Date parser; null for an
 * impossible date in that shape, undefined for any other shape.
 */
function isoUtcSecondsMs(v: string): number | null | undefined {
  const m = ISO_UTC_SECONDS.exec(v);
  if (!m) return undefined;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
  if (mo < 1 || mo > 12 || d < 1 || d > days || +m[4] > 23 || +m[5] > 59 || +m[6] > 59) return null;
  if (y < 1900 || y > 2200) return null;
  return Date.UTC(y, mo - 1, d, +m[4], +m[5], +m[6]);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Accepts YYYY-MM-DD (midnight UTC) or a full ISO 8601 date-time with zone; rejects impossible dates. */
export function parseTimestamp(v: string): Date | null {
  const fast = isoUtcSecondsMs(v);
  if (fast !== undefined) return fast === null ? null : new Date(fast);
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const dateTime = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/.test(v);
  if (!dateOnly && !dateTime) return null;
  const d = new Date(dateOnly ? `${v}T00:00:00Z` : v.replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return null;
  if (dateOnly && d.toISOString().slice(0, 10) !== v) return null; // 2026-02-30 rolls over in JS
  const year = d.getUTCFullYear();
  return year < 1900 || year > 2200 ? null : d;
}

// Building an Intl.NumberFormat costs ~15 µs: at ten million rows that was most of an import's time.
const EXPONENTS = new Map<string, number>();

/** Number of minor units per major unit of a currency (JPY 0, CNY 2, KWD 3). */
export function currencyExponent(currency: string): number {
  let exp = EXPONENTS.get(currency);
  if (exp === undefined) {
    exp =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    EXPONENTS.set(currency, exp);
  }
  return exp;
}

export function validateCustomer(raw: Record<string, string>, context?: RowContext): Validated<CustomerRow> {
  const c = new Collector(context);
  const externalId = c.text(raw, 'external_id', { required: true, max: 200 }) ?? '';
  const country = c.text(raw, 'country', { max: 2 });
  if (country && !/^[A-Za-z]{2}$/.test(country))
    c.problems.push({ column: 'country', reason: 'must be an ISO 3166 alpha-2 code' });
  const emailRaw = c.text(raw, 'email', { max: 254 });
  const email = emailRaw === null ? null : normaliseEmail(emailRaw);
  // Contact details that cannot be used are dropped with a warning; the customer and their history are kept.
  if (emailRaw !== null && email === null)
    c.warnings.push({
      column: 'email',
      reason: `"${emailRaw}" is not an email address; stored without email`,
    });
  const phoneRaw = c.text(raw, 'phone', { max: 40 });
  const phone = phoneRaw === null ? null : normalisePhone(phoneRaw, country);
  if (phoneRaw !== null && phone === null)
    c.warnings.push({ column: 'phone', reason: `"${phoneRaw}" is not a phone number; stored without phone` });
  const personality = c.text(raw, 'personality')?.toLowerCase() ?? null;
  if (personality && !PERSONALITIES.has(personality)) {
    c.problems.push({ column: 'personality', reason: 'must be rational, emotional, leader or stable' });
  }
  return c.result({
    externalId,
    name: c.text(raw, 'name'),
    kind: c.oneOf(raw, 'kind', ['individual', 'business'] as const, 'individual'),
    email,
    phone,
    region: c.text(raw, 'region'),
    country: country?.toUpperCase() ?? null,
    industry: c.text(raw, 'industry'),
    ownerRep: c.text(raw, 'owner_rep', { max: 200 }),
    createdAt: c.timestamp(raw, 'created_at', false),
    personality,
    sourceUpdatedAt: c.timestamp(
      raw,
      'source_updated_at',
      false,
      new Date((context?.now?.getTime() ?? Date.now()) + VERSION_CLOCK_SKEW_MS),
    ),
    doNotCall: c.flag(raw, 'do_not_call'),
  });
}

const MAX_MINOR = new Map<number, bigint>();
function maxMinorUnits(exp: number): bigint {
  let max = MAX_MINOR.get(exp);
  if (max === undefined) MAX_MINOR.set(exp, (max = BigInt(MAX_ORDER_AMOUNT_MAJOR) * 10n ** BigInt(exp)));
  return max;
}

export function validateOrder(
  raw: Record<string, string>,
  now = new Date(),
  context?: RowContext,
): Validated<OrderRow> {
  const c = new Collector(context);
  const externalId = c.text(raw, 'external_id', { required: true, max: 200 }) ?? '';
  const customerExternalId = c.text(raw, 'customer_external_id', { required: true, max: 200 }) ?? '';
  const placedAt = c.timestamp(raw, 'placed_at', true, new Date(now.getTime() + 24 * 3600_000)) ?? '';
  const currency = (c.text(raw, 'currency', { required: true, max: 3 }) ?? '').toUpperCase();
  if (currency && !CURRENCIES.has(currency))
    c.problems.push({ column: 'currency', reason: `unknown currency "${currency}"` });
  const amountRaw = c.text(raw, 'amount', { required: true, max: 30 });
  let amountMinor = 0n;
  // A credit note booked with a negative amount (a UK wholesaler's `C…` invoices, most accounting exports): a
  // reversal giving |amount| back. Stored positive, like every reversal; zero stays an order of nothing.
  let negative = false;
  if (amountRaw !== null && currency && CURRENCIES.has(currency)) {
    const exp = currencyExponent(currency);
    const parsed = parseDecimal(amountRaw, exp);
    negative = parsed !== null && parsed < 0n;
    const size = parsed !== null && negative ? -parsed : parsed;
    if (size === null)
      c.problems.push({
        column: 'amount',
        reason: `"${amountRaw}" is not a decimal amount with at most ${exp} decimals`,
      });
    else if (size > maxMinorUnits(exp))
      c.problems.push({ column: 'amount', reason: `exceeds ${MAX_ORDER_AMOUNT_MAJOR}` });
    else amountMinor = size;
  }
  const reversesExternalId = c.text(raw, 'reverses', { max: 200 });
  const reversalFlag = c.flag(raw, 'reversal');
  const signals = { flag: reversalFlag, namesReversed: reversesExternalId !== null, negative };
  const reversal = isReversal(signals);
  const status = c.oneOf(
    raw,
    'status',
    ['paid', 'refunded', 'cancelled'] as const,
    reversal ? 'refunded' : 'paid',
  );
  for (const p of reversalProblems(signals, status, 'the amount'))
    c.problems.push({ column: p.field, reason: p.reason });
  const policy = context?.currency;
  if (policy && currency && currency !== policy.workspaceCurrency && c.ok && CURRENCIES.has(currency)) {
    const converted = policy.convert(currency, amountMinor, Date.parse(placedAt));
    if ('error' in converted) {
      c.problems.push({ column: 'currency', reason: converted.error });
    } else {
      return c.result({
        externalId,
        customerExternalId,
        placedAt,
        amountMinor: converted.amountMinor,
        currency: policy.workspaceCurrency,
        status,
        reversal,
        reversesExternalId,
        creditNote: negative,
        original: { amountMinor, currency },
      });
    }
  }
  return c.result({
    externalId,
    customerExternalId,
    placedAt,
    amountMinor,
    currency,
    status,
    reversal,
    reversesExternalId,
    creditNote: negative,
    original: null,
  });
}

export function validateInteraction(
  raw: Record<string, string>,
  now = new Date(),
  context?: RowContext,
): Validated<InteractionRow> {
  const c = new Collector(context);
  const externalId = c.text(raw, 'external_id', { required: true, max: 200 }) ?? '';
  const customerExternalId = c.text(raw, 'customer_external_id', { required: true, max: 200 }) ?? '';
  const occurredAt = c.timestamp(raw, 'occurred_at', true, new Date(now.getTime() + 24 * 3600_000)) ?? '';
  const kind = (c.text(raw, 'kind', { required: true }) ?? '').toLowerCase();
  if (kind && !INTERACTION_KINDS.has(kind))
    c.problems.push({ column: 'kind', reason: `must be one of ${[...INTERACTION_KINDS].join(', ')}` });
  const scoreRaw = c.text(raw, 'score', { max: 3 });
  let score: number | null = null;
  if (scoreRaw !== null) {
    score = /^\d{1,2}$/.test(scoreRaw) ? Number(scoreRaw) : NaN;
    if (!(score >= 0 && score <= 10)) {
      c.problems.push({ column: 'score', reason: 'must be an integer from 0 to 10' });
      score = null;
    }
  }
  return c.result({
    externalId,
    customerExternalId,
    occurredAt,
    kind,
    outcome: c.text(raw, 'outcome', { max: 100 }),
    score,
    note: c.text(raw, 'note', { max: MAX_NOTE }),
  });
}

export function validateRep(raw: Record<string, string>): Validated<RepRow> {
  const c = new Collector();
  const capRaw = c.text(raw, 'daily_capacity', { max: 4 });
  const dailyCapacity = capRaw === null ? 25 : Number(capRaw);
  if (!Number.isInteger(dailyCapacity) || dailyCapacity < 0 || dailyCapacity > 500) {
    c.problems.push({ column: 'daily_capacity', reason: 'must be an integer from 0 to 500' });
  }
  const locale = c.text(raw, 'locale') ?? 'zh-CN';
  if (!['en', 'zh-CN'].includes(locale)) c.problems.push({ column: 'locale', reason: 'must be en or zh-CN' });
  return c.result({
    externalId: c.text(raw, 'external_id', { required: true, max: 200 }) ?? '',
    name: c.text(raw, 'name', { required: true }) ?? '',
    email: c.text(raw, 'email', { max: 254 }),
    role: c.oneOf(raw, 'role', ['rep', 'manager', 'admin'] as const, 'rep'),
    team: c.text(raw, 'team', { max: 200 }),
    managerExternalId: c.text(raw, 'manager_external_id', { max: 200 }),
    dailyCapacity,
    locale,
  });
}

/** Parses a decimal string into integer units of 10^-exp without floating point ("12.5", 2 → 1250n). */
export function parseDecimal(v: string, exp: number): bigint | null {
  const m = /^(-?)(\d{1,15})(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) return null;
  // one BigInt from the digits ('12.5', 2 → '1250'): no BigInt arithmetic per row
  const units = BigInt(m[2] + frac.slice(0, exp).padEnd(exp, '0'));
  return m[1] === '-' ? -units : units;
}
