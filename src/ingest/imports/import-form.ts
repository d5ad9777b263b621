import { z } from 'zod';
import { AppError } from '../../common/app-error';
import { compileDateFormat } from '../csv/csv-dates';
import { suggest } from '../csv/csv-header';
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
  /** the file column holding each row's CRM version (customers; the CLI's --source-version-column) */
  sourceVersionColumn?: string;
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
    sourceVersionColumn: z.string().trim().min(1).max(200).optional(),
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
  const {
    kind,
    map,
    source,
    createMissingCustomers,
    encoding,
    dateFormat,
    preset,
    ignoreUnknownColumns,
    sourceVersionColumn,
  } = parsed.data;
  const columnMap = map ? parseMap(kind, map) : {};
  if (sourceVersionColumn !== undefined) {
    // the same rule as the CLI's --source-version-column: it names the file column of source_updated_at
    if (kind !== 'customers') throw formFieldError('sourceVersionColumn', 'applies to kind=customers only');
    if (columnMap.source_updated_at !== undefined)
      throw formFieldError('sourceVersionColumn', 'and map source_updated_at=… both given; use one');
    columnMap.source_updated_at = sourceVersionColumn;
  }
  return {
    kind,
    ...(Object.keys(columnMap).length ? { map: columnMap } : {}),
    ...(sourceVersionColumn !== undefined ? { sourceVersionColumn } : {}),
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

function formFieldError(field: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('invalid_form_field', `${field}: ${message}`, 422, [{ field, message, ...extra }]);
}

/**
 * The header check of form fields that name a file column (`sourceVersionColumn`): done at upload, so a typo is a
 * 422 naming the field rather than a failed import later. `header` is the file's first record.
 */
export function checkFormAgainstHeader(form: ImportForm, header: string[]): void {
  const column = form.sourceVersionColumn;
  if (column === undefined) return;
  const names = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  if (names.includes(column)) return;
  throw formFieldError('sourceVersionColumn', `the file has no column "${column}"`, {
    column,
    ...suggest(column, names),
  });
}
