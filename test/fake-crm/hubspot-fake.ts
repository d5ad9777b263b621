import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A fake HubSpot CRM v3 (contacts) on node:http, faithful to the shapes of HubSpot's API reference and its official
 * Node client (@hubspot/api-client: SimplePublicObject, CollectionResponseWithTotal…, BatchResponse…WithErrors,
 * StandardError), and to its limits:
 * - `POST /crm/v3/objects/{contacts|companies|deals}/search`: filterGroups (EQ/NEQ/GT/GTE/LT/LTE/IN/HAS_PROPERTY),
 *   one sort, `limit` ≤ 200, `after` offsets, at most 10,000 results per query (400 beyond), paging.next.after
 *   while more remain; 4 requests per second per token (`policyName: SECONDLY`), answered without rate-limit
 *   headers; contacts move `lastmodifieddate`, companies and deals `hs_lastmodifieddate`; a deal entering a stage
 *   gets `hs_date_entered_<stage id>` (HubSpot's calculated property), kept when it moves on;
 * - `POST /crm/v4/associations/deals/{contacts|companies}/batch/read`: ≤ 1,000 inputs, each deal's associations
 *   as `{ from: { id }, to: [{ toObjectId, associationTypes }] }` (a deal's primary company labelled `Primary`,
 *   typeId 5); deals without any → 207 with NO_ASSOCIATIONS_FOUND errors; counted in the rolling window;
 * - `GET /crm/v3/objects/contacts` (limit ≤ 100, `after` id cursor) and `GET /crm/v3/objects/contacts/{id}`;
 * - `POST /crm/v3/objects/contacts/batch/update`: ≤ 100 inputs, unknown properties and bad number values → 400
 *   VALIDATION_ERROR for the whole batch, unknown ids → 207 multi-status with OBJECT_NOT_FOUND errors; every
 *   write moves `lastmodifieddate`;
 * - a rolling window per token (default 100 requests per 10 s) reported on every non-search answer in
 *   `X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds` (and the daily ones); over it → 429
 *   `{ status, message, errorType: 'RATE_LIMIT', correlationId, policyName: 'TEN_SECONDLY_ROLLING' }`;
 * - private-app bearer tokens (401 INVALID_AUTHENTICATION otherwise).
 * Every answer is counted, 429s separately, so a test can assert that there was no 429 storm.
 */
export interface HubSpotFakeOptions {
  token?: string;
  requestsPerInterval?: number;
  intervalMs?: number;
  searchPerSecond?: number;
  dailyLimit?: number;
  /** send Retry-After (seconds) with 429s; HubSpot usually does not */
  retryAfter?: boolean;
}

export interface FakeContactRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** The contact properties a portal has out of the box (HubSpot defines hundreds; these are the ones used here). */
const STANDARD_PROPERTIES = [
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'firstname',
  'lastname',
  'email',
  'phone',
  'state',
  'country',
  'industry',
  'hs_analytics_source',
  'hubspot_owner_id',
];
const DEFAULT_SEARCH_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];
const DATETIME = new Set(['createdate', 'lastmodifieddate', 'hs_lastmodifieddate', 'closedate']);
const MAX = { searchLimit: 200, searchTotal: 10_000, listLimit: 100, batch: 100, associationsBatch: 1000 };
type ObjectType = 'contacts' | 'companies' | 'deals';
const SEARCH = /^POST \/crm\/v3\/objects\/(contacts|companies|deals)\/search$/;
const ASSOCIATIONS = /^POST \/crm\/v4\/associations\/deals\/(contacts|companies)\/batch\/read$/;

export interface HubSpotFakeStats {
  requests: number;
  rateLimited: number;
  /** the longest run of consecutive 429 answers */
  longest429Run: number;
  byRoute: Record<string, number>;
}

