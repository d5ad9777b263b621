import { z } from 'zod';
import { AppError } from '../../common/app-error';
import { CANONICAL_COLUMNS, ImportKind } from '../csv/csv-rows';

export interface ImportForm {
  kind: ImportKind;
  map?: Record<string, string>;
  source?: string;
  createMissingCustomers?: boolean;
}

const schema = z
  .object({
    kind: z.enum(['customers', 'orders', 'interactions', 'reps']),
    map: z.string().max(4000).optional(),
    source: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and -, at most 40')
      .optional(),
    createMissingCustomers: z.enum(['true', 'false']).optional(),
  })
  .strict();

/**
 * Validates the text fields of a multipart import request (multer hands them over as strings): the kind, a column
 * map `dest=SourceColumn,…` naming only canonical columns of that kind, the source system, a boolean flag.
 */
export function parseImportForm(body: Record<string, unknown>): ImportForm {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new AppError(
      'validation_failed',
      'Request validation failed',
      400,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
    );
  }
  const { kind, map, source, createMissingCustomers } = parsed.data;
  return {
    kind,
    ...(map ? { map: parseMap(kind, map) } : {}),
    ...(source ? { source } : {}),
    ...(createMissingCustomers === 'true' ? { createMissingCustomers: true } : {}),
  };
}

function parseMap(kind: ImportKind, spec: string): Record<string, string> {
  const known = new Set([...CANONICAL_COLUMNS[kind].required, ...CANONICAL_COLUMNS[kind].optional]);
  const map: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of spec.split(',')) {
    const [dest, source, extra] = pair.split('=').map((s) => s.trim());
    if (!dest || !source || extra !== undefined)
      problems.push(`map: "${pair}" must look like dest=SourceColumn`);
    else if (!known.has(dest)) problems.push(`map: "${dest}" is not a ${kind} column`);
    else map[dest] = source;
  }
  if (problems.length) throw new AppError('validation_failed', 'Request validation failed', 400, problems);
  return map;
}
