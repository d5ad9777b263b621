import fc from 'fast-check';
import { SlidingWindow } from './rate-limiter';

/** Sends `n` requests as fast as the limiter allows, starting at `t0`; answers the send times. */
function drive(w: SlidingWindow, n: number, t0 = 0, step = 0): number[] {
  const times: number[] = [];
  let now = t0;
  for (let i = 0; i < n; i++) {
    now += w.delay(now);
    w.record(now);
    times.push(now);
    now += step;
  }
  return times;
}

/** The most sends in any window of `interval` ms (what a vendor counting arrivals would see). */
function busiest(times: number[], interval: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= interval) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('SlidingWindow', () => {
  it('lets a burst of max through at once, then one per freed slot', () => {
    const w = new SlidingWindow({ max: 3, intervalMs: 1000 }, 0);
    expect(drive(w, 5)).toEqual([0, 0, 0, 1000, 1000]);
  });

  it('never exceeds max per interval, whatever the pace (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 100, max: 5000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 300 }),
        (max, intervalMs, n, step) => {
          const times = drive(new SlidingWindow({ max, intervalMs }), n, 0, step);
          expect(busiest(times, intervalMs)).toBeLessThanOrEqual(max);
        },
      ),
    );
  });

  it('adopts the window the vendor reports and pauses when it says none is left', () => {
    const w = new SlidingWindow({ max: 100, intervalMs: 10_000 }, 0);
    w.record(0);
    w.observe({ max: 10, intervalMs: 1000, remaining: 9 }, 5);
    expect(w.current).toEqual({ max: 10, intervalMs: 1000 });
    expect(w.delay(5)).toBe(0);
    w.observe({ max: 10, intervalMs: 1000, remaining: 0 }, 6);
    expect(w.delay(6)).toBe(994); // until the oldest send ages out of the vendor's window
  });

  it('shrinks below what was sent when the vendor still answered 429', () => {
    const w = new SlidingWindow({ max: 10, intervalMs: 1000 }, 0);
    drive(w, 4, 0, 100); // 0, 100, 200, 300
    w.throttled(300);
    expect(w.current.max).toBe(3);
    const w1 = new SlidingWindow({ max: 10, intervalMs: 1000 }, 0);
    w1.record(0);
    w1.throttled(0);
    expect(w1.current.max).toBe(1); // never below one
  });

  it('counts a request when its answer came, so slow answers cannot squeeze two windows together', () => {
    const w = new SlidingWindow({ max: 2, intervalMs: 1000 }, 0);
    w.record(0);
    w.settle(0, 400); // the vendor may have counted it as late as 400
    w.record(500);
    w.settle(500, 510);
    expect(w.delay(1000)).toBe(400); // not before 1400
  });

  it('pauses every request for a Retry-After', () => {
    const w = new SlidingWindow({ max: 100, intervalMs: 10_000 }, 0);
    w.pause(2000, 100);
    expect(w.delay(100)).toBe(2000);
    expect(w.delay(2100)).toBe(0);
  });
});
