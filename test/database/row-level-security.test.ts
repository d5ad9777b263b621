import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Org } from '../assignments/factory';
import { ApiKeyRepository } from '../../src/auth/api-key.repository';
import { TenantScope } from '../../src/database/tenant-scope';
import { Transactions } from '../../src/database/transactions';
import { useTestApp } from '../support/use-test-app';

/**
 * Row-level security as a second wall (issue 12): the app's connections run as a role that RLS binds, and every
 * tenant table shows a connection only the rows of the workspace it is scoped to — so a statement whose
 * `WHERE workspace_id` was forgotten still sees no other tenant's rows, and with no scope at all sees none.
 */
describe('row-level security (PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let a: Org;
  let b: Org;
  let keyA: string;
  let owner: Client;

  beforeAll(async () => {
    a = await Org.create(nest.app, 'rls-a');
    b = await Org.create(nest.app, 'rls-b');
    await a.key('admin');
    await b.key('admin');
    keyA = await a.key('admin');
    owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    nest.cleanup(() => owner.end());
    // the owner (the migrations' role) arranges rows of both workspaces
    for (const org of [a, b]) {
      await owner.query(
        `INSERT INTO customers (workspace_id, external_id) SELECT $1, 'c-' || g FROM generate_series(1, 3) g`,
        [org.workspaceId],
      );
    }
  });
  afterEach(() => TenantScope.setFallback({ crossTenant: 'test code acting as the operator' }));

  const workspaces = (rows: Array<{ workspace_id: string }>) => [...new Set(rows.map((r) => r.workspace_id))];
  /** The statement a repository would run, with its `WHERE workspace_id = $1` removed. */
  const unfiltered = (db: DataSource) =>
    db.query(`SELECT workspace_id FROM customers`) as Promise<Array<{ workspace_id: string }>>;

  it('runs the app as a role that is neither superuser nor BYPASSRLS', async () => {
    const [me] = await nest.db.query(
      `SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ name: 'callplan_app', rolsuper: false, rolbypassrls: false });
  });

  it('shows a query without its WHERE workspace_id only the scoped workspace’s rows', async () => {
    const rows = await TenantScope.run(a.workspaceId, () => unfiltered(nest.db));
    expect(rows).toHaveLength(3);
    expect(workspaces(rows)).toEqual([a.workspaceId]);
    // and inside a transaction, and the same pooled connection next in the other workspace
    const inTx = await TenantScope.run(b.workspaceId, () =>
      nest.app.get(Transactions).run((tx) => tx.query(`SELECT workspace_id FROM customers`)),
    );
    expect(workspaces(inTx)).toEqual([b.workspaceId]);
    expect(workspaces(await TenantScope.run(a.workspaceId, () => unfiltered(nest.db)))).toEqual([
      a.workspaceId,
    ]);
  });

  it('fails closed: no scope, no tenant rows (and nothing left over from the connection’s previous caller)', async () => {
    await TenantScope.run(a.workspaceId, () => unfiltered(nest.db));
    TenantScope.setFallback('none');
    expect(await unfiltered(nest.db)).toEqual([]);
    const updated = await nest.db.query(`UPDATE customers SET name = 'x'`);
    expect(updated[1]).toBe(0);
  });

  it('sees every workspace only when a path says it is cross-tenant', async () => {
    const rows = await TenantScope.crossTenant('test', () => unfiltered(nest.db));
    expect(workspaces(rows).sort()).toEqual([a.workspaceId, b.workspaceId].sort());
  });

  it('refuses to write a row into another workspace, or to move one there', async () => {
    await expect(
      TenantScope.run(a.workspaceId, () =>
        nest.db.query(`INSERT INTO customers (workspace_id, external_id) VALUES ($1, 'intruder')`, [
          b.workspaceId,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      TenantScope.run(a.workspaceId, () =>
        nest.db.query(`UPDATE customers SET workspace_id = $1 WHERE workspace_id = $2`, [
          b.workspaceId,
          a.workspaceId,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await owner.query(
      `SELECT count(*)::int AS n FROM customers WHERE external_id = 'intruder'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('binds an HTTP request to its key’s workspace: a repository statement without its WHERE answers that one only', async () => {
    const repo = nest.app.get(ApiKeyRepository);
    const spy = jest
      .spyOn(repo, 'list')
      // the repository's statement with `WHERE k.workspace_id = $1` removed
      .mockImplementation(() =>
        nest.db.query(
          `SELECT k.id, k.name, k.key_prefix, k.role, k.rep_id, NULL AS rep_external_id, k.created_at,
                  k.last_used_at, k.expires_at, k.revoked_at, k.rotated_from_id
           FROM api_keys k ORDER BY k.created_at`,
        ),
      );
    try {
      const res = await fetch(`${nest.url}/v1/api-keys`, { headers: { authorization: `Bearer ${keyA}` } });
      expect(res.status).toBe(200);
      expect(spy).toHaveBeenCalled();
      const { rows: all } = await owner.query(`SELECT count(*)::int AS n FROM api_keys`);
      expect(all[0].n).toBe(3); // two of A, one of B
      const seen = await TenantScope.run(a.workspaceId, () => nest.db.query(`SELECT id FROM api_keys`));
      const body = (await res.json()) as { items: Array<{ id: string }> };
      expect(body.items.map((k) => k.id).sort()).toEqual(seen.map((k: { id: string }) => k.id).sort());
      expect(body.items).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('covers every table with a workspace_id column: FORCE ROW LEVEL SECURITY and a policy', async () => {
    const { rows } = await owner.query<{ table: string; rls: boolean; forced: boolean; policies: number }>(
      `SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped
       WHERE c.relkind IN ('r', 'p')
       ORDER BY 1`,
    );
    expect(rows.length).toBeGreaterThan(30);
    const uncovered = rows.filter((r) => !r.rls || !r.forced || r.policies === 0).map((r) => r.table);
    expect(uncovered).toEqual([]);
  });

  it('leaves the planner its row estimates: the policy does not make a workspace look like 0.5 % of its rows', async () => {
    // With the settings read inline, a cross-tenant statement (sweeps, schedulers, the benchmarks' direct calls)
    // was estimated at 0.5 % of its rows, so a 20k-customer publish nested-looped over materialised sets once per
    // customer: 20 s instead of 1.6 s for its candidate query.
    await owner.query(
      `INSERT INTO customers (workspace_id, external_id) SELECT $1, 'bulk-' || g FROM generate_series(1, 2000) g`,
      [a.workspaceId],
    );
    await owner.query(`ANALYZE customers`);
    const estimate = async () => {
      const [{ 'QUERY PLAN': plan }] = (await nest.db.query(
        `EXPLAIN (FORMAT JSON) SELECT id FROM customers WHERE workspace_id = $1`,
        [a.workspaceId],
      )) as Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>;
      return plan[0].Plan['Plan Rows'];
    };
    // 2,003 of the table's rows are the workspace's
    expect(await TenantScope.crossTenant('the test', estimate)).toBeGreaterThan(500);
    expect(await TenantScope.run(a.workspaceId, estimate)).toBeGreaterThan(500);
  });
});
