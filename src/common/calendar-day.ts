/**
 * Calendar days written 'YYYY-MM-DD': the one check of "is this a real day" (2026-02-30 is not: PostgreSQL refuses
 * it with a 500-shaped error when it gets that far). Pure.
 */

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Year, month, day of a 'YYYY-MM-DD' day; throws RangeError for anything else. */
export function parseDay(day: string): [number, number, number] {
  const m = ISO_DAY.exec(day);
  if (!m) throw new RangeError(`not a day YYYY-MM-DD: '${day}'`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`not a calendar day: '${day}'`);
  }
  return [y, mo, d];
}

/** True for a real calendar day written 'YYYY-MM-DD'. */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parseDay(value);
    return true;
  } catch {
    return false;
  }
}
