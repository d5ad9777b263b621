/**
 * The header row of an import, pure and framework-free: which file column (or columns, joined) feeds each canonical
 * column. Strict on purpose — a typo in a header used to import a whole file with the column silently empty:
 * an unknown name is an error suggesting the nearest known one, a required column missing is an error, a `--map`
 * naming a column the file lacks is an error; optional columns missing are reported as a warning.
 */
import { CANONICAL_COLUMNS, COLUMN_ALIASES, ImportKind, UNLISTED_OPTIONAL } from './csv-rows';

/** Where a canonical column's value comes from: one file column, or several joined with a space. */
export type ColumnSource = number | number[];

export interface HeaderProblem {
  /** the header name (or `--map` entry) concerned */
  column: string;
  problem:
    'unknown_column' | 'missing_column' | 'map_source_missing' | 'map_target_unknown' | 'duplicate_column';
  message: string;
  suggestion?: string;
}

export type ResolvedHeader =
  | {
      ok: true;
      /** canonical column → its source in the record */
      columns: Map<string, ColumnSource>;
      /** optional canonical columns the file does not have (their values are left empty) */
      missingOptional: string[];
      /** file columns that feed nothing (only when unknown columns are allowed) */
      ignored: string[];
    }
  | { ok: false; problems: HeaderProblem[] };

export interface HeaderOptions {
  /** canonical column → a file column, or `A + B` to join several with a space */
  map?: Record<string, string>;
  /** file columns that feed nothing are listed as ignored instead of being errors (presets, wide CRM exports) */
  ignoreUnknown?: boolean;
}

/** `First Name + Last Name` → ['First Name', 'Last Name']. */
export function mapSources(expression: string): string[] {
  return expression
    .split(/\s+\+\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** A header name as compared with canonical names: `Owner Rep`, `owner-rep` and `OWNER_REP` are `owner_rep`. */
function canonicalForm(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** The columns of a CSV that is not an import kind (a rate table): what to call them, which are required. */
export interface ColumnSpec {
  label: string;
  required: string[];
  optional: string[];
}

export function resolveCsvHeader(
  of: ImportKind | ColumnSpec,
  header: string[],
  options: HeaderOptions = {},
): ResolvedHeader {
  const map = options.map ?? {};
  const spec = typeof of === 'string' ? CANONICAL_COLUMNS[of] : of;
  const kind = typeof of === 'string' ? of : of.label;
  const known = [...spec.required, ...spec.optional];
  const problems: HeaderProblem[] = [];
  const names = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());

  const exact = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') return;
    if (exact.has(name))
      problems.push({
        column: name,
        problem: 'duplicate_column',
        message: `column "${name}" appears twice (columns ${exact.get(name)! + 1} and ${i + 1})`,
      });
    else exact.set(name, i);
  });
  const byCanonicalForm = new Map<string, number>();
  names.forEach((name, i) => {
    if (name !== '' && !byCanonicalForm.has(canonicalForm(name))) byCanonicalForm.set(canonicalForm(name), i);
  });

  const used = new Set<number>();
  const columns = new Map<string, ColumnSource>();
  for (const [target, expression] of Object.entries(map)) {
    if (!known.includes(target)) {
      problems.push({
        column: target,
        problem: 'map_target_unknown',
        message: `--map ${target}=…: "${target}" is not a ${kind} column`,
        ...suggest(target, known),
      });
      continue;
    }
    const indexes: number[] = [];
    for (const source of mapSources(expression)) {
      const i = exact.get(source);
      if (i === undefined) {
        problems.push({
          column: source,
          problem: 'map_source_missing',
          message: `--map ${target}=${expression}: the file has no column "${source}"`,
          ...suggest(source, names),
        });
      } else {
        indexes.push(i);
        used.add(i);
      }
    }
    if (indexes.length) columns.set(target, indexes.length === 1 ? indexes[0] : indexes);
  }
  for (const col of known) {
    if (col in map) continue;
    let i = exact.get(col) ?? byCanonicalForm.get(col);
    for (const alias of typeof of === 'string' ? (COLUMN_ALIASES[col] ?? []) : []) {
      if (i !== undefined) break;
      i = exact.get(alias) ?? byCanonicalForm.get(alias);
    }
    if (i !== undefined) {
      columns.set(col, i);
      used.add(i);
    }
  }

  const candidates = [...known.filter((k) => !(k in map)), ...Object.values(map).flatMap(mapSources)];
  const ignored: string[] = [];
  names.forEach((name, i) => {
    if (used.has(i) || name === '' || exact.get(name) !== i) return;
    if (options.ignoreUnknown) {
      ignored.push(name);
      return;
    }
    const hint = suggest(name, candidates);
    problems.push({
      column: name,
      problem: 'unknown_column',
      message: hint.suggestion
        ? `unknown column "${name}" (did you mean "${hint.suggestion}"?)`
        : `unknown column "${name}" (${kind} columns: ${known.join(', ')}; map others with --map or skip them with --ignore-unknown-columns)`,
      ...hint,
    });
  });
  for (const col of spec.required) {
    if (!columns.has(col) && !(col in map))
      problems.push({ column: col, problem: 'missing_column', message: `missing required column ${col}` });
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    columns,
    missingOptional: spec.optional.filter((c) => !columns.has(c) && !UNLISTED_OPTIONAL.has(c)),
    ignored,
  };
}

/** The nearest of `candidates` to `name`, when near enough to be a typo of it. */
export function suggest(name: string, candidates: readonly string[]): { suggestion?: string } {
  const a = canonicalForm(name);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(a, canonicalForm(c));
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(a.length / 3));
  return best !== undefined && bestDistance <= limit ? { suggestion: best } : {};
}

/** Damerau–Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two neighbours). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
