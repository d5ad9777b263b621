import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError } from './app-error';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

/** Every error leaves as `{ "error": { "code", "message", "details" } }` with the right status; 5xx never leak internals. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (exception instanceof AppError && exception.headers) res.set(exception.headers);
    // Explicit type: a handler may have set another content type (the HTML embed page) before it failed.
    res.status(status).type('application/json').json({ error: body });
  }

  private toBody(exception: unknown): {
    status: number;
    body: { code: string; message: string; details?: unknown };
  } {
    if (exception instanceof AppError) {
      return {
        status: exception.status,
        body: { code: exception.code, message: exception.message, details: exception.details },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const raw =
        typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const messages = Array.isArray(raw.message) ? raw.message : undefined;
      // body-parser errors (malformed JSON, too large) arrive as HttpException-like with a `type`
      const code = typeof raw.code === 'string' ? raw.code : (CODES[status] ?? 'error');
      return {
        status,
        body: {
          code: messages ? 'validation_failed' : code,
          message: messages ? 'Request validation failed' : exception.message,
          details: messages,
        },
      };
    }
    const bodyParser = exception as { type?: string; status?: number; message?: string };
    if (bodyParser?.type === 'entity.parse.failed') {
      return { status: 400, body: { code: 'malformed_json', message: 'Request body is not valid JSON' } };
    }
    if (bodyParser?.type === 'entity.too.large') {
      return {
        status: 413,
        body: { code: 'payload_too_large', message: bodyParser.message ?? 'Request body too large' },
      };
    }
    // other body-reading errors (http-errors: unsupported Content-Encoding, aborted upload, a multipart limit) say
    // themselves whether their message is meant for the client
    const client = exception as { status?: unknown; expose?: unknown; message?: unknown };
    if (
      typeof client?.status === 'number' &&
      client.status >= 400 &&
      client.status < 500 &&
      client.expose === true
    ) {
      return {
        status: client.status,
        body: {
          code: CODES[client.status] ?? 'bad_request',
          message: typeof client.message === 'string' ? client.message : 'Bad request',
        },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { code: 'internal', message: 'Internal server error' },
    };
  }
}
