import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { raw } from 'express';
import { AppError } from './app-error';
import { parseJsonBody } from './hostile-input';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The JSON body parser of every route (in place of Express's `json()`): reads at most `limit` bytes (413 beyond),
 * then parseJsonBody — UTF-8 only, nesting checked before parsing, every string checked — so a body is a clean
 * value or a 400 (`malformed_json`, `invalid_characters`, `too_deep`, with the path of each problem) before any
 * guard, pipe or handler runs. A body another parser read first (the raw CRM webhook route) is left alone.
 */
export function jsonBody(opts: { limit: string }): RequestHandler {
  const read = raw({ type: JSON_TYPES, limit: opts.limit });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.body !== undefined) return next();
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body)) return next();
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        return next(
          new AppError('unsupported_media_type', `JSON bodies are UTF-8 (got charset ${charset})`, 415, {
            charset,
          }),
        );
      }
      if (body.length === 0) {
        req.body = {};
        return next();
      }
      const parsed = parseJsonBody(body);
      if (!parsed.ok) return next(new AppError(parsed.code, parsed.message, 400, parsed.details));
      req.body = parsed.value;
      next();
    });
  };
}
