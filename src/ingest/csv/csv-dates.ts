/**
 * Dates and date-times of CSV files, pure and framework-free. A value with an offset (`…Z`, `…+08:00`) is that
 * instant; a value without one — `1997-01-01T00:00:00`, `2023-05-01 10:12`, a plain date, or anything in a
 * `--date-format` such as `MM/DD/YYYY HH:mm` — is a wall-clock time in the workspace's time zone, as CRM exports
 * write them. A wall time that a DST jump skips does not exist and is refused; one that repeats is its first
 * occurrence.
 */
import { offsetMinutes } from '../../worklist/zoned-time';

const DAY_MS = 86_400_000;
const HALF_DAY_MS = 43_200_000;

/** Date formats named in the docs; any combination of the tokens works. */
export const DATE_FORMAT_EXAMPLES = [
  'YYYY-MM-DD HH:mm',
  'YYYY-MM-DD HH:mm:ss',
  'MM/DD/YYYY',
  'MM/DD/YYYY HH:mm',
  'M/D/YYYY h:mm A',
  'DD/MM/YYYY',
  'DD/MM/YYYY HH:mm',
  'DD.MM.YYYY',
  'YYYY/MM/DD',
];

const TOKENS: Record<string, { re: string; field: keyof WallParts | 'ampm' }> = {
  YYYY: { re: '(\\d{4})', field: 'year' },
  MM: { re: '(\\d{2})', field: 'month' },
  M: { re: '(\\d{1,2})', field: 'month' },
  DD: { re: '(\\d{2})', field: 'day' },
  D: { re: '(\\d{1,2})', field: 'day' },
  HH: { re: '(\\d{2})', field: 'hour' },
  H: { re: '(\\d{1,2})', field: 'hour' },
  hh: { re: '(\\d{2})', field: 'hour12' },
  h: { re: '(\\d{1,2})', field: 'hour12' },
  mm: { re: '(\\d{2})', field: 'minute' },
  ss: { re: '(\\d{2})', field: 'second' },
  A: { re: '([AaPp][Mm])', field: 'ampm' },
  a: { re: '([AaPp][Mm])', field: 'ampm' },
};
const TOKEN_RE = /YYYY|MM|M|DD|D|HH|H|hh|h|mm|ss|A|a/g;

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  hour12: number;
  minute: number;
  second: number;
  millisecond: number;
}

export interface DateFormat {
  source: string;
  parse(v: string): WallParts | null;
}

