import fc from 'fast-check';
import { compileDateFormat, LocalTimeReader } from './csv-dates';

const iso = (r: ReturnType<LocalTimeReader['read']>) =>
  r && 'ms' in r ? new Date(r.ms).toISOString() : r && 'error' in r ? r.error : null;

describe('LocalTimeReader', () => {
  it('reads ISO 8601 local date-times and dates in the workspace time zone', () => {
    const sh = new LocalTimeReader('Asia/Shanghai');
    expect(iso(sh.read('1997-01-01T00:00:00'))).toBe('1996-12-31T16:00:00.000Z');
    expect(iso(sh.read('2023-05-01 10:12'))).toBe('2023-05-01T02:12:00.000Z');
    expect(iso(sh.read('2023-05-01'))).toBe('2023-04-30T16:00:00.000Z');
    expect(iso(sh.read('2023-05-01T10:12:13.5'))).toBe('2023-05-01T02:12:13.500Z');
    expect(iso(sh.read('2023-02-29 10:00'))).toBe('"2023-02-29 10:00" is not a real date or time');
    expect(sh.read('05/01/2023')).toBeNull();
    expect(sh.localValues).toBe(4);
  });

  it('refuses a wall time skipped by DST and takes the first of a repeated one', () => {
    const ny = new LocalTimeReader('America/New_York');
    expect(iso(ny.read('2024-03-10 02:30'))).toBe(
      '"2024-03-10 02:30" does not exist in America/New_York (the clocks skip it)',
    );
    expect(iso(ny.read('2024-11-03 01:30'))).toBe('2024-11-03T05:30:00.000Z');
    expect(iso(ny.read('2024-07-01 12:00'))).toBe('2024-07-01T16:00:00.000Z');
  });

  it('reads the --date-format of common CRM exports', () => {
    const us = new LocalTimeReader('UTC', 'MM/DD/YYYY HH:mm');
    expect(iso(us.read('05/01/2023 10:12'))).toBe('2023-05-01T10:12:00.000Z');
    const eu = new LocalTimeReader('Europe/Berlin', 'DD/MM/YYYY');
    expect(iso(eu.read('05/01/2023'))).toBe('2023-01-04T23:00:00.000Z');
    const sf = new LocalTimeReader('UTC', 'M/D/YYYY h:mm A');
    expect(iso(sf.read('5/1/2023 12:05 AM'))).toBe('2023-05-01T00:05:00.000Z');
    expect(iso(sf.read('5/1/2023 1:05 pm'))).toBe('2023-05-01T13:05:00.000Z');
    expect(iso(sf.read('5/1/2023 13:05 PM'))).toBeNull();
    expect(() => compileDateFormat('DD/MM')).toThrow(/needs YYYY/);
    expect(() => compileDateFormat('YYYY-MM-DD hh:mm')).toThrow(/needs A/);
  });

  it('agrees with the time zone database for any wall time (cached per day or not)', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2035-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (zone, instant) => {
          const wall = new Intl.DateTimeFormat('sv-SE', {
            timeZone: zone,
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            hourCycle: 'h23',
          }).format(instant);
          const got = new LocalTimeReader(zone).read(wall);
          // the wall time of an instant exists; read back it is that instant (or, when repeated, its first one)
          expect(got && 'ms' in got).toBe(true);
          const ms = (got as { ms: number }).ms;
          const whole = Math.floor(instant.getTime() / 1000) * 1000;
          expect(ms === whole || (ms < whole && whole - ms <= 3600_000)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
