/**
 * A client-side limiter for a vendor's rolling request windows, so that a connector asks no faster than the vendor
 * allows instead of learning it from a storm of 429s. Pure: the clock is passed in. Each window is a sliding log of
 * the last `max` requests, each counted when its answer came (the vendor counted it at some instant between send and
 * answer); a request may go when fewer than `max` were counted in the last `intervalMs` (plus a small margin). What the
 * vendor reports (HubSpot's `X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds`) replaces the configured
 * window, and a 429 or an exhausted window pauses every request of the limiter until the window frees.
 */
export interface RateWindow {
  max: number;
  intervalMs: number;
}

export class SlidingWindow {
  private sent: number[] = [];
  private pausedUntil = 0;

  constructor(
    private window: RateWindow,
    private readonly marginMs = 30,
  ) {}

  get current(): RateWindow {
    return { ...this.window };
  }

  /** Milliseconds to wait at `now` before the next request may be sent (0: send now). */
  delay(now: number): number {
    this.prune(now);
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.sent.length >= this.window.max) {
      const oldest = this.sent[this.sent.length - this.window.max];
      wait = Math.max(wait, oldest + this.window.intervalMs + this.marginMs - now);
    }
    return wait;
  }

  /** A request was sent at `now`. */
  record(now: number): void {
    this.sent.push(now);
  }

  /**
   * The answer to the request sent at `sentAt` came at `now`. The vendor counted it somewhere in between; counting
   * it at the later instant keeps the window safe whatever the network's delay was on either request.
   */
  settle(sentAt: number, now: number): void {
    const i = this.sent.lastIndexOf(sentAt);
    if (i < 0) return;
    this.sent[i] = Math.max(sentAt, now);
    this.sent.sort((a, b) => a - b);
  }

  /** The vendor's report after an answer: its window replaces ours; none left pauses until the oldest send ages out. */
  observe(report: { max: number; intervalMs: number; remaining: number }, now: number): void {
    this.window = { max: report.max, intervalMs: report.intervalMs };
    if (report.remaining <= 0) {
      this.prune(now);
      const oldest = this.sent[0] ?? now;
      this.pause(oldest + report.intervalMs + this.marginMs - now, now);
    }
  }

  /**
   * A 429 although this window allowed the request: the vendor's real limit is lower (another client shares the
   * token, or the configuration is too generous). The window shrinks to what was sent in it minus one, so the
   * next 429 needs a further overrun instead of recurring every interval.
   */
  throttled(now: number): void {
    this.prune(now);
    const inWindow = this.sent.filter((t) => t > now - this.window.intervalMs).length;
    this.window = { ...this.window, max: Math.max(1, Math.min(this.window.max, inWindow - 1)) };
  }

  /** Nothing goes out for `ms` (a 429's Retry-After, or the rest of the vendor's window). */
  pause(ms: number, now: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.max(0, ms));
  }

  private prune(now: number): void {
    const horizon = now - this.window.intervalMs - this.marginMs;
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop] <= horizon) drop++;
    // the log never needs more than the last `max` sends
    drop = Math.max(drop, this.sent.length - this.window.max);
    if (drop > 0) this.sent.splice(0, drop);
  }
}