export class HubSpotFake {
  readonly token: string;
  url = '';
  readonly stats: HubSpotFakeStats = { requests: 0, rateLimited: 0, longest429Run: 0, byRoute: {} };
  private run429 = 0;
  private readonly contacts = new Map<string, FakeContactRecord>();
  private readonly objects: Record<ObjectType, Map<string, FakeContactRecord>> = {
    contacts: this.contacts,
    companies: new Map(),
    deals: new Map(),
  };
  /** deal id → its associated contacts and companies (the first company is its primary) */
  private readonly dealLinks = new Map<string, { contacts: string[]; companies: string[] }>();
  /** property name → type ('string' | 'number' | 'date' | 'datetime' | 'enumeration') */
  private readonly properties = new Map<string, string>(STANDARD_PROPERTIES.map((p) => [p, 'string']));
  private readonly windows = new Map<string, number[]>();
  private readonly searchWindows = new Map<string, number[]>();
  private readonly daily = new Map<string, number>();
  private readonly faults: Array<{ status: number; times: number }> = [];
  private server: Server | null = null;
  private nextId = 1;
  /** a hook for tests: runs before each answer (e.g. to kill a worker mid-pull) */
  onRequest: ((route: string) => void) | null = null;

  constructor(readonly options: HubSpotFakeOptions = {}) {
    this.token = options.token ?? 'pat-na1-fake-0000-token';
  }

