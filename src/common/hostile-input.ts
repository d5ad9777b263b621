/**
 * The one check of what arrives over HTTP before anything is stored or answered with a 2xx: JSON that parses, is
 * UTF-8, nests no deeper than MAX_JSON_DEPTH, and holds no text PostgreSQL cannot store (NUL), no lone surrogate
 * (not Unicode: the driver would write U+FFFD instead) and no U+FFFD (a character lost before it reached us: never
 * stored). Pure and framework-free; the middleware, the global pipe and the CRM inbox all call it.
 */
import { isUtf8 } from 'node:buffer';

/** Deepest nesting of objects and arrays a request body may have (the root container is depth 1). */
export const MAX_JSON_DEPTH = 32;
/** At most this many problems are listed in one answer. */
export const MAX_INPUT_PROBLEMS = 20;

export type HostileInputCode = 'malformed_json' | 'invalid_characters' | 'too_deep';

export interface InputProblem {
  /** where, as `events[3].data.name` (a key that is not a plain identifier is written `["a b"]`) */
  path: string;
  reason: string;
}

export type ParsedJson =
  | { ok: true; value: unknown }
  | { ok: false; code: HostileInputCode; message: string; details: InputProblem[] | JsonPosition };

export interface JsonPosition {
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['events', 3, 'data', 'name']` → `events[3].data.name`; odd keys are JSON-quoted (`data["a.b"]`). */
export function formatInputPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (!IDENTIFIER.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

/**
 * What is wrong with one string, or null: NUL, a lone surrogate, U+FFFD. `lostBytes` says the body was not valid
 * UTF-8, so a U+FFFD there stands for bytes the decoder could not read rather than one the sender wrote.
 */
export function badCharacter(s: string, lostBytes = false): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return `contains NUL (U+0000) at character ${i + 1}, which PostgreSQL text cannot store`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone surrogate ${hex(c)} at character ${i + 1} (not valid Unicode)`;
    }
    if (c >= 0xdc00 && c <= 0xdfff)
      return `contains a lone surrogate ${hex(c)} at character ${i + 1} (not valid Unicode)`;
    if (c === 0xfffd) {
      return lostBytes
        ? `holds bytes that are not UTF-8 at character ${i + 1} (send the body as UTF-8)`
        : `contains U+FFFD (replacement character) at character ${i + 1}: a character was lost before it reached Callplan`;
    }
  }
  return null;
}

function hex(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Every key and string under `value` that badCharacter() refuses, and every container nested deeper than
 * `maxDepth` (not descended into, so recursion stays bounded), each with its path. `prefix` starts the paths.
 */
export function findHostileInput(
  value: unknown,
  opts: { prefix?: Array<string | number>; maxDepth?: number; lostBytes?: boolean; max?: number } = {},
): { code: 'invalid_characters' | 'too_deep'; problems: InputProblem[] } | null {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const max = opts.max ?? MAX_INPUT_PROBLEMS;
  const deep: InputProblem[] = [];
  const chars: InputProblem[] = [];
  const path: Array<string | number> = [...(opts.prefix ?? [])];

  const visit = (v: unknown, depth: number): void => {
    if (deep.length + chars.length >= max) return;
    if (typeof v === 'string') {
      const why = badCharacter(v, opts.lostBytes);
      if (why) chars.push({ path: formatInputPath(path), reason: why });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    // JSON, query strings and form fields are arrays and plain objects (multer's have no prototype)
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return;
    if (depth + 1 > maxDepth) {
      deep.push({ path: formatInputPath(path), reason: `nests deeper than ${maxDepth} levels` });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        visit(v[i], depth + 1);
        path.pop();
      }
      return;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      path.push(k);
      const why = badCharacter(k, opts.lostBytes);
      if (why) chars.push({ path: formatInputPath(path), reason: `field name ${why}` });
      visit(child, depth + 1);
      path.pop();
    }
  };
  visit(value, 0);
  if (deep.length) return { code: 'too_deep', problems: deep };
  if (chars.length) return { code: 'invalid_characters', problems: chars };
  return null;
}

/**
 * Finds the first container of JSON text nested deeper than `maxDepth` without building anything (one pass over
 * the characters, no recursion), so a body of a million `[` costs a scan, not a stack. Returns its path, or null.
 * The scan is lenient: text that is not JSON is left for JSON.parse to reject.
 */
export function findTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): string | null {
  return exceedsDepth(text, maxDepth) ? deepPath(text, maxDepth) : null;
}

/** The cheap pass: depth only (a message of 1000 events costs about what JSON.parse does). */
function exceedsDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The pass that names the place, run only when the cheap one found too deep a nesting. */
function deepPath(text: string, maxDepth: number): string | null {
  // per open container: array → current index; object → current key (null until read)
  const frames: Array<{ array: boolean; at: number | string | null; expectKey: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      const top = frames[frames.length - 1];
      if (top && !top.array && top.expectKey) {
        try {
          top.at = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          top.at = text.slice(start + 1, i);
        }
        top.expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length + 1 > maxDepth) {
        const path = frames.map((f) => f.at ?? '?');
        return formatInputPath(path);
      }
      const array = c === 0x5b;
      frames.push({ array, at: array ? 0 : null, expectKey: !array });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
    } else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top?.array) top.at = (top.at as number) + 1;
      else if (top) top.expectKey = true;
    }
  }
  return null;
}

/**
 * Parses a JSON request body: UTF-8 (a BOM is dropped), nesting within `maxDepth`, then every string checked.
 * `strict`: the top level must be an object or an array (as Express's JSON parser requires).
 */
export function parseJsonBody(body: Buffer, opts: { maxDepth?: number; strict?: boolean } = {}): ParsedJson {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const lostBytes = !isUtf8(body);
  const text = new TextDecoder('utf-8').decode(body); // non-fatal: bad bytes become U+FFFD and are found below
  const deepAt = findTooDeep(text, maxDepth);
  if (deepAt !== null) {
    return {
      ok: false,
      code: 'too_deep',
      message: `JSON nests deeper than ${maxDepth} levels`,
      details: [{ path: deepAt, reason: `nests deeper than ${maxDepth} levels` }],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const position = jsonErrorPosition((e as Error).message, text);
    return {
      ok: false,
      code: 'malformed_json',
      message: `Request body is not valid JSON${position ? ` (line ${position.line}, column ${position.column})` : ''}`,
      details: position ?? { line: 1, column: 1 },
    };
  }
  if ((opts.strict ?? true) && (value === null || typeof value !== 'object')) {
    return {
      ok: false,
      code: 'malformed_json',
      message: 'Request body must be a JSON object or array',
      details: { line: 1, column: 1 },
    };
  }
  const hostile = findHostileInput(value, { maxDepth, lostBytes });
  if (hostile) {
    return {
      ok: false,
      code: hostile.code,
      message:
        hostile.code === 'too_deep'
          ? `JSON nests deeper than ${maxDepth} levels`
          : 'Request holds characters that cannot be stored (NUL, lone surrogates, bytes that are not UTF-8)',
      details: hostile.problems,
    };
  }
  return { ok: true, value };
}

/** V8 says "… in JSON at position 12 (line 1 column 13)" or "… at position 12"; the end of text has none. */
function jsonErrorPosition(message: string, text: string): JsonPosition | null {
  const m = /position (\d+)/.exec(message);
  const offset = m ? Number(m[1]) : /Unexpected end of JSON input/.test(message) ? text.length : null;
  if (offset === null) return null;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
