/**
 * Talk-track rendering: picks the template for a customer's personality and locale and renders the call script.
 * Pure module apart from reading the template files once, when the renderer is created. No framework imports.
 *
 * Layout of `templatesDir` (see docs/playbooks.md):
 *   <locale>/strings.json          labels, reason phrases, list and sentence separators, day units
 *   <locale>/<track>.hbs           track = rational | emotional | leader | stable | neutral (neutral required)
 *   <locale>/partials/<name>.hbs   shared pieces, used as {{> name}} by the tracks of that locale
 * The `en` locale is required: it is the fallback for unknown locales.
 *
 * Output: plain text, lines separated by '\n', rep-only notes in brackets. Values from the context are
 * HTML-escaped (Handlebars default), so the text is safe to put into HTML as is; do not escape it again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import type { Lifecycle, RfmSegment, ValueTier } from '../scoring/models/types';
import { PERSONALITIES, type Personality, isPersonality } from './personality';

export const FALLBACK_LOCALE = 'en';
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
  /** days since the last paid order; null for prospects or when unknown */
  daysSinceLastOrder: number | null;
  /** the customer's usual days between orders; null or 0 when unknown */
  usualCycleDays: number | null;
  /** integer minor units (fen, cents) of `currency`; null when there is no order */
  lastOrderAmount: number | null;
  /** ISO 4217 code, e.g. 'CNY' */
  currency: string;
  topCategory: string | null;
  lastComplaint: TalkTrackComplaint | null;
  offer: TalkTrackOffer | null;
  /** reason codes from ranking, e.g. ['overdue', 'high_value']; phrases come from <locale>/strings.json */
  reasons: readonly string[];
  /** IANA time zone used to format Date / timestamp values; default 'UTC' */
  timeZone?: string;
}

export interface RenderedTalkTrack {
  /** the track actually used: a personality or 'neutral' */
  personality: TrackName;
  /** the locale actually used */
  locale: string;
  text: string;
}

export interface TalkTrackRenderer {
  /** locales found in templatesDir, sorted */
  readonly locales: readonly string[];
  render(ctx: TalkTrackContext): RenderedTalkTrack;
}

