import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether an Authorization header carries the metrics bearer token (constant-time over fixed-size digests). */
export function presentsMetricsToken(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(authorization.slice(7).trim()), digest(token));
}
