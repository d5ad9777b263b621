/**
 * What the talk-track templates can call (eq, money, date, days, label, reasonList, para) and the locale strings
 * those read (<locale>/strings.json). Registered on each renderer's own Handlebars instance (talk-track.ts).
 */
import Handlebars from 'handlebars';
import { formatDay, formatMoney, TalkTrackTemplateError, type TalkTrackView } from './talk-track-view';

export interface LocaleStrings {
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

export function parseLocaleStrings(file: string, source: string): LocaleStrings {
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

/** Trailing spaces off, at most one blank line in a row, no doubled spaces, no leading/trailing blank lines. */
export function tidy(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function splitArgs(args: unknown[]): { params: unknown[]; options: Handlebars.HelperOptions } {
  const options = args[args.length - 1] as Handlebars.HelperOptions;
  return { params: args.slice(0, -1), options };
}

function viewOf(options: Handlebars.HelperOptions): TalkTrackView {
  const data: unknown = options.data;
  return (data as { root: TalkTrackView }).root;
}

export function registerHelpers(hbs: typeof Handlebars, stringsFor: (locale: string) => LocaleStrings): void {
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
