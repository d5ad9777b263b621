/**
 * Talk-track rendering: composes the call script from partials chosen for the customer's personality, situation,
 * value tier and offer type, in the rep's locale, filled from the typed view model of talk-track-view.ts.
 * Pure module apart from reading the template files once, when the renderer is created. No framework imports.
 *
 * Layout of `templatesDir` (see docs/playbooks.md):
 *   <locale>/strings.json          labels, reason phrases, list and sentence separators, day units
 *   <locale>/track.hbs             the composition: {{> header}} {{> opening}} {{> value}} … {{> signoff}}
 *   <locale>/partials/<name>.hbs   name = <part>[.<qualifier>[.<qualifier>]]; part is one of PARTS or a fixed
 *                                  piece (header, signoff); qualifiers are a personality, situation, offer type
 *                                  or value tier. For each part the most specific partial present is used:
 *                                  part.personality.situation, part.situation, part.personality,
 *                                  part.offerType, part.valueTier, part.
 * The `en` locale is required: it is the fallback for unknown locales. A workspace may override or add any
 * partial or the track of a locale (`TemplateOverrides`); they are compiled and checked like the files.
 *
 * Output: plain text, lines separated by '\n', rep-only notes in brackets. Values are not HTML-escaped: the text
 * goes to CRM fields, terminals and JSON; escape it where it is put into HTML.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { isPersonality, PERSONALITIES } from './personality';
import { OFFER_TYPES, SITUATIONS } from './situation';
import { type LocaleStrings, parseLocaleStrings, registerHelpers, tidy } from './talk-track-helpers';
import {
  buildView,
  type TalkTrackContext,
  TalkTrackContextError,
  TalkTrackTemplateError,
  type TalkTrackView,
  type TrackName,
  VIEW_KEYS,
} from './talk-track-view';

export const FALLBACK_LOCALE = 'en';

/** The parts of a call, in the order the track reads them; each is chosen per call (see the file comment). */
export const PARTS = ['opening', 'value', 'objection', 'offer', 'close'] as const;
/** Partials that are the same for every call of a locale. */
const FIXED_PARTIALS = ['header', 'signoff'] as const;
/** Qualifiers a partial's name may carry after its part. */
const QUALIFIERS: ReadonlySet<string> = new Set([
  ...PERSONALITIES,
  'neutral',
  ...SITUATIONS,
  ...OFFER_TYPES,
  'core',
  'potential',
  'general',
]);

/** Workspace templates: '<locale>/<partial name>' or '<locale>/track' → Handlebars source. */
export type TemplateOverrides = Readonly<Record<string, string>>;

export interface RenderedTalkTrack {
  /** the track actually used: a personality or 'neutral' */
  personality: TrackName;
  /** the locale actually used */
  locale: string;
  /** the situation of the call (chosen from the facts unless the context forced one) */
  situation: TalkTrackView['situation'];
  /** the partial used for each part, e.g. { value: 'value.rational', offer: 'offer.discount', … } */
  partials: Record<(typeof PARTS)[number], string>;
  text: string;
}

export interface TalkTrackRenderer {
  /** locales found in templatesDir, sorted */
  readonly locales: readonly string[];
  render(ctx: TalkTrackContext): RenderedTalkTrack;
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

type Delegate = HandlebarsTemplateDelegate;

interface LoadedLocale {
  name: string;
  strings: LocaleStrings;
  track: { file: string; template: HandlebarsTemplateDelegate<TalkTrackView> };
  partials: Record<string, Delegate>;
}

// Talk tracks are plain text (CRM fields, terminal, JSON); HTML escaping happens where they are put into HTML.
const COMPILE_OPTIONS = { strict: true, preventIndent: true, noEscape: true } as const;

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

/** Why a partial name is not one the renderer can ever choose, or null when it is. */
export function partialNameProblem(name: string): string | null {
  const [part, ...qualifiers] = name.split('.');
  if ((FIXED_PARTIALS as readonly string[]).includes(part)) {
    return qualifiers.length === 0 ? null : `'${part}' takes no qualifiers`;
  }
  if (!(PARTS as readonly string[]).includes(part)) {
    return `unknown part '${part}' (expected ${[...PARTS, ...FIXED_PARTIALS].join(', ')})`;
  }
  if (qualifiers.length > 2) return 'at most two qualifiers (personality.situation)';
  const unknown = qualifiers.find((q) => !QUALIFIERS.has(q));
  if (unknown !== undefined)
    return `unknown qualifier '${unknown}' (a personality, situation, offer type or tier)`;
  if (qualifiers.length === 2 && !(isPersonality(qualifiers[0]) || qualifiers[0] === 'neutral')) {
    return 'two qualifiers are personality.situation';
  }
  if (qualifiers.length === 2 && !(SITUATIONS as readonly string[]).includes(qualifiers[1])) {
    return 'two qualifiers are personality.situation';
  }
  return null;
}

/** One template source: where it came from (a file path, or 'en/opening (workspace override)') and its text. */
interface Source {
  file: string;
  source: string;
}

/** Helpers registered by registerHelpers: a path with one of these names is a call, not a value. */
const HELPERS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'and',
  'or',
  'not',
  'money',
  'date',
  'days',
  'label',
  'reasonList',
  'para',
  'if',
  'unless',
  'each',
  'with',
  'lookup',
]);