/** Compiles a `--date-format` (YYYY MM M DD D HH H hh h mm ss A; anything else is literal); throws on a bad one. */
export function compileDateFormat(format: string): DateFormat {
  const fields: Array<keyof WallParts | 'ampm'> = [];
  let re = '';
  let last = 0;
  for (const m of format.matchAll(TOKEN_RE)) {
    re += escapeRegExp(format.slice(last, m.index)) + TOKENS[m[0]].re;
    fields.push(TOKENS[m[0]].field);
    last = m.index + m[0].length;
  }
  re += escapeRegExp(format.slice(last));
  const has = (f: string) => fields.includes(f as keyof WallParts);
  if (!has('year') || !has('month') || !has('day'))
    throw new RangeError(`date format "${format}" needs YYYY, MM (or M) and DD (or D)`);
  if (has('hour12') !== fields.includes('ampm'))
    throw new RangeError(`date format "${format}": hh/h needs A (AM/PM), and A needs hh/h`);
  if (new Set(fields).size !== fields.length) throw new RangeError(`date format "${format}" repeats a field`);
  const regex = new RegExp(`^${re}$`);
  return {
    source: format,
    parse(v) {
      const m = regex.exec(v);
      if (!m) return null;
      const p: WallParts = {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        hour12: 0,
        minute: 0,
        second: 0,
        millisecond: 0,
      };
      let pm: boolean | null = null;
      fields.forEach((f, i) => {
        if (f === 'ampm') pm = m[i + 1].toLowerCase() === 'pm';
        else p[f] = Number(m[i + 1]);
      });
      if (pm !== null) {
        if (p.hour12 < 1 || p.hour12 > 12) return null;
        p.hour = (p.hour12 % 12) + (pm ? 12 : 0);
      }
      return p;
    },
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** ISO 8601 without an offset: a date, or a date-time with `T` or a space, minutes, optional seconds and fraction. */
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

function isoLocal(v: string): WallParts | null {
  const m = ISO_LOCAL.exec(v);
  if (!m) return null;
  return {
    year: +m[1],
    month: +m[2],
    day: +m[3],
    hour: m[4] === undefined ? 0 : +m[4],
    hour12: 0,
    minute: m[5] === undefined ? 0 : +m[5],
    second: m[6] === undefined ? 0 : +m[6],
    millisecond: m[7] === undefined ? 0 : Math.floor(+m[7].padEnd(6, '0') / 1000),
  };
}

export type LocalTimeResult = { ms: number } | { error: string };

/**
 * Reads wall-clock values in one time zone. The offset of each local day is computed once and cached (the
 * formatter costs microseconds, and an import reads millions of values); days with a DST change are resolved value
 * by value.
 */
export class LocalTimeReader {
  /** values read as wall-clock times (for the import summary) */
  localValues = 0;
  private readonly dayOffsets = new Map<number, number | null>();
  private readonly format: DateFormat | null;

  constructor(
    readonly timeZone: string,
    format?: string,
  ) {
    this.format = format ? compileDateFormat(format) : null;
  }

  get dateFormat(): string | null {
    return this.format?.source ?? null;
  }

  /** The instant of a value without an offset (ISO 8601 local, or the `--date-format`), or why it is not one. */
  read(v: string): LocalTimeResult | null {
    const p = isoLocal(v) ?? this.format?.parse(v) ?? null;
    if (!p) return null;
    if (!validWall(p)) return { error: `"${v}" is not a real date or time` };
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
    const ms = this.toInstant(wall);
    if (ms === null) return { error: `"${v}" does not exist in ${this.timeZone} (the clocks skip it)` };
    this.localValues++;
    return { ms };
  }

  private toInstant(wall: number): number | null {
    const day = Math.floor(wall / DAY_MS);
    let offset = this.dayOffsets.get(day);
    if (offset === undefined) {
      const before = offsetMinutes(day * DAY_MS - HALF_DAY_MS - 14 * 3600_000, this.timeZone);
      const after = offsetMinutes((day + 1) * DAY_MS + HALF_DAY_MS + 14 * 3600_000, this.timeZone);
      offset = before === after ? before : null;
      if (this.dayOffsets.size > 200_000) this.dayOffsets.clear();
      this.dayOffsets.set(day, offset);
    }
    if (offset !== null) return wall - offset * 60_000;
    // A DST change on this day: the candidates whose offset gives back the wall time; the first one wins.
    const candidates = [
      offsetMinutes(wall - HALF_DAY_MS, this.timeZone),
      offsetMinutes(wall + HALF_DAY_MS, this.timeZone),
    ]
      .map((off) => wall - off * 60_000)
      .filter((t) => wall - offsetMinutes(t, this.timeZone) * 60_000 === t);
    return candidates.length ? Math.min(...candidates) : null;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validWall(p: WallParts): boolean {
  const leap = p.year % 4 === 0 && (p.year % 100 !== 0 || p.year % 400 === 0);
  const days = p.month === 2 && leap ? 29 : DAYS_IN_MONTH[p.month - 1];
  return (
    p.year >= 1900 &&
    p.year <= 2200 &&
    p.month >= 1 &&
    p.month <= 12 &&
    p.day >= 1 &&
    p.day <= days &&
    p.hour <= 23 &&
    p.minute <= 59 &&
    p.second <= 59
  );
}
