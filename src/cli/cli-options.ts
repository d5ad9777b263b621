import { isDay } from '../common/calendar-day';
import { InvalidArgumentError } from 'commander';

/** A commander option parser for a non-negative integer; `name` is the flag, for the error message. */
export function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

/** A commander option parser for a calendar day YYYY-MM-DD (2026-02-30 is refused here, naming the flag). */
export function calendarDay(name: string) {
  return (v: string) => {
    if (!isDay(v)) throw new InvalidArgumentError(`${name} must be a calendar day YYYY-MM-DD`);
    return v;
  };
}
