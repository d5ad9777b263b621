import { z } from 'zod';
import { AppError } from '../../common/app-error';
import { compileDateFormat } from '../csv/csv-dates';
import { CSV_ENCODINGS, CsvEncoding, parseEncoding } from '../csv/csv-encoding';
import { PRESET_NAMES, PresetName } from '../csv/csv-presets';
import { CANONICAL_COLUMNS, ImportKind } from '../csv/csv-rows';

export interface ImportForm {
  kind: ImportKind;
  map?: Record<string, string>;
  source?: string;
  createMissingCustomers?: boolean;
  encoding?: CsvEncoding;
  dateFormat?: string;
  preset?: PresetName;
  ignoreUnknownColumns?: boolean;
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
    encoding: z
      .string()
      .max(40)
      .refine((v) => parseEncoding(v) !== null, `one of ${CSV_ENCODINGS.join(', ')} (or gbk, latin1)`)
      .optional(),
    dateFormat: z
      .string()
      .max(60)
      .superRefine((v, ctx) => {
        try {
          compileDateFormat(v);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
      })
      .optional(),
    preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).optional(),
    ignoreUnknownColumns: z.enum(['true', 'false']).optional(),
  })
  .strict();

/**
 * Validates the text fields of a multipart import request (multer hands them over as strings): the kind, a column
 * map `dest=SourceColumn,…` naming only canonical columns of that kind (a source may be `A + B`), the source
 * system, the file's encoding, the date format, a header preset, two boolean flags.
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
  const { kind, map, source, createMissingCustomers, encoding, dateFormat, preset, ignoreUnknownColumns } =
    parsed.data;
  return {
    kind,
    ...(map ? { map: parseMap(kind, map) } : {}),
    ...(source ? { source } : {}),
    ...(createMissingCustomers === 'true' ? { createMissingCustomers: true } : {}),
    ...(encoding ? { encoding: parseEncoding(encoding) as CsvEncoding } : {}),
    ...(dateFormat ? { dateFormat } : {}),
    ...(preset ? { preset } : {}),
    ...(ignoreUnknownColumns === 'true' ? { ignoreUnknownColumns: true } : {}),
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
