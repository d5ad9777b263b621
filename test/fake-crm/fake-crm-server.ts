import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A small CRM REST API on node:http, started in-process by tests (and usable by a demo): three change feeds
 * (`/api/customers`, `/api/orders`, `/api/interactions`) paged by an opaque cursor (`?cursor=&limit=`), the same
 * under `/since/api/…` paged by an inclusive watermark (`?updated_since=&limit=`), behind a bearer token, with snake_case records as a foreign CRM
 * would send them. Faults on demand: 500s, 429s with Retry-After, slow pages, every page served twice, and
 * deletions / restores / merges that show up in the feeds as changed records.
 */
export type FakeEntity = 'customers' | 'orders' | 'interactions';

export interface FakeContact {
  id: string;
  name?: string | null;
  title?: string | null;
  email?: string | null;
  phone?: string | null;
  primary?: boolean;
}

export interface FakeCustomer {
  id: string;
  kind?: 'individual' | 'business';
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  country?: string | null;
  region?: string | null;
  industry?: string | null;
  size?: string | null;
  channel?: string | null;
  owner?: string | null;
  created_at?: string | null;
  contacts?: FakeContact[];
  updated_at: string;
  deleted_at?: string | null;
  restored_at?: string | null;
  merged_into?: string | null;
}

export interface FakeOrder {
  id: string;
  customer_id: string;
  placed_at: string;
  total_minor: number;
  currency: string;
  status?: 'paid' | 'refunded' | 'cancelled';
  /** a credit note: a refund booked as an order of its own, and the order it credits */
  credit_note?: boolean;
  credits?: string | null;
  channel?: string | null;
  items?: Array<{ sku: string; name?: string; category?: string; qty: number; amount_minor: number }>;
  updated_at: string;
  deleted_at?: string | null;
  restored_at?: string | null;
}

export interface FakeInteraction {
  id: string;
  customer_id: string;
  occurred_at: string;
  type: string;
  outcome?: string | null;
  score?: number | null;
  note?: string | null;
}

type AnyRecord = FakeCustomer | FakeOrder | FakeInteraction;

interface Fault {
  status: number;
  retryAfter?: string;
  times: number;
}

export interface FakeCrmRequest {
  entity: string;
  query: Record<string, string>;
  status: number;
  records: number;
}

export class FakeCrm {
  readonly token = 'fake-crm-token';
  readonly requests: FakeCrmRequest[] = [];
  /** every page is served twice: first with a cursor that points at the same page again */
  duplicatePages = false;
  private seq = 0;
  private readonly feeds: Record<FakeEntity, Map<string, { seq: number; record: AnyRecord }>> = {
    customers: new Map(),
    orders: new Map(),
    interactions: new Map(),
  };
  private readonly faults: Fault[] = [];
  private slow: { ms: number; times: number } = { ms: 0, times: 0 };
  private server: Server | null = null;
  url = '';

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

  upsert(entity: 'customers', record: FakeCustomer): void;
  upsert(entity: 'orders', record: FakeOrder): void;
  upsert(entity: 'interactions', record: FakeInteraction): void;
  upsert(entity: FakeEntity, record: AnyRecord): void {
    this.feeds[entity].set(record.id, { seq: ++this.seq, record: structuredClone(record) });
  }

  /** The record as the CRM currently holds it. */
  get<T extends AnyRecord>(entity: FakeEntity, id: string): T {
    const entry = this.feeds[entity].get(id);
    if (!entry) throw new Error(`fake CRM has no ${entity} ${id}`);
    return structuredClone(entry.record) as T;
  }

  /** Changes a record (it moves to the end of the change feed). */
  change<T extends AnyRecord>(entity: FakeEntity, id: string, patch: Partial<T>): void {
    this.feeds[entity].set(id, { seq: ++this.seq, record: { ...this.get<T>(entity, id), ...patch } });
  }

  delete(entity: 'customers' | 'orders', id: string, at: string): void {
    this.change(entity, id, { deleted_at: at, updated_at: at });
  }

  restore(entity: 'customers' | 'orders', id: string, at: string): void {
    this.change(entity, id, { restored_at: at, updated_at: at });
  }

