import fc from 'fast-check';
import { backoffDelay, decideRetry, parseRetryAfter, RetryPolicy } from './retry-policy';

const policy: RetryPolicy = {
  maxAttempts: 3,
  maxRateLimitWaits: 5,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  maxRetryAfterMs: 10_000,
};
const now = Date.parse('2026-06-01T00:00:00Z');
const status = (s: number, retryAfter: string | null = null) => ({
  kind: 'status' as const,
  status: s,
  retryAfter,
});

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 01 Jun 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 01 Jun 2026 00:00:00 GMT', now + 9000)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('waits what a 429 asks, up to a cap and a number of waits', () => {
    expect(
      decideRetry(status(429, '2'), { serverErrors: 0, rateLimited: 1 }, policy, () => 0.5, now),
    ).toEqual({
      retry: true,
      reason: 'rate_limited',
      delayMs: 2000,
    });
    expect(
      decideRetry(status(429, '60'), { serverErrors: 0, rateLimited: 1 }, policy, () => 0.5, now),
    ).toMatchObject({
      retry: false,
      code: 'pull_rate_limited',
    });
    expect(
      decideRetry(status(429, '0'), { serverErrors: 0, rateLimited: 6 }, policy, () => 0.5, now),
    ).toMatchObject({
      retry: false,
      code: 'pull_rate_limited',
    });
    expect(
      decideRetry(status(503, '1'), { serverErrors: 0, rateLimited: 1 }, policy, () => 0.5, now),
    ).toMatchObject({
      reason: 'rate_limited',
      delayMs: 1000,
    });
  });

  it('backs off exponentially with jitter on 5xx, timeouts and network errors, then gives up', () => {
    const d1 = decideRetry(status(500), { serverErrors: 1, rateLimited: 0 }, policy, () => 0, now);
    const d2 = decideRetry(status(502), { serverErrors: 2, rateLimited: 0 }, policy, () => 0, now);
    expect([d1, d2]).toEqual([
      { retry: true, reason: 'server_error', delayMs: 50 },
      { retry: true, reason: 'server_error', delayMs: 100 },
    ]);
    expect(
      decideRetry(
        { kind: 'network', message: 'timed out' },
        { serverErrors: 1, rateLimited: 0 },
        policy,
        () => 1,
        now,
      ),
    ).toEqual({
      retry: true,
      reason: 'network',
      delayMs: 100,
    });
    expect(decideRetry(status(500), { serverErrors: 3, rateLimited: 0 }, policy, () => 0, now)).toMatchObject(
      {
        retry: false,
        code: 'pull_server_error',
      },
    );
  });

  it('does not retry other client errors', () => {
    expect(
      decideRetry(status(401), { serverErrors: 1, rateLimited: 0 }, policy, Math.random, now),
    ).toMatchObject({
      retry: false,
      code: 'pull_unauthorized',
    });
    expect(
      decideRetry(status(404), { serverErrors: 1, rateLimited: 0 }, policy, Math.random, now),
    ).toMatchObject({
      code: 'pull_not_found',
    });
  });

  it('keeps jittered delays within [ceiling/2, ceiling] and under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
          const d = backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs, () => r);
          expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(d).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });
});
