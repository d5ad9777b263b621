import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A fake Salesforce org on node:http, faithful to the shapes of the Salesforce REST API Developer Guide and jsforce
 * for what a connector uses:
 * - `GET /services/data/vXX.X/query?q=SOQL` (the subset `SELECT f, … FROM Contact|Account|Opportunity [WHERE c AND
 *   …] ORDER BY field ASC, Id ASC`, each condition `field >= datetime`, `field = true|false`, `field IN ('a', …)`
 *   with SOQL string literals (`\'` escapes a quote), or a parenthesised `c OR …`; anything else → 400
 *   MALFORMED_QUERY), batches of `Sforce-Query-Options:
 *   batchSize` (200–2,000, default 2,000), QueryResult `{ totalSize, done, nextRecordsUrl, records }` with
 *   `attributes`, datetimes as `2026-01-01T00:00:00.000+0000`; `GET nextRecordsUrl` pages the query's snapshot; an
 *   expired locator → 400 INVALID_QUERY_LOCATOR;
 * - `PATCH /services/data/vXX.X/composite/sobjects` (sObject Collections, ≤ 200 records, else 400
 *   EXCEEDED_ID_LIMIT): SaveResult[] in request order; an unknown field fails the request (400 INVALID_FIELD), an
 *   unknown id or a non-number in a number field fails its record only; every write moves SystemModstamp;
 * - OAuth: bearer access tokens (401 `[{ errorCode: 'INVALID_SESSION_ID' }]` for a wrong or expired one) and
 *   `POST /services/oauth2/token` with grant_type=refresh_token;
 * - the org's daily API allocation: `Sforce-Limit-Info: api-usage=N/M` on every answer, 403 REQUEST_LIMIT_EXCEEDED
 *   beyond it.
 */
export interface SalesforceFakeOptions {
  apiMax?: number;
}

type SObject = 'Contact' | 'Account' | 'Opportunity';
type Fields = Record<string, string | number | boolean | null>;
interface SfRecord {
  type: SObject;
  Id: string;
  fields: Fields;
}

const VERSION = /^\/services\/data\/(v\d{2,3}\.0)(\/.*)$/;
const SOQL = /^SELECT (.+) FROM (Contact|Account|Opportunity)(?: WHERE (.+?))? ORDER BY (\w+) ASC, Id ASC$/;
/** the comparisons of the WHERE subset: `Field >= datetime`, `Field = true|false` */
const CONDITION = /^(\w+) (>=|=) (\S+)$/;
/** `Field IN ('a', 'b')`: SOQL string literals, a backslash escaping the next character */
const IN_LIST = /^(\w+) IN \(((?:'(?:[^'\\]|\\.)*'(?:, )?)+)\)$/;
const STANDARD_FIELDS = [
  'Id',
  'Name',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MailingState',
  'MailingCountryCode',
  'LeadSource',
  'OwnerId',
  'CreatedDate',
  'SystemModstamp',
  'LastModifiedDate',
  // Opportunity
  'AccountId',
  'ContactId',
  'Amount',
  'CloseDate',
  'StageName',
  'IsWon',
];
const DATETIMES = new Set(['CreatedDate', 'SystemModstamp', 'LastModifiedDate']);

/** Splits `s` at `sep` outside parentheses and string literals. */
function splitTop(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === "'") quoted = false;
    } else if (ch === "'") quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(from, i));
      from = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(from));
  return parts;
}

