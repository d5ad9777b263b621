/**
 * What a talk track is rendered from: the caller's context (customer, facts, offer), checked and turned into the
 * typed view model the templates see, every figure pre-formatted from the customer's facts (customer-facts.ts) so
 * the track says exactly what the reasons say. Pure; Intl only.
 */
import {
  type Lifecycle,
  LIFECYCLES,
  type RfmSegment,
  VALUE_TIERS,
  type ValueTier,
} from '../scoring/models/types';
import {
  agoText,
  type CustomerFacts,
  cycleText,
  factLocale,
  gapText,
  type OrderStatus,
  productListText,
} from './customer-facts';
import { PERSONALITIES, type Personality } from './personality';
import { chooseSituation, type OfferType, offerTypeOf, type Situation } from './situation';

export const TRACK_NAMES = [...PERSONALITIES, 'neutral'] as const;
export type TrackName = (typeof TRACK_NAMES)[number];

export interface TalkTrackComplaint {
  /** calendar day 'YYYY-MM-DD', an ISO timestamp, or a Date */
  date: string | Date;
  /** internal note; shown to the rep, never scripted to be read out */
  note: string;
}

export interface TalkTrackOffer {
  /** read mid-sentence: "we're offering {title}: {description}." (see localizeOffer in src/offers) */
  title: string;
  description: string;
  code: string;
  /** percentage off (0–100]; absent or null for an offer that is not a discount */
  discountPct?: number | null;
  /** minimum order (minor units of the customer's currency) for the offer to apply */
  minOrderMinor?: number | null;
  /** last day the offer applies, 'YYYY-MM-DD' */
  validTo?: string | null;
}

export interface TalkTrackContext {
  /** how the rep addresses the customer, e.g. 'Ms Chen', '陈总' */
  customerName: string;
  repName: string;
  /** BCP 47 tag, e.g. 'en', 'en-GB', 'zh-CN'; exact match, then same language, then 'en' */
  locale: string;
  /** null or an unknown value → the neutral track */
  personality: Personality | null;
  lifecycle: Lifecycle;
  valueTier: ValueTier;
  rfmSegment: RfmSegment | null;
  /** the customer's orders on the list day (buildCustomerFacts); every figure of the track comes from here */
  facts: CustomerFacts;
  lastComplaint: TalkTrackComplaint | null;
  offer: TalkTrackOffer | null;
  /** reason codes from ranking, e.g. ['overdue_vs_cycle', 'high_value_at_risk']; phrases in strings.json */
  reasons: readonly string[];
  /** the call list's day 'YYYY-MM-DD': a complaint's age is counted to it */
  listDate: string;
  /** forces the situation (previews, tests); default chooseSituation() */
  situation?: Situation;
  /** IANA time zone used to format Date / timestamp values; default 'UTC' */
  timeZone?: string;
}

/**
 * A template that cannot be loaded, compiled or rendered. `file` is the offending file (or workspace override);
 * `line` and `column` (1-based) say where in it, when Handlebars says so.
 */
export class TalkTrackTemplateError extends Error {
  readonly line: number | null;
  readonly column: number | null;

  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'TalkTrackTemplateError';
    // Handlebars says "Parse error on line 3:" when parsing and "… - 3:14" (column 0-based) when rendering.
    const parse = /on line (\d+)/.exec(message);
    const runtime = / - (\d+):(\d+)\s*$/.exec(message);
    this.line = parse ? Number(parse[1]) : runtime ? Number(runtime[1]) : null;
    this.column = runtime ? Number(runtime[2]) + 1 : null;
  }
}

/** A context value the renderer refuses to print (e.g. NaN days, a fractional minor-unit amount). */
export class TalkTrackContextError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'TalkTrackContextError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting (exported for reuse and tests)

const currencyFormats = new Map<
  string,
  { digits: number; whole: Intl.NumberFormat; fractional: Intl.NumberFormat }
>();

/**
 * Formats an amount in integer minor units: formatMoney(124000, 'CNY', 'zh-CN') → '¥1,240',
 * formatMoney(12345, 'USD', 'en') → '$123.45'. Whole amounts drop the decimals. Uses the narrow symbol
 * (¥, $), so the currency must be clear from context.
 */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new TalkTrackContextError('amountMinor', `must be an integer in minor units, got ${amountMinor}`);
  }
  const key = `${locale}|${currency}`;
  let f = currencyFormats.get(key);
  if (!f) {
    const base = { style: 'currency', currency, currencyDisplay: 'narrowSymbol' } as const;
    let digits: number;
    try {
      digits = new Intl.NumberFormat(locale, base).resolvedOptions().maximumFractionDigits ?? 2;
    } catch (err) {
      throw new TalkTrackContextError(
        'currency',
        `not a valid ISO 4217 code: '${currency}' (${String(err)})`,
      );
    }
    f = {
      digits,
      whole: new Intl.NumberFormat(locale, { ...base, minimumFractionDigits: 0, maximumFractionDigits: 0 }),
      fractional: new Intl.NumberFormat(locale, {
        ...base,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }),
    };
    currencyFormats.set(key, f);
  }
  const scale = 10 ** f.digits;
  const major = amountMinor / scale;
  return amountMinor % scale === 0 ? f.whole.format(major) : f.fractional.format(major);
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Formats a day for the locale: '2024-03-05' → 'March 5, 2024' (en) / '2024年3月5日' (zh-CN).
 * A 'YYYY-MM-DD' string is a calendar day and is printed as is; a Date or timestamp is shown in `timeZone`.
 */
