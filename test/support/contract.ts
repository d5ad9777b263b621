import { appendFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { INestApplication } from '@nestjs/common';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The OpenAPI document as a contract the tests hold the app to: every response a test gets is checked against the
 * document the app serves — the status must be documented for that operation, the content type declared, and a
 * JSON body valid against the response schema. Objects are closed (no property the schema does not name), so a
 * field added to an answer without documenting it fails too. OpenAPI 3.0 schemas are turned into JSON Schema for
 * ajv: `nullable: true` → `null` allowed, `$ref`s into the document's components.
 */
export interface ContractResponse {
  status: number;
  contentType?: string | null;
  text: string;
}

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  literal: number;
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export class Contract {
  private readonly ajv: Ajv;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  /** operations (METHOD /template) and statuses seen, for the coverage figure */
  readonly seen = new Set<string>();

  constructor(readonly doc: Json) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    const components = (doc.components ?? {}) as Json;
    this.ajv.addSchema({ $id: 'openapi', components: toJsonSchema(components) });
    for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
        const source = template
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('[^/]+');
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          literal: template.replace(/\{[^}]+\}/g, '').length,
          responses: (op.responses ?? {}) as Operation['responses'],
        });
      }
    }
  }

  /** The document the app at `baseUrl` serves. */
  static async load(baseUrl: string): Promise<Contract> {
    const res = await fetch(`${baseUrl}/docs-json`);
    return new Contract((await res.json()) as Json);
  }

  /** What is wrong with this answer to `method url` (empty when it matches the document). */
  problems(method: string, url: string, res: ContractResponse): string[] {
    // Express routes `/v1/x/` as `/v1/x` (non-strict routing)
    const raw = url.split('?')[0];
    const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
    const op = this.operations
      .filter((o) => o.method === method.toUpperCase() && o.pattern.test(path))
      .sort((a, b) => b.literal - a.literal)[0];
    const where = `${method.toUpperCase()} ${url} → ${res.status}`;
    // The embeddable pages (`/embed/…`: HTML, their static files and their script's `/embed/api`) belong to the
    // page, not to the integrator's API: they are left out of the document (src/web/rep) and tested in a browser
    // (test/web). Minting their token, `POST /v1/embed-tokens`, is part of the API and checked here.
    if (path === '/embed' || path.startsWith('/embed/')) return [];
    if (!op) {
      // a request for no documented operation (an empty path parameter, a typo) is refused in the error shape
      if (res.status < 400 || res.status >= 500) return [`${where}: no such operation in the document`];
      return this.matches(where, { $ref: '#/components/schemas/Error' }, res.text, 'unknown route');
    }
    const seenKey = `${op.method} ${op.template} ${res.status}`;
    if (!this.seen.has(seenKey) && process.env.CONTRACT_SAMPLES) {
      // one real answer per (operation, status), for whoever writes the schema of a new operation
      appendFileSync(
        process.env.CONTRACT_SAMPLES,
        `${JSON.stringify({ op: seenKey, body: res.text.slice(0, 20_000) })}\n`,
      );
    }
    this.seen.add(seenKey);
    const response =
      op.responses[String(res.status)] ?? op.responses[`${String(res.status)[0]}XX`] ?? op.responses.default;
    if (!response) return [`${where}: status not documented for ${op.method} ${op.template}`];
    if (!response.content) {
      return res.text === '' ? [] : [`${where}: documented without a body, got ${res.text.slice(0, 80)}`];
    }
    const type = (res.contentType ?? '').split(';')[0].trim();
    const media = response.content[type];
    if (!media)
      return [
        `${where}: content type ${type || '(none)'} not documented (${Object.keys(response.content).join(', ')})`,
      ];
    if (!type.endsWith('json') || !media.schema) return [];
    return this.matches(where, media.schema, res.text, `${op.method} ${op.template} ${res.status} ${type}`);
  }

  private matches(where: string, schema: Json, text: string, key: string): string[] {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`${where}: body is not JSON`];
    }
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Json);
      this.validators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${where}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
  }
}

/** OpenAPI 3.0 schema → JSON Schema for ajv (nullable, $ref into the `openapi` schema, closed objects). */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const ref = { $ref: `openapi${s.$ref}` };
    return s.nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'nullable' || k === 'example' || k === 'examples') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, toJsonSchema(p)]));
    } else out[k] = typeof v === 'object' ? toJsonSchema(v) : v;
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  if (s.nullable === true) {
    if (typeof out.type === 'string' && !out.allOf && !out.anyOf && !out.oneOf) {
      out.type = [out.type, 'null'];
      // (an enum keeps its values: OpenAPI 3.0.3 allows null only when the enum lists it)
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/**
 * Holds every answer the suite's HTTP app gives — whatever client the tests use (fetch, supertest) — to the OpenAPI
 * document it serves: call in the describe after useTestApp({ http: true }), and end the suite with
 * `it('answers as its OpenAPI document says', () => expect(contract.problems()).toEqual([]))`.
 */
export function useContract(nest: { readonly url: string; readonly app: INestApplication }): {
  problems(): string[];
  readonly contract: Contract;
} {
  let contract: Contract | undefined;
  const found: string[] = [];
  beforeAll(async () => {
    contract = await Contract.load(nest.url);
    const server = nest.app.getHttpServer() as Server;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? '/';
      if (url.startsWith('/docs')) return;
      const chunks: Buffer[] = [];
      const keep = (chunk: unknown, encoding?: unknown) => {
        if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
        chunks.push(
          Buffer.isBuffer(chunk)
            ? chunk
            : Buffer.from(
                chunk as string,
                typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
              ),
        );
      };
      const write = res.write.bind(res) as (...a: unknown[]) => boolean;
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      res.write = ((...a: unknown[]) => {
        keep(a[0], a[1]);
        return write(...a);
      }) as typeof res.write;
      res.end = ((...a: unknown[]) => {
        keep(a[0], a[1]);
        return end(...a);
      }) as typeof res.end;
      // headers given to writeHead as an object, before any setHeader, are not seen by getHeader (ServedListDoor)
      const given: Record<string, unknown> = {};
      const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
      res.writeHead = ((...a: unknown[]) => {
        const headers = a.find((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
        for (const [k, v] of Object.entries(headers ?? {})) given[k.toLowerCase()] = v;
        return writeHead(...a);
      }) as typeof res.writeHead;
      const header = (name: string) => res.getHeader(name) ?? given[name];
      res.on('finish', () => {
        const type = header('content-type');
        const sent = Buffer.concat(chunks);
        // the document describes the content; a gzip-coded answer (worklist pages) is checked decoded
        const content = header('content-encoding') === 'gzip' && sent.length > 0 ? gunzipSync(sent) : sent;
        found.push(
          ...contract!.problems(req.method ?? 'GET', url, {
            status: res.statusCode,
            contentType: typeof type === 'string' ? type : null,
            text: req.method === 'HEAD' ? '' : content.toString('utf8'),
          }),
        );
      });
    });
  });
  return {
    problems: () => [...new Set(found)],
    get contract() {
      if (!contract) throw new Error('the contract is loaded in beforeAll');
      return contract;
    },
  };
}
