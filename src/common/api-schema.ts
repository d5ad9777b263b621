import type { ApiResponseSchemaHost } from '@nestjs/swagger';

type SchemaObject = Omit<ApiResponseSchemaHost['schema'], '$ref'>;

/**
 * Response shapes for the OpenAPI document, written as schemas where a class per shape would only repeat them:
 * `const ApiKeyView = apiSchema('ApiKey', obj({ id: uuid, … }))` registers a named component and gives its `$ref`
 * for `@ApiOkResponse({ schema: ApiKeyView })`. The document builder (src/openapi.ts) adds every registered schema to
 * `components.schemas`; the e2e tests hold every answer to them (closed objects: an undocumented field fails).
 * Nullable follows OpenAPI 3.0: `nullable(s)`; a nullable reference is `allOf: [ref]` + nullable.
 */
export type ApiSchema = SchemaObject;
export type ApiRef = { $ref: string };

const registry = new Map<string, ApiSchema>();

export function apiSchema(name: string, schema: ApiSchema): ApiRef {
  const known = registry.get(name);
  if (known && JSON.stringify(known) !== JSON.stringify(schema))
    throw new Error(`two API schemas named ${name}`);
  registry.set(name, schema);
  return { $ref: `#/components/schemas/${name}` };
}

export function registeredApiSchemas(): ReadonlyMap<string, ApiSchema> {
  return registry;
}

type S = ApiSchema | ApiRef;

export const str: ApiSchema = { type: 'string' };
export const int: ApiSchema = { type: 'integer' };
export const num: ApiSchema = { type: 'number' };
export const bool: ApiSchema = { type: 'boolean' };
export const uuid: ApiSchema = { type: 'string', format: 'uuid' };
/** an instant, ISO 8601 with offset */
export const instant: ApiSchema = { type: 'string', format: 'date-time' };
/** a calendar day, YYYY-MM-DD */
export const day: ApiSchema = { type: 'string', format: 'date' };
/** a bigint id (customers, orders, deliveries…), sent as a decimal string */
export const bigId: ApiSchema = { type: 'string', pattern: '^[0-9]+$', example: '42' };
/** any JSON object */
export const anyObject: ApiSchema = { type: 'object', additionalProperties: true };

export const oneOfValues = (values: readonly string[], description?: string): ApiSchema => ({
  type: 'string',
  enum: [...values],
  ...(description ? { description } : {}),
});

/** OpenAPI 3.0 nullable: a type beside it (a reference goes in allOf), null in an enum */
export const nullable = (s: S): ApiSchema =>
  '$ref' in s
    ? { type: 'object', allOf: [s], nullable: true }
    : { ...s, nullable: true, ...(s.enum ? { enum: [...s.enum, null] } : {}) };

export const arr = (items: S, description?: string): ApiSchema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});

/** a map from string keys to `values` */
export const map = (values: S, description?: string): ApiSchema => ({
  type: 'object',
  additionalProperties: values,
  ...(description ? { description } : {}),
});

export const described = (s: S, description: string, example?: unknown): ApiSchema => ({
  ...('$ref' in s ? { allOf: [s] } : s),
  description,
  ...(example !== undefined ? { example } : {}),
});

/** An object with these properties, all required unless listed in `optional`. */
export function obj(
  properties: Record<string, S>,
  opts: { optional?: readonly string[]; description?: string; example?: unknown } = {},
): ApiSchema {
  const required = Object.keys(properties).filter((k) => !opts.optional?.includes(k));
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    ...(opts.example !== undefined ? { example: opts.example } : {}),
  };
}
