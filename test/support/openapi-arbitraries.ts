import fc from 'fast-check';

/**
 * fast-check arbitraries read from the OpenAPI document: for an operation, its path parameters, query and body —
 * valid-ish (from the schemas: enums, formats, bounds, required fields) or hostile (wrong types, huge, NUL, lone
 * surrogates, deep nesting, unicode, real ids of other objects). Used by test/e2e/fuzz-routes.test.ts.
 */
type Json = Record<string, unknown>;
type Schema = Json & {
  type?: string;
  $ref?: string;
  enum?: unknown[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
};

export interface FuzzOperation {
  method: string;
  path: string;
  pathParams: string[];
  query: Array<{ name: string; schema: Schema }>;
  body: Schema | null;
}

export function operations(doc: Json): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; schema?: Schema }>;
      const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
        ?.content;
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: content?.['application/json']?.schema ?? (content ? { type: 'object' } : null),
      });
    }
  }
  return out;
}

/** Strings an attacker or a broken client sends. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'x\u0000y',
    '\u0000',
    '\ud83d',
    '\ufffd',
    '../../etc/passwd',
    '%00',
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    '-1',
    '0',
    '1e309',
    'NaN',
    'null',
    '[]',
    '{}',
    '9'.repeat(40),
    '2026-02-30',
    '2026-13-01T25:61:00Z',
    '00000000-0000-0000-0000-000000000000',
    'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1, max: 5 }).map((k) => 'é'.repeat(k * 2000)),
);

/** JSON nested `depth` deep: arrays or objects. */
const deep = fc.tuple(fc.integer({ min: 30, max: 3000 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileString,
  deep,
  fc.constantFrom(null, true, -1, 1e308, -0, 2 ** 53 + 1, [], {}),
);

function resolve(doc: Json, s: Schema): Schema {
  let cur = s;
  for (let guard = 0; guard < 20; guard++) {
    if (cur.$ref) {
      const name = cur.$ref.replace('#/components/schemas/', '');
      cur = ((doc.components as Json).schemas as Record<string, Schema>)[name] ?? {};
    } else if (cur.allOf?.length === 1 && !cur.properties) cur = { ...cur.allOf[0], nullable: cur.nullable };
    else return cur;
  }
  return cur;
}

const day = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const instant = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** A value for `schema`: mostly what it describes, sometimes (`hostility` of the time) anything else. */
export function valueFor(doc: Json, schema: Schema, ids: string[], depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  const valid = validFor(doc, s, ids, depth);
  return fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: wrongValue, weight: 1 });
}

function validFor(doc: Json, s: Schema, ids: string[], depth: number): fc.Arbitrary<unknown> {
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const choice = s.oneOf ?? s.anyOf;
  if (choice?.length) return fc.oneof(...choice.map((c) => validFor(doc, resolve(doc, c), ids, depth)));
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid') return fc.oneof(fc.uuid(), fc.constantFrom(...ids));
      if (s.format === 'date') return day;
      if (s.format === 'date-time') return instant;
      return fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...ids), hostileString);
    case 'integer':
      return fc.integer({ min: (s.minimum as number) ?? -5, max: (s.maximum as number) ?? 10_000 });
    case 'number':
      return fc.double({
        min: (s.minimum as number) ?? -1e6,
        max: (s.maximum as number) ?? 1e6,
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(valueFor(doc, s.items ?? {}, ids, depth + 1), { maxLength: 4 });
    case 'object':
    default: {
      if (depth > 3 || !s.properties)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const props = Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, valueFor(doc, v, ids, depth + 1)]),
      );
      return fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
  }
}

/** A path parameter: a real id of the fixture, a well-formed unknown one, or hostile text. */
export function pathParam(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...ids), weight: 3 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), weight: 1 },
    { arbitrary: hostileString, weight: 2 },
  );
}

/** A query string for the operation: its parameters (valid-ish or hostile), sometimes an unknown one. */
export function queryFor(doc: Json, op: FuzzOperation, ids: string[]): fc.Arbitrary<string> {
  const entries = op.query.map((q) =>
    fc.option(
      valueFor(doc, q.schema, ids).map(
        (v) => [q.name, typeof v === 'string' ? v : JSON.stringify(v)] as const,
      ),
      { nil: undefined },
    ),
  );
  return fc
    .tuple(fc.tuple(...entries), fc.option(fc.tuple(hostileString, hostileString), { nil: undefined }))
    .map(([known, extra]) => {
      const pairs = [...known.filter((e) => e !== undefined), ...(extra ? [extra] : [])] as Array<
        readonly [string, string]
      >;
      return pairs.length ? `?${new URLSearchParams(pairs as Array<[string, string]>).toString()}` : '';
    });
}

/** A body for the operation (serialised): from its schema, or wrong, or huge. */
export function bodyFor(doc: Json, op: FuzzOperation, ids: string[]): fc.Arbitrary<string | undefined> {
  if (!['POST', 'PUT', 'PATCH'].includes(op.method)) return fc.constant(undefined);
  const schema = op.body ?? { type: 'object' };
  return fc.oneof(
    { arbitrary: valueFor(doc, schema, ids).map((v) => JSON.stringify(v) ?? 'null'), weight: 6 },
    { arbitrary: fc.constantFrom('', '{', '{"a":1,}', 'null', '"x"', '[]'), weight: 1 },
    { arbitrary: fc.constantFrom(2_000_000).map((n) => JSON.stringify({ x: 'y'.repeat(n) })), weight: 1 },
  );
}

/**
 * Bodies that set one property of the operation's body schema to each of `values` in turn: alone, and inside a
 * body drawn from the schema (fixed seed, so the sweep is the same every run). Finds the edge a random draw reaches
 * only now and then: an optional field sent as null, an id past the bigint range.
 */
export function propertySweep(doc: Json, op: FuzzOperation, ids: string[], values: unknown[]): string[] {
  if (!['POST', 'PUT', 'PATCH'].includes(op.method) || !op.body) return [];
  const s = resolve(doc, op.body);
  if (!s.properties) return [];
  const [base] = fc.sample(validFor(doc, s, ids, 0), { seed: 42, numRuns: 1 }) as Array<
    Record<string, unknown>
  >;
  const out: string[] = [];
  for (const key of Object.keys(s.properties)) {
    for (const v of values) {
      out.push(JSON.stringify({ [key]: v }));
      out.push(JSON.stringify({ ...base, [key]: v }));
      const item = resolve(doc, s.properties[key]);
      if (item.type === 'array') out.push(JSON.stringify({ ...base, [key]: [v] }));
    }
  }
  return out;
}

/** Query strings that set one of the operation's query parameters to each of `values` in turn. */
export function querySweep(op: FuzzOperation, values: string[]): string[] {
  return op.query.flatMap((q) => values.map((v) => `?${new URLSearchParams([[q.name, v]]).toString()}`));
}