/**
 * The first value a template reads that the view model does not have, with its position. Strict mode catches a
 * missing value only when it is printed; one used in a condition ({{#if typo}}) would silently be false.
 */
function unknownValue(node: unknown): { name: string; line: number; column: number } | null {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = unknownValue(child);
      if (found) return found;
    }
    return null;
  }
  if (typeof node !== 'object' || node === null) return null;
  const n = node as Record<string, unknown>;
  if (n.type === 'PathExpression' && n.data !== true && typeof n.depth === 'number' && n.depth === 0) {
    const parts = n.parts as string[];
    const head = parts[0];
    const loc = n.loc as { start: { line: number; column: number } } | undefined;
    if (head !== undefined && !HELPERS.has(head) && !VIEW_KEYS.has(head) && String(n.original) !== 'this') {
      return { name: String(n.original), line: loc?.start.line ?? 0, column: (loc?.start.column ?? 0) + 1 };
    }
  }
  // Inside {{#each}} / {{#with}} the context changes: values there are not the view's own.
  if (
    n.type === 'BlockStatement' &&
    ['each', 'with'].includes(String((n.path as { original?: unknown })?.original))
  ) {
    return unknownValue(n.params);
  }
  for (const [key, value] of Object.entries(n)) {
    if (key === 'loc' || (n.type === 'PartialStatement' && key === 'name')) continue;
    const found = unknownValue(value);
    if (found) return found;
  }
  return null;
}