/** A template file that cannot be loaded, compiled or rendered. `file` is the path of the offending file. */
export class TalkTrackTemplateError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'TalkTrackTemplateError';
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
    throw new TalkTrackContextError(
      'lastOrderAmount',
      `must be an integer in minor units, got ${amountMinor}`,
    );
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
    throw new TalkTrackContextError('lastComplaint.date', `not a valid date: '${String(value)}'`);
  }
  try {
    return new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      timeZone: zone,
    }).format(date);
  } catch (err) {
    throw new TalkTrackContextError('timeZone', `not a valid IANA time zone: '${zone}' (${String(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Locale strings

interface LocaleStrings {
  /** joins the lines of a {{#para}} block: ' ' for en, '' for zh-CN */
  sentenceSeparator: string;
  /** joins reason phrases */
  listSeparator: string;
  /** Intl.PluralRules category → pattern with {n}; 'other' required */
  dayUnit: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

function parseLocaleStrings(file: string, source: string): LocaleStrings {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (err) {
    throw new TalkTrackTemplateError(file, `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  const fail = (what: string): never => {
    throw new TalkTrackTemplateError(file, what);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('must be a JSON object');
  const obj = data as Record<string, unknown>;
  if (typeof obj.sentenceSeparator !== 'string') fail('"sentenceSeparator" must be a string');
  if (typeof obj.listSeparator !== 'string') fail('"listSeparator" must be a string');
  if (!isStringRecord(obj.dayUnit) || typeof obj.dayUnit.other !== 'string') {
    fail('"dayUnit" must map plural categories to patterns, with at least "other"');
  }
  const labels = obj.labels;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    fail('"labels" must be an object');
  for (const [kind, map] of Object.entries(labels as Record<string, unknown>)) {
    if (!isStringRecord(map)) fail(`"labels.${kind}" must map codes to strings`);
  }
  return {
    sentenceSeparator: obj.sentenceSeparator as string,
    listSeparator: obj.listSeparator as string,
    dayUnit: obj.dayUnit as Record<string, string>,
    labels: labels as Record<string, Record<string, string>>,
  };
}

function humanize(code: string): string {
  return code.replace(/[_-]+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// View model: what the templates see. Every key is always present (templates compile in strict mode).

type CycleStatus = 'unknown' | 'early' | 'due' | 'overdue';
type Stage = 'prospect' | 'onboarding' | 'growth' | 'winback';

/** Ratio of days since the last order to the usual cycle at which a customer counts as due / overdue. */
const DUE_RATIO = 0.8;
const OVERDUE_RATIO = 1.2;

interface TalkTrackView {
  customerName: string;
  repName: string;
  locale: string;
  personality: TrackName;
  lifecycle: Lifecycle;
  valueTier: ValueTier;
  rfmSegment: RfmSegment | null;
  daysSinceLastOrder: number | null;
  usualCycleDays: number | null;
  lastOrderAmount: number | null;
  currency: string;
  topCategory: string | null;
  lastComplaint: { date: string | Date; note: string } | null;
  offer: TalkTrackOffer | null;
  reasons: string[];
  timeZone: string;
  hasOrderHistory: boolean;
  hasLastOrderAmount: boolean;
  hasCycle: boolean;
  cycleStatus: CycleStatus;
  stage: Stage;
}

const STAGES: Record<Lifecycle, Stage> = {
  prospect: 'prospect',
  new: 'onboarding',
  active: 'growth',
  loyal: 'growth',
  at_risk: 'winback',
  churned: 'winback',
};

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

function dayCount(field: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TalkTrackContextError(field, `must be a non-negative number of days or null, got ${value}`);
  }
  return Math.round(value);
}

/** Where the customer is in their usual buying cycle, from days since the last order and the cycle length. */
function cycleStatusOf(daysSince: number | null, cycle: number | null): CycleStatus {
  if (daysSince === null || cycle === null) return 'unknown';
  const ratio = daysSince / cycle;
  return ratio > OVERDUE_RATIO ? 'overdue' : ratio >= DUE_RATIO ? 'due' : 'early';
}

function offerView(offer: NonNullable<TalkTrackContext['offer']>): NonNullable<TalkTrackView['offer']> {
  return {
    title: requiredText('offer.title', offer.title),
    // Templates add their own full stop.
    description: requiredText('offer.description', offer.description).replace(/[.。!！]+$/u, ''),
    code: requiredText('offer.code', offer.code),
  };
}

function buildView(ctx: TalkTrackContext, locale: string, track: TrackName): TalkTrackView {
  if (!Object.prototype.hasOwnProperty.call(STAGES, ctx.lifecycle)) {
    throw new TalkTrackContextError('lifecycle', `unknown lifecycle '${String(ctx.lifecycle)}'`);
  }
  if (!['core', 'potential', 'general'].includes(ctx.valueTier)) {
    throw new TalkTrackContextError('valueTier', `unknown value tier '${String(ctx.valueTier)}'`);
  }
  const daysSince = dayCount('daysSinceLastOrder', ctx.daysSinceLastOrder);
  const rawCycle = dayCount('usualCycleDays', ctx.usualCycleDays);
  const cycle = rawCycle !== null && rawCycle > 0 ? rawCycle : null;
  const amount = ctx.lastOrderAmount ?? null;
  if (amount !== null && !Number.isSafeInteger(amount)) {
    throw new TalkTrackContextError(
      'lastOrderAmount',
      `must be an integer in minor units or null, got ${amount}`,
    );
  }
  const currency = requiredText('currency', ctx.currency).toUpperCase();
  const cycleStatus = cycleStatusOf(daysSince, cycle);
  const complaint = ctx.lastComplaint
    ? { date: ctx.lastComplaint.date, note: optionalText(ctx.lastComplaint.note) ?? '' }
    : null;
  const offer = ctx.offer ? offerView(ctx.offer) : null;
  const timeZone = ctx.timeZone ?? 'UTC';
  // Checked here so that bad data fails as a context error before any template runs.
  if (complaint) formatDay(complaint.date, locale, timeZone);
  if (amount !== null) formatMoney(amount, currency, locale);
  const reasons = (ctx.reasons ?? []).filter((r): r is string => typeof r === 'string' && r.trim() !== '');
  return {
    customerName: requiredText('customerName', ctx.customerName),
    repName: requiredText('repName', ctx.repName),
    locale,
    personality: track,
    lifecycle: ctx.lifecycle,
    valueTier: ctx.valueTier,
    rfmSegment: ctx.rfmSegment ?? null,
    daysSinceLastOrder: daysSince,
    usualCycleDays: cycle,
    lastOrderAmount: amount,
    currency,
    topCategory: optionalText(ctx.topCategory),
    lastComplaint: complaint,
    offer,
    reasons: [...new Set(reasons.map((r) => r.trim()))],
    timeZone,
    hasOrderHistory: daysSince !== null,
    hasLastOrderAmount: amount !== null && amount > 0,
    hasCycle: cycle !== null,
    cycleStatus,
    stage: STAGES[ctx.lifecycle],
  };
}

/** Trailing spaces off, at most one blank line in a row, no doubled spaces, no leading/trailing blank lines. */
function tidy(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

interface LoadedTrack {
  name: TrackName;
  file: string;
  template: HandlebarsTemplateDelegate<TalkTrackView>;
}

interface LoadedLocale {
  name: string;
  strings: LocaleStrings;
  tracks: Map<TrackName, LoadedTrack>;
  partials: Record<string, HandlebarsTemplateDelegate>;
}

// Talk tracks are plain text (CRM fields, terminal, JSON); HTML escaping happens where they are put into HTML.
const COMPILE_OPTIONS = { strict: true, preventIndent: true, noEscape: true } as const;

function isTrackName(value: string): value is TrackName {
  return (TRACK_NAMES as readonly string[]).includes(value);
}

/** Names of the partials a template uses ({{> name}}); dynamic partials are not checked. */
function partialNames(node: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) partialNames(child, found);
  } else if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') {
      const name = n.name as Record<string, unknown> | undefined;
      if (name?.type === 'PathExpression' && typeof name.original === 'string') found.add(name.original);
      if (name?.type === 'StringLiteral' && typeof name.value === 'string') found.add(name.value);
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'loc') partialNames(value, found);
    }
  }
  return found;
}

