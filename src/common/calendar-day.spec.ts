import fc from 'fast-check';
import { isDay, parseDay } from './calendar-day';

describe('calendar days', () => {
  it('agrees with the calendar on every day of four centuries, and refuses the days that do not exist', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2299 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const text = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const real = new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) === text;
          expect(isDay(text)).toBe(real);
          if (real) expect(parseDay(text)).toEqual([y, m, d]);
        },
      ),
    );
  });

  it('knows leap years and refuses other shapes', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2100-02-29')).toBe(false);
    expect(isDay('2000-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2026-2-01', '2026-02-01T00:00', ' 2026-02-01', 20260201, null])
      expect(isDay(bad)).toBe(false);
    expect(() => parseDay('2026-02-30')).toThrow(RangeError);
  });
});