/** Compiles a template eagerly on `hbs`; errors name the file and, for an unknown value, its position. */
function compile<T>(hbs: typeof Handlebars, src: Source) {
  try {
    const ast = hbs.parse(src.source);
    const unknown = unknownValue(ast);
    if (unknown) {
      throw new Error(
        `"${unknown.name}" is not a value of the talk-track view - ${unknown.line}:${unknown.column - 1}`,
      );
    }
    const spec = hbs.precompile(src.source, COMPILE_OPTIONS);
    // The precompiled spec is JavaScript source generated by Handlebars from a template (a file or a workspace's
    // override, which is template text, never code); this is what Handlebars.compile does internally, done here
    // eagerly so the renderer never compiles on a request.
    const templateSpec = new Function(`return ${String(spec)};`)() as TemplateSpecification;
    return { template: hbs.template<T>(templateSpec), uses: partialNames(ast) };
  } catch (err) {
    throw new TalkTrackTemplateError(src.file, `cannot compile template: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** A template that reports a failure inside it under its own name, not under the template including it. */
function namedFailures<T>(file: string, inner: HandlebarsTemplateDelegate<T>): HandlebarsTemplateDelegate<T> {
  return (context: T, options?: Handlebars.RuntimeOptions) => {
    try {
      return inner(context, options);
    } catch (err) {
      if (err instanceof TalkTrackTemplateError || err instanceof TalkTrackContextError) throw err;
      throw new TalkTrackTemplateError(file, `failed to render: ${(err as Error).message}`, { cause: err });
    }
  };
}

/** The sources of one locale: its files, then the workspace's overrides for that locale on top. */
function localeSources(
  dir: string,
  locale: string,
  overrides: TemplateOverrides,
): { track: Source | null; partials: Map<string, Source> } {
  const trackFile = path.join(dir, 'track.hbs');
  let track: Source | null = fs.existsSync(trackFile)
    ? { file: trackFile, source: fs.readFileSync(trackFile, 'utf8') }
    : null;
  const partials = new Map<string, Source>();
  const partialsDir = path.join(dir, 'partials');
  for (const fileName of listFiles(partialsDir, '.hbs')) {
    const file = path.join(partialsDir, fileName);
    const name = fileName.slice(0, -'.hbs'.length);
    const problem = partialNameProblem(name);
    if (problem) throw new TalkTrackTemplateError(file, `not a partial the renderer can use: ${problem}`);
    partials.set(name, { file, source: fs.readFileSync(file, 'utf8') });
  }
  for (const [key, source] of Object.entries(overrides)) {
    const [l, name] = key.split('/');
    if (l !== locale) continue;
    const file = `${key} (workspace override)`;
    if (name === 'track') {
      track = { file, source };
      continue;
    }
    const problem = partialNameProblem(name);
    if (problem) throw new TalkTrackTemplateError(file, `not a partial the renderer can use: ${problem}`);
    partials.set(name, { file, source });
  }
  return { track, partials };
}

/** One locale folder: its strings, track and partials (with overrides), every partial reference checked. */
function loadLocale(
  hbs: typeof Handlebars,
  root: string,
  name: string,
  overrides: TemplateOverrides,
): LoadedLocale {
  const dir = path.join(root, name);
  const stringsFile = path.join(dir, 'strings.json');
  if (!fs.existsSync(stringsFile))
    throw new TalkTrackTemplateError(stringsFile, 'missing locale strings file');
  const strings = parseLocaleStrings(stringsFile, fs.readFileSync(stringsFile, 'utf8'));
  const sources = localeSources(dir, name, overrides);
  if (!sources.track) {
    throw new TalkTrackTemplateError(path.join(dir, 'track.hbs'), 'missing: every locale needs a track.hbs');
  }
  const uses: Array<{ file: string; names: Set<string> }> = [];
  const partials: Record<string, Delegate> = {};
  for (const [partial, src] of sources.partials) {
    const compiled = compile<unknown>(hbs, src);
    partials[partial] = namedFailures(src.file, compiled.template);
    uses.push({ file: src.file, names: compiled.uses });
  }
  for (const part of [...PARTS, ...FIXED_PARTIALS]) {
    if (!(part in partials)) {
      throw new TalkTrackTemplateError(
        path.join(dir, 'partials', `${part}.hbs`),
        'missing: every part needs its general partial',
      );
    }
  }
  const track = compile<TalkTrackView>(hbs, sources.track);
  uses.push({ file: sources.track.file, names: track.uses });
  for (const use of uses) {
    for (const partial of use.names) {
      if (!(partial in partials)) {
        throw new TalkTrackTemplateError(
          use.file,
          `uses partial '${partial}', but ${path.join(dir, 'partials', `${partial}.hbs`)} does not exist`,
        );
      }
    }
  }
  return { name, strings, track: { file: sources.track.file, template: track.template }, partials };
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

/** The name of the partial used for `part` in this view: the most specific one present. */
export function choosePartial(
  available: Readonly<Record<string, unknown>>,
  part: (typeof PARTS)[number],
  view: Pick<TalkTrackView, 'personality' | 'situation' | 'offerType' | 'valueTier'>,
): string {
  const candidates = [
    `${part}.${view.personality}.${view.situation}`,
    `${part}.${view.situation}`,
    `${part}.${view.personality}`,
    `${part}.${view.offerType}`,
    `${part}.${view.valueTier}`,
  ];
  return candidates.find((name) => Object.prototype.hasOwnProperty.call(available, name)) ?? part;
}

/**
 * Reads and compiles every template under `templatesDir` once, with a workspace's `overrides` on top; the returned
 * renderer does no I/O. Throws TalkTrackTemplateError naming the file (or override) for a missing directory, a
 * syntax error, an unknown partial name, a reference to a partial that does not exist, or a bad strings.json.
 */
export function createTalkTrackRenderer(
  templatesDir: string,
  overrides: TemplateOverrides = {},
): TalkTrackRenderer {
  const root = path.resolve(templatesDir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new TalkTrackTemplateError(root, 'talk-track templates directory not found');
  }
  const hbs = Handlebars.create();
  const locales = new Map<string, LoadedLocale>();
  const localeDirs = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const key of Object.keys(overrides)) {
    const locale = key.split('/')[0];
    if (!localeDirs.includes(locale) || key.split('/').length !== 2) {
      throw new TalkTrackTemplateError(
        `${key} (workspace override)`,
        `expected '<locale>/<partial>' with a locale of ${localeDirs.join(', ')}`,
      );
    }
  }
  for (const name of localeDirs) locales.set(name, loadLocale(hbs, root, name, overrides));

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
      const track: TrackName = isPersonality(ctx.personality) ? ctx.personality : 'neutral';
      const view = buildView(ctx, localeName, track);
      const chosen = Object.fromEntries(
        PARTS.map((part) => [part, choosePartial(locale.partials, part, view)]),
      ) as RenderedTalkTrack['partials'];
      const partials: Record<string, Delegate> = { ...locale.partials };
      for (const part of PARTS) partials[part] = locale.partials[chosen[part]];
      let raw: string;
      try {
        raw = locale.track.template(view, { partials });
      } catch (err) {
        if (err instanceof TalkTrackTemplateError || err instanceof TalkTrackContextError) throw err;
        throw new TalkTrackTemplateError(locale.track.file, `failed to render: ${(err as Error).message}`, {
          cause: err,
        });
      }
      return {
        personality: track,
        locale: localeName,
        situation: view.situation,
        partials: chosen,
        text: tidy(raw),
      };
    },
  };
}
