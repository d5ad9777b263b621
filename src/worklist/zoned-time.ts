/**
 * Calendar days and wall-clock times in IANA time zones, with nothing but Intl. Pure; no framework imports.
 * Days are 'YYYY-MM-DD' strings; instants are Date objects (UTC inside); clock times are minutes after midnight.
 */

import { parseDay } from '../common/calendar-day';

// the calendar-day check lives in common (every layer validates days); its importers here keep their import
export { isDay, parseDay } from '../common/calendar-day';
const DAY_MS = 86_400_000;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at an instant, in minutes (Shanghai → +480). */
export function offsetMinutes(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(whole))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - whole) / 60_000);
}

/**
 * The instant at local wall-clock `minutes` after midnight of `day` in `timeZone`. A wall time skipped by a DST
 * jump resolves to the instant just after the jump; a repeated wall time to its first occurrence.
 */
export function zonedInstant(day: string, minutes: number, timeZone: string): Date {
  const key = `${day}|${minutes}|${timeZone}`;
  let at = zonedInstants.get(key);
  if (at === undefined) {
    at = resolveZonedInstant(day, minutes, timeZone);
    // a publish asks for the same few days, clock times and zones thousands of times (business hours by country)
    if (zonedInstants.size >= MAX_ZONED_INSTANTS) zonedInstants.clear();
    zonedInstants.set(key, at);
  }
  return new Date(at);
}

const MAX_ZONED_INSTANTS = 10_000;
const zonedInstants = new Map<string, number>();

function resolveZonedInstant(day: string, minutes: number, timeZone: string): number {
  const [y, mo, d] = parseDay(day);
  const wall = Date.UTC(y, mo - 1, d) + minutes * 60_000;
  const before = offsetMinutes(wall - 43_200_000, timeZone);
  const after = offsetMinutes(wall + 43_200_000, timeZone);
  const valid = [before, after]
    .map((off) => wall - off * 60_000)
    .filter((t) => wall - offsetMinutes(t, timeZone) * 60_000 === t);
  // none valid: the wall time falls in a DST gap, and the earlier offset carries it past the jump
  return valid.length > 0 ? Math.min(...valid) : wall - before * 60_000;
}

/** Start (inclusive) and end (exclusive) instants of a calendar day in a time zone. */
export function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  return { start: zonedInstant(day, 0, timeZone), end: zonedInstant(addDays(day, 1), 0, timeZone) };
}

/** The calendar day an instant falls on in a time zone. */
export function localDay(instant: Date, timeZone: string): string {
  const p: Record<string, string> = {};
  for (const part of partsFormatter(timeZone).formatToParts(instant)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}`;
}

/** `day` plus `n` calendar days (n may be negative). */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = parseDay(day);
  return new Date(Date.UTC(y, mo - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: string, to: string): number {
  const [y1, m1, d1] = parseDay(from);
  const [y2, m2, d2] = parseDay(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY_MS);
}

/** ISO weekday of a day: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  const [y, mo, d] = parseDay(day);
  const w = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** Minutes after midnight of a clock time 'HH:MM' (00:00–24:00); throws RangeError otherwise. */
export function parseClock(clock: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(clock);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60)
    throw new RangeError(`not a clock time HH:MM: '${clock}'`);
  return minutes;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
