import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { Client } from 'pg';
import { formatInputPath, MAX_JSON_DEPTH } from '../../src/common/hostile-input';
import { signedWebhookHeaders } from '../../src/ingest/events/webhook-signature';
import { ScoreExportService } from '../../src/scoring/score-export.service';
import { ev, postEvents } from '../fake-crm/crm-events';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';
import { addDays, at, busiestRep, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

interface Answer {
  status: number;
  body: { error?: { code: string; message: string; details?: unknown } } & Record<string, unknown>;
}
type Problem = { path: string; reason: string };
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  example?: unknown;
  enum?: unknown[];
  allOf?: Schema[];
}
interface Operation {
  requestBody?: {
    content?: Record<string, { schema?: Schema; examples?: Record<string, { value: unknown }> }>;
  };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The body an operation documents: its first example, or one built from the schema's property examples. */
function exampleBody(doc: OpenApi, op: Operation | undefined): Json | undefined {
  const content = op?.requestBody?.content?.['application/json'];
  if (!content) return undefined;
  const first = content.examples && Object.values(content.examples)[0];
  if (first) return first.value as Json;
  return content.schema ? fromSchema(doc, content.schema, 0) : undefined;
}

function fromSchema(doc: OpenApi, schema: Schema, depth: number): Json | undefined {
  const s = schema.$ref ? doc.components?.schemas?.[schema.$ref.split('/').pop()!] : schema;
  if (!s || depth > 6) return undefined;
  if (s.example !== undefined) return s.example as Json;
  if (s.enum) return s.enum[0] as Json;
  if (s.allOf) return fromSchema(doc, s.allOf[0], depth + 1);
  if (s.type === 'array') {
    const item = s.items ? fromSchema(doc, s.items, depth + 1) : undefined;
    return item === undefined ? [] : [item];
  }
  if (s.type === 'object' || s.properties) {
    const out: Record<string, Json> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const v = fromSchema(doc, p, depth + 1);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (s.type === 'string') return 'text';
  return undefined;
}

/** Paths of every string in a JSON value. */
function textLeaves(v: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof v === 'string') return [path];
  if (Array.isArray(v)) return v.flatMap((c, i) => textLeaves(c, [...path, i]));
  if (v !== null && typeof v === 'object')
    return Object.entries(v).flatMap(([k, c]) => textLeaves(c, [...path, k]));
  return [];
}

/**
 * Hostile input at the HTTP edge (issues 10 and 12): NUL, lone surrogates, bytes that are not UTF-8, deep nesting
 * and malformed JSON are a 400 with a machine-readable code and the path of each problem — on every route, for
 * query strings and path parameters, and on the signed CRM webhook after its signature — never a 5xx, and nothing
 * is stored. Also: instants without an offset, and CSV formula injection in `export scores`.
 */
describe('hostile input at the edges', () => {
  const nest = useTestApp({ http: true });
  const contract = useContract(nest);
  let workspaceId: string;
  let today: string;
  let adminKey: string;
  let repKey: string;
  let integrationKey: string;
  let secret: string;
  let writeRoutes: Array<{ method: string; path: string }>;
  let readRoutes: Array<{ path: string; query: string[]; params: string[] }>;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'hostile', customers: 150 }));
    await publish(nest.app, workspaceId, today);
    const who = await busiestRep(nest.app, workspaceId, today);
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
    repKey = await keyFor(nest.app, workspaceId, 'rep', who.rep.id);
    integrationKey = await keyFor(nest.app, workspaceId, 'integration');
    const rotated = await call('POST', '/v1/crm/webhook-secret/rotate', adminKey, '{}');
    expect(rotated.status).toBe(201);
    secret = (rotated.body as { secret: string }).secret;

    // every route, from the OpenAPI document
    const doc = (await call('GET', '/docs-json')).body as unknown as {
      paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
    };
    writeRoutes = [];
    readRoutes = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        // (the signed CRM webhook answers 401 to an unsigned body first; it has its own tests below)
        if (['post', 'put', 'patch'].includes(method) && !path.startsWith('/v1/crm/events/'))
          writeRoutes.push({ method: method.toUpperCase(), path });
        if (method === 'get') {
          const params = op.parameters ?? [];
          readRoutes.push({
            path,
            query: params.filter((p) => p.in === 'query').map((p) => p.name),
            params: params.filter((p) => p.in === 'path').map((p) => p.name),
          });
        }
      }
    }
    expect(writeRoutes.length).toBeGreaterThanOrEqual(20);
  }, 180_000);

  async function call(
    method: string,
    path: string,
    key?: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body,
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: { raw: text } };
    }
  }

  /**
   * Row counts of every table of the application (and the PostgreSQL queue's), to show nothing was stored — as
   * the owner: the app's role sees no queue schema, and tenant rows only within a scope (row-level security).
   */
  async function rowCounts(): Promise<Record<string, number>> {
    const owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    try {
      return await countRows(owner);
    } finally {
      await owner.end();
    }
  }

  async function countRows(owner: Client): Promise<Record<string, number>> {
    const { rows: tables } = await owner.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
       WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const out: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
      out[name] = rows[0].n;
    }
    return out;
  }

  const fill = (path: string, value = 'x') => path.replace(/\{[^}]+\}/g, value);

  it('answers malformed JSON with malformed_json, line and column (was bad_request)', async () => {
    const r = await call('POST', '/v1/score-runs', adminKey, '{\n  "asOf": "2026-01-01",\n}');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'malformed_json', details: { line: 3, column: 1 } });
    const notObject = await call('POST', '/v1/score-runs', adminKey, '"2026-01-01"');
    expect(notObject.body.error?.code).toBe('malformed_json');
    const charset = await call('POST', '/v1/score-runs', adminKey, '{}', {
      'content-type': 'application/json; charset=latin1',
    });
    expect([charset.status, charset.body.error?.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('refuses NUL, lone surrogates, U+FFFD, bytes that are not UTF-8 and deep nesting on every write route', async () => {
    const nul = '{"a":{"b":["ok","x\\u0000"]}}';
    const surrogate = '{"events":[{},{"data":{"name":"\\ud83d"}}]}';
    const replacement = '{"note":"Caf\ufffd"}';
    const latin1 = Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const deep = `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const { method, path } of writeRoutes) {
      const url = fill(path);
      const got = await Promise.all([
        call(method, url, adminKey, nul),
        call(method, url, adminKey, surrogate),
        call(method, url, adminKey, replacement),
        call(method, url, adminKey, latin1),
        call(method, url, adminKey, deep),
      ]);
      const seen = got.map((r) => [
        `${method} ${path}`,
        r.status,
        r.body.error?.code,
        (r.body.error?.details as Problem[] | undefined)?.[0]?.path,
      ]);
      expect(seen).toEqual([
        [`${method} ${path}`, 400, 'invalid_characters', 'a.b[1]'],
        [`${method} ${path}`, 400, 'invalid_characters', 'events[1].data.name'],
        [`${method} ${path}`, 400, 'invalid_characters', 'note'],
        [`${method} ${path}`, 400, 'invalid_characters', 'name'],
        [`${method} ${path}`, 400, 'too_deep', `x${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`],
      ]);
    }
  });

  it('refuses a NUL in each text field of the example body of each route, naming the field (was 500 on some)', async () => {
    const doc = (await call('GET', '/docs-json')).body as unknown as OpenApi;
    let checked = 0;
    for (const { method, path } of writeRoutes) {
      const example = exampleBody(doc, doc.paths[path][method.toLowerCase()]);
      if (example === undefined) continue;
      for (const spot of textLeaves(example)) {
        const body = structuredClone(example);
        const parent = spot
          .slice(0, -1)
          .reduce((v: Json, p) => (v as Record<string | number, Json>)[p], body);
        const last = spot[spot.length - 1];
        (parent as Record<string | number, Json>)[last] =
          `${String((parent as Record<string | number, Json>)[last])}\u0000`;
        for (const key of [adminKey, repKey, integrationKey]) {
          const r = await call(method, fill(path, '1'), key, JSON.stringify(body));
          expect([
            `${method} ${path}`,
            r.status,
            r.body.error?.code,
            (r.body.error?.details as Problem[])?.[0]?.path,
          ]).toEqual([`${method} ${path}`, 400, 'invalid_characters', formatInputPath(spot)]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it('refuses NUL in query strings and path parameters with their names, never a 5xx', async () => {
    let refused = 0;
    for (const route of readRoutes) {
      const cases: string[] = [];
      if (route.query.length > 0) cases.push(`${fill(route.path, '1')}?${route.query[0]}=a%00b`);
      if (route.params.length > 0) cases.push(fill(route.path, 'a%00b'));
      for (const url of cases) {
        const r = await call('GET', url, adminKey);
        expect([url, r.status < 500]).toEqual([url, true]);
        if (r.status === 403) continue; // a route of another role: refused before its input is read
        expect([url, r.status, r.body.error?.code]).toEqual([url, 400, 'invalid_characters']);
        const path = (r.body.error?.details as Problem[])[0].path;
        expect(path).toMatch(url.includes('?') ? /^query\./ : /^params\./);
        refused++;
      }
    }
    expect(refused).toBeGreaterThanOrEqual(15);
    const worklist = await call(
      'GET',
      `/v1/me/worklist?date=${encodeURIComponent('2026-01-01\u0000')}`,
      repKey,
    );
    expect(worklist.body.error).toMatchObject({
      code: 'invalid_characters',
      details: [{ path: 'query.date', reason: expect.stringMatching(/NUL/) }],
    });
  });

  /** Random JSON, with one bad thing planted somewhere. */
  const jsonValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 }), tie('value'), {
        maxKeys: 3,
      }),
    ),
  })).value;
  const plant = fc.oneof(
    fc.record({
      kind: fc.constant('char' as const),
      ch: fc.constantFrom('\u0000', '\ud800', '\udc01', '\ufffd'),
    }),
    fc.record({ kind: fc.constant('deep' as const), extra: fc.integer({ min: 1, max: 500 }) }),
  );

  function containers(v: Json, path: Array<string | number> = [], out: Array<Array<string | number>> = []) {
    if (v !== null && typeof v === 'object') {
      out.push(path);
      if (Array.isArray(v)) v.forEach((c, i) => containers(c, [...path, i], out));
      else for (const [k, c] of Object.entries(v)) containers(c, [...path, k], out);
    }
    return out;
  }

  it('property: random JSON with NUL, surrogates or deep nesting planted anywhere is a 400 naming the spot; nothing stored', async () => {
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 5 }), jsonValue, {
          maxKeys: 3,
        }),
        fc.nat(),
        fc.nat(),
        plant,
        async (root, routePick, spotPick, what) => {
          const v = structuredClone(root) as { [k: string]: Json }; // fast-check reuses values while shrinking
          const spots = containers(v);
          const path = spots[spotPick % spots.length];
          let parent: Json = v;
          for (const p of path) parent = (parent as Record<string | number, Json>)[p];
          const value: Json =
            what.kind === 'char'
              ? `k${what.ch}`
              : (JSON.parse(
                  '['.repeat(MAX_JSON_DEPTH + what.extra) + ']'.repeat(MAX_JSON_DEPTH + what.extra),
                ) as Json);
          let at: Array<string | number>;
          if (Array.isArray(parent)) {
            parent.push(value);
            at = [...path, parent.length - 1];
          } else {
            (parent as Record<string, Json>).planted = value;
            at = [...path, 'planted'];
          }
          const route = writeRoutes[routePick % writeRoutes.length];
          const key = [adminKey, repKey, integrationKey][routePick % 3];
          const r = await call(route.method, fill(route.path), key, JSON.stringify(v));
          const details = (r.body.error?.details as Problem[] | undefined) ?? [];
          if (what.kind === 'char') {
            expect([r.status, r.body.error?.code]).toEqual([400, 'invalid_characters']);
            expect(details.map((d) => d.path)).toContain(formatInputPath(at));
          } else {
            // the first container past the limit, on the way down the planted arrays (or an earlier one)
            expect([r.status, r.body.error?.code]).toEqual([400, 'too_deep']);
            const expected = [...at, ...Array<number>(Math.max(0, MAX_JSON_DEPTH - at.length)).fill(0)];
            expect(details[0].path).toBe(formatInputPath(expected));
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(await rowCounts()).toEqual(before);
  });

  describe('the signed CRM webhook: the same edge after the signature, before the 202', () => {
    const signed = (body: string | Buffer) => {
      const id = `msg_${randomUUID()}`;
      return call('POST', '/v1/crm/events/hostile', undefined, body, signedWebhookHeaders(secret, id, body));
    };
    const inbox = async () =>
      Number(
        (
          await nest.db.query(`SELECT count(*)::int AS n FROM crm_inbox WHERE workspace_id = $1`, [
            workspaceId,
          ])
        )[0].n,
      );

    it('refuses a NUL, a lone surrogate, non-UTF-8 bytes and deep nesting with the path; stores nothing', async () => {
      const stored = await inbox();
      const events = [0, 1, 2, 3].map((i) =>
        ev.customer(`hostile-${i}`, '2026-05-01T00:00:00Z', { name: `C${i}` }),
      );
      const withName = (name: string) => {
        const copy = structuredClone(events);
        copy[3].data.name = name;
        return JSON.stringify({ events: copy });
      };
      const nul = await signed(withName('Müller\u0000GmbH'));
      expect(nul.status).toBe(400);
      expect(nul.body.error).toMatchObject({
        code: 'invalid_characters',
        details: [{ path: 'events[3].data.name', reason: expect.stringMatching(/NUL/) }],
      });
      const lone = await signed(withName('\ud800'));
      expect(lone.body.error).toMatchObject({
        code: 'invalid_characters',
        details: [{ path: 'events[3].data.name', reason: expect.stringMatching(/lone surrogate/) }],
      });
      const text = withName('Caf#');
      const latin1 = Buffer.from(text, 'utf8');
      latin1[text.indexOf('#')] = 0xe9;
      const bytes = await signed(latin1);
      expect(bytes.body.error).toMatchObject({
        code: 'invalid_characters',
        details: [{ path: 'events[3].data.name', reason: expect.stringMatching(/not UTF-8/) }],
      });
      const deep = await signed(
        `{"events":[{"type":"customer.upserted","data":${'['.repeat(5000)}${']'.repeat(5000)}}]}`,
      );
      expect(deep.body.error).toMatchObject({ code: 'too_deep' });
      expect((deep.body.error?.details as Problem[])[0].path).toMatch(/^events\[0\]\.data(\[0\])+$/);
      const malformed = await signed('{"events": [');
      expect(malformed.body.error?.code).toBe('malformed_json');
      expect(await inbox()).toBe(stored);
    });

    it('still checks the signature first: a forged hostile body is a 401', async () => {
      const body = '{"events":[{"type":"x","data":{"name":"\\u0000"}}]}';
      const r = await call('POST', '/v1/crm/events/hostile', undefined, body, {
        ...signedWebhookHeaders('whsec_' + Buffer.alloc(24, 1).toString('base64'), 'msg_forged', body),
      });
      expect([r.status, r.body.error?.code]).toEqual([401, 'invalid_signature']);
    });

    it('accepts a clean message (with a BOM) and applies it whole', async () => {
      const r = await postEvents(nest.url, 'hostile', secret, undefined, {
        rawBody: `\ufeff${JSON.stringify({ events: [ev.customer('clean-1', '2026-05-01T00:00:00Z', { name: 'Café 北京' })] })}`,
      });
      expect(r.status).toBe(202);
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [row] = await nest.db.query(`SELECT status, last_error FROM crm_inbox WHERE id = $1`, [
          r.body.inboxId,
        ]);
        if (row.status === 'processed') break;
        if (Date.now() > deadline) throw new Error(`not processed: ${JSON.stringify(row)}`);
        await new Promise((res) => setTimeout(res, 100));
      }
      const [c] = await nest.db.query(
        `SELECT name FROM customers WHERE workspace_id = $1 AND external_id = 'clean-1'`,
        [workspaceId],
      );
      expect(c.name).toBe('Café 北京');
    });
  });

  it('POST /v1/worklist-events: a NUL or an occurredAt without offset is a 400 before the 202', async () => {
    const [customer] = await nest.db.query(
      `SELECT external_id FROM customers WHERE workspace_id = $1 ORDER BY id LIMIT 1`,
      [workspaceId],
    );
    const nul = await call(
      'POST',
      '/v1/worklist-events',
      integrationKey,
      JSON.stringify({ customer: customer.external_id, kind: 'complaint', note: 'broken\u0000' }),
    );
    expect(nul.body.error).toMatchObject({ code: 'invalid_characters', details: [{ path: 'note' }] });
    const local = await call(
      'POST',
      '/v1/worklist-events',
      integrationKey,
      JSON.stringify({
        customer: customer.external_id,
        kind: 'complaint',
        occurredAt: '2026-11-25T10:00:00',
      }),
    );
    expect(local.status).toBe(400);
    expect(local.body.error?.details).toEqual([
      expect.stringMatching(/^occurredAt must be an ISO 8601 date-time with its UTC offset/),
    ]);
  });

  describe('callbackAt must carry its offset', () => {
    it('refuses a callback time without an offset (it was read as UTC: 10:00 in Shanghai became 18:00)', async () => {
      const list = await call('GET', '/v1/me/worklist?limit=2', repKey);
      const [first, second] = list.body.items as Array<{ id: string }>;
      const tomorrow = addDays(today, 1);
      const local = await call(
        'POST',
        `/v1/worklist-items/${first.id}/outcome`,
        repKey,
        JSON.stringify({ outcome: 'callback_requested', callbackAt: `${tomorrow}T10:00:00` }),
      );
      expect(local.status).toBe(400);
      expect(local.body.error).toMatchObject({
        code: 'validation_failed',
        details: [expect.stringMatching(/^callbackAt must be an ISO 8601 date-time with its UTC offset/)],
      });
      const [stored] = await nest.db.query(
        `SELECT count(*)::int AS n FROM worklist_outcomes WHERE item_id = $1`,
        [first.id],
      );
      expect(stored.n).toBe(0);

      // with its offset it is that wall-clock time in Shanghai, answered back as the same instant
      const ok = await call(
        'POST',
        `/v1/worklist-items/${second.id}/outcome`,
        repKey,
        JSON.stringify({ outcome: 'callback_requested', callbackAt: at(tomorrow, '10:00') }),
      );
      expect(ok.status).toBe(201);
      expect(ok.body.followUp).toMatchObject({ kind: 'callback', dueAt: `${tomorrow}T02:00:00.000Z` });
    });
  });

  it('export scores neutralises a formula in an external id (CSV injection); numbers stay numbers', async () => {
    const formula = '=HYPERLINK("http://x","y")';
    const [target] = await nest.db.query(
      `UPDATE customers SET external_id = $2
       WHERE id = (SELECT c.id FROM customers c JOIN customer_scores s ON s.customer_id = c.id
                   WHERE c.workspace_id = $1 AND s.frequency > 0 ORDER BY c.id LIMIT 1)
       RETURNING id`,
      [workspaceId, formula],
    );
    expect(target).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'callplan-hostile-')), 'scores.csv');
    await nest.app.get(ScoreExportService).exportCsv(workspaceId, file);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/^"?=/m);
    const records = parse(text, { columns: true }) as Array<Record<string, string>>;
    const row = records.find((r) => r.customer_external_id === `'${formula}`);
    expect(row).toBeDefined();
    expect(Number(row!.monetary)).toBeGreaterThan(0);
    expect(row!.frequency).toMatch(/^\d+$/);
    for (const r of records) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+@\t\r]/);
  });

  it('answers a URL over the 16 KB header limit with 431 in the error shape (was a bare status line; found by fuzz-routes)', async () => {
    const res = await fetch(`${nest.url}/v1/score-runs?${'x'.repeat(20_000)}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('answers a second deactivation of a rep 409 rep_inactive, a documented status (found by fuzz-routes)', async () => {
    // (last in the suite: it deactivates a rep; the contract check below holds the 409 to the document)
    const [rep] = await nest.db.query(
      `SELECT external_id FROM reps WHERE workspace_id = $1 AND role = 'rep' AND active ORDER BY external_id DESC LIMIT 1`,
      [workspaceId],
    );
    const first = await call('POST', `/v1/reps/${rep.external_id}/deactivate`, adminKey, '{}');
    expect(first.status).toBe(200);
    const again = await call('POST', `/v1/reps/${rep.external_id}/deactivate`, adminKey, '{}');
    expect([again.status, again.body.error?.code]).toEqual([409, 'rep_inactive']);
  });

  it('answered every request above as its OpenAPI document says (status, content type, schema)', () => {
    expect(contract.problems()).toEqual([]);
  });
});