function listFiles(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => e.name)
    .sort();
}

type Compile = <T>(
  file: string,
  source: string,
) => { template: HandlebarsTemplateDelegate<T>; uses: Set<string> };

/** Compiles a template eagerly on `hbs`, with the partials it uses; errors name the file. */
function compilerFor(hbs: typeof Handlebars): Compile {
  return <T>(file: string, source: string) => {
    try {
      const ast = hbs.parse(source);
      const spec = hbs.precompile(source, COMPILE_OPTIONS);
      // The precompiled spec is JavaScript source generated by Handlebars from our own template files; this is
      // what Handlebars.compile does internally, done here eagerly so the renderer never compiles on a request.
      const templateSpec = new Function(`return ${String(spec)};`)() as TemplateSpecification;
      return { template: hbs.template<T>(templateSpec), uses: partialNames(ast) };
    } catch (err) {
      throw new TalkTrackTemplateError(file, `cannot compile template: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
}

/** A template's file and the partials it uses, checked once every partial of its locale is known. */
type PartialUse = { file: string; names: Set<string> };

/** The partials of a locale (`partials/*.hbs`), each wrapped so a failure inside it names its own file. */
function loadPartials(
  compile: Compile,
  partialsDir: string,
  uses: PartialUse[],
): Record<string, HandlebarsTemplateDelegate> {
  const partials: Record<string, HandlebarsTemplateDelegate> = {};
  for (const fileName of listFiles(partialsDir, '.hbs')) {
    const file = path.join(partialsDir, fileName);
    const compiled = compile<unknown>(file, fs.readFileSync(file, 'utf8'));
    const inner = compiled.template;
    // Wrapped so that a failure inside a partial names the partial's file, not the including track.
    partials[fileName.slice(0, -'.hbs'.length)] = (context: unknown, options?: Handlebars.RuntimeOptions) => {
      try {
        return inner(context, options);
      } catch (err) {
        if (err instanceof TalkTrackTemplateError || err instanceof TalkTrackContextError) throw err;
        throw new TalkTrackTemplateError(file, `failed to render: ${(err as Error).message}`, {
          cause: err,
        });
      }
    };
    uses.push({ file, names: compiled.uses });
  }
  return partials;
}

/** The tracks of a locale (`<track>.hbs`); a neutral one is required. */
function loadTracks(compile: Compile, dir: string, uses: PartialUse[]): Map<TrackName, LoadedTrack> {
  const tracks = new Map<TrackName, LoadedTrack>();
  for (const fileName of listFiles(dir, '.hbs')) {
    const file = path.join(dir, fileName);
    const trackName = fileName.slice(0, -'.hbs'.length);
    if (!isTrackName(trackName)) {
      throw new TalkTrackTemplateError(
        file,
        `unknown talk track '${trackName}' (expected ${TRACK_NAMES.join(', ')})`,
      );
    }
    const compiled = compile<TalkTrackView>(file, fs.readFileSync(file, 'utf8'));
    tracks.set(trackName, { name: trackName, file, template: compiled.template });
    uses.push({ file, names: compiled.uses });
  }
  if (!tracks.has('neutral')) {
    throw new TalkTrackTemplateError(
      path.join(dir, 'neutral.hbs'),
      'missing: every locale needs a neutral track',
    );
  }
  return tracks;
}

/** One locale folder: its strings, partials and tracks, every partial reference checked. */
function loadLocale(compile: Compile, root: string, name: string): LoadedLocale {
  const dir = path.join(root, name);
  const stringsFile = path.join(dir, 'strings.json');
  if (!fs.existsSync(stringsFile))
    throw new TalkTrackTemplateError(stringsFile, 'missing locale strings file');
  const strings = parseLocaleStrings(stringsFile, fs.readFileSync(stringsFile, 'utf8'));

  const partialsDir = path.join(dir, 'partials');
  const uses: PartialUse[] = [];
  const partials = loadPartials(compile, partialsDir, uses);
  const tracks = loadTracks(compile, dir, uses);
  for (const use of uses) {
    for (const partial of use.names) {
      if (!(partial in partials)) {
        throw new TalkTrackTemplateError(
          use.file,
          `uses partial '${partial}', but ${path.join(partialsDir, `${partial}.hbs`)} does not exist`,
        );
      }
    }
  }
  return { name, strings, tracks, partials };
}

/** The loaded locale for a requested tag: exact match, else same language, else the fallback. */
function localeResolver(localeNames: string[]): (requested: string) => string {
  const normalize = (tag: string): string => tag.trim().replace(/_/g, '-').toLowerCase();
  return (requested: string): string => {
    if (typeof requested !== 'string') return FALLBACK_LOCALE;
    const wanted = normalize(requested);
    const exact = localeNames.find((l) => normalize(l) === wanted);
    if (exact) return exact;
    const language = wanted.split('-')[0];
    return localeNames.find((l) => normalize(l).split('-')[0] === language) ?? FALLBACK_LOCALE;
  };
}

/**
 * Reads and compiles every template under `templatesDir` once; the returned renderer does no I/O.
 * Throws TalkTrackTemplateError naming the file for a missing directory, a syntax error, an unknown track file,
 * a reference to a partial that does not exist, or a bad strings.json.
 */
export function createTalkTrackRenderer(templatesDir: string): TalkTrackRenderer {
  const root = path.resolve(templatesDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new TalkTrackTemplateError(root, 'talk-track templates directory not found');
  }
  const hbs = Handlebars.create();
  const compile = compilerFor(hbs);
  const locales = new Map<string, LoadedLocale>();

  const localeDirs = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of localeDirs) locales.set(name, loadLocale(compile, root, name));

  if (!locales.has(FALLBACK_LOCALE)) {
    throw new TalkTrackTemplateError(
      path.join(root, FALLBACK_LOCALE),
      'missing: the fallback locale is required',
    );
  }

  registerHelpers(hbs, (locale) => (locales.get(locale) ?? locales.get(FALLBACK_LOCALE))!.strings);

  const localeNames = [...locales.keys()];
  const resolveLocale = localeResolver(localeNames);

  return {
    locales: localeNames,
    render(ctx: TalkTrackContext): RenderedTalkTrack {
      const localeName = resolveLocale(ctx.locale);
      const locale = locales.get(localeName)!;
      const wanted: TrackName = isPersonality(ctx.personality) ? ctx.personality : 'neutral';
      const track = locale.tracks.get(wanted) ?? locale.tracks.get('neutral')!;
      const view = buildView(ctx, localeName, track.name);
      let raw: string;
      try {
        raw = track.template(view, { partials: locale.partials });
      } catch (err) {
        if (err instanceof TalkTrackTemplateError || err instanceof TalkTrackContextError) throw err;
        throw new TalkTrackTemplateError(track.file, `failed to render: ${(err as Error).message}`, {
          cause: err,
        });
      }
      return { personality: track.name, locale: localeName, text: tidy(raw) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers, registered on the renderer's own Handlebars instance

function splitArgs(args: unknown[]): { params: unknown[]; options: Handlebars.HelperOptions } {
  const options = args[args.length - 1] as Handlebars.HelperOptions;
  return { params: args.slice(0, -1), options };
}

function viewOf(options: Handlebars.HelperOptions): TalkTrackView {
  const data: unknown = options.data;
  return (data as { root: TalkTrackView }).root;
}

function registerHelpers(hbs: typeof Handlebars, stringsFor: (locale: string) => LocaleStrings): void {
  registerLogicHelpers(hbs);
  registerFormatHelpers(hbs, stringsFor);
  registerTextHelpers(hbs, stringsFor);
}

/** {{#if (eq a b)}} and friends: comparisons and boolean logic for template conditions. */
function registerLogicHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('eq', (...args: unknown[]) => {
    const { params } = splitArgs(args);
    return params[0] === params[1];
  });
  hbs.registerHelper('ne', (...args: unknown[]) => {
    const { params } = splitArgs(args);
    return params[0] !== params[1];
  });
  hbs.registerHelper('and', (...args: unknown[]) => splitArgs(args).params.every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => splitArgs(args).params.some(Boolean));
  hbs.registerHelper('not', (...args: unknown[]) => !splitArgs(args).params[0]);
}

/** Money, dates and day counts in the view's locale. */
function registerFormatHelpers(hbs: typeof Handlebars, stringsFor: (locale: string) => LocaleStrings): void {
  const plural = new Map<string, Intl.PluralRules>();
  const integer = new Map<string, Intl.NumberFormat>();

  /** {{money amountMinor currency}} → '¥1,240' */
  hbs.registerHelper('money', (...args: unknown[]) => {
    const { params, options } = splitArgs(args);
    return formatMoney(params[0] as number, String(params[1]), viewOf(options).locale);
  });

  /** {{date value}} → 'March 5, 2024' / '2024年3月5日' */
  hbs.registerHelper('date', (...args: unknown[]) => {
    const { params, options } = splitArgs(args);
    const view = viewOf(options);
    return formatDay(params[0] as string | Date, view.locale, view.timeZone);
  });

  /** {{days n}} → '1 day', '12 days', '12天' */
  hbs.registerHelper('days', (...args: unknown[]) => {
    const { params, options } = splitArgs(args);
    const n = params[0];
    if (typeof n !== 'number' || !Number.isFinite(n))
      throw new Error(`days: expected a number, got ${String(n)}`);
    const locale = viewOf(options).locale;
    if (!plural.has(locale)) plural.set(locale, new Intl.PluralRules(locale));
    if (!integer.has(locale))
      integer.set(locale, new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }));
    const units = stringsFor(locale).dayUnit;
    const pattern = units[plural.get(locale)!.select(n)] ?? units.other;
    return pattern.replace('{n}', integer.get(locale)!.format(n));
  });
}

/** Labels, reason lists and paragraphs from the locale's strings. */
function registerTextHelpers(hbs: typeof Handlebars, stringsFor: (locale: string) => LocaleStrings): void {
  /** {{label 'lifecycle' lifecycle}} → the locale's label, or the code made readable */
  hbs.registerHelper('label', (...args: unknown[]) => {
    const { params, options } = splitArgs(args);
    const kind = String(params[0]);
    const code = String(params[1]);
    const labels = stringsFor(viewOf(options).locale).labels[kind];
    return labels && Object.prototype.hasOwnProperty.call(labels, code) ? labels[code] : humanize(code);
  });

  /** {{reasonList reasons}} → reason phrases joined by the locale's list separator; unknown codes made readable */
  hbs.registerHelper('reasonList', (...args: unknown[]) => {
    const { params, options } = splitArgs(args);
    const strings = stringsFor(viewOf(options).locale);
    const labels = strings.labels.reason ?? {};
    const codes = Array.isArray(params[0]) ? (params[0] as unknown[]) : [];
    return codes
      .map((c) => String(c))
      .map((c) => (Object.prototype.hasOwnProperty.call(labels, c) ? labels[c] : humanize(c)))
      .join(strings.listSeparator);
  });

  /** {{#para}}…{{/para}} → the block's non-empty lines joined into one paragraph with the locale's separator */
  hbs.registerHelper('para', function (this: unknown, options: Handlebars.HelperOptions) {
    const separator = stringsFor(viewOf(options).locale).sentenceSeparator;
    const lines = options
      .fn(this)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    // The standalone {{/para}} line swallows the block's own line break; put it back.
    return lines.length > 0 ? `${lines.join(separator)}\n` : '';
  });
}
