import { rateLimited } from './rate-limited';

describe('rateLimited', () => {
  it('is a 429 naming the limit, with Retry-After in whole seconds, at least 1', () => {
    const e = rateLimited('auth_failures', 12.2);
    expect([e.status, e.code, e.details, e.headers]).toEqual([
      429,
      'rate_limited',
      { limit: 'auth_failures', retryAfterSeconds: 13 },
      { 'Retry-After': '13' },
    ]);
    expect(rateLimited('key', 0).headers).toEqual({ 'Retry-After': '1' });
  });
});