  get limits() {
    return {
      requestsPerInterval: this.options.requestsPerInterval ?? 100,
      intervalMs: this.options.intervalMs ?? 10_000,
      searchPerSecond: this.options.searchPerSecond ?? 4,
      dailyLimit: this.options.dailyLimit ?? 250_000,
    };
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

  /** Defines custom contact properties (a portal admin's job before a write-back). */
  defineProperties(defs: Record<string, 'string' | 'number' | 'date' | 'enumeration'>): void {
    for (const [name, type] of Object.entries(defs)) this.properties.set(name, type);
  }

  /** Adds a contact; answers its id. `modifiedAt` defaults to now. */
  addContact(properties: Record<string, string | null>, modifiedAt = new Date()): string {
    const id = String(this.nextId++);
    const at = modifiedAt.toISOString();
    this.contacts.set(id, {
      id,
      properties: {
        createdate: at,
        ...properties,
        hs_object_id: id,
        lastmodifieddate: at,
      },
      createdAt: properties.createdate ?? at,
      updatedAt: at,
      archived: false,
    });
    return id;
  }

  /** Adds a company; answers its id (from the same sequence as contacts, as ids of different objects may collide). */
  addCompany(properties: Record<string, string | null>, modifiedAt = new Date()): string {
    return this.addObject('companies', properties, modifiedAt);
  }

  /** Adds a deal associated with the given contacts and companies (the first company primary); answers its id. */
  addDeal(
    properties: Record<string, string | null>,
    links: { contacts?: string[]; companies?: string[] } = {},
    modifiedAt = new Date(),
  ): string {
    const id = this.addObject('deals', properties, modifiedAt);
    this.dealLinks.set(id, { contacts: links.contacts ?? [], companies: links.companies ?? [] });
    return id;
  }

  /** Changes a company or deal as a HubSpot user would (its hs_lastmodifieddate moves). */
  changeObject(
    type: 'companies' | 'deals',
    id: string,
    properties: Record<string, string | null>,
    at = new Date(),
  ) {
    const o = this.objects[type].get(id);
    if (!o) throw new Error(`fake HubSpot has no ${type} ${id}`);
    const stage = type === 'deals' ? properties.dealstage : undefined;
    if (stage && stage !== o.properties.dealstage)
      o.properties[`hs_date_entered_${stage}`] = at.toISOString();
    Object.assign(o.properties, properties, { hs_lastmodifieddate: at.toISOString() });
    o.updatedAt = at.toISOString();
  }

  private addObject(
    type: 'companies' | 'deals',
    properties: Record<string, string | null>,
    modifiedAt: Date,
  ): string {
    const id = String(this.nextId++);
    const at = modifiedAt.toISOString();
    const entered =
      type === 'deals' && properties.dealstage ? { [`hs_date_entered_${properties.dealstage}`]: at } : {};
    this.objects[type].set(id, {
      id,
      properties: { createdate: at, ...entered, ...properties, hs_object_id: id, hs_lastmodifieddate: at },
      createdAt: properties.createdate ?? at,
      updatedAt: at,
      archived: false,
    });
    return id;
  }

  /** Changes a contact as a HubSpot user would (its lastmodifieddate moves). */
  changeContact(id: string, properties: Record<string, string | null>, at = new Date()): void {
    const c = this.contact(id);
    Object.assign(c.properties, properties, { lastmodifieddate: at.toISOString() });
    c.updatedAt = at.toISOString();
  }

  contact(id: string): FakeContactRecord {
    const c = this.contacts.get(id);
    if (!c) throw new Error(`fake HubSpot has no contact ${id}`);
    return c;
  }

  get contactCount(): number {
    return this.contacts.size;
  }

  /** The next `times` requests answer `status` (a struggling HubSpot). */
  failNext(times: number, status: number): void {
    this.faults.push({ status, times });
  }

  resetStats(): void {
    Object.assign(this.stats, { requests: 0, rateLimited: 0, longest429Run: 0, byRoute: {} });
    this.run429 = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const route = `${req.method} ${url.pathname.replace(/\/\d+$/, '/{id}')}`;
    this.stats.requests++;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (status === 429) {
        this.stats.rateLimited++;
        this.run429++;
        this.stats.longest429Run = Math.max(this.stats.longest429Run, this.run429);
      } else this.run429 = 0;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    this.onRequest?.(route);
    const correlationId = randomUUID();
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${this.token}`) {
      return send(401, {
        status: 'error',
        message:
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        correlationId,
        category: 'INVALID_AUTHENTICATION',
      });
    }
    const fault = this.faults[0];
    if (fault) {
      if (--fault.times <= 0) this.faults.shift();
      return send(fault.status, {
        status: 'error',
        message: 'internal error',
        correlationId,
        category: 'ERROR',
      });
    }
    const isSearch = SEARCH.test(route);
    const limited = this.rateLimit(isSearch, correlationId);
    if (limited) return send(429, limited.body, limited.headers);
    const headers = isSearch ? {} : this.headers();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(400, {
        status: 'error',
        message: 'Invalid input JSON',
        correlationId,
        category: 'VALIDATION_ERROR',
      });
    }
    const [status, answer] = this.route(route, url, body, correlationId);
    return send(status, answer, headers);
  }

  /** The rolling windows of the token: 429 with HubSpot's body when one is full (rejected calls are not counted). */
  private rateLimit(
    isSearch: boolean,
    correlationId: string,
  ): { body: unknown; headers: Record<string, string> } | null {
    const now = Date.now();
    const l = this.limits;
    const day = (this.daily.get(this.token) ?? 0) + 1;
    const retry = (s: number): Record<string, string> =>
      this.options.retryAfter ? { 'retry-after': String(s) } : {};
    if (day > l.dailyLimit) {
      return {
        body: {
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          correlationId,
          policyName: 'DAILY',
        },
        headers: this.headers(),
      };
    }
    const windows = isSearch ? this.searchWindows : this.windows;
    const intervalMs = isSearch ? 1000 : l.intervalMs;
    const max = isSearch ? l.searchPerSecond : l.requestsPerInterval;
    const log = (windows.get(this.token) ?? []).filter((t) => t > now - intervalMs);
    windows.set(this.token, log);
    if (log.length >= max) {
      return {
        body: {
          status: 'error',
          message: isSearch
            ? 'You have reached your secondly limit.'
            : 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId,
          policyName: isSearch ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
        },
        headers: {
          ...(isSearch ? {} : this.headers()),
          ...retry(Math.ceil((log[0] + intervalMs - now) / 1000)),
        },
      };
    }
    log.push(now);
    this.daily.set(this.token, day);
    return null;
  }

  private headers(): Record<string, string> {
    const l = this.limits;
    const used = (this.windows.get(this.token) ?? []).filter((t) => t > Date.now() - l.intervalMs).length;
    const day = this.daily.get(this.token) ?? 0;
    return {
      'x-hubspot-ratelimit-daily': String(l.dailyLimit),
      'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, l.dailyLimit - day)),
      'x-hubspot-ratelimit-interval-milliseconds': String(l.intervalMs),
      'x-hubspot-ratelimit-max': String(l.requestsPerInterval),
      'x-hubspot-ratelimit-remaining': String(Math.max(0, l.requestsPerInterval - used)),
    };
  }

  private route(route: string, url: URL, body: unknown, correlationId: string): [number, unknown] {
    const bad = (message: string, extra: Record<string, unknown> = {}): [number, unknown] => [
      400,
      { status: 'error', message, correlationId, category: 'VALIDATION_ERROR', ...extra },
    ];
    const search = SEARCH.exec(route);
    if (search)
      return this.search(this.objects[search[1] as ObjectType], body as SearchRequest | undefined, bad);
    const associations = ASSOCIATIONS.exec(route);
    if (associations) {
      return this.associations(associations[1] as 'contacts' | 'companies', body, bad, correlationId);
    }
    switch (route) {
      case 'POST /crm/v3/objects/contacts/batch/update':
        return this.batchUpdate(body as { inputs?: unknown } | undefined, bad);
      case 'GET /crm/v3/objects/contacts': {
        const limit = Number(url.searchParams.get('limit') ?? 10);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX.listLimit)
          return bad(`limit must be 1-${MAX.listLimit}`);
        const after = Number(url.searchParams.get('after') ?? 0);
        const props = url.searchParams.get('properties')?.split(',') ?? DEFAULT_SEARCH_PROPERTIES;
        const rows = [...this.contacts.values()].filter((c) => Number(c.id) > after).sort(byId);
        const page = rows.slice(0, limit);
        return [
          200,
          {
            results: page.map((c) => view(c, props)),
            ...(rows.length > limit ? { paging: { next: { after: page[page.length - 1].id } } } : {}),
          },
        ];
      }
      case 'GET /crm/v3/objects/contacts/{id}': {
        const c = this.contacts.get(url.pathname.split('/').pop() as string);
        if (!c)
          return [
            404,
            { status: 'error', message: 'Object not found.', correlationId, category: 'OBJECT_NOT_FOUND' },
          ];
        return [200, view(c, url.searchParams.get('properties')?.split(',') ?? DEFAULT_SEARCH_PROPERTIES)];
      }
      default:
        return [
          404,
          { status: 'error', message: `Unable to route ${route}`, correlationId, category: 'NOT_FOUND' },
        ];
    }
  }

  private associations(
    to: 'contacts' | 'companies',
    req: unknown,
    bad: (m: string) => [number, unknown],
    correlationId: string,
  ): [number, unknown] {
    const startedAt = new Date().toISOString();
    const inputs = (req as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) return bad('Invalid input: inputs is required');
    if (inputs.length > MAX.associationsBatch) {
      return bad(`Invalid input: at most ${MAX.associationsBatch} inputs per batch`);
    }
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs as Array<{ id?: unknown }>) {
      const id = String(input.id);
      const linked = this.objects.deals.has(id) ? (this.dealLinks.get(id)?.[to] ?? []) : [];
      if (linked.length === 0) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${to === 'contacts' ? 'contact' : 'company'} is associated with deal ${id}.`,
          context: { fromObjectId: [id] },
        });
        continue;
      }
      results.push({
        from: { id },
        to: linked.map((toId, i) => ({
          toObjectId: Number(toId),
          associationTypes:
            to === 'companies' && i === 0
              ? [
                  { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
                  { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
                ]
              : [{ category: 'HUBSPOT_DEFINED', typeId: to === 'contacts' ? 3 : 341, label: null }],
        })),
      });
    }
    const completedAt = new Date().toISOString();
    if (errors.length === 0) return [200, { status: 'COMPLETE', results, startedAt, completedAt }];
    return [
      207,
      {
        status: 'COMPLETE',
        results,
        numErrors: errors.length,
        errors,
        startedAt,
        completedAt,
        correlationId,
      },
    ];
  }

  private search(
    objects: Map<string, FakeContactRecord>,
    req: SearchRequest | undefined,
    bad: (m: string) => [number, unknown],
  ): [number, unknown] {
    const limit = req?.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX.searchLimit) {
      return bad(`Invalid input: limit must be between 1 and ${MAX.searchLimit}`);
    }
    const after = Number(req?.after ?? 0);
    if (!Number.isInteger(after) || after < 0)
      return bad('Invalid input: after must be a non-negative integer');
    if (after + limit > MAX.searchTotal) {
      return bad(`Invalid input: the search query may page through at most ${MAX.searchTotal} results`);
    }
    const groups = req?.filterGroups ?? [];
    if (groups.length > 5) return bad('Too many filter groups (max 5)');
    let rows = [...objects.values()].filter(
      (c) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(c, f))),
    );
    const sort = req?.sorts?.[0];
    if (req?.sorts && req.sorts.length > 1) return bad('Only one sort is supported');
    rows.sort(byId);
    if (sort) {
      const dir = sort.direction === 'DESCENDING' ? -1 : 1;
      rows = rows.sort((a, b) => dir * compare(a, b, sort.propertyName) || byId(a, b));
    }
    const page = rows.slice(after, after + limit);
    const props = req?.properties?.length ? req.properties : DEFAULT_SEARCH_PROPERTIES;
    return [
      200,
      {
        total: rows.length,
        results: page.map((c) => view(c, props)),
        ...(after + limit < rows.length ? { paging: { next: { after: String(after + limit) } } } : {}),
      },
    ];
  }

  private batchUpdate(
    req: { inputs?: unknown } | undefined,
    bad: (m: string, extra?: Record<string, unknown>) => [number, unknown],
  ): [number, unknown] {
    const startedAt = new Date().toISOString();
    const inputs = req?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) return bad('Invalid input: inputs is required');
    if (inputs.length > MAX.batch) return bad(`Invalid input: at most ${MAX.batch} inputs per batch`);
    const errors: Array<{ message: string; code: string; context: Record<string, string[]> }> = [];
    for (const input of inputs as Array<{ id?: unknown; properties?: Record<string, unknown> }>) {
      for (const [name, value] of Object.entries(input.properties ?? {})) {
        const type = this.properties.get(name);
        if (!type) {
          errors.push({
            message: `Property "${name}" does not exist`,
            code: 'PROPERTY_DOESNT_EXIST',
            context: { propertyName: [name] },
          });
        } else if (typeof value !== 'string' && typeof value !== 'number') {
          errors.push({
            message: `${name} must be a string`,
            code: 'INVALID_STRING',
            context: { propertyName: [name] },
          });
        } else if (type === 'number' && value !== '' && !Number.isFinite(Number(value))) {
          errors.push({
            message: `${String(value)} was not a valid number.`,
            code: 'INVALID_FLOAT',
            context: { propertyName: [name] },
          });
        }
      }
    }
    if (errors.length) {
      return bad(`Property values were not valid: ${JSON.stringify(errors.slice(0, 5))}`, { errors });
    }
    const now = new Date();
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of inputs as Array<{ id: string; properties: Record<string, string> }>) {
      const c = this.contacts.get(String(input.id));
      if (!c) {
        missing.push(String(input.id));
        continue;
      }
      this.changeContact(
        c.id,
        Object.fromEntries(Object.entries(input.properties).map(([k, v]) => [k, String(v)])),
        now,
      );
      results.push(view(c, Object.keys(input.properties)));
    }
    const completedAt = new Date().toISOString();
    if (missing.length === 0) return [200, { status: 'COMPLETE', results, startedAt, completedAt }];
    return [
      207,
      {
        status: 'COMPLETE',
        results,
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message:
              'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
            context: { ids: missing },
          },
        ],
        startedAt,
        completedAt,
      },
    ];
  }
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}
interface SearchRequest {
  filterGroups?: Array<{ filters?: SearchFilter[] }>;
  sorts?: Array<{ propertyName: string; direction?: string }>;
  properties?: string[];
  limit?: number;
  after?: string;
}

