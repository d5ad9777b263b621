import { useTestApp } from '../support/use-test-app';
import { client, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/**
 * The embeddable pages' routes (`/embed/…`) are left out of the OpenAPI document, so the route fuzzer
 * (fuzz-routes.test.ts) never reaches them. This sweeps them the same way: every route with a real id, unknown and
 * hostile ids, every query parameter and body field with values a broken client sends (null, 40 digits, impossible
 * dates, NUL, wrong types), with a rep's token and a manager's. Never a 5xx; a 4xx from an API route carries an
 * error code (pages answer a friendly HTML page instead).
 */
describe('embed routes under hostile input', () => {
  const nest = useTestApp({ http: true });
  let rep: { token: string; itemId: string };
  let manager: { token: string };

  const HOSTILE_TEXT = [
    null,
    '9'.repeat(40),
    '',
    ' ',
    'x\u0000y',
    '2026-02-30',
    '2026-13-01T25:61',
    -1,
    9e39,
    [],
    {},
  ];
  const HOSTILE_IDS = [
    '9'.repeat(40),
    '-1',
    '0',
    'x%00y',
    '00000000-0000-0000-0000-000000000000',
    '%E2%80%AE',
    'null',
  ];

  beforeAll(async () => {
    const { workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'embed-hostile', customers: 120 });
    await publish(nest.app, workspaceId, today);
    const http = client(nest.app);
    const [r] = await nest.db.query(
      `SELECT r.id, r.external_id, min(i.id::text) AS item
       FROM worklists w JOIN reps r ON r.id = w.rep_id JOIN worklist_items i ON i.worklist_id = w.id
       WHERE w.workspace_id = $1 AND w.list_date = $2 AND r.role = 'rep'
       GROUP BY r.id ORDER BY r.external_id LIMIT 1`,
      [workspaceId, today],
    );
    const repKey = await keyFor(nest.app, workspaceId, 'rep', r.id);
    const minted = await http.post('/v1/embed-tokens', repKey, { rep: r.external_id }).expect(201);
    rep = { token: new URL(minted.body.path, 'http://x').searchParams.get('token')!, itemId: r.item };
    const [m] = await nest.db.query(
      `SELECT id, external_id FROM reps WHERE workspace_id = $1 AND role = 'manager' ORDER BY external_id LIMIT 1`,
      [workspaceId],
    );
    const managerKey = await keyFor(nest.app, workspaceId, 'manager', m.id);
    const mm = await http
      .post('/v1/embed-tokens', managerKey, { rep: m.external_id, kind: 'manager' })
      .expect(201);
    manager = { token: new URL(mm.body.path, 'http://x').searchParams.get('token')! };
  }, 180_000);

  async function send(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  it('never answers a 5xx, and every 4xx of an API route has an error code', async () => {
    const failures: string[] = [];
    let requests = 0;
    const check = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await send(method, path, token, body);
      requests += 1;
      const what = `${method} ${path} ${body === undefined ? '' : JSON.stringify(body).slice(0, 120)} → ${res.status}`;
      if (res.status >= 500) failures.push(`${what} ${res.text.slice(0, 200)}`);
      else if (res.status >= 400 && path.startsWith('/embed/api/')) {
        const code = res.type.includes('json')
          ? (JSON.parse(res.text) as { error?: { code?: unknown } }).error?.code
          : undefined;
        if (typeof code !== 'string') failures.push(`${what}: no error code`);
      }
    };
    const bodies: Record<string, Record<string, unknown>> = {
      outcome: { outcome: 'reached', notes: 'x', callbackLocal: '2026-12-09T10:00', personality: 'driver' },
      snooze: { until: '2026-12-20', reason: 'travelling' },
      pin: { endsOn: '2026-12-20' },
      personality: { personality: 'driver', confidence: 0.8 },
      'personality/questionnaire': { answers: {} },
    };
    for (const id of [rep.itemId, ...HOSTILE_IDS]) {
      await check('GET', `/embed/api/items/${id}`, rep.token);
      for (const [action, valid] of Object.entries(bodies)) {
        const path = `/embed/api/items/${id}/${action}`;
        await check('POST', path, rep.token, valid);
        await check('POST', path, rep.token, {});
        // the real item gets every field hostile in turn; the others the valid body only (their id is the point)
        if (id !== rep.itemId) continue;
        for (const field of Object.keys(valid))
          for (const v of HOSTILE_TEXT) await check('POST', path, rep.token, { ...valid, [field]: v });
      }
    }
    const query = (name: string, v: unknown) =>
      `${name}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`;
    for (const v of HOSTILE_TEXT) {
      await check('GET', `/embed/worklist?${query('date', v)}&token=${rep.token}`, rep.token);
      await check('GET', `/embed/api/manager/movers?${query('kind', v)}`, manager.token);
      for (const name of ['tier', 'lifecycle', 'segment', 'owner', 'q', 'sort', 'cursor']) {
        await check('GET', `/embed/api/manager/customers?${query(name, v)}`, manager.token);
        await check(
          'GET',
          `/embed/manager/customers.csv?${query(name, v)}&token=${manager.token}`,
          manager.token,
        );
      }
    }
    for (const id of HOSTILE_IDS) {
      await check('POST', `/embed/api/manager/rebalance/${id}/apply`, manager.token, {});
      await check('GET', `/embed/static/${id}`, rep.token);
      await check('GET', `/embed/vendor/${id}`, rep.token);
    }
    for (const path of ['/embed/api/manager/experiment', '/embed/api/manager/load'])
      await check('GET', path, manager.token);
    await check('POST', '/embed/api/manager/rebalance', manager.token, {});
    // a rep's token on the manager's routes, a manager's on the rep's: refused, never a crash
    await check('GET', '/embed/api/manager/load', rep.token);
    await check('GET', `/embed/api/items/${rep.itemId}`, manager.token);
    process.stdout.write(`embed sweep: ${requests} requests\n`);
    expect(failures).toEqual([]);
  }, 300_000);
});
