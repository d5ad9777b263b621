/**
 * The command-line forms of workspace settings, turned into a change body: `--business-hours "mon-fri
 * 09:00-18:00"` and `--set worklist.contactCaps.core.maxCalls=2`. Pure; no framework imports. Errors name the
 * option and the offending text.
 */

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const KINDS = ['business', 'individual'] as const;

export type CustomerKindHours = (typeof KINDS)[number];

export interface HoursSpec {
  start: string;
  end: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday, ascending */
  days: number[];
}

/**
 * `[business:|individual:]<days> <HH:MM>-<HH:MM>`, days as `mon-fri`, `mon,wed,fri`, `sat-sun` or `1-5` (ISO
 * weekdays). Without a prefix the hours apply to both kinds of customer. Throws Error naming the problem.
 */
export function parseBusinessHours(text: string): { kinds: CustomerKindHours[]; hours: HoursSpec } {
  const m = /^\s*(?:(business|individual)\s*:\s*)?(\S+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$/i.exec(
    text,
  );
  if (!m) {
    throw new Error(
      `--business-hours "${text}": expected [business:|individual:]DAYS HH:MM-HH:MM, e.g. "mon-fri 09:00-18:00"`,
    );
  }
  const kinds = m[1] ? [m[1].toLowerCase() as CustomerKindHours] : [...KINDS];
  const days = new Set<number>();
  for (const part of m[2].toLowerCase().split(',')) {
    const [from, to, more] = part.split('-');
    const a = weekday(from);
    const b = to === undefined ? a : weekday(to);
    if (a === null || b === null || more !== undefined) {
      throw new Error(`--business-hours "${text}": "${part}" is not a weekday or range (mon … sun, 1 … 7)`);
    }
    // a range may wrap past Sunday (fri-mon)
    for (let d = a, n = 0; n < 7; d = (d % 7) + 1, n++) {
      days.add(d);
      if (d === b) break;
    }
  }
  const clock = (s: string) => s.padStart(5, '0');
  return {
    kinds,
    hours: { start: clock(m[3]), end: clock(m[4]), days: [...days].sort((x, y) => x - y) },
  };
}

function weekday(s: string | undefined): number | null {
  if (!s) return null;
  if (/^[1-7]$/.test(s)) return Number(s);
  const i = DAYS.findIndex((name) => s === name || s === name.slice(0, 3));
  return i >= 0 ? i + 1 : null;
}

/** The `settings` part of a change from `--business-hours` values (later values win per kind). */
export function businessHoursChange(values: readonly string[]): Record<string, unknown> {
  const businessHours: Record<string, HoursSpec> = {};
  for (const v of values) {
    const { kinds, hours } = parseBusinessHours(v);
    for (const k of kinds) businessHours[k] = hours;
  }
  return { worklist: { businessHours } };
}

/**
 * `section.path.to.key=value` → a nested settings change. The value is read as JSON when it parses (numbers,
 * true/false, null, arrays, objects) and as a string otherwise, so `--set pool.sweepCron=0 6 * * *` works unquoted.
 */
export function setOptionChange(values: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    const path = at < 0 ? '' : v.slice(0, at).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/.test(path)) {
      throw new Error(`--set "${v}": expected section.key=value, e.g. worklist.contactCaps.core.maxCalls=2`);
    }
    const raw = v.slice(at + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const keys = path.split('.');
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null || Array.isArray(node[k])) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return out;
}