const byId = (a: FakeContactRecord, b: FakeContactRecord) => Number(a.id) - Number(b.id);

/** A comparable value: datetimes (ISO or ms) as ms, numbers as numbers, else text. */
function key(name: string, v: string | null | undefined): number | string | null {
  if (v === null || v === undefined || v === '') return null;
  if (DATETIME.has(name) || name.startsWith('hs_date_entered_'))
    return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v.toLowerCase();
}

function compare(a: FakeContactRecord, b: FakeContactRecord, name: string): number {
  const x = key(name, a.properties[name]);
  const y = key(name, b.properties[name]);
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return x < y ? -1 : 1;
}

function matches(c: FakeContactRecord, f: SearchFilter): boolean {
  const v = key(f.propertyName, c.properties[f.propertyName]);
  if (f.operator === 'HAS_PROPERTY') return v !== null;
  if (f.operator === 'NOT_HAS_PROPERTY') return v === null;
  if (f.operator === 'IN') return (f.values ?? []).some((w) => key(f.propertyName, w) === v);
  const want = key(f.propertyName, f.value);
  if (v === null || want === null) return false;
  switch (f.operator) {
    case 'EQ':
      return v === want;
    case 'NEQ':
      return v !== want;
    case 'GT':
      return v > want;
    case 'GTE':
      return v >= want;
    case 'LT':
      return v < want;
    case 'LTE':
      return v <= want;
    default:
      return false;
  }
}

