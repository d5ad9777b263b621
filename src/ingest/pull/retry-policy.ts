/**
 * When to retry a request to a CRM API, and after how long. Pure: the clock and the random source are passed in.
 * - 429 (and 503 with Retry-After): wait what Retry-After says (seconds or an HTTP date), up to a cap;
 * - 5xx, 408, timeouts, network errors: exponential backoff with jitter;
 * - any other 4xx: no retry (a wrong URL or key does not heal by itself).
 */

export interface RetryPolicy {
  /** attempts per request on 5xx / timeouts / network errors */
  maxAttempts: number;
  /** 429 answers tolerated per request */
  maxRateLimitWaits: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** a Retry-After beyond this gives up (the run ends; the next one resumes at the cursor) */
  maxRetryAfterMs: number;
}

export type RequestOutcome =
  { kind: 'status'; status: number; retryAfter: string | null } | { kind: 'network'; message: string };

/** Failures of this request so far, this one included. */
export interface RetryCounters {
  serverErrors: number;
  rateLimited: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: 'rate_limited' | 'server_error' | 'network' }
  | { retry: false; code: string; message: string };

/** Milliseconds a Retry-After header asks for (delta-seconds or HTTP-date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Exponential backoff with "equal jitter": half of min(cap, base·2^(n−1)) fixed, the other half random. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A 429, or a 503 that says when to come back: counted against the rate-limit budget, not the error budget. */
export function countsAsRateLimit(outcome: RequestOutcome): boolean {
  return (
    outcome.kind === 'status' &&
    (outcome.status === 429 || (outcome.status === 503 && outcome.retryAfter !== null))
  );
}

export function decideRetry(
  outcome: RequestOutcome,
  counters: RetryCounters,
  policy: RetryPolicy,
  random: () => number,
  nowMs: number,
): RetryDecision {
  if (outcome.kind === 'network') {
    if (counters.serverErrors >= policy.maxAttempts) {
      return {
        retry: false,
        code: 'pull_unreachable',
        message: `gave up after ${counters.serverErrors} attempts: ${outcome.message}`,
      };
    }
    return {
      retry: true,
      reason: 'network',
      delayMs: backoffDelay(counters.serverErrors, policy.baseDelayMs, policy.maxDelayMs, random),
    };
  }
  const { status } = outcome;
  const retryAfter = parseRetryAfter(outcome.retryAfter, nowMs);
  if (countsAsRateLimit(outcome)) return decideRateLimited(retryAfter, counters, policy, random);
  if (status >= 500 || status === 408) {
    if (counters.serverErrors >= policy.maxAttempts) {
      return {
        retry: false,
        code: 'pull_server_error',
        message: `HTTP ${status} after ${counters.serverErrors} attempts`,
      };
    }
    return {
      retry: true,
      reason: 'server_error',
      delayMs: backoffDelay(counters.serverErrors, policy.baseDelayMs, policy.maxDelayMs, random),
    };
  }
  const code =
    status === 401 || status === 403
      ? 'pull_unauthorized'
      : status === 404
        ? 'pull_not_found'
        : 'pull_http_error';
  return { retry: false, code, message: `HTTP ${status}` };
}

/** 429, or 503 with Retry-After: wait as asked (or back off), within the policy's number of waits and cap. */
function decideRateLimited(
  retryAfter: number | null,
  counters: RetryCounters,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  if (counters.rateLimited > policy.maxRateLimitWaits) {
    return {
      retry: false,
      code: 'pull_rate_limited',
      message: `still rate limited after ${counters.rateLimited} waits`,
    };
  }
  const delayMs =
    retryAfter ?? backoffDelay(counters.rateLimited, policy.baseDelayMs, policy.maxDelayMs, random);
  if (delayMs > policy.maxRetryAfterMs) {
    return {
      retry: false,
      code: 'pull_rate_limited',
      message: `Retry-After of ${delayMs} ms exceeds the ${policy.maxRetryAfterMs} ms cap`,
    };
  }
  return { retry: true, reason: 'rate_limited', delayMs };
}