  merge(winnerId: string, loserId: string, at: string): void {
    this.change<FakeCustomer>('customers', loserId, { merged_into: winnerId, updated_at: at });
  }

  /** The next `times` requests answer `status` (with Retry-After when given). */
  failNext(times: number, status: number, retryAfter?: string): void {
    this.faults.push({ status, retryAfter, times });
  }

  /** The next `times` requests wait `ms` before answering. */
  slowNext(times: number, ms: number): void {
    this.slow = { ms, times };
  }

  count(entity: FakeEntity): number {
    return this.feeds[entity].size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    // /since/api/<entity> pages by updated_since (the first page has no watermark yet); /api/<entity> by cursor
    const sinceMode = url.pathname.startsWith('/since/');
    const entity = url.pathname.replace(/^(\/since)?\/api\//, '') as FakeEntity;
    const query = Object.fromEntries(url.searchParams);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}, records = 0) => {
      this.requests.push({ entity, query, status, records });
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.slow.times > 0) {
      this.slow.times--;
      await new Promise((r) => setTimeout(r, this.slow.ms));
    }
    const fault = this.faults[0];
    if (fault) {
      if (--fault.times <= 0) this.faults.shift();
      return answer(
        fault.status,
        { error: 'injected' },
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter },
      );
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) return answer(401, { error: 'unauthorized' });
    const feed = this.feeds[entity];
    if (req.method !== 'GET' || !feed) return answer(404, { error: 'not found' });
    const limit = Math.min(500, Math.max(1, Number(query.limit ?? 50)));
    if (sinceMode) {
      const since = query.updated_since ? Date.parse(query.updated_since) : -Infinity;
      const rows = [...feed.values()]
        .map((e) => e.record)
        .filter((r) => Date.parse(stamp(r)) >= since)
        .sort((a, b) => Date.parse(stamp(a)) - Date.parse(stamp(b)) || (a.id < b.id ? -1 : 1));
      const page = rows.slice(0, limit);
      return answer(200, { data: page, has_more: rows.length > limit }, {}, page.length);
    }
    const at = query.cursor ? decodeCursor(query.cursor) : { after: 0, dup: false };
    const changed = [...feed.values()].filter((e) => e.seq > at.after).sort((a, b) => a.seq - b.seq);
    const page = changed.slice(0, limit);
    const last = page.length ? page[page.length - 1].seq : at.after;
    const replay = this.duplicatePages && !at.dup && page.length > 0;
    const next = replay ? { after: at.after, dup: true } : { after: last, dup: false };
    return answer(
      200,
      {
        data: page.map((e) => e.record),
        next_cursor: encodeCursor(next),
        has_more: replay || changed.length > limit,
      },
      {},
      page.length,
    );
  }
}

function stamp(r: AnyRecord): string {
  return 'updated_at' in r ? r.updated_at : r.occurred_at;
}

function encodeCursor(c: { after: number; dup: boolean }): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): { after: number; dup: boolean } {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return { after: Number(c.after) || 0, dup: !!c.dup };
  } catch {
    return { after: 0, dup: false };
  }
}

/**
 * Fills a fake CRM with a small deterministic data set: customers (a third of them businesses with contact
 * persons), their orders with line items, and interactions.
 */