/** SimplePublicObject with the asked properties (absent ones as null, as HubSpot answers them). */
function view(c: FakeContactRecord, props: string[]) {
  return {
    id: c.id,
    properties: Object.fromEntries(
      [...new Set([...props, 'hs_object_id'])].map((p) => [p, c.properties[p] ?? null]),
    ),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archived: c.archived,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Seeds `n` contacts whose lastmodifieddate climbs one second at a time from `start`, every fifth sharing its
 * predecessor's instant (ties a watermark must page through); answers their ids in order.
 */
export function seedHubSpot(
  fake: HubSpotFake,
  n: number,
  start = Date.parse('2026-01-01T00:00:00Z'),
): string[] {
  const ids: string[] = [];
  let t = start;
  for (let i = 1; i <= n; i++) {
    if (i % 5 !== 0) t += 1000;
    ids.push(
      fake.addContact(
        {
          firstname: `First${i}`,
          lastname: `Last${i}`,
          email: `contact${i}@example.com`,
          phone: `+86138${String(i).padStart(8, '0')}`,
          country: i % 3 === 0 ? 'Germany' : 'DE',
          industry: i % 2 ? 'Retail' : null,
          createdate: new Date(start - 86_400_000).toISOString(),
        },
        new Date(t),
      ),
    );
  }
  return ids;
}

/** A HubSpot connector definition pointing at the fake. */
export function hubspotConnector(
  fake: HubSpotFake,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    kind: 'hubspot',
    name: 'hubspot',
    baseUrl: fake.url,
    auth: { privateAppToken: fake.token },
    limits: {
      requestsPerInterval: fake.limits.requestsPerInterval,
      intervalMs: fake.limits.intervalMs,
      searchPerSecond: fake.limits.searchPerSecond,
    },
    ...overrides,
  };
}
