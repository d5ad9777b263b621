/**
 * When a failed webhook delivery is tried again. Pure; no I/O. The schedule is Stripe/Svix-like (config
 * WEBHOOK_RETRY_SCHEDULE, default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first try), each wait with
 * ±10 % jitter so that the retries of many deliveries that failed together do not arrive together.
 */

/** Longest wait a `Retry-After` answer can ask for, ms (the receiver cannot park a delivery for days). */
export const RETRY_AFTER_CAP_MS = 10 * 3_600_000;

export type RetryDecision =
  { retry: true; delayMs: number } | { retry: false; reason: 'schedule_exhausted' | 'gone' };

/**
 * `Retry-After` as ms from `now`: delta-seconds or an HTTP date; null when absent or unreadable. Capped at
 * RETRY_AFTER_CAP_MS; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/**
 * The decision after failed attempt number `step + 1` of a delivery (`step` = retries already made): the next wait,
 * ms, or no retry. A 410 Gone ends at once. `Retry-After` is a lower bound: the wait is the larger of the schedule's
 * (with jitter) and the receiver's. `random` is in [0, 1).
 */
export function nextRetry(
  step: number,
  scheduleMs: readonly number[],
  response: { status: number | null; retryAfter?: string | null },
  now: Date,
  random: () => number = Math.random,
): RetryDecision {
  if (response.status === 410) return { retry: false, reason: 'gone' };
  if (step >= scheduleMs.length) return { retry: false, reason: 'schedule_exhausted' };
  const jittered = Math.round(scheduleMs[step] * (0.9 + 0.2 * random()));
  const asked = parseRetryAfter(response.retryAfter, now) ?? 0;
  return { retry: true, delayMs: Math.max(jittered, asked) };
}
