import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { readKey } from '../auth/api-key.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { Principal } from '../auth/principal';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics, statusClass } from '../metrics/metrics';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.service';
import { limitKey } from '../rate-limit/rate-limit.module';
import { answerPage } from './content-coding';
import { ListReadCache } from './list-read-cache.service';

/** The route this door answers, as the metrics name it. */
export const MY_LIST_ROUTE = '/v1/me/worklist';

/**
 * Another name of a served page of `GET /v1/me/worklist`: the reader and the exact URL (path and query) the
 * controller answered it under. Only the controller creates it (after validating that URL), so the door needs no
 * copy of the query's validation.
 */
export function myListAlias(p: Principal, url: string): string {
  return JSON.stringify(['me', p.workspaceId, p.role, p.repId ?? '', url]);
}

/**
 * `GET /v1/me/worklist` answered at the front of the HTTP stack — before request logging's per-request child
 * logger, the metrics middleware, body parsers, the tenant scope, Nest's middleware, guards, pipes and controller —
 * when everything it needs is in memory: the key verified (key cache), the page under this URL served before and
 * still current (ListReadCache), the caller's address not blocked. Then the request counts against its key's rate
 * limit like any other and gets the same 304 or bytes (gzip when accepted: content-coding.ts) the controller would
 * send, timed into the same histogram and logged as one line. Anything else (a miss, an unverified key, a limit
 * reached) goes on down the stack, whose controller answers it and every error.
 *
 * Why at the front: the read is the API's hottest and a remembered page costs no I/O, so what the stack does per
 * request decided its throughput (docs/benchmarks.md, "Worklists": 0.54 ms of CPU per request through the stack
 * against 0.07 ms for a bare node:http server sending the same bytes).
 */
@Injectable()
export class ServedListDoor {
  /** per status answered: the request histogram's child for this route and the pages-from-memory counter's */
  private readonly answered: Record<200 | 304, ReturnType<typeof answerMetrics>>;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly served: ListReadCache,
    private readonly failures: AuthFailureLimiter,
    @InjectThrottlerStorage() private readonly limits: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    this.answered = { 200: answerMetrics(metrics, 200), 304: answerMetrics(metrics, 304) };
  }

  /** The Express middleware to mount first (configureHttp). */
  handler(): RequestHandler {
    return (req, res, next) => this.use(req, res, next);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' || !isMyListUrl(req.url) || !this.served.live) return next();
    const started = process.hrtime.bigint();
    const presented = readKey(req);
    const p = presented === undefined ? undefined : this.keys.cachedPrincipal(presented);
    if (!p?.repId || this.failures.isBlocked(req.ip)) return next();
    const entry = this.served.get(myListAlias(p, req.url));
    if (!entry) return next();
    const answer = answerPage(entry, req.headers['if-none-match'], req.headers['accept-encoding']);
    if (!answer) return next(); // a body is due and only the ETag is known
    void this.counted(p).then(
      (allowed) => {
        if (!allowed) return next();
        // the controller's answer, byte for byte (served-from-memory.test.ts compares them)
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        this.done(req, answer.status, started);
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

  private done(req: Request, status: 200 | 304, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.answered[status].duration.observe(seconds);
    this.answered[status].count.inc();
    // what request logging would say of it (no query string: it can carry tokens or personal data)
    const log = PinoLogger.root;
    if (this.config.env !== 'test' && log?.isLevelEnabled('info')) {
      log.info(
        {
          req: { method: 'GET', url: MY_LIST_ROUTE },
          res: { statusCode: status },
          responseTime: Math.round(seconds * 1000),
          servedFrom: 'memory',
        },
        'request completed',
      );
    }
  }
}

function isMyListUrl(url: string): boolean {
  return (
    url.startsWith(MY_LIST_ROUTE) &&
    (url.length === MY_LIST_ROUTE.length || url[MY_LIST_ROUTE.length] === '?')
  );
}

/** Label children resolved once (labelling per request hashes the label set every time). */
function answerMetrics(metrics: Metrics, status: 200 | 304) {
  return {
    duration: metrics.httpDuration.labels('GET', MY_LIST_ROUTE, statusClass(status)),
    count: metrics.listPagesFromMemory.labels(String(status)),
  };
}
