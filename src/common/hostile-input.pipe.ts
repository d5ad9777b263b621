import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';
import { findHostileInput } from './hostile-input';

/**
 * Global pipe, before validation: query strings, route parameters and bodies that did not come through the JSON
 * parser get the same check as JSON bodies — no NUL, lone surrogate or U+FFFD, no deep nesting — so nothing
 * PostgreSQL cannot store reaches a service. Paths: `query.status`, `params.id`.
 */
@Injectable()
export class HostileInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    // Multipart form fields (multer's null-prototype object) are left to their handler, which must also delete the
    // upload: a throw here would leave the temporary file behind (the imports form validates its own fields).
    if (metadata.type === 'body' && isMultipartFields(value)) return value;
    const prefix: string[] =
      metadata.type === 'query' ? ['query'] : metadata.type === 'param' ? ['params'] : [];
    if (metadata.data) prefix.push(metadata.data);
    const found = findHostileInput(value, { prefix });
    if (found) {
      throw new AppError(
        found.code,
        found.code === 'too_deep'
          ? 'Request nests too deeply'
          : 'Request holds characters that cannot be stored (NUL, lone surrogates, bytes that are not UTF-8)',
        400,
        found.problems,
      );
    }
    return value;
  }
}

function isMultipartFields(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null;
}
