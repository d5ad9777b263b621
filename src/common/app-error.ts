import { HttpStatus } from '@nestjs/common';

/** A failure the caller can act on: a stable machine-readable code, a message, optional details. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly details?: unknown,
    /** response headers that go with the error (Retry-After of a 429) */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`, HttpStatus.NOT_FOUND);
  }
}