export function seedFakeCrm(crm: FakeCrm, opts: { customers: number; seed?: number }): void {
  let s = (opts.seed ?? 1) >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), s | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const day = (d: number) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString();
  const products = [
    { sku: 'TEA-01', name: 'Oolong tea', category: 'tea' },
    { sku: 'TEA-02', name: 'Green tea', category: 'tea' },
    { sku: 'CUP-01', name: 'Porcelain cup', category: 'tableware' },
    { sku: 'SET-01', name: 'Gift set', category: 'gifts' },
  ];
  let orderNo = 0;
  let interactionNo = 0;
  for (let i = 1; i <= opts.customers; i++) {
    const id = `C${String(i).padStart(4, '0')}`;
    const business = i % 3 === 0;
    crm.upsert('customers', {
      id,
      kind: business ? 'business' : 'individual',
      name: business ? `Company ${i}` : `Person ${i}`,
      email: i % 5 === 0 ? null : `user${i}@example.cn`,
      phone: i % 4 === 0 ? null : `1380013${String(8000 + i).padStart(4, '0')}`,
      country: 'CN',
      region: pick(['Shanghai', 'Beijing', 'Guangdong']),
      industry: business ? pick(['retail', 'hospitality']) : null,
      size: business ? pick(['1-9', '10-49', '50-199']) : null,
      channel: pick(['web', 'store', 'referral']),
      created_at: day(Math.floor(rand() * 100)),
      contacts: business
        ? [
            {
              id: `${id}-P1`,
              name: `Buyer ${i}`,
              title: 'Buyer',
              email: `buyer${i}@example.cn`,
              primary: true,
            },
            {
              id: `${id}-P2`,
              name: `Owner ${i}`,
              title: 'Owner',
              phone: `1390013${String(8000 + i).padStart(4, '0')}`,
            },
          ]
        : [],
      updated_at: day(100 + Math.floor(rand() * 50)),
    });
    const orders = Math.floor(rand() * 4);
    for (let k = 0; k < orders; k++) {
      const items = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
        const p = pick(products);
        const qty = 1 + Math.floor(rand() * 3);
        return { ...p, qty, amount_minor: qty * (1000 + Math.floor(rand() * 9000)) };
      });
      crm.upsert('orders', {
        id: `O${String(++orderNo).padStart(5, '0')}`,
        customer_id: id,
        placed_at: day(150 + Math.floor(rand() * 100)),
        total_minor: items.reduce((a, b) => a + b.amount_minor, 0),
        currency: 'CNY',
        status: rand() < 0.9 ? 'paid' : 'refunded',
        channel: pick(['online', 'store']),
        items,
        updated_at: day(250 + Math.floor(rand() * 50)),
      });
    }
    if (rand() < 0.6) {
      crm.upsert('interactions', {
        id: `I${String(++interactionNo).padStart(5, '0')}`,
        customer_id: id,
        occurred_at: day(200 + Math.floor(rand() * 100)),
        type: pick(['call', 'email', 'survey']),
        score: rand() < 0.5 ? Math.floor(rand() * 11) : null,
        outcome: pick(['reached', 'no_answer', null]),
      });
    }
  }
}

/** A pull connector definition that reads this fake CRM (its field names mapped to the canonical ones). */
export function fakeCrmConnector(
  crm: FakeCrm,
  overrides: { name?: string; paging?: Record<string, unknown>; http?: Record<string, unknown> } = {},
) {
  const api = overrides.paging?.mode === 'updated_since' ? '/since/api' : '/api';
  return {
    name: overrides.name ?? 'fake',
    baseUrl: crm.url,
    auth: { header: 'Authorization', value: `Bearer ${crm.token}` },
    entities: {
      customers: {
        path: `${api}/customers`,
        fields: {
          externalId: 'id',
          updatedAt: 'updated_at',
          sourceChannel: 'channel',
          ownerRepExternalId: 'owner',
          createdAt: 'created_at',
          deletedAt: 'deleted_at',
          restoredAt: 'restored_at',
          mergedIntoExternalId: 'merged_into',
        },
        itemFields: { externalId: 'id', isPrimary: 'primary' },
      },
      orders: {
        path: `${api}/orders`,
        fields: {
          externalId: 'id',
          customerExternalId: 'customer_id',
          updatedAt: 'updated_at',
          placedAt: 'placed_at',
          amountMinor: 'total_minor',
          reversal: 'credit_note',
          reverses: 'credits',
          lines: 'items',
          deletedAt: 'deleted_at',
          restoredAt: 'restored_at',
        },
        itemFields: { productCode: 'sku', productName: 'name', quantity: 'qty', amountMinor: 'amount_minor' },
      },
      interactions: {
        path: `${api}/interactions`,
        fields: {
          externalId: 'id',
          customerExternalId: 'customer_id',
          occurredAt: 'occurred_at',
          updatedAt: 'occurred_at',
          kind: 'type',
        },
      },
    },
    paging: { pageSize: 25, hasMorePath: 'has_more', ...overrides.paging },
    http: { timeoutMs: 1000, baseDelayMs: 5, maxDelayMs: 50, ...overrides.http },
  };
}
