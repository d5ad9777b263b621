import { EVENT_TYPE_SPECS, unknownEventTypes } from './event-types';

/** A small structural check of an example against its schema: required keys present, declared types respected. */
function conforms(value: unknown, schema: Record<string, unknown>, path = '$'): string[] {
  const types = ([] as string[]).concat((schema.type as string | string[] | undefined) ?? []);
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const ok =
    types.length === 0 ||
    types.some(
      (t) =>
        t === kind || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && kind === 'number'),
    );
  if (!ok) return [`${path}: ${kind} is not ${types.join('|')}`];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) return [`${path}: not in enum`];
  const errors: string[] = [];
  if (kind === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of (schema.required as string[] | undefined) ?? [])
      if (!(k in obj)) errors.push(`${path}.${k}: missing`);
    const props = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj))
      if (props[k]) errors.push(...conforms(v, props[k], `${path}.${k}`));
  }
  if (kind === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) =>
      errors.push(...conforms(v, schema.items as Record<string, unknown>, `${path}[${i}]`)),
    );
  return errors;
}

describe('event type catalog', () => {
  it.each(EVENT_TYPE_SPECS.map((s) => [s.type, s] as const))('%s: the example fits its schema', (_, spec) => {
    expect(conforms(spec.example, spec.schema)).toEqual([]);
  });

  it('has unique types and knows exactly them', () => {
    const types = EVENT_TYPE_SPECS.map((s) => s.type);
    expect(new Set(types).size).toBe(types.length);
    expect(unknownEventTypes([...types, 'no.such.event'])).toEqual(['no.such.event']);
  });

  it('catches an example that breaks its schema (the check can fail)', () => {
    expect(conforms({ runId: 1 }, EVENT_TYPE_SPECS[1].schema)).not.toEqual([]);
  });
});
