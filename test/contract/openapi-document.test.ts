import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openApiJson } from '../../src/openapi.main';

const ROOT = resolve(__dirname, '../..');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

/**
 * openapi.json (what integrators read and `npm run lint:openapi` lints) and the typed client generated from it
 * (test/client/callplan-api.d.ts) are committed; both must be what the code builds now — run `npm run openapi`
 * after changing a controller, DTO or view.
 */
describe('the committed OpenAPI document and generated client types', () => {
  let built: string;

  beforeAll(async () => {
    built = await openApiJson();
  });

  it('openapi.json is the document the code builds (npm run openapi)', () => {
    const committed = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
    // a readable failure: the operations and schemas that differ, not a 15,000-line diff
    const a = JSON.parse(committed) as { paths: object; components: { schemas: object } };
    const b = JSON.parse(built) as { paths: object; components: { schemas: object } };
    const differ = (x: Record<string, unknown>, y: Record<string, unknown>) =>
      [...new Set([...Object.keys(x), ...Object.keys(y)])].filter(
        (k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]),
      );
    expect({
      paths: differ(a.paths as Record<string, unknown>, b.paths as Record<string, unknown>),
      schemas: differ(
        a.components.schemas as Record<string, unknown>,
        b.components.schemas as Record<string, unknown>,
      ),
    }).toEqual({ paths: [], schemas: [] });
    expect(committed).toBe(built);
  });

  it('documents every operation completely: summary, operationId, tags, security, a success schema, errors', () => {
    const doc = JSON.parse(built) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      servers: unknown[];
      components: { securitySchemes: Record<string, { bearerFormat?: string }> };
    };
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(JSON.stringify(doc.components.securitySchemes)).not.toMatch(/JWT/);
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const field of ['summary', 'operationId', 'tags', 'security'])
          if (op[field] === undefined) gaps.push(`${where}: no ${field}`);
        const responses = op.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>;
        const ok = Object.entries(responses).filter(([s]) => /^2/.test(s));
        if (!ok.length) gaps.push(`${where}: no success response`);
        for (const [status, r] of ok)
          if (status !== '204' && !Object.values(r.content ?? {}).some((m) => m.schema))
            gaps.push(`${where}: ${status} without a schema`);
        for (const [status, r] of Object.entries(responses).filter(([s]) => /^4/.test(s)))
          if (!JSON.stringify(r.content ?? {}).includes('#/components/schemas/Error'))
            gaps.push(`${where}: ${status} without the error schema`);
        if ((op.security as unknown[]).length && !responses['401'])
          gaps.push(`${where}: secured without a 401`);
      }
    }
    expect(gaps).toEqual([]);
  });

  it('test/client/callplan-api.d.ts is what openapi-typescript makes of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callplan-openapi-'));
    writeFileSync(join(dir, 'openapi.json'), built);
    execFileSync(bin('openapi-typescript'), [join(dir, 'openapi.json'), '-o', join(dir, 'api.d.ts')], {
      stdio: 'pipe',
    });
    const formatted = execFileSync(
      bin('prettier'),
      ['--stdin-filepath', join(ROOT, 'test/client/callplan-api.d.ts')],
      { input: readFileSync(join(dir, 'api.d.ts')), cwd: ROOT },
    ).toString();
    expect(readFileSync(join(ROOT, 'test/client/callplan-api.d.ts'), 'utf8')).toBe(formatted);
  }, 90_000);
});
