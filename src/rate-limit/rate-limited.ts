import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/app-error';

/** Which limit answered 429. */
export type LimitName = 'key' | 'ip' | 'auth_failures';

const WHAT: Record<LimitName, string> = {
  key: 'too many requests with this API key',
  ip: 'too many requests from this address',
  auth_failures: 'too many failed authentications from this address',
};

/** The 429: `Retry-After` in whole seconds (at least 1) and the standard error body naming the limit. */
export function rateLimited(limit: LimitName, retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError(
    'rate_limited',
    `${WHAT[limit]}; retry after ${seconds} s`,
    HttpStatus.TOO_MANY_REQUESTS,
    { limit, retryAfterSeconds: seconds },
    { 'Retry-After': String(seconds) },
  );
}
