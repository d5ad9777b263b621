import fc from 'fast-check';
import { nextRetry, parseRetryAfter, RETRY_AFTER_CAP_MS } from './retry-schedule';

const SCHEDULE = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const now = new Date('2026-12-06T10:00:00Z');

describe('webhook retry schedule', () => {
  it('follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h without jitter at the midpoint, then stops', () => {
    const waits: number[] = [];
    for (let step = 0; ; step++) {
      const d = nextRetry(step, SCHEDULE, { status: 500 }, now, () => 0.5);
      if (!d.retry) {
        expect(d.reason).toBe('schedule_exhausted');
        break;
      }
      waits.push(d.delayMs);
    }
    expect(waits).toEqual(SCHEDULE);
    expect(waits.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1);
  });

  it('keeps every jittered wait within ±10 % of the schedule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (step, r) => {
          const d = nextRetry(step, SCHEDULE, { status: null }, now, () => r);
          return d.retry && d.delayMs >= SCHEDULE[step] * 0.9 - 1 && d.delayMs <= SCHEDULE[step] * 1.1 + 1;
        },
      ),
    );
  });

  it('ends at once on 410 Gone', () => {
    expect(nextRetry(0, SCHEDULE, { status: 410 }, now)).toEqual({ retry: false, reason: 'gone' });
  });

  it('waits at least what Retry-After asks, in seconds or as an HTTP date, capped', () => {
    expect(nextRetry(0, SCHEDULE, { status: 429, retryAfter: '120' }, now, () => 0.5)).toEqual({
      retry: true,
      delayMs: 120_000,
    });
    // smaller than the schedule: the schedule wins
    expect(nextRetry(3, SCHEDULE, { status: 503, retryAfter: '1' }, now, () => 0.5)).toEqual({
      retry: true,
      delayMs: 7_200_000,
    });
    const date = new Date(now.getTime() + 900_000).toUTCString();
    expect(nextRetry(0, SCHEDULE, { status: 503, retryAfter: date }, now, () => 0.5)).toEqual({
      retry: true,
      delayMs: 900_000,
    });
    expect(parseRetryAfter('999999999', now)).toBe(RETRY_AFTER_CAP_MS);
    expect(parseRetryAfter('Thu, 01 Jan 2015 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
