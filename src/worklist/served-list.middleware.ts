import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import { readKey } from '../auth/api-key.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { Principal } from '../auth/principal';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.service';
import { limitKey } from '../rate-limit/rate-limit.module';
import { matchesIfNoneMatch } from './list-paging';
import { ListReadCache } from './list-read-cache.service';

/** The route this middleware answers, as the metrics name it. */
export const MY_LIST_ROUTE = '/v1/me/worklist';

/**
 * Another name of a served page of `GET /v1/me/worklist`: the reader and the exact URL (path and query) the
 * controller answered it under. Only the controller creates it (after validating that URL), so the middleware
 * needs no copy of the query's validation.
 */
export function myListAlias(p: Principal, url: string): string {
  return JSON.stringify(['me', p.workspaceId, p.role, p.repId ?? '', url]);
}

/**
 * `GET /v1/me/worklist` answered before guards, pipes and the controller when everything it needs is in memory:
 * the key verified (key cache), the page under this URL served before and still current (ListReadCache), the
 * caller's address not blocked — then the request counts against its key's rate limit like any other and gets the
 * same 304 or bytes the controller would send. Anything else (a miss, an unverified key, a limit reached) goes on
 * to the controller, which answers it and every error.
 */
@Injectable()
export class ServedListMiddleware implements NestMiddleware {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly served: ListReadCache,
    private readonly failures: AuthFailureLimiter,
    @InjectThrottlerStorage() private readonly limits: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (!this.served.live) return next();
    const presented = readKey(req);
    const p = presented === undefined ? undefined : this.keys.cachedPrincipal(presented);
    if (!p?.repId || this.failures.isBlocked(req.ip)) return next();
    const entry = this.served.get(myListAlias(p, req.originalUrl));
    if (!entry) return next();
    const ifNoneMatch = req.headers['if-none-match'];
    const notModified = matchesIfNoneMatch(ifNoneMatch, entry.etag);
    if (!notModified && !entry.body) return next();
    void this.counted(p).then(
      (allowed) => {
        if (!allowed) return next();
        res.locals.route = MY_LIST_ROUTE;
        res.setHeader('ETag', entry.etag);
        res.setHeader('Cache-Control', 'private, no-cache');
        if (notModified) res.status(304).end();
        else res.status(200).type('application/json').send(entry.body);
      },
      (e: unknown) => next(e),
    );
  }

  /** Counts the request against its key's limit (as RateLimitGuard does); false when the key is over it. */
  private async counted(p: Principal): Promise<boolean> {
    const l = this.config.rateLimits.key;
    if (!l) return true;
    const r = await this.limits.increment(limitKey('key', p.keyId), l.windowMs, l.limit, l.windowMs, 'key');
    // over the limit: the guard answers the 429 (a blocked key's hits are not counted again)
    return !r.isBlocked;
  }
}
