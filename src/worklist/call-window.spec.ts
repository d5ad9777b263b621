import { callWindow, Hours } from './call-window';
import { timeZoneForCountry } from './country-time-zones';

const shift = { start: 9 * 60, end: 18 * 60 };
const office: Hours = { start: 9 * 60, end: 18 * 60, days: [1, 2, 3, 4, 5] };
const base = { repTimeZone: 'Asia/Shanghai', repHours: shift, customerHours: office, minMinutes: 30 };

describe('callWindow', () => {
  it('is the whole shift for a customer in the same zone on a weekday', () => {
    const w = callWindow({ ...base, day: '2026-11-25', customerTimeZone: 'Asia/Shanghai' });
    expect(w).toEqual({ from: new Date('2026-11-25T01:00:00Z'), to: new Date('2026-11-25T10:00:00Z') });
  });

  it('is the overlap with a customer a few hours behind', () => {
    // Berlin (UTC+1 in November) 09:00–18:00 = 16:00–01:00 Shanghai → overlap 16:00–18:00
    const w = callWindow({ ...base, day: '2026-11-25', customerTimeZone: 'Europe/Berlin' });
    expect(w).toEqual({ from: new Date('2026-11-25T08:00:00Z'), to: new Date('2026-11-25T10:00:00Z') });
  });

  it('is null when the working days do not meet', () => {
    // New York 09:00–18:00 is 22:00–07:00 in Shanghai
    expect(callWindow({ ...base, day: '2026-11-25', customerTimeZone: 'America/New_York' })).toBeNull();
    // Saturday for an office customer
    expect(callWindow({ ...base, day: '2026-11-28', customerTimeZone: 'Asia/Shanghai' })).toBeNull();
  });

  it('uses the customer weekday, not the rep weekday', () => {
    // Monday 06:00–07:00 Auckland (UTC+13) is Sunday 17:00–18:00 UTC…; a Shanghai Monday shift 09:00–18:00 is
    // Monday 14:00–23:00 in Auckland: a weekday for the customer
    const w = callWindow({ ...base, day: '2026-11-30', customerTimeZone: 'Pacific/Auckland' });
    expect(w).toEqual({ from: new Date('2026-11-30T01:00:00Z'), to: new Date('2026-11-30T05:00:00Z') });
  });

  it('needs at least minMinutes of overlap', () => {
    const h = {
      ...base,
      customerHours: { ...office, start: 17 * 60 + 45 },
      customerTimeZone: 'Asia/Shanghai',
    };
    expect(callWindow({ ...h, day: '2026-11-25' })).toBeNull();
    expect(callWindow({ ...h, day: '2026-11-25', minMinutes: 15 })).not.toBeNull();
  });

  it('derives zones from countries', () => {
    expect(timeZoneForCountry('cn', 'UTC')).toBe('Asia/Shanghai');
    expect(timeZoneForCountry('US', 'UTC')).toBe('America/New_York');
    expect(timeZoneForCountry('ZZ', 'Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(timeZoneForCountry(null, 'Asia/Tokyo')).toBe('Asia/Tokyo');
  });
});
