import fc from 'fast-check';
import {
  addDays,
  dayBounds,
  daysBetween,
  isDay,
  isoWeekday,
  localDay,
  offsetMinutes,
  parseClock,
  zonedInstant,
} from './zoned-time';

describe('zoned time', () => {
  it('converts wall-clock times to instants', () => {
    expect(zonedInstant('2026-11-25', 9 * 60, 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-25T01:00:00.000Z',
    );
    expect(zonedInstant('2026-07-01', 9 * 60, 'Europe/Berlin').toISOString()).toBe(
      '2026-07-01T07:00:00.000Z',
    );
    expect(zonedInstant('2026-01-15', 9 * 60, 'America/New_York').toISOString()).toBe(
      '2026-01-15T14:00:00.000Z',
    );
    expect(offsetMinutes(Date.parse('2026-11-25T00:00:00Z'), 'Asia/Kolkata')).toBe(330);
  });

  it('answers a repeated question from memory, with a Date of its own each time', () => {
    const first = zonedInstant('2026-11-26', 9 * 60, 'Asia/Shanghai');
    first.setTime(0); // a caller changing its Date must not change the remembered instant
    const again = zonedInstant('2026-11-26', 9 * 60, 'Asia/Shanghai');
    expect(again).not.toBe(first);
    expect(again.toISOString()).toBe('2026-11-26T01:00:00.000Z');
    // a bad zone is refused every time, not remembered
    expect(() => zonedInstant('2026-11-26', 0, 'Mars/Olympus')).toThrow();
    expect(() => zonedInstant('2026-11-26', 0, 'Mars/Olympus')).toThrow();
  });

  it('handles DST gaps and overlaps', () => {
    // 2026-03-29 02:30 does not exist in Berlin: resolves to just after the jump
    expect(zonedInstant('2026-03-29', 150, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 2026-10-25 02:30 happens twice: the first occurrence (CEST)
    expect(zonedInstant('2026-10-25', 150, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    const b = dayBounds('2026-03-29', 'Europe/Berlin');
    expect((b.end.getTime() - b.start.getTime()) / 3_600_000).toBe(23);
  });

  it('round-trips days and instants in any zone', () => {
    const zones = [
      'Asia/Shanghai',
      'Europe/London',
      'America/Los_Angeles',
      'Asia/Kathmandu',
      'Pacific/Auckland',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3650 }),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.constantFrom(...zones),
        (n, minutes, zone) => {
          const day = addDays('2024-01-01', n);
          const at = zonedInstant(day, minutes, zone);
          // every wall time maps to an instant on that local day (DST gaps move forward within the day)
          expect(localDay(at, zone)).toBe(day);
          const { start, end } = dayBounds(day, zone);
          expect(at.getTime()).toBeGreaterThanOrEqual(start.getTime());
          expect(at.getTime()).toBeLessThan(end.getTime());
        },
      ),
    );
  });

  it('does calendar arithmetic', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(daysBetween('2026-11-25', '2026-12-25')).toBe(30);
    expect(isoWeekday('2026-11-25')).toBe(3);
    expect(isoWeekday('2026-11-29')).toBe(7);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-2-3')).toBe(false);
    expect(parseClock('09:30')).toBe(570);
    expect(parseClock('24:00')).toBe(1440);
    expect(() => parseClock('24:30')).toThrow(RangeError);
    expect(() => parseClock('9:30')).toThrow(RangeError);
  });
});
