import { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PUBLIC_KEY, ROLES_KEY } from './auth/principal';
import { registeredApiSchemas } from './common/api-schema';
import { EVENT_TYPE_SPECS } from './webhooks/event-types';

/**
 * The OpenAPI document: what @nestjs/swagger reads from the controllers and DTOs, completed with what is the same
 * for every operation and so is not repeated on each handler — its operationId, security (API key, none for the
 * public routes, METRICS_TOKEN for /metrics), the error responses its guards and pipes can give (401, 403, 400, 404,
 * 413) in the one error shape, and the outbound webhook payloads (x-webhooks + components). `npm run openapi` writes
 * it to openapi.json; `npm run lint:openapi` lints that file (redocly.yaml); the e2e tests validate every response
 * they get against it (test/support/contract.ts).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Callplan API')
    .setDescription(
      'Ranked daily call lists for sales reps: whom to call, what to say, what to offer.\n\n' +
        'Authenticate with an API key (`callplan apikey create`) as `Authorization: Bearer cpk_…` or `X-Api-Key: cpk_…`. ' +
        'Every error is `{ "error": { "code", "message", "details"? } }` with a machine-readable `code`; ' +
        'objects outside the caller’s scope answer 404 like missing ones. Money is in integer minor units of the ' +
        'workspace currency, instants are ISO 8601 with an offset, days are `YYYY-MM-DD`. ' +
        'Outbound webhooks (signed per Standard Webhooks) are listed under `x-webhooks`.',
    )
    .setVersion('0.1.0')
    .setLicense('Proprietary', 'https://callplan.example/terms')
    .addServer('/', 'The API that serves this document (at /docs, /docs-json)')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'cpk_<prefix>_<secret>',
        description: 'An API key (`cpk_…`, shown once when created) as `Authorization: Bearer cpk_…`',
      },
      API_KEY,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Api-Key',
        description: 'The same API key in the X-Api-Key header',
      },
      API_KEY_HEADER,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque token',
        description: 'The METRICS_TOKEN of the deployment (not an API key)',
      },
      METRICS_TOKEN,
    )
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => operationId(controller, method),
  });
  complete(doc, routeFacts(app));
  return doc;
}

const API_KEY = 'apiKey';
const API_KEY_HEADER = 'apiKeyHeader';
const METRICS_TOKEN = 'metricsToken';

/** `WebhooksController.list` → `webhooks_list` */
function operationId(controller: string, method: string): string {
  const base = controller.replace(/Controller$/, '');
  return `${base.charAt(0).toLowerCase()}${base.slice(1)}_${method}`;
}

interface RouteFacts {
  public: boolean;
  roles: string[] | null;
}

/** Access facts of every handler (from the same decorators the guard reads), by operationId. */
function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...a: unknown[]) => unknown) | null;
      if (!type?.prototype) continue;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const roles = (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, type)) as
          string[] | undefined;
        const isPublic = Boolean(
          Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, type),
        );
        facts.set(operationId(type.name, name), { public: isPublic, roles: roles ?? null });
      }
    }
  }
  return facts;
}

type Json = Record<string, unknown>;

const ERROR_SCHEMA = 'Error';

/** The error responses a route's guard, pipes and body parser can give, and what each means. */
const ERRORS: Record<string, { description: string; code: string; message: string; details?: unknown }> = {
  '400': {
    description:
      'The request is invalid: `validation_failed` (details: the messages), `malformed_json`, or a code naming the field',
    code: 'validation_failed',
    message: 'Request validation failed',
    details: ['limit must not be greater than 200'],
  },
  '401': {
    description: 'No API key, or one that is unknown, revoked or expired (`unauthenticated`)',
    code: 'unauthenticated',
    message: 'missing or invalid API key',
  },
  '403': {
    description: 'The key’s role may not call this operation (`forbidden`)',
    code: 'forbidden',
    message: 'this API key may not do that',
  },
  '404': {
    description: 'Not found, or outside the caller’s scope (the two are not told apart)',
    code: 'not_found',
    message: 'not found',
  },
  '409': {
    description: 'The object’s state does not allow this now',
    code: 'conflict',
    message: 'conflict',
  },
  '413': {
    description: 'The body is larger than the operation accepts (`payload_too_large`)',
    code: 'payload_too_large',
    message: 'request entity too large',
  },
  '415': {
    description: 'The body is not JSON in UTF-8 (`unsupported_media_type`)',
    code: 'unsupported_media_type',
    message: 'request bodies must be JSON in UTF-8',
  },
  '422': {
    description: 'Well-formed but refused (the code says why)',
    code: 'unprocessable',
    message: 'unprocessable',
  },
  '429': {
    description:
      'Too many requests for this key, or too many failed authentications from this address (`rate_limited`); wait `Retry-After` seconds',
    code: 'rate_limited',
    message: 'too many requests; retry after 12 s',
    details: { limit: 1200, retryAfterSeconds: 12 },
  },
};

