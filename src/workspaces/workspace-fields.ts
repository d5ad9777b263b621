/**
 * The columns of a workspace a person sets — slug, name, time zone, currency, locale, scoring cron — and their
 * validation. Pure; no framework imports. Each check returns the problem as text (or null when the value is fine)
 * so callers can attach the field path.
 */

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The workspaces the command line creates on first use; every other slug must be created explicitly. */
export const IMPLICIT_WORKSPACES: readonly string[] = ['default', 'demo'];

/** Column defaults of a new workspace (the same as the table's). */
export const WORKSPACE_DEFAULTS = {
  timezone: 'Asia/Shanghai',
  locale: 'zh-CN',
  currency: 'CNY',
  scoringCron: '0 2 * * *',
} as const;

/** What a command on a slug that does not exist answers, with the command that creates it. */
export function unknownWorkspaceMessage(slug: string): string {
  return `no workspace '${slug}' (create it with: callplan workspace create --slug ${slug})`;
}

export function slugProblem(slug: string): string | null {
  return SLUG_PATTERN.test(slug)
    ? null
    : `"${slug}" must be 1–63 lowercase letters, digits and -, starting with a letter or digit`;
}

export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'must not be empty';
  if (name.length > 200) return 'must be at most 200 characters';
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f\ufffd]/.test(name)) return 'must not contain control or replacement characters';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name))
    return 'must not contain an unpaired surrogate';
  return null;
}

let zoneNames: readonly string[] | undefined;
const knownZones = () => (zoneNames ??= [...Intl.supportedValuesOf('timeZone'), 'UTC']);

/**
 * An IANA time zone name as the runtime knows it (`Asia/Shanghai`, `Europe/Berlin`, `UTC`); offsets (`+08:00`) and
 * abbreviations the runtime does not resolve are refused, with the nearest known name as a hint.
 */
export function timeZoneProblem(tz: string): string | null {
  if (isValidTimeZone(tz)) return null;
  const hint = nearest(tz, knownZones());
  return `"${tz}" is not an IANA time zone${hint ? ` (did you mean ${hint}?)` : ''}`;
}

export function isValidTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

let currencyCodes: ReadonlySet<string> | undefined;

/** An ISO 4217 code the runtime formats (`CNY`, `USD`, `EUR`); upper case, as orders carry it. */
export function currencyProblem(code: string): string | null {
  currencyCodes ??= new Set(Intl.supportedValuesOf('currency'));
  if (currencyCodes.has(code)) return null;
  if (currencyCodes.has(code.toUpperCase())) return `"${code}" must be upper case (${code.toUpperCase()})`;
  return `"${code}" is not an ISO 4217 currency code`;
}

/** One of the locales the talk tracks are written in (`supported`: the template folders, e.g. en, zh-CN). */
export function localeProblem(locale: string, supported: readonly string[]): string | null {
  if (supported.includes(locale)) return null;
  const hint = supported.find((s) => s.toLowerCase() === locale.toLowerCase());
  return `"${locale}" is not a talk-track locale; one of ${supported.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`;
}

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[] },
  { name: 'hour', min: 0, max: 23, names: [] as string[] },
  { name: 'day of month', min: 1, max: 31, names: [] as string[] },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/**
 * A five-field cron expression (minute hour day-of-month month day-of-week) as BullMQ's scheduler reads it:
 * `*`, numbers, ranges `a-b`, steps `/n`, lists `a,b`, month and weekday names.
 */
export function cronProblem(cron: string): string | null {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return `"${cron}" must have five fields (minute hour day month weekday)`;
  for (let i = 0; i < 5; i++) {
    const field = CRON_FIELDS[i];
    for (const item of parts[i].split(',')) {
      if (!cronItemOk(item, field)) return `"${parts[i]}" is not a valid ${field.name} field`;
    }
  }
  return null;
}

function cronItemOk(item: string, f: (typeof CRON_FIELDS)[number]): boolean {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return false;
  if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1)) return false;
  if (range === '*') return true;
  const value = (s: string): number | null => {
    const named = f.names.indexOf(s.toLowerCase());
    if (named >= 0) return named + (f.name === 'month' ? 1 : 0);
    if (!/^\d{1,2}$/.test(s)) return null;
    const n = Number(s);
    return n >= f.min && n <= f.max ? n : null;
  };
  const [from, to, more] = range.split('-');
  if (more !== undefined) return false;
  const a = value(from);
  if (a === null) return false;
  if (to === undefined) return true;
  const b = value(to);
  return b !== null && b >= a;
}

/** The candidate closest to `input` by edit distance (case-insensitive), when it is close enough to be a typo. */
export function nearest(input: string, candidates: readonly string[]): string | null {
  const target = input.toLowerCase();
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(target.length / 4)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - target.length) >= bestDistance) continue;
    const d = editDistance(target, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
