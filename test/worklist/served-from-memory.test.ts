import { get as httpGet, IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { PoolClient } from 'pg';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '../../src/config/config';
import { APP_CONFIG } from '../../src/config/config.module';
import { LISTENER_NAME, NotificationListener } from '../../src/database/notification-listener.service';
import { RunTablesRepository } from '../../src/scoring/run-tables.repository';
import { Metrics } from '../../src/metrics/metrics';
import { ListReadCache } from '../../src/worklist/list-read-cache.service';
import { createTestHttpApp, testConfig } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';
import { until } from '../support/until';
import { busiestRep, client, keyFor, publish, scoredWorkspace } from './worklist-support';

/**
 * Issue 16 item 3: `GET /v1/me/worklist` answers a page and its 304 from memory, without PostgreSQL, and never
 * after any of the page's inputs changed (migration 1767800000000's triggers, heard on the LISTEN connection).
 * For each input: a read, a 304 from memory, the write, then the next read must reach PostgreSQL and answer what
 * the write made of the page.
 */
describe('worklist pages served from memory', () => {
  const nest = useTestApp({ http: true });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let rep: { id: string; external_id: string; team_id: string };
  let other: { id: string };
  let managerId: string;
  let otherManagerId: string;
  let repKey: string;
  let managerKey: string;
  let adminKey: string;
  /** where each statement of the app's pool came from (reads of a request; jobs and key touches left out) */
  const checkouts: string[] = [];

  const PAGE = '/v1/me/worklist?state=all&limit=200';
  /** the page size of the next negotiation case: each case reads a page nobody read before */
  let freshLimit = 20;
  const listener = () => nest.app.get(NotificationListener);
  const cache = () => nest.app.get(ListReadCache);

  /** Pool checkouts during `fn`: every statement the app sends to PostgreSQL takes one. */
  const queriesDuring = async <T>(
    fn: () => Promise<T>,
  ): Promise<{ result: T; queries: number; stacks: string[] }> => {
    const before = checkouts.length;
    const result = await fn();
    const stacks = checkouts.slice(before);
    return { result, queries: stacks.length, stacks };
  };

  /** A 200 then, from memory, the same body and a 304: the page is remembered. Returns its ETag and body. */
  const remembered = async (path = PAGE, key = repKey) => {
    const first = await http.get(path, key).expect(200);
    const etag = first.headers.etag as string;
    const again = await queriesDuring(() => http.get(path, key).expect(200));
    expect(again.stacks).toEqual([]); // where a statement came from, when one did
    expect(again.result.text).toBe(first.text);
    const notModified = await queriesDuring(() => http.get(path, key, { 'If-None-Match': etag }).expect(304));
    expect(notModified.stacks).toEqual([]);
    return { etag, body: first.body as { version: number; items: Array<Record<string, unknown>> } };
  };

  /**
   * A GET read as the bytes on the wire (supertest would gunzip them): node:http, no keep-alive, and no
   * Accept-Encoding unless given.
   */
  const rawGet = (path: string, key: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      httpGet(
        `${nest.url}${path}`,
        { agent: false, headers: { authorization: `Bearer ${key}`, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      ).on('error', reject);
    });
  /** The headers a page's answer is made of (the door's and the controller's must agree on all). */
  const PAGE_HEADERS = [
    'etag',
    'cache-control',
    'vary',
    'content-type',
    'content-encoding',
    'content-length',
  ];
  const pageHeaders = (h: IncomingHttpHeaders) => PAGE_HEADERS.map((name) => [name, h[name]]);

  /** After a write made by SQL (another process, a worker): what its commit notified has reached this process. */
  const heard = async () => expect(await listener().sync()).toBe(true);

  /** The next read with the old ETag reaches PostgreSQL and answers 200 with another ETag. */
  const changed = async (etag: string, path = PAGE, key = repKey) => {
    const { result, queries } = await queriesDuring(() =>
      http.get(path, key, { 'If-None-Match': etag }).expect(200),
    );
    expect(queries).toBeGreaterThan(0);
    expect(result.headers.etag).not.toBe(etag);
    return result;
  };

  const itemsOnList = async () =>
    (await nest.db.query(
      `SELECT i.id, i.customer_id::text AS customer_id, i.offer_code, w.id AS list_id, w.score_run_id
       FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE w.rep_id = $1 AND w.list_date = $2 ORDER BY i.rank`,
      [rep.id, today],
    )) as Array<{
      id: string;
      customer_id: string;
      offer_code: string | null;
      list_id: string;
      score_run_id: string;
    }>;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'memo', customers: 400 }));
    await publish(nest.app, workspaceId, today);
    ({ rep, other, managerId, otherManagerId } = await busiestRep(nest.app, workspaceId, today));
    repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    managerKey = await keyFor(nest.app, workspaceId, 'manager', managerId);
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
    http = client(nest.app);
    const driver = nest.app.get(DataSource).driver as PostgresDriver;
    const obtain = driver.obtainMasterConnection.bind(driver) as () => Promise<[PoolClient, () => void]>;
    driver.obtainMasterConnection = () => {
      // not the read's: the key's last_used_at (at most once a minute per key, in the background) and the
      // in-process queue workers of this test app (jobs the writes enqueued, polling)
      const stack = new Error().stack ?? '';
      if (!/ApiKeyRepository\.touch|[/\\]queue[/\\]|Processor\.|bullmq/.test(stack)) checkouts.push(stack);
      return obtain();
    };
    await until('the API to listen', async () => cache().live, 5_000);
  });

  it('answers a repeated read and its 304 without a query, and keeps pages, readers and variants apart', async () => {
    const all = await remembered();
    const open = await remembered('/v1/me/worklist?limit=2');
    expect(open.etag).not.toBe(all.etag);
    const lean = await remembered('/v1/me/worklist?limit=2&omit=talkTrack');
    expect(lean.etag).not.toBe(open.etag);
    expect(lean.body.items[0].talkTrack).toBeUndefined();
    // another reader of another list is not answered from this one's memory
    const otherKey = await keyFor(nest.app, workspaceId, 'rep', other.id);
    const theirs = await http.get(PAGE, otherKey);
    expect(theirs.headers.etag).not.toBe(all.etag);
  });

  it('answers a remembered read at the front of the stack, timed and counted like any request', async () => {
    const metrics = nest.app.get(Metrics);
    const fromMemory = async (status: string) =>
      (await metrics.listPagesFromMemory.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
    const timed = async () =>
      (await metrics.httpDuration.get()).values.find(
        (v) =>
          v.metricName === 'callplan_http_request_duration_seconds_count' &&
          v.labels.route === '/v1/me/worklist' &&
          v.labels.status_class === '2xx',
      )?.value ?? 0;
    const path = '/v1/me/worklist?limit=4';
    const first = await http.get(path, repKey).expect(200); // the controller's: nothing remembered yet
    const [ok, notModified, timedBefore] = [await fromMemory('200'), await fromMemory('304'), await timed()];
    await http.get(path, repKey).expect(200);
    await http.get(path, repKey, { 'If-None-Match': first.headers.etag as string }).expect(304);
    expect([await fromMemory('200'), await fromMemory('304')]).toEqual([ok + 1, notModified + 1]);
    expect(await timed()).toBe(timedBefore + 1);
    // what the door cannot answer goes down the stack: a key it has not verified, a page it has not seen
    await http.get(path, 'cp_not-a-key').expect(401);
    await http.get('/v1/me/worklist?limit=5', repKey).expect(200);
    expect(await fromMemory('200')).toBe(ok + 1);
  });

  it('answers from memory with the headers and bytes the controller sent', async () => {
    const path = '/v1/me/worklist?limit=3';
    const first = await http.get(path, repKey).expect(200);
    const again = await queriesDuring(() => http.get(path, repKey).expect(200));
    expect(again.queries).toBe(0);
    // supertest asks gzip (and gunzips): the compressed representation, headers alike
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(pageHeaders(again.result.headers)).toEqual(pageHeaders(first.headers));
    expect(again.result.text).toBe(first.text);
    // the same page asked with other words is the controller's again (and then remembered under those too)
    const reordered = await queriesDuring(() =>
      http.get('/v1/me/worklist?limit=3&state=open', repKey).expect(200),
    );
    expect(reordered.result.headers.etag).toBe(first.headers.etag);
    // a bad query is never answered from memory
    await http.get('/v1/me/worklist?limit=3&limit=4', repKey).expect(400);
    await http.get('/v1/me/worklist?limit=0', repKey).expect(400);
  });

  it.each([
    ['no Accept-Encoding', undefined, 'identity'],
    ['identity', 'identity', 'identity'],
    ['gzip', 'gzip', 'gzip'],
    ['a browser', 'gzip, deflate, br, zstd', 'gzip'],
    ['gzip refused', 'gzip;q=0, deflate', 'identity'],
    ['*', '*', 'gzip'],
    ['br only', 'br', 'identity'],
  ])('%s: the controller, then memory, answer the same bytes and headers', async (_case, accept, coding) => {
    // a page nobody read yet, so the first answer is the controller's, made from PostgreSQL
    const path = `/v1/me/worklist?limit=${freshLimit++}`;
    const headers: Record<string, string> = accept === undefined ? {} : { 'Accept-Encoding': accept };
    const miss = await queriesDuring(() => rawGet(path, repKey, headers));
    expect([miss.result.status, miss.queries > 0]).toEqual([200, true]);
    const hit = await queriesDuring(() => rawGet(path, repKey, headers));
    expect([hit.result.status, hit.queries]).toEqual([200, 0]);
    expect(pageHeaders(hit.result.headers)).toEqual(pageHeaders(miss.result.headers));
    expect(hit.result.body.equals(miss.result.body)).toBe(true);
    // the identity bytes of the page, from memory
    const identity = await rawGet(path, repKey);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.headers.vary).toBe('Accept-Encoding');
    const page = JSON.parse(identity.body.toString('utf8')) as { items: unknown[] };
    expect(page.items.length).toBeGreaterThan(0);
    expect(miss.result.headers.vary).toBe('Accept-Encoding');
    if (coding === 'gzip') {
      expect(miss.result.headers['content-encoding']).toBe('gzip');
      expect(miss.result.headers.etag).toBe(`${(identity.headers.etag as string).slice(0, -1)}-gzip"`);
      expect(Number(miss.result.headers['content-length'])).toBe(miss.result.body.length);
      expect(miss.result.body.length).toBeLessThan(identity.body.length / 2);
      expect(gunzipSync(miss.result.body).equals(identity.body)).toBe(true);
    } else {
      expect(miss.result.headers['content-encoding']).toBeUndefined();
      expect(miss.result.headers.etag).toBe(identity.headers.etag);
      expect(miss.result.body.equals(identity.body)).toBe(true);
    }
  });

  it('answers 304 to either ETag, from memory and from PostgreSQL, naming the one this request would get', async () => {
    const path = '/v1/me/worklist?limit=9';
    const plain = await rawGet(path, repKey);
    const zipped = await rawGet(path, repKey, { 'Accept-Encoding': 'gzip' });
    const [identityTag, gzipTag] = [plain.headers.etag as string, zipped.headers.etag as string];
    expect(gzipTag).not.toBe(identityTag);
    const revalidate = async (held: string, accept: string | undefined, expected: string) => {
      const headers: Record<string, string> = { 'If-None-Match': held };
      if (accept) headers['Accept-Encoding'] = accept;
      const r = await rawGet(path, repKey, headers);
      expect([r.status, r.headers.etag, r.headers.vary, r.body.length]).toEqual([
        304,
        expected,
        'Accept-Encoding',
        0,
      ]);
    };
    const fromMemory = await queriesDuring(async () => {
      await revalidate(identityTag, 'gzip', gzipTag);
      await revalidate(gzipTag, undefined, identityTag);
      await revalidate(gzipTag, 'gzip', gzipTag);
      await revalidate(`W/${gzipTag}`, 'br', identityTag);
    });
    expect(fromMemory.stacks).toEqual([]);
    // the controller after everything was forgotten: it reads the list and still knows both ETags
    cache().memo.invalidateAll();
    const fromDatabase = await queriesDuring(() => revalidate(gzipTag, 'identity', identityTag));
    expect(fromDatabase.queries).toBeGreaterThan(0);
    cache().memo.invalidateAll();
    await revalidate(identityTag, 'gzip', gzipTag);
    // another page's ETag is no match: the body of the asked representation
    const other = await rawGet(path, repKey, {
      'If-None-Match': '"wl-other-gzip"',
      'Accept-Encoding': 'gzip',
    });
    expect([other.status, other.headers['content-encoding']]).toEqual([200, 'gzip']);
  });

  it('a page made for one coding is served from memory in the other, and errors stay uncompressed', async () => {
    const path = '/v1/me/worklist?limit=8';
    const made = await queriesDuring(() => rawGet(path, repKey, { 'Accept-Encoding': 'identity' }));
    expect(made.queries).toBeGreaterThan(0);
    const zipped = await queriesDuring(() => rawGet(path, repKey, { 'Accept-Encoding': 'gzip' }));
    expect([zipped.result.status, zipped.queries]).toEqual([200, 0]);
    expect(gunzipSync(zipped.result.body).equals(made.result.body)).toBe(true);
    // who may not read is refused as before, whatever it accepts
    const unknown = await rawGet(path, 'cp_not-a-key', { 'Accept-Encoding': 'gzip' });
    expect([unknown.status, unknown.headers['content-encoding']]).toEqual([401, undefined]);
    expect(JSON.parse(unknown.body.toString('utf8')).error.code).toBe('unauthenticated');
    const bad = await rawGet('/v1/me/worklist?limit=0', repKey, { 'Accept-Encoding': 'gzip' });
    expect([bad.status, bad.headers['content-encoding']]).toEqual([400, undefined]);
  });

  it('another API process hears the changes, and counts reads from memory against the key limit', async () => {
    // a second API process of the same deployment: same database and PII keys, a key limit of 4 a minute
    const config = testConfig(nest.databaseUrl, { env: { RATE_LIMIT_KEY: '4/1m' } });
    const two = await createTestHttpApp(
      { ...config, pii: nest.app.get<AppConfig>(APP_CONFIG).pii },
      { workers: false },
    );
    try {
      await until('the second process to listen', async () => two.get(ListReadCache).live, 5_000);
      const http2 = client(two);
      const key = await keyFor(nest.app, workspaceId, 'rep', rep.id);
      const first = await http2.get(PAGE, key).expect(200);
      const etag = first.headers.etag as string;
      await http2.get(PAGE, key, { 'If-None-Match': etag }).expect(304);
      // written through the first process: the second answers 200 once the notification arrived
      const [{ list_id }] = await itemsOnList();
      await nest.db.query(`UPDATE worklists SET capacity = capacity + 1 WHERE id = $1`, [list_id]);
      expect(await two.get(NotificationListener).sync()).toBe(true);
      const changedThere = await http2.get(PAGE, key, { 'If-None-Match': etag }).expect(200);
      expect(changedThere.headers.etag).not.toBe(etag);
      await http2.get(PAGE, key, { 'If-None-Match': changedThere.headers.etag as string }).expect(304);
      // the fifth request of the minute is over the key's limit of 4, though the page is in memory (supertest
      // asks gzip: the compressed answers count alike)
      const over = await http2.get(PAGE, key).expect(429);
      expect(over.body.error.code).toBe('rate_limited');
    } finally {
      await two.close();
    }
  });

  it('an outcome recorded through the API (worklist_items, worklists.version) changes the next read at once', async () => {
    const { etag, body } = await remembered();
    const open = body.items.find((i) => i.state === 'open')!;
    await http
      .post(`/v1/worklist-items/${open.id as string}/outcome`, repKey, { outcome: 'reached' })
      .expect(201);
    // no wait: the writing request answered only once its own process had heard the change
    const next = await changed(etag);
    expect(next.body.items.find((i: { id: string }) => i.id === open.id).state).toBe('done');
    expect(next.body.version).toBeGreaterThan(body.version);
  });

  it('a change of the list row itself (worklists) is heard', async () => {
    const { etag } = await remembered();
    const [{ list_id }] = await itemsOnList();
    await nest.db.query(`UPDATE worklists SET capacity = capacity + 1 WHERE id = $1`, [list_id]);
    await heard();
    await changed(etag);
  });

  it("a customer's contact data (customers) is heard", async () => {
    const { etag } = await remembered();
    const [first] = await itemsOnList();
    await nest.db.query(`UPDATE customers SET name = 'Renamed Customer', updated_at = now() WHERE id = $1`, [
      first.customer_id,
    ]);
    await heard();
    const next = await changed(etag);
    expect(next.text).toContain('Renamed Customer');
  });

  it('a change of customers on no list (a CRM sync) keeps the pages; a bulk change forgets the workspace', async () => {
    const { etag } = await remembered();
    const onNoList = async (limit: number) =>
      (
        (await nest.db.query(
          `SELECT c.id::text AS id FROM customers c WHERE c.workspace_id = $1
             AND NOT EXISTS (SELECT 1 FROM worklist_items i WHERE i.customer_id = c.id) ORDER BY c.id LIMIT $2`,
          [workspaceId, limit],
        )) as Array<{ id: string }>
      ).map((r) => r.id);
    const few = await onNoList(3);
    expect(few).toHaveLength(3);
    await nest.db.query(`UPDATE customers SET name = name || ' (synced)' WHERE id::text = ANY($1::text[])`, [
      few,
    ]);
    await heard();
    // still remembered: a 304 without a statement
    const still = await queriesDuring(() => http.get(PAGE, repKey, { 'If-None-Match': etag }).expect(304));
    expect(still.stacks).toEqual([]);
    // past 1,000 customers in one statement (an import) the workspace is named without looking lists up
    await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id) SELECT $1, 'bulk-memo-' || g FROM generate_series(1, 1001) g`,
      [workspaceId],
    );
    await heard();
    // forgotten: the read goes to PostgreSQL (and finds the page the same)
    const reread = await queriesDuring(() => http.get(PAGE, repKey, { 'If-None-Match': etag }).expect(304));
    expect(reread.queries).toBeGreaterThan(0);
  });

  it('a reassignment through the API (customers.owner_rep_id) shows the item reassigned at once', async () => {
    const { etag } = await remembered();
    const items = await itemsOnList();
    const moved = items[items.length - 1];
    await http
      .post('/v1/assignments', adminKey, {
        customerIds: [moved.customer_id],
        toRepId: other.id,
        note: 'memo test',
      })
      .expect(200);
    const next = await changed(etag);
    expect(next.body.items.find((i: { id: string }) => i.id === moved.id).state).toBe('reassigned');
  });

  it("the rep's own row (reps: name, locale) is heard", async () => {
    const { etag } = await remembered();
    await nest.db.query(`UPDATE reps SET name = 'Renamed Rep' WHERE id = $1`, [rep.id]);
    await heard();
    const next = await changed(etag);
    expect(next.body.rep.name).toBe('Renamed Rep');
  });

  it("a pool change (pool_entries) is heard in a manager's read of an unowned customer", async () => {
    const items = await itemsOnList();
    const unowned = items[0];
    const [{ team_id: otherTeam }] = await nest.db.query(`SELECT team_id FROM reps WHERE id = $1`, [
      otherManagerId,
    ]);
    await nest.db.query(`UPDATE customers SET owner_rep_id = NULL, updated_at = now() WHERE id = $1`, [
      unowned.customer_id,
    ]);
    await nest.db.query(
      `INSERT INTO pool_entries (customer_id, workspace_id, team_id, reason) VALUES ($1, $2, $3, 'released')`,
      [unowned.customer_id, workspaceId, rep.team_id],
    );
    await heard();
    const path = `/v1/reps/${rep.external_id}/worklist?state=all&limit=200`;
    const first = await http.get(path, managerKey).expect(200);
    const etag = first.headers.etag as string;
    expect(first.body.items.find((i: { id: string }) => i.id === unowned.id).state).not.toBe('reassigned');
    await http.get(path, managerKey, { 'If-None-Match': etag }).expect(304);
    // to another team's pool: no longer the manager's customer
    await nest.db.query(`UPDATE pool_entries SET team_id = $2 WHERE customer_id = $1`, [
      unowned.customer_id,
      otherTeam,
    ]);
    await heard();
    const next = await changed(etag, path, managerKey);
    expect(next.body.items.find((i: { id: string }) => i.id === unowned.id).state).toBe('reassigned');
  });

  it('an offer definition (offers, offer_versions) is heard', async () => {
    const { etag } = await remembered();
    const offered = (await itemsOnList()).find((i) => i.offer_code !== null);
    if (offered) {
      await nest.db.query(
        `UPDATE offers SET definition = definition || '{"note":"changed"}'::jsonb WHERE workspace_id = $1 AND code = $2`,
        [workspaceId, offered.offer_code],
      );
      await heard();
      await changed(etag);
    }
    const again = await remembered();
    await nest.db.query(`UPDATE offer_versions SET created_at = created_at WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    await heard();
    const { queries } = await queriesDuring(() => http.get(PAGE, repKey).expect(200));
    expect(queries).toBeGreaterThan(0);
    void again;
  });

  it("the workspace's time zone (workspaces) is heard: today is resolved again", async () => {
    await remembered();
    await nest.db.query(`UPDATE workspaces SET timezone = timezone WHERE id = $1`, [workspaceId]);
    await heard();
    const { queries } = await queriesDuring(() => http.get(PAGE, repKey));
    expect(queries).toBeGreaterThan(0);
  });

  it('a read after the LISTEN connection was lost never serves from memory, and nothing missed meanwhile', async () => {
    const { etag } = await remembered();
    const owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    try {
      await owner.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database()`,
        [LISTENER_NAME],
      );
    } finally {
      await owner.end();
    }
    await until('the API to notice its listener is gone', async () => !cache().live, 5_000);
    expect(cache().memo.size).toBe(0);
    // while down: every read reaches PostgreSQL
    const down = await queriesDuring(() => http.get(PAGE, repKey, { 'If-None-Match': etag }).expect(304));
    expect(down.queries).toBeGreaterThan(0);
    // a change made while nobody listens (its notification is lost) …
    await nest.db.query(`UPDATE reps SET name = 'Changed While Deaf' WHERE id = $1`, [rep.id]);
    await until('the API to listen again', async () => cache().live, 5_000);
    // … is read after the reconnection, not answered from what was remembered before
    const next = await changed(etag);
    expect(next.body.rep.name).toBe('Changed While Deaf');
    await remembered();
  });

  it("a customer's scores deleted (customer_scores) are read again", async () => {
    await remembered();
    const items = await itemsOnList();
    const scored = items[1];
    await nest.db.query(`DELETE FROM customer_scores WHERE run_id = $1 AND customer_id = $2`, [
      scored.score_run_id,
      scored.customer_id,
    ]);
    await heard();
    const { result, queries } = await queriesDuring(() => http.get(PAGE, repKey).expect(200));
    expect(queries).toBeGreaterThan(0);
    const item = result.body.items.find((i: { id: string }) => i.id === scored.id);
    expect(item.customer.valueTier).toBeNull();
  });

  it("retention dropping the list's score partition ends the list: 410, not a remembered page", async () => {
    const [{ score_run_id }] = await itemsOnList();
    // the list's run is no longer the current one, and no list is served any more (servedDays -1)
    await nest.db.query(`UPDATE workspaces SET current_score_run_id = NULL WHERE id = $1`, [workspaceId]);
    await heard();
    const { etag } = await remembered();
    const dropped = await nest.app
      .get(RunTablesRepository, { strict: false })
      .dropUnneededPartitions(workspaceId, { servedDays: -1, newestRuns: 0 });
    expect(dropped).toContain(score_run_id);
    await heard();
    await http.get(PAGE, repKey, { 'If-None-Match': etag }).expect(410);
    await http.get(PAGE, repKey).expect(410);
  });
});