function errorResponse(status: string, description?: string): Json {
  const e = ERRORS[status] ?? { description: 'Error', code: 'error', message: 'error' };
  return {
    description: description && description !== 'Error' ? description : e.description,
    ...(status === '429'
      ? {
          headers: {
            'Retry-After': {
              description: 'seconds until the limit admits this caller again',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        }
      : {}),
    content: {
      'application/json': {
        schema: { $ref: `#/components/schemas/${ERROR_SCHEMA}` },
        example: {
          error: {
            code: e.code,
            message: e.message,
            ...(e.details !== undefined ? { details: e.details } : {}),
          },
        },
      },
    },
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

function complete(doc: OpenAPIObject, facts: Map<string, RouteFacts>): void {
  const components = (doc.components ??= {});
  const schemas = (components.schemas ??= {}) as Json;
  schemas[ERROR_SCHEMA] = {
    type: 'object',
    description: 'Every error Callplan answers has this shape',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'machine-readable, stable', example: 'validation_failed' },
          message: {
            type: 'string',
            description: 'for people; may change',
            example: 'Request validation failed',
          },
          details: {
            description:
              'present when there is more to say: for `validation_failed` from the request validation an array of ' +
              'messages; for codes naming fields an object (`{ "field": … }`) or an array of such objects',
            oneOf: [
              { type: 'array', items: {} },
              { type: 'object', additionalProperties: true },
            ],
          },
        },
      },
    },
  };
  for (const [name, schema] of registeredApiSchemas()) schemas[name] = schema;
  delete schemas.ErrorView;
  delete schemas.ErrorBodyView;

  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      if (!op) continue;
      const fact = facts.get(op.operationId as string);
      if (!fact)
        throw new Error(
          `OpenAPI: no route facts for ${method.toUpperCase()} ${path} (${String(op.operationId)})`,
        );
      const responses = (op.responses ??= {}) as Record<string, Json>;
      const params = (op.parameters ?? []) as Array<{ in: string }>;
      // every POST/PUT/PATCH body goes through the JSON parser (src/common/json-body.middleware.ts), whether the
      // operation reads a body or not: malformed, too large or not UTF-8 JSON is refused before the handler
      const takesBody = ['post', 'put', 'patch'].includes(method);
      const hasInput = takesBody || params.some((p) => p.in === 'query' || p.in === 'path');
      const wanted = new Set(Object.keys(responses).filter((s) => /^4\d\d$/.test(s)));
      if (path === '/metrics') {
        op.security = [{ [METRICS_TOKEN]: [] }];
        wanted.add('401');
        wanted.add('404');
      } else if (fact.public) {
        op.security = [];
      } else {
        op.security = [{ [API_KEY]: [] }, { [API_KEY_HEADER]: [] }];
        wanted.add('401');
        if (fact.roles) wanted.add('403');
      }
      // an object named in the path, query or body outside the caller's scope answers 404 like a missing one
      if (hasInput && !fact.public) wanted.add('404');
      if (hasInput) wanted.add('400');
      if (takesBody) wanted.add('413');
      // (the signed CRM webhook reads its body raw, whatever its type)
      if (takesBody && !fact.public) wanted.add('415');
      // every route counts against a limit: the key's requests, the address's keyless requests or its failed
      // authentications (src/rate-limit)
      wanted.add('429');
      for (const status of wanted) {
        const given = responses[status] as Json | undefined;
        responses[status] = errorResponse(status, given?.description as string | undefined);
      }
      // the class-level @ApiBearerAuth() of the controllers is replaced by the security set above
    }
  }

  // outbound webhook payloads: one component per event type, and each as an x-webhooks entry (OpenAPI 3.0 has
  // no webhooks object; Redocly renders this extension)
  const webhooks: Json = {};
  for (const spec of EVENT_TYPE_SPECS) {
    const name = eventSchemaName(spec.type);
    schemas[`${name}Data`] = { ...toOas30(spec.schema), example: spec.example };
    schemas[name] = {
      type: 'object',
      description: spec.description,
      required: ['type', 'timestamp', 'data'],
      properties: {
        type: { type: 'string', enum: [spec.type] },
        timestamp: { type: 'string', format: 'date-time' },
        test: { type: 'boolean', description: 'present (true) on a test send' },
        data: { $ref: `#/components/schemas/${name}Data` },
      },
    };
    webhooks[spec.type] = {
      post: {
        summary: spec.description,
        operationId: `webhook_${name}`,
        tags: ['webhook events'],
        security: [],
        parameters: [
          {
            name: 'webhook-id',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'stable across retries: dedupe on it',
          },
          {
            name: 'webhook-timestamp',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'unix seconds',
          },
          {
            name: 'webhook-signature',
            in: 'header',
            required: true,
            schema: { type: 'string' },
            description: 'space-separated `v1,<base64 HMAC-SHA256>` (two during a secret rotation)',
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
        },
        responses: {
          '200': { description: 'Any 2xx: delivered' },
          '410': { description: 'Gone: the endpoint is disabled at once' },
          '429': { description: 'Retried, honouring Retry-After' },
        },
      },
    };
  }
  (doc as unknown as Json)['x-webhooks'] = webhooks;
}

/** `worklist.outcome_recorded` → `WorklistOutcomeRecordedEvent` */
export function eventSchemaName(type: string): string {
  return `${type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Event`;
}

/** JSON Schema (draft 2020: `type: ['string', 'null']`) → OpenAPI 3.0 (`type: 'string', nullable: true`). */
export function toOas30(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(toOas30) as unknown as Json;
  if (!schema || typeof schema !== 'object') return schema as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      if (types.length === 1) out.type = types[0];
      else out.oneOf = types.map((t) => ({ type: t }));
      if (types.length < v.length) out.nullable = true;
    } else if (k === 'const') {
      out.enum = [v];
    } else if (v && typeof v === 'object') {
      out[k] = toOas30(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}
