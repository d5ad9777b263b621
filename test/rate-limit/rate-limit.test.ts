import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Org } from '../assignments/factory';
import { createTestHttpApp, testConfig } from '../support/test-app';
import { useTestDatabase } from '../support/use-test-app';

const LIMIT = 5;
const METRICS_TOKEN = 'metrics-test-token-0123456789';

interface Answer {
  status: number;
  retryAfter: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- error bodies, asserted field by field
  body: any;
}

async function call(
  base: string,
  path: string,
  opts: { key?: string; ip?: string; headers?: Record<string, string>; method?: string; body?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? 'GET',
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
      ...opts.headers,
    },
    body: opts.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML or metrics text
  }
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

const BAD_KEY = 'cpk_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * Issue 12 item 8: rate limits per API key and per address for failed authentications, 429 with Retry-After and the
 * standard body, one budget across API processes — through Redis when REDIS_URL is set, through PostgreSQL otherwise.
 */
describe.each([
  ['postgres', undefined],
  ['redis', process.env.TEST_REDIS_URL],
] as const)('rate limits with counters in %s', (backend, redisUrl) => {
  if (backend === 'redis' && !redisUrl) return;
  const db = useTestDatabase();
  const apps: INestApplication[] = [];
  const urls: string[] = [];
  let org: Org;

  beforeAll(async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    // two API processes of one deployment: same database, same Redis prefix
    for (let i = 0; i < 2; i++) {
      const config = testConfig(db.url, {
        redisUrl,
        env: {
          QUEUE_PREFIX: prefix,
          RATE_LIMIT_KEY: `${LIMIT}/1m`,
          RATE_LIMIT_IP: `${LIMIT}/1m`,
          RATE_LIMIT_AUTH_FAILURES: `${LIMIT}/1m`,
          TRUST_PROXY: 'loopback',
          METRICS_TOKEN,
        },
      });
      const app = await createTestHttpApp(config, { workers: false });
      apps.push(app);
      urls.push((await app.getUrl()).replace('[::1]', '127.0.0.1'));
    }
    org = await Org.create(apps[0], `limits-${backend}`);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('shares one budget per key across two API processes: over it, 429 with Retry-After and rate_limited', async () => {
    const key = await org.key('admin');
    const other = await org.key('admin');
    for (let i = 0; i < LIMIT; i++) {
      const r = await call(urls[i % 2], '/v1/api-keys', { key });
      expect(r.status).toBe(200);
    }
    const over = await call(urls[1], '/v1/api-keys', { key });
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    expect(over.body.error).toMatchObject({
      code: 'rate_limited',
      details: { limit: 'key', retryAfterSeconds: Number(over.retryAfter) },
    });
    expect((await call(urls[0], '/v1/api-keys', { key })).status).toBe(429);
    // another key of the same workspace, from the same address, has its own budget
    expect((await call(urls[0], '/v1/api-keys', { key: other })).status).toBe(200);
  });

  it('answers a bad-key flood from one address with 429 after the limit, on both processes, while others still work', async () => {
    const flooder = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++)
      statuses.push((await call(urls[i % 2], '/v1/api-keys', { key: BAD_KEY, ip: flooder })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429, 429]);
    const blocked = await call(urls[0], '/v1/api-keys', { key: BAD_KEY, ip: flooder });
    expect(blocked.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 'auth_failures' } });
    expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
    // the other process learns the block from the shared counter at the first failure it sees
    expect((await call(urls[1], '/v1/api-keys', { ip: flooder })).status).toBe(429);

    const key = await org.key('admin');
    // another address: a bad key is still a plain 401, a good key works
    expect((await call(urls[0], '/v1/api-keys', { key: BAD_KEY, ip: '198.51.100.4' })).status).toBe(401);
    expect((await call(urls[1], '/v1/api-keys', { key, ip: '198.51.100.4' })).status).toBe(200);
    // the flooding address waits out its block whatever it presents: the flood costs no key lookups
    expect((await call(urls[0], '/v1/api-keys', { key, ip: flooder })).status).toBe(429);
  });

  it('counts bad inbound signatures and bad embed tokens as failed authentications of the address', async () => {
    const ip = '192.0.2.77';
    const signed = (i: number) =>
      call(urls[i % 2], `/v1/crm/events/limits-${backend}`, {
        method: 'POST',
        ip,
        headers: {
          'content-type': 'application/json',
          'webhook-id': `msg-${i}`,
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        },
        body: JSON.stringify({ events: [] }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await signed(i)).status);
    for (let i = 0; i < LIMIT - 3; i++)
      statuses.push((await call(urls[0], '/embed/worklist?token=forged', { ip })).status);
    statuses.push((await signed(9)).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    expect((await call(urls[1], '/embed/worklist?token=forged', { ip })).status).toBe(429);
  });

  it('limits keyless routes per address (health) but not /metrics, which a wrong token still counts against', async () => {
    const ip = '192.0.2.200';
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await call(urls[i % 2], '/health', { ip })).status);
    expect(statuses.slice(0, LIMIT).every((s) => s !== 429)).toBe(true);
    expect(statuses[LIMIT]).toBe(429);
    expect((await call(urls[0], '/health', { ip: '192.0.2.201' })).status).not.toBe(429);

    const scraper = '192.0.2.210';
    for (let i = 0; i < LIMIT + 2; i++)
      expect(
        (
          await call(urls[i % 2], '/metrics', {
            ip: scraper,
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          })
        ).status,
      ).toBe(200);
    // each API process serves its own counts (no worker pushes here): read both
    const scrapes = await Promise.all(
      urls.map((u) =>
        call(u, '/metrics', { ip: scraper, headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
      ),
    );
    const scrape = { body: scrapes.map((s) => s.body as string).join('\n') };
    expect(scrape.body).toMatch(/callplan_rate_limited_total\{limit="ip"\} [1-9]/);
    expect(scrape.body).toMatch(/callplan_auth_failures_total\{kind="api_key"\} [1-9]/);
  });
});
