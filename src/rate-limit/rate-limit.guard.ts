import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { Metrics } from '../metrics/metrics';
import { LimitName, rateLimited } from './rate-limited';

/**
 * The request limits (@nestjs/throttler), registered as a global guard right after the API-key guard: a request
 * with a key counts against its key's budget (`key`, over all routes), one without (health, the embed page) against
 * its address's (`ip`). Counters live in SharedThrottlerStorage; routes opt out with `@SkipThrottle({ ip: true })`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: Metrics,
  ) {
    super(options, storage, reflector);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const limit = detail.key.split(':')[0] as LimitName;
    this.metrics.rateLimited.inc({ limit });
    throw rateLimited(limit, detail.timeToBlockExpire);
  }
}
