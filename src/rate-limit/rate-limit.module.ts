import { ExecutionContext, Global, Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import { AppConfig, RateLimit } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { AuthFailureLimiter } from './auth-failure-limiter.service';
import { clientAddress } from './client-address';
import { RateLimitRepository } from './rate-limit.repository';
import { SharedThrottlerStorage } from './shared-throttler-storage';

/** The counters' store, apart so that ThrottlerModule can be given it. */
@Module({
  providers: [RateLimitRepository, SharedThrottlerStorage],
  exports: [SharedThrottlerStorage],
})
class RateLimitStoreModule {}

/** Whether the API-key guard has put a caller on the request (a route with a key). */
const hasKey = (ctx: ExecutionContext) =>
  ctx.switchToHttp().getRequest<{ principal?: unknown }>().principal !== undefined;

/** The counter of a limit for a tracker (an API key id, a client address): one budget over every route. */
export const limitKey = (name: string, tracker: string) => `${name}:${tracker}`;

/** The throttlers of the config: per key on routes with a key, per address on routes without one. */
export function throttlerOptions(config: AppConfig, storage: SharedThrottlerStorage): ThrottlerModuleOptions {
  const limit = (name: 'key' | 'ip', l: RateLimit | null, rest: Partial<ThrottlerOptions>) =>
    l ? [{ name, limit: l.limit, ttl: l.windowMs, blockDuration: l.windowMs, ...rest }] : [];
  return {
    storage,
    setHeaders: false, // Retry-After is set on the 429 itself (rate-limited.ts)
    // one budget per key or address over every route, not one per route
    generateKey: (_ctx, tracker, name) => limitKey(name, tracker),
    throttlers: [
      ...limit('key', config.rateLimits.key, {
        skipIf: (ctx) => !hasKey(ctx),
        getTracker: (req) => (req as { principal: { keyId: string } }).principal.keyId,
      }),
      ...limit('ip', config.rateLimits.ip, {
        skipIf: hasKey,
        getTracker: (req) => clientAddress((req as { ip?: string }).ip),
      }),
    ],
  };
}

/** Rate limits: the shared store, the throttler options, the auth-failure limiter (the guard sits in auth). */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [APP_CONFIG, SharedThrottlerStorage],
      useFactory: throttlerOptions,
    }),
  ],
  providers: [AuthFailureLimiter],
  exports: [AuthFailureLimiter],
})
export class RateLimitModule {}