/** One condition of the WHERE subset as a test of a record, or the reason it is malformed. */
function predicate(cond: string, t: (r: SfRecord, f: string) => number): ((r: SfRecord) => boolean) | string {
  if (cond.startsWith('(') && cond.endsWith(')')) {
    const alternatives = splitTop(cond.slice(1, -1), ' OR ').map((a) => predicate(a.trim(), t));
    const bad = alternatives.find((a) => typeof a === 'string');
    if (bad !== undefined) return bad;
    const tests = alternatives as Array<(r: SfRecord) => boolean>;
    return (r) => tests.some((test) => test(r));
  }
  const list = IN_LIST.exec(cond);
  if (list) {
    const [, field, literals] = list;
    const values = [...literals.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
    return (r) => values.includes(String(r.fields[field]));
  }
  const c = CONDITION.exec(cond);
  if (!c) return `unexpected token: ${cond.slice(0, 60)}`;
  const [, field, op, value] = c;
  if (op === '>=') {
    const since = Date.parse(value);
    if (!DATETIMES.has(field) || !Number.isFinite(since)) return `invalid datetime literal ${value}`;
    return (r) => t(r, field) >= since;
  }
  if (value === 'true' || value === 'false') return (r) => r.fields[field] === (value === 'true');
  return `unexpected value ${value}`;
}

/** 2026-01-01T00:00:00.000+0000, as Salesforce writes datetimes. */
const sfTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export interface SalesforceFakeStats {
  requests: number;
  byRoute: Record<string, number>;
  refreshes: number;
}

export class SalesforceFake {
  url = '';
  accessToken = `00D000000000001!${randomBytes(12).toString('hex')}`;
  readonly refreshToken = `5Aep861${randomBytes(12).toString('hex')}`;
  readonly clientId = '3MVG9fake.client';
  readonly clientSecret = 'fake-client-secret';
  apiUsed = 0;
  readonly stats: SalesforceFakeStats = { requests: 0, byRoute: {}, refreshes: 0 };
  private readonly records = new Map<string, SfRecord>();
  /** field name → type ('string' | 'double' | 'date') for the custom fields of the org */
  private readonly custom = new Map<string, string>();
  private readonly locators = new Map<string, { ids: string[]; fields: string[]; type: string }>();
  private server: Server | null = null;
  private seq = 0;
  /** a hook for tests: runs before each answer */
  onRequest: ((route: string) => void) | null = null;

  constructor(readonly options: SalesforceFakeOptions = {}) {}

  get apiMax(): number {
    return this.options.apiMax ?? 15_000;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => (this.server as Server).listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  defineFields(defs: Record<string, 'string' | 'double' | 'date'>): void {
    for (const [name, type] of Object.entries(defs)) this.custom.set(name, type);
  }

  add(type: SObject, fields: Fields, modifiedMs: number): string {
    const prefix = { Contact: '003', Account: '001', Opportunity: '006' }[type];
    const Id = `${prefix}Fk${String(++this.seq).padStart(10, '0')}AAA`;
    this.records.set(Id, {
      type,
      Id,
      fields: { CreatedDate: sfTime(modifiedMs - 86_400_000), ...fields, SystemModstamp: sfTime(modifiedMs) },
    });
    return Id;
  }

  record(id: string): Fields {
    const r = this.records.get(id);
    if (!r) throw new Error(`fake Salesforce has no record ${id}`);
    return r.fields;
  }

  change(id: string, fields: Fields, at = Date.now()): void {
    Object.assign(this.record(id), fields, { SystemModstamp: sfTime(at), LastModifiedDate: sfTime(at) });
  }

  /** The session ends (as after a timeout or a password change): the next call answers 401 INVALID_SESSION_ID. */
  expireSession(): void {
    this.accessToken = `00D000000000001!${randomBytes(12).toString('hex')}`;
  }

  /** Query cursors time out after 15 minutes idle: every locator handed out so far stops working. */
  expireLocators(): void {
    this.locators.clear();
  }

  resetStats(): void {
    Object.assign(this.stats, { requests: 0, byRoute: {}, refreshes: 0 });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const send = (status: number, body: unknown, counted = true) => {
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        ...(counted ? { 'sforce-limit-info': `api-usage=${this.apiUsed}/${this.apiMax}` } : {}),
      });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, errorCode: string, message: string) =>
      send(status, [{ message, errorCode }]);
    const route = `${req.method} ${url.pathname.replace(/\/query\/[^/]+$/, '/query/{locator}')}`;
    this.stats.requests++;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    this.onRequest?.(route);

    if (req.method === 'POST' && url.pathname === '/services/oauth2/token') {
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.refreshToken) {
        return send(
          400,
          { error: 'invalid_grant', error_description: 'expired access/refresh token' },
          false,
        );
      }
      if (form.get('client_id') !== this.clientId) {
        return send(
          400,
          { error: 'invalid_client_id', error_description: 'client identifier invalid' },
          false,
        );
      }
      this.stats.refreshes++;
      this.expireSession();
      return send(
        200,
        {
          access_token: this.accessToken,
          instance_url: this.url,
          id: `${this.url}/id/00D000000000001/005000000000001`,
          token_type: 'Bearer',
          issued_at: String(Date.now()),
          signature: randomBytes(16).toString('base64'),
        },
        false,
      );
    }
    if (req.headers.authorization !== `Bearer ${this.accessToken}`) {
      return fail(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    }
    if (this.apiUsed >= this.apiMax)
      return fail(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    this.apiUsed++;
    const m = VERSION.exec(url.pathname);
    if (!m) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    const [, version, rest] = m;
    if (req.method === 'GET' && rest === '/query') {
      const batch = /batchSize=(\d+)/.exec(String(req.headers['sforce-query-options'] ?? ''));
      const size = batch ? Math.min(2000, Math.max(200, Number(batch[1]))) : 2000;
      return this.query(url.searchParams.get('q') ?? '', size, version, send, fail);
    }
    if (req.method === 'GET' && rest.startsWith('/query/')) {
      const [locator, offset] = rest.slice('/query/'.length).split('-');
      const snap = this.locators.get(locator);
      if (!snap) return fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      return send(200, this.batch(snap, locator, Number(offset), version));
    }
    if (req.method === 'PATCH' && rest === '/composite/sobjects') {
      return this.collection(raw, send, fail);
    }
    return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  private query(
    soql: string,
    size: number,
    version: string,
    send: (s: number, b: unknown) => void,
    fail: (s: number, c: string, m: string) => void,
  ): void {
    const q = SOQL.exec(soql.trim());
    if (!q) return fail(400, 'MALFORMED_QUERY', `unexpected token in: ${soql.slice(0, 80)}`);
    const [, select, type, where, orderField] = q;
    const fields = select.split(',').map((f) => f.trim());
    const unknown = fields.find((f) => !STANDARD_FIELDS.includes(f) && !this.custom.has(f));
    if (unknown) return fail(400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${type}'`);
    const t = (r: SfRecord, f: string) => Date.parse(String(r.fields[f]).replace('+0000', 'Z'));
    const tests: Array<(r: SfRecord) => boolean> = [];
    for (const cond of where ? splitTop(where, ' AND ') : []) {
      const test = predicate(cond.trim(), t);
      if (typeof test === 'string') return fail(400, 'MALFORMED_QUERY', test);
      tests.push(test);
    }
    const ids = [...this.records.values()]
      .filter((r) => r.type === type && tests.every((test) => test(r)))
      .sort((a, b) => t(a, orderField) - t(b, orderField) || (a.Id < b.Id ? -1 : 1))
      .map((r) => r.Id);
    const locator = `01g${randomBytes(6).toString('hex')}`;
    const snap = { ids, fields, type, size };
    this.locators.set(locator, snap);
    send(200, this.batch(snap, locator, 0, version));
  }

  private batch(
    snap: { ids: string[]; fields: string[]; type: string; size?: number },
    locator: string,
    offset: number,
    version: string,
  ) {
    const size = snap.size ?? 2000;
    const ids = snap.ids.slice(offset, offset + size);
    const done = offset + size >= snap.ids.length;
    return {
      totalSize: snap.ids.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${locator}-${offset + size}` }),
      records: ids.map((id) => {
        const r = this.records.get(id) as SfRecord;
        return {
          attributes: { type: r.type, url: `/services/data/${version}/sobjects/${r.type}/${r.Id}` },
          ...Object.fromEntries(snap.fields.map((f) => [f, f === 'Id' ? r.Id : (r.fields[f] ?? null)])),
        };
      }),
    };
  }

  private collection(
    raw: string,
    send: (s: number, b: unknown) => void,
    fail: (s: number, c: string, m: string) => void,
  ): void {
    let body: { allOrNone?: boolean; records?: Array<Record<string, unknown>> };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return fail(400, 'JSON_PARSER_ERROR', 'Unexpected character');
    }
    const records = body.records ?? [];
    if (records.length > 200) {
      return fail(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records into this call',
      );
    }
    for (const r of records) {
      for (const f of Object.keys(r)) {
        if (f === 'attributes' || f === 'Id') continue;
        if (!STANDARD_FIELDS.includes(f) && !this.custom.has(f)) {
          const type = (r.attributes as { type?: string } | undefined)?.type ?? 'Contact';
          return fail(400, 'INVALID_FIELD', `No such column '${f}' on sobject of type ${type}`);
        }
      }
    }
    const now = Date.now();
    const results = records.map((r) => {
      const id = String(r.Id ?? '');
      const target = this.records.get(id);
      if (!target || target.type !== (r.attributes as { type?: string } | undefined)?.type) {
        return {
          id: null,
          success: false,
          errors: [
            { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] },
          ],
        };
      }
      const bad = Object.entries(r).find(
        ([f, v]) => this.custom.get(f) === 'double' && v !== null && typeof v !== 'number',
      );
      if (bad) {
        return {
          id,
          success: false,
          errors: [
            {
              statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
              message: `${bad[0]}: value not of required type: ${String(bad[1])}`,
              fields: [bad[0]],
            },
          ],
        };
      }
      const fields = Object.fromEntries(
        Object.entries(r).filter(([f]) => f !== 'attributes' && f !== 'Id'),
      ) as Fields;
      this.change(id, fields, now);
      return { id, success: true, errors: [] };
    });
    send(200, results);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Seeds `n` Contacts whose SystemModstamp climbs a second at a time, every fifth a tie; answers their ids. */
export function seedSalesforce(
  fake: SalesforceFake,
  n: number,
  start = Date.parse('2026-01-01T00:00:00Z'),
): string[] {
  const ids: string[] = [];
  let t = start;
  for (let i = 1; i <= n; i++) {
    if (i % 5 !== 0) t += 1000;
    ids.push(
      fake.add(
        'Contact',
        {
          FirstName: `First${i}`,
          LastName: `Last${i}`,
          Name: `First${i} Last${i}`,
          Email: `sf${i}@example.com`,
          Phone: `+86139${String(i).padStart(8, '0')}`,
          MailingCountryCode: 'FR',
          LeadSource: i % 2 ? 'Web' : null,
        },
        t,
      ),
    );
  }
  return ids;
}

/** A Salesforce connector definition pointing at the fake. */
export function salesforceConnector(
  fake: SalesforceFake,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    kind: 'salesforce',
    name: 'salesforce',
    baseUrl: fake.url,
    auth: {
      accessToken: fake.accessToken,
      refreshToken: fake.refreshToken,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    },
    ...overrides,
  };
}
