/**
 * Day-by-day purchase intensity multipliers for the generator's thinning step.
 *
 * Factors are relative: each profile is rescaled to average 1 over the window, so a customer's rate λ stays
 * their average purchases per day and only the timing moves (more in Nov/Dec and before Chinese New Year,
 * fewer in summer and during the Spring Festival holiday).
 */

export const DAY_MS = 86_400_000;

/** Chinese New Year (first day of the Spring Festival) by Gregorian year; outside this table no CNY effect. */
export const CHINESE_NEW_YEAR: Readonly<Record<number, string>> = {
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
};

/** Month multipliers, January first: busy Nov/Dec, quiet Jun–Aug. */
export const MONTH_FACTORS: readonly number[] = [
  1.0, 0.95, 1.0, 0.97, 1.0, 0.78, 0.72, 0.78, 1.0, 1.0, 1.35, 1.3,
];

export interface SeasonalProfile {
  /** factor per day of the window, day 0 = the window's first UTC day; mean 1 */
  readonly daily: Float64Array;
  /** largest daily factor: the thinning envelope */
  readonly max: number;
}

/** Kind of buyer: businesses buy on weekdays and react less to consumer shopping festivals. */
export type SeasonalAudience = 'individual' | 'business';

function cnyOffsetDays(dayStartMs: number): number | null {
  const year = new Date(dayStartMs).getUTCFullYear();
  let best: number | null = null;
  for (const y of [year - 1, year, year + 1]) {
    const date = CHINESE_NEW_YEAR[y];
    if (date === undefined) continue;
    const offset = Math.round((dayStartMs - Date.parse(`${date}T00:00:00Z`)) / DAY_MS);
    if (best === null || Math.abs(offset) < Math.abs(best)) best = offset;
  }
  return best;
}

/** Raw (unnormalised) factor of one UTC day. */
export function rawDayFactor(dayStartMs: number, audience: SeasonalAudience): number {
  const date = new Date(dayStartMs);
  const month = date.getUTCMonth();
  const dayOfMonth = date.getUTCDate();
  const weekday = date.getUTCDay(); // 0 = Sunday
  const business = audience === 'business';
  let factor = MONTH_FACTORS[month];

  const weekend = weekday === 0 || weekday === 6;
  factor *= business ? (weekend ? 0.3 : 1.15) : weekend ? 1.2 : 0.95;

  const cny = cnyOffsetDays(dayStartMs);
  if (cny !== null) {
    if (cny >= -21 && cny < 0)
      factor *= 1.45; // stocking up before the holiday
    else if (cny >= 0 && cny <= 7)
      factor *= 0.4; // Spring Festival week
    else if (cny > 7 && cny <= 14) factor *= 0.85;
  }

  if (month === 10 && dayOfMonth === 11)
    factor *= business ? 1.3 : 2.5; // Singles' Day
  else if (month === 10 && dayOfMonth < 11) factor *= 1.15; // pre-sales
  if (month === 11 && dayOfMonth === 12) factor *= business ? 1.1 : 1.6; // Double 12
  if (month === 5 && dayOfMonth === 18) factor *= business ? 1.1 : 1.8; // 618 mid-year sale
  if (month === 9 && dayOfMonth <= 7 && business) factor *= 0.5; // National Day Golden Week
  return factor;
}

/** Daily factors for `days` UTC days starting at `startMs`, rescaled to mean 1. */
export function seasonalProfile(startMs: number, days: number, audience: SeasonalAudience): SeasonalProfile {
  const daily = new Float64Array(days);
  let sum = 0;
  for (let d = 0; d < days; d += 1) {
    daily[d] = rawDayFactor(startMs + d * DAY_MS, audience);
    sum += daily[d];
  }
  const mean = sum / days;
  let max = 0;
  for (let d = 0; d < days; d += 1) {
    daily[d] /= mean;
    if (daily[d] > max) max = daily[d];
  }
  return { daily, max };
}