export function formatDay(value: string | Date, locale: string, timeZone = 'UTC'): string {
  let date: Date;
  let zone = timeZone;
  if (typeof value === 'string' && ISO_DAY.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    date = new Date(Date.UTC(y, m - 1, d));
    zone = 'UTC';
  } else {
    date = value instanceof Date ? value : new Date(value);
  }
  if (Number.isNaN(date.getTime())) {
    throw new TalkTrackContextError('date', `not a valid date: '${String(value)}'`);
  }
  return dayFormat(locale, zone).format(date);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The long-day format of a locale and zone, made once: building an Intl.DateTimeFormat costs ~0.1 ms. */
function dayFormat(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let f = dayFormats.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone });
    } catch (err) {
      throw new TalkTrackContextError(
        'timeZone',
        `not a valid IANA time zone: '${timeZone}' (${String(err)})`,
      );
    }
    dayFormats.set(key, f);
  }
  return f;
}

// ---------------------------------------------------------------------------------------------------------------
// View model: what the templates see. Every key is always present (templates compile in strict mode).

/** The customer's orders, every figure already in words of the locale. */
export interface OrdersView {
  /** invoices so far */
  count: number;
  /** true when the first invoice is the only one: only then is "your first order" also "your last order" */
  single: boolean;
  firstDate: string;
  /** 'today', 'yesterday', '17 days ago' */
  firstAgo: string;
  firstAmount: string;
  lastDate: string;
  lastAgo: string;
  lastAmount: string;
}

export interface OfferView {
  title: string;
  description: string;
  code: string;
  /** '15%' for a discount, else null */
  discount: string | null;
  /** '£50' when a minimum order applies, else null */
  minOrder: string | null;
  /** 'December 31, 2026' when the offer ends, else null */
  validTo: string | null;
}

export interface TalkTrackView {
  customerName: string;
  repName: string;
  locale: string;
  personality: TrackName;
  situation: Situation;
  lifecycle: Lifecycle;
  valueTier: ValueTier;
  rfmSegment: RfmSegment | null;
  reasons: string[];
  timeZone: string;
  orders: OrdersView | null;
  /** 'every ~12 days', 'several times a week'; null with fewer than two buying days */
  cycle: string | null;
  /** the silence since the last order in words that fit its length: '17 days', 'over 4 months' */
  silence: string | null;
  status: OrderStatus;
  /** true only past the customer's own lapse threshold: the only time win-back words are used */
  lapsed: boolean;
  favouriteCategory: string | null;
  /** 'A, B and C' */
  lastProducts: string | null;
  lastComplaint: { date: string | Date; note: string } | null;
  offer: OfferView | null;
  offerType: OfferType;
}

/** The top-level keys of TalkTrackView: the only values a template may read (checked when it is compiled). */
export const VIEW_KEYS: ReadonlySet<string> = new Set<keyof TalkTrackView>([
  'customerName',
  'repName',
  'locale',
  'personality',
  'situation',
  'lifecycle',
  'valueTier',
  'rfmSegment',
  'reasons',
  'timeZone',
  'orders',
  'cycle',
  'silence',
  'status',
  'lapsed',
  'favouriteCategory',
  'lastProducts',
  'lastComplaint',
  'offer',
  'offerType',
]);

/** Collapses whitespace (a note with line breaks must not break the script's layout). */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function requiredText(field: string, value: unknown): string {
  if (typeof value !== 'string' || oneLine(value) === '') {
    throw new TalkTrackContextError(field, 'must be a non-empty string');
  }
  return oneLine(value);
}

function optionalText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const s = oneLine(value);
  return s === '' ? null : s;
}

function checkFacts(facts: CustomerFacts): void {
  if (!facts || typeof facts !== 'object') throw new TalkTrackContextError('facts', 'missing');
  for (const field of ['daysSilent', 'cycleDays'] as const) {
    const v = facts[field];
    if (v !== null && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new TalkTrackContextError(`facts.${field}`, `must be a non-negative number or null, got ${v}`);
    }
  }
  for (const field of ['firstOrder', 'lastOrder'] as const) {
    const o = facts[field];
    if (o !== null && !Number.isSafeInteger(o.amountMinor)) {
      throw new TalkTrackContextError(
        `facts.${field}.amountMinor`,
        `must be an integer in minor units, got ${o.amountMinor}`,
      );
    }
  }
}

