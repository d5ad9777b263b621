import { DAY_MS, rawDayFactor, seasonalProfile } from './seasonality';

const start = Date.parse('2024-11-24T00:00:00Z');
const days = 730;

function monthMean(profile: Float64Array, month: string): number {
  let sum = 0;
  let n = 0;
  for (let d = 0; d < days; d += 1) {
    if (new Date(start + d * DAY_MS).toISOString().startsWith(month)) {
      sum += profile[d];
      n += 1;
    }
  }
  return sum / n;
}

describe('seasonalProfile', () => {
  it.each(['individual', 'business'] as const)('averages 1 and is bounded by max (%s)', (audience) => {
    const { daily, max } = seasonalProfile(start, days, audience);
    const mean = daily.reduce((a, b) => a + b, 0) / days;
    expect(mean).toBeCloseTo(1, 10);
    expect(Math.max(...daily)).toBe(max);
    expect(Math.min(...daily)).toBeGreaterThan(0);
  });

  it('is busier in Nov/Dec than in Jun/Jul', () => {
    const { daily } = seasonalProfile(start, days, 'individual');
    expect(monthMean(daily, '2025-11')).toBeGreaterThan(1.4 * monthMean(daily, '2025-07'));
    expect(monthMean(daily, '2025-12')).toBeGreaterThan(1.4 * monthMean(daily, '2026-06'));
  });

  it('peaks before Chinese New Year and dips in the holiday week', () => {
    const before = rawDayFactor(Date.parse('2026-02-05T00:00:00Z'), 'business'); // Thursday, 12 days before
    const during = rawDayFactor(Date.parse('2026-02-19T00:00:00Z'), 'business'); // Thursday, CNY + 2
    expect(before).toBeGreaterThan(3 * during);
  });

  it('puts Singles Day far above an ordinary November day for consumers', () => {
    const singles = rawDayFactor(Date.parse('2025-11-11T00:00:00Z'), 'individual');
    const ordinary = rawDayFactor(Date.parse('2025-11-18T00:00:00Z'), 'individual'); // same weekday
    expect(singles).toBeGreaterThan(2 * ordinary);
  });
});
