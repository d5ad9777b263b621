import { parse } from 'csv-parse/sync';
import type { Role } from '../../src/auth/api-key.entity';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { EXPORT_PAGE } from '../../src/customers/customer-list.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * GET /v1/customers and its CSV export through HTTP against PostgreSQL: filters, keyset paging, scoping per role
 * (out-of-scope and other-workspace customers absent), 400s naming the field, formula-safe CSV.
 *
 * Workspace A: team t1 (manager m1, reps r1a, r1b), team t2 (rep r2a); customers c01…c12 owned round the reps,
 * one unowned (pool), one merged away, one deleted, one unscored. Workspace B: one customer "Acme B".
 */
interface Item {
  id: string;
  externalId: string;
  name: string | null;
  owner: { id: string; externalId: string; name: string } | null;
  tier: string | null;
  lifecycle: string | null;
  segment: string | null;
  priority: number | null;
  clv: string | null;
  churnRisk: number | null;
  lastOrderAt: string | null;
}

describe('customer list (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  const keys: Record<string, string> = {};
  const rep: Record<string, string> = {};
  let wsA = '';
  let wsB = '';

  const q = (text: string, params: unknown[] = []) => nest.db.query(text, params);

  async function key(ws: string, role: Role, repExt?: string): Promise<string> {
    const { key: k } = await nest.app.get(ApiKeysService).create({
      workspaceId: ws,
      name: `list-${role}-${repExt ?? ''}`,
      role,
      repId: repExt ? rep[repExt] : null,
    });
    return k;
  }

  async function customer(
    ws: string,
    ext: string,
    name: string | null,
    owner: string | null,
  ): Promise<string> {
    const [c] = await q(
      `INSERT INTO customers (workspace_id, external_id, name, owner_rep_id) VALUES ($1, $2, $3, $4) RETURNING id::text`,
      [ws, ext, name, owner ? rep[owner] : null],
    );
    return c.id;
  }

  async function scoreRun(
    ws: string,
    rows: Array<[string, string, string, string | null, number, number | null]>,
  ) {
    const [run] = await q(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, status, finished_at)
       VALUES ($1, current_date, 365, 'completed', now()) RETURNING id`,
      [ws],
    );
    for (const [id, tier, lifecycle, segment, priority, clv] of rows) {
      await q(
        `INSERT INTO customer_scores (run_id, customer_id, workspace_id, frequency, monetary, value_tier,
           frequency_class, lifecycle, rfm_segment, churn_risk, priority, clv)
         VALUES ($1, $2, $3, 1, 1000, $4, 'low', $5, $6, 0.25, $7, $8)`,
        [run.id, id, ws, tier, lifecycle, segment, priority, clv],
      );
    }
    await q(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [ws, run.id]);
  }

  const ids: Record<string, string> = {};
  const OWNERS = ['r1a', 'r1b', 'r2a', 'm1'];
  const TIERS = ['core', 'potential', 'general'];
  const LIFECYCLES = ['active', 'at_risk', 'loyal'];

  beforeAll(async () => {
    const ws = nest.app.get(WorkspacesService);
    wsA = (await ws.ensure({ slug: 'list-a' })).id;
    wsB = (await ws.ensure({ slug: 'list-b' })).id;
    const team = async (w: string, ext: string) =>
      (
        await q(`INSERT INTO teams (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`, [
          w,
          ext,
        ])
      )[0].id;
    const t1 = await team(wsA, 't1');
    const t2 = await team(wsA, 't2');
    const addRep = async (
      w: string,
      ext: string,
      role: string,
      teamId: string | null,
      mgr: string | null,
    ) => {
      const [r] = await q(
        `INSERT INTO reps (workspace_id, external_id, name, role, team_id, manager_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [w, ext, `Rep ${ext}`, role, teamId, mgr],
      );
      rep[ext] = r.id;
    };
    await addRep(wsA, 'm1', 'manager', t1, null);
    await addRep(wsA, 'r1a', 'rep', t1, rep.m1);
    await addRep(wsA, 'r1b', 'rep', t1, rep.m1);
    await addRep(wsA, 'r2a', 'rep', t2, null);
    await addRep(wsB, 'rb', 'rep', null, null);

    const scores: Array<[string, string, string, string | null, number, number | null]> = [];
    for (let n = 1; n <= 12; n++) {
      const ext = `c${String(n).padStart(2, '0')}`;
      const name = n === 3 ? '=HYPERLINK("http://evil.example","click")' : `Acme ${ext} 50%_off`;
      ids[ext] = await customer(wsA, ext, name, OWNERS[n % 4]);
      // priorities 10..120 with a tie between c05 and c06 (paging must still see each once)
      const priority = n === 6 ? 50 : n * 10;
      scores.push([
        ids[ext],
        TIERS[n % 3],
        LIFECYCLES[n % 3],
        n % 2 ? 'champions' : 'at_risk',
        priority,
        n * 1000,
      ]);
    }
    ids.pool = await customer(wsA, 'pool-1', 'Pool Co', null);
    scores.push([ids.pool, 'general', 'new', null, 5, null]);
    ids.unscored = await customer(wsA, 'fresh-1', 'Fresh Ltd', 'r1a');
    ids.loser = await customer(wsA, 'dup-1', 'Acme duplicate', 'r1a');
    await q(`UPDATE customers SET merged_into_id = $1 WHERE id = $2`, [ids.c01, ids.loser]);
    ids.deleted = await customer(wsA, 'gone-1', 'Acme gone', 'r1a');
    await q(`UPDATE customers SET deleted_at = now() WHERE id = $1`, [ids.deleted]);
    await scoreRun(wsA, scores);
    await q(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'o1', $2, '2026-10-01T10:00:00Z', 100, 'CNY', 'paid'),
              ($1, 'o2', $2, '2026-11-02T08:15:00Z', 100, 'CNY', 'paid')`,
      [wsA, ids.c12],
    );
    ids.b = await customer(wsB, 'c01', 'Acme B', 'rb');
    await scoreRun(wsB, [[ids.b, 'core', 'active', 'champions', 999, 1]]);

    keys.admin = await key(wsA, 'admin');
    keys.integration = await key(wsA, 'integration');
    keys.m1 = await key(wsA, 'manager', 'm1');
    keys.r1a = await key(wsA, 'rep', 'r1a');
    keys.r2a = await key(wsA, 'rep', 'r2a');
    keys.adminB = await key(wsB, 'admin');
  });

  async function get(who: string, query = '', path = '/v1/customers') {
    const res = await fetch(`${nest.url}${path}${query ? `?${query}` : ''}`, {
      headers: { authorization: `Bearer ${keys[who]}` },
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  async function list(who: string, query = ''): Promise<{ items: Item[]; nextCursor: string | null }> {
    const res = await get(who, query);
    expect(res.status).toBe(200);
    return JSON.parse(res.text);
  }

  /** Every page of a query, following nextCursor. */
  async function all(who: string, query = '', limit = 5): Promise<Item[]> {
    const out: Item[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page = await list(
        who,
        [query, `limit=${limit}`, cursor ? `cursor=${cursor}` : ''].filter(Boolean).join('&'),
      );
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error('paging does not end');
  }

  const exts = (items: Item[]) => items.map((i) => i.externalId);
  const byOwner = (...owners: string[]) =>
    Array.from({ length: 12 }, (_, i) => i + 1)
      .filter((n) => owners.includes(OWNERS[n % 4]))
      .map((n) => `c${String(n).padStart(2, '0')}`);

  it('lists the live customers of the workspace by priority, unscored last, with scores, owner and last order', async () => {
    const items = await all('admin', '', 500);
    expect(exts(items)).toEqual([
      'c12',
      'c11',
      'c10',
      'c09',
      'c08',
      'c07',
      'c06',
      'c05',
      'c04',
      'c03',
      'c02',
      'c01',
      'pool-1',
      'fresh-1',
    ]);
    const c12 = items[0];
    expect(c12).toEqual({
      id: ids.c12,
      externalId: 'c12',
      name: 'Acme c12 50%_off',
      owner: { id: rep.r1a, externalId: 'r1a', name: 'Rep r1a' },
      tier: 'core',
      lifecycle: 'active',
      segment: 'at_risk',
      priority: 120,
      clv: '12000',
      churnRisk: 0.25,
      lastOrderAt: '2026-11-02T08:15:00.000Z',
    });
    expect(items.at(-1)).toMatchObject({
      externalId: 'fresh-1',
      tier: null,
      priority: null,
      lastOrderAt: null,
    });
    expect(items.find((i) => i.externalId === 'pool-1')?.owner).toBeNull();
  });

  it('pages with the cursor: every customer once, in the same order, for every sort and page size', async () => {
    for (const sort of ['priority', 'clv', 'name']) {
      const whole = exts(await all('admin', `sort=${sort}`, 500));
      expect(whole).toHaveLength(14);
      for (const size of [1, 2, 5]) expect(exts(await all('admin', `sort=${sort}`, size))).toEqual(whole);
    }
    expect(exts(await all('admin', 'sort=clv', 500)).slice(0, 3)).toEqual(['c12', 'c11', 'c10']);
    // '=HYPERLINK…' sorts before 'Acme …'
    expect(exts(await all('admin', 'sort=name', 500)).slice(0, 2)).toEqual(['c03', 'c01']);
  });

  it('filters by tier, lifecycle, segment, owner (id or external id) and text, combined', async () => {
    expect(exts(await all('admin', 'tier=core'))).toEqual(['c12', 'c09', 'c06', 'c03']);
    expect(exts(await all('admin', 'tier=core,potential&lifecycle=active'))).toEqual([
      'c12',
      'c09',
      'c06',
      'c03',
    ]);
    expect(exts(await all('admin', 'lifecycle=at_risk'))).toEqual(['c10', 'c07', 'c04', 'c01']);
    expect(exts(await all('admin', 'segment=champions&tier=core'))).toEqual(['c09', 'c03']);
    expect(exts(await all('admin', 'owner=r2a'))).toEqual(['c10', 'c06', 'c02']);
    expect(exts(await all('admin', `owner=${rep.r2a}`))).toEqual(['c10', 'c06', 'c02']);
    // text: an exact external id, or part of the name, case-insensitive; % and _ are literal
    expect(exts(await all('admin', 'q=c07'))).toEqual(['c07']);
    expect(exts(await all('admin', 'q=FRESH'))).toEqual(['fresh-1']);
    expect(exts(await all('admin', 'q=c1'))).toEqual(['c12', 'c11', 'c10']);
    expect(exts(await all('admin', `q=${encodeURIComponent('0%_O')}`))).toHaveLength(11);
    expect(exts(await all('admin', `q=${encodeURIComponent('5_%')}`))).toEqual([]);
    expect(exts(await all('admin', `q=${encodeURIComponent('%')}`))).toHaveLength(11);
    expect(exts(await all('admin', 'q=duplicate'))).toEqual([]); // merged away
    expect(exts(await all('admin', 'q=gone'))).toEqual([]); // deleted
  });

  it('scopes by role: a rep their own, a manager their team and unowned, integrations the workspace', async () => {
    expect(exts(await all('r1a')).sort()).toEqual([...byOwner('r1a'), 'fresh-1'].sort());
    expect(exts(await all('r2a')).sort()).toEqual(byOwner('r2a').sort());
    expect(exts(await all('m1')).sort()).toEqual(
      [...byOwner('r1a', 'r1b', 'm1'), 'fresh-1', 'pool-1'].sort(),
    );
    expect(exts(await all('integration'))).toEqual(exts(await all('admin')));
    // another workspace's customers never, whatever the filter
    const b = await all('adminB');
    expect(exts(b)).toEqual(['c01']);
    expect(b[0].id).toBe(ids.b);
    expect(exts(await all('admin', 'q=c01'))).toEqual(['c01']);
    expect((await all('admin', 'q=c01'))[0].id).toBe(ids.c01);
    // a filter cannot widen the scope: another team's owner is refused like an unknown one
    for (const owner of ['r2a', rep.r2a, 'rb', 'nobody']) {
      const res = await get('m1', `owner=${owner}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error).toMatchObject({
        code: 'invalid_owner',
        details: { field: 'owner' },
      });
    }
    expect((await get('r1a', 'owner=r1b')).status).toBe(400);
    expect(exts(await all('r1a', 'q=c02'))).toEqual([]); // r2a's customer, by its exact external id
  });

  it('lists exactly the customers GET /v1/customers/{id} shows each caller', async () => {
    const every = await all('admin', '', 500);
    for (const who of ['r1a', 'r2a', 'm1', 'integration']) {
      const listed = new Set(exts(await all(who, '', 500)));
      for (const c of every) {
        const one = await get(who, '', `/v1/customers/${c.id}`);
        expect([c.externalId, one.status === 200]).toEqual([c.externalId, listed.has(c.externalId)]);
      }
    }
  });

  it('answers 400 with the code and field of an unknown filter value', async () => {
    const cases: Array<[string, string, string]> = [
      ['tier=gold', 'invalid_tier', 'tier'],
      ['lifecycle=zombie', 'invalid_lifecycle', 'lifecycle'],
      ['segment=champion', 'invalid_segment', 'segment'],
      ['sort=revenue', 'invalid_sort', 'sort'],
      ['cursor=abc', 'invalid_cursor', 'cursor'],
      ['owner=nobody', 'invalid_owner', 'owner'],
    ];
    for (const [query, code, field] of cases) {
      // the export has no cursor (it streams every page)
      const paths = query.startsWith('cursor')
        ? ['/v1/customers']
        : ['/v1/customers', '/v1/customers/export.csv'];
      for (const path of paths) {
        const res = await get('admin', query, path);
        expect([query, path, res.status]).toEqual([query, path, 400]);
        expect(JSON.parse(res.text).error).toMatchObject({ code, details: { field } });
      }
    }
    for (const query of ['limit=0', 'limit=501', 'colour=red']) {
      const res = await get('admin', query);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('validation_failed');
    }
  });

  it('exports the same filters as formula-safe CSV, every page, only what the caller may see', async () => {
    const res = await get('admin', 'tier=core', '/v1/customers/export.csv');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    const rows = parse(res.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.external_id)).toEqual(['c12', 'c09', 'c06', 'c03']);
    const evil = rows.find((r) => r.external_id === 'c03')!;
    expect(evil.name).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(rows[0]).toMatchObject({ id: ids.c12, owner_external_id: 'r1a', tier: 'core', priority: '120' });
    expect(rows[0].last_order_at).toBe('2026-11-02T08:15:00.000Z');
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);

    const everything = parse((await get('admin', '', '/v1/customers/export.csv')).text, { columns: true });
    expect(everything).toHaveLength(14);
    const mine = parse((await get('r2a', '', '/v1/customers/export.csv')).text, { columns: true }) as Array<
      Record<string, string>
    >;
    expect(mine.map((r) => r.external_id).sort()).toEqual(byOwner('r2a').sort());
    expect((await get('adminB', '', '/v1/customers/export.csv')).text).not.toContain('Acme c');
  });

  it('streams an export longer than one statement page (EXPORT_PAGE) without losing or repeating a row', async () => {
    const wsC = (await nest.app.get(WorkspacesService).ensure({ slug: 'list-c' })).id;
    const n = EXPORT_PAGE * 2 + 37;
    await q(
      `INSERT INTO customers (workspace_id, external_id, name)
       SELECT $1, 'big-' || g, CASE WHEN g % 500 = 0 THEN '@SUM(A1)' ELSE 'Big ' || g END FROM generate_series(1, $2) g`,
      [wsC, n],
    );
    keys.adminC = await key(wsC, 'admin');
    const res = await get('adminC', '', '/v1/customers/export.csv');
    expect(res.status).toBe(200);
    const rows = parse(res.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.id)).size).toBe(n);
    expect(rows.filter((r) => r.name === "'@SUM(A1)")).toHaveLength(Math.floor(n / 500));
  });
});
