import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, Observable } from 'rxjs';
import { catchError, concatMap } from 'rxjs/operators';
import { NotificationListener } from './notification-listener.service';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that may have written (any method but GET, HEAD, OPTIONS) answers only once this process has heard
 * the notifications its writes sent (NotificationListener.sync: one round trip on the listening connection), so
 * the caller's next read from this process is never answered from memory with what the write replaced. Other API
 * processes hear them as they arrive (docs/architecture.md#in-process-caches-of-the-api). Costs nothing while
 * nothing listens (workers, CLI, a lost connection).
 */
@Injectable()
export class OwnWritesHeardInterceptor implements NestInterceptor {
  constructor(private readonly listener: NotificationListener) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !this.listener.live) return next.handle();
    const method = ctx.switchToHttp().getRequest<Request>().method;
    if (READS.has(method)) return next.handle();
    return next.handle().pipe(
      concatMap((value) => from(this.listener.sync().then(() => value))),
      catchError((e: unknown) =>
        from(
          this.listener.sync().then(() => {
            throw e;
          }),
        ),
      ),
    );
  }
}