function ordersView(facts: CustomerFacts, locale: string, currency: string): OrdersView | null {
  const { firstOrder: first, lastOrder: last } = facts;
  if (first === null || last === null) return null;
  const l = factLocale(locale);
  return {
    count: facts.orderCount,
    single: facts.orderCount === 1,
    firstDate: formatDay(first.day, locale),
    firstAgo: agoText(first.daysAgo, l),
    firstAmount: formatMoney(first.amountMinor, currency, locale),
    lastDate: formatDay(last.day, locale),
    lastAgo: agoText(last.daysAgo, l),
    lastAmount: formatMoney(last.amountMinor, currency, locale),
  };
}

function offerView(offer: TalkTrackOffer, locale: string, currency: string): OfferView {
  const pct = offer.discountPct ?? null;
  if (pct !== null && !(typeof pct === 'number' && pct > 0 && pct <= 100)) {
    throw new TalkTrackContextError('offer.discountPct', `must be in (0, 100], got ${pct}`);
  }
  const min = offer.minOrderMinor ?? null;
  return {
    title: requiredText('offer.title', offer.title),
    // Templates add their own full stop.
    description: requiredText('offer.description', offer.description).replace(/[.。!！]+$/u, ''),
    code: requiredText('offer.code', offer.code),
    discount: pct === null ? null : percentFormat(locale).format(pct / 100),
    minOrder: min === null || min <= 0 ? null : formatMoney(min, currency, locale),
    validTo: offer.validTo ? formatDay(offer.validTo, locale) : null,
  };
}

const percentFormats = new Map<string, Intl.NumberFormat>();

/** A locale's percent format, made once. */
function percentFormat(locale: string): Intl.NumberFormat {
  let f = percentFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    percentFormats.set(locale, f);
  }
  return f;
}

/** Whole days from a complaint to the list day (for the situation); null without a complaint. */
function complaintAge(complaint: TalkTrackComplaint | null, listDate: string): number | null {
  if (!complaint) return null;
  const at = complaint.date instanceof Date ? complaint.date : new Date(String(complaint.date));
  const list = new Date(`${listDate}T00:00:00Z`);
  if (Number.isNaN(at.getTime()) || Number.isNaN(list.getTime())) return null;
  return Math.max(0, Math.floor((list.getTime() - at.getTime()) / 86_400_000));
}

/** The checked view model of a context, in the resolved locale and for the chosen track. */
export function buildView(ctx: TalkTrackContext, locale: string, track: TrackName): TalkTrackView {
  if (!(LIFECYCLES as readonly string[]).includes(ctx.lifecycle)) {
    throw new TalkTrackContextError('lifecycle', `unknown lifecycle '${String(ctx.lifecycle)}'`);
  }
  if (!(VALUE_TIERS as readonly string[]).includes(ctx.valueTier)) {
    throw new TalkTrackContextError('valueTier', `unknown value tier '${String(ctx.valueTier)}'`);
  }
  checkFacts(ctx.facts);
  const facts = ctx.facts;
  const currency = requiredText('facts.currency', facts.currency).toUpperCase();
  const timeZone = ctx.timeZone ?? 'UTC';
  const complaint = ctx.lastComplaint
    ? { date: ctx.lastComplaint.date, note: optionalText(ctx.lastComplaint.note) ?? '' }
    : null;
  // Checked here so that bad data fails as a context error before any template runs.
  if (complaint) formatDay(complaint.date, locale, timeZone);
  const reasons = (ctx.reasons ?? []).filter((r): r is string => typeof r === 'string' && r.trim() !== '');
  const l = factLocale(locale);
  const situation =
    ctx.situation ??
    chooseSituation({
      facts,
      lifecycle: ctx.lifecycle,
      valueTier: ctx.valueTier,
      complaintDaysAgo: complaintAge(ctx.lastComplaint, ctx.listDate),
      reasons,
    });
  return {
    customerName: requiredText('customerName', ctx.customerName),
    repName: requiredText('repName', ctx.repName),
    locale,
    personality: track,
    situation,
    lifecycle: ctx.lifecycle,
    valueTier: ctx.valueTier,
    rfmSegment: ctx.rfmSegment ?? null,
    reasons: [...new Set(reasons.map((r) => r.trim()))],
    timeZone,
    orders: ordersView(facts, locale, currency),
    cycle: cycleText(facts, l),
    silence: facts.daysSilent === null ? null : gapText(facts.daysSilent, l),
    status: facts.status,
    lapsed: facts.status === 'lapsed',
    favouriteCategory: optionalText(facts.favouriteCategory),
    lastProducts: productListText(facts.lastProducts, l),
    lastComplaint: complaint,
    offer: ctx.offer ? offerView(ctx.offer, locale, currency) : null,
    offerType: offerTypeOf(ctx.offer),
  };
}
