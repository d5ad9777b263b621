import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Metrics, statusClass } from './metrics';

/** The path of the catch-all route Nest's Express adapter answers 404 with. */
const NEST_NOT_FOUND = '/{*path}';

/**
 * Times every HTTP request into callplan_http_request_duration_seconds, labelled by the route template
 * (`/v1/worklists/:id`, never the path: ids and slugs would make a series per tenant and object) — `unmatched`
 * when no route took it (404s of unknown paths).
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      // a middleware that answered before routing names its route (res.locals.route)
      const named = (res.locals as { route?: unknown }).route;
      end({
        method: req.method,
        // Nest answers unknown paths through a catch-all route of its own
        route:
          typeof named === 'string'
            ? named
            : typeof route === 'string' && route !== NEST_NOT_FOUND
              ? `${req.baseUrl}${route}`
              : 'unmatched',
        status_class: statusClass(res.statusCode),
      });
    });
    next();
  };
}
