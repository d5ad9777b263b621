/**
 * When a rep may call a customer on a given day: the overlap of the rep's working hours (in the rep's zone) with
 * the customer's business hours (in the customer's zone, on the customer's working weekdays). Pure.
 */
import { isoWeekday, localDay, zonedInstant } from './zoned-time';

/** Working hours of one side: minutes after local midnight, [start, end); ISO weekdays 1 = Monday … 7 = Sunday. */
export interface Hours {
  start: number;
  end: number;
  days: readonly number[];
}

export interface CallWindowInput {
  /** the list's calendar day in the rep's zone, 'YYYY-MM-DD' */
  day: string;
  repTimeZone: string;
  /** the rep's shift on `day` (days ignored: a list is published only for days the rep works) */
  repHours: { start: number; end: number };
  customerTimeZone: string;
  customerHours: Hours;
  /** shortest overlap worth calling in, minutes */
  minMinutes: number;
}

export interface CallWindow {
  from: Date;
  to: Date;
}

/** The earliest overlap of at least `minMinutes`, or null when the customer cannot be reached on that shift. */
export function callWindow(input: CallWindowInput): CallWindow | null {
  const shiftFrom = zonedInstant(input.day, input.repHours.start, input.repTimeZone).getTime();
  const shiftTo = zonedInstant(input.day, input.repHours.end, input.repTimeZone).getTime();
  if (shiftTo <= shiftFrom) return null;
  const minMs = Math.max(1, input.minMinutes) * 60_000;
  // The shift spans at most two of the customer's local days (it is shorter than 24 hours).
  const days = [
    ...new Set([
      localDay(new Date(shiftFrom), input.customerTimeZone),
      localDay(new Date(shiftTo - 1), input.customerTimeZone),
    ]),
  ];
  for (const d of days) {
    if (!input.customerHours.days.includes(isoWeekday(d))) continue;
    const open = zonedInstant(d, input.customerHours.start, input.customerTimeZone).getTime();
    const close = zonedInstant(d, input.customerHours.end, input.customerTimeZone).getTime();
    const from = Math.max(open, shiftFrom);
    const to = Math.min(close, shiftTo);
    if (to - from >= minMs) return { from: new Date(from), to: new Date(to) };
  }
  return null;
}
