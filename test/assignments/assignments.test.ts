import { useTestApp } from '../support/use-test-app';
import { client, Org } from './factory';

/** POST /v1/assignments, the history, and the load view, against PostgreSQL through HTTP. */
describe('assignments (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let org: Org;
  let call: ReturnType<typeof client>;
  const keys: Record<string, string> = {};
  let bulk: string[];
  let small: string[];
  let other: string[];

  beforeAll(async () => {
    call = client(nest.app);
    org = await Org.create(nest.app, 'assign');
    await org.team('north');
    await org.team('south');
    await org.rep('mgr-n', { team: 'north', role: 'manager' });
    await org.rep('mgr-s', { team: 'south', role: 'manager' });
    await org.rep('ann', { team: 'north', manager: 'mgr-n', capacity: 20 });
    await org.rep('bob', { team: 'north', manager: 'mgr-n', capacity: 40 });
    await org.rep('old', { team: 'north', manager: 'mgr-n', active: false });
    await org.rep('sue', { team: 'south', manager: 'mgr-s' });
    bulk = await org.customers('bulk', 10_000, 'ann');
    small = await org.customers('n', 6, 'bob');
    other = await org.customers('s', 3, 'sue');
    await org.scores((ext) =>
      ext.startsWith('n-') ? { tier: ext.endsWith('1') ? 'core' : 'potential', clv: 50_000 } : {},
    );
    keys.mgrN = await org.key('manager', 'mgr-n');
    keys.mgrS = await org.key('manager', 'mgr-s');
    keys.admin = await org.key('admin');
    keys.ann = await org.key('rep', 'ann');
    keys.integration = await org.key('integration');
  });

  it('moves 10,000 accounts in one call, with history, audit entries and batched CRM events', async () => {
    const t0 = Date.now();
    const res = await call(keys.mgrN)('POST', '/v1/assignments', {
      customerIds: bulk,
      toRepId: 'bob',
      note: 'ann moves to key accounts',
    });
    const ms = Date.now() - t0;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ requested: 10_000, changed: 10_000, unchanged: 0, toRep: 'bob' });
    process.stdout.write(`bulk assignment of 10,000 accounts: ${ms} ms\n`);
    expect(await org.countOwned('bob')).toBe(10_006);
    const [counts] = await org.sql.query(
      `SELECT (SELECT count(*)::int FROM assignment_history WHERE batch_id = $2) AS history,
              (SELECT count(*)::int FROM audit_log WHERE workspace_id = $1 AND action = 'assignment.changed') AS audit,
              (SELECT count(*)::int FROM outbox_events WHERE workspace_id = $1 AND event_type = 'assignment.changed') AS events,
              (SELECT sum(jsonb_array_length(payload->'data'->'changes'))::int FROM outbox_events
                 WHERE workspace_id = $1 AND event_type = 'assignment.changed') AS changes`,
      [org.workspaceId, res.body.batchId],
    );
    expect(counts).toEqual({ history: 10_000, audit: 10_000, events: 20, changes: 10_000 });
    const [event] = await org.sql.query(
      `SELECT payload FROM outbox_events WHERE workspace_id = $1 AND event_type = 'assignment.changed' ORDER BY id LIMIT 1`,
      [org.workspaceId],
    );
    expect(event.payload).toMatchObject({
      type: 'assignment.changed',
      data: {
        reason: 'manual',
        changes: expect.arrayContaining([
          { customer: { source: 'crm', externalId: 'bulk-00001' }, from: 'ann', to: 'bob' },
        ]),
      },
    });
  });

  it('is idempotent: assigning to the current owner changes nothing', async () => {
    const res = await call(keys.mgrN)('POST', '/v1/assignments', { customerIds: small, toRepId: 'bob' });
    expect(res.body).toMatchObject({ changed: 0, unchanged: 6 });
  });

  it('accepts CRM external ids and single accounts, and records who, from, to, why and when', async () => {
    const res = await call(keys.mgrN)('POST', '/v1/assignments', {
      customerExternalIds: ['n-00001'],
      toRepId: 'ann',
      note: 'she knows them',
    });
    expect(res.body).toMatchObject({ changed: 1 });
    const hist = await call(keys.mgrN)('GET', `/v1/assignments?customerId=${small[0]}`);
    expect(hist.status).toBe(200);
    expect(hist.body.entries[0]).toMatchObject({
      from: { externalId: 'bob' },
      to: { externalId: 'ann' },
      reason: 'manual',
      note: 'she knows them',
      actor: `rep:${org.reps.get('mgr-n')}`,
    });
    // the new owner may read the history of their account; another team's manager may not
    expect((await call(keys.ann)('GET', `/v1/assignments?customerId=${small[0]}`)).status).toBe(200);
    expect((await call(keys.mgrS)('GET', `/v1/assignments?customerId=${small[0]}`)).status).toBe(404);
  });

  it('keeps managers inside their team: other customers and other reps answer 404', async () => {
    const mgr = call(keys.mgrN);
    const foreignCustomer = await mgr('POST', '/v1/assignments', { customerIds: [other[0]], toRepId: 'ann' });
    expect(foreignCustomer.status).toBe(404);
    const mixed = await mgr('POST', '/v1/assignments', { customerIds: [small[1], other[0]], toRepId: 'ann' });
    expect(mixed.status).toBe(404);
    expect(mixed.body.error.details).toMatchObject({ count: 1, missing: [other[0]] });
    expect(await org.ownerOf(small[1])).toBe('bob'); // all or nothing
    expect((await mgr('POST', '/v1/assignments', { customerIds: [small[1]], toRepId: 'sue' })).status).toBe(
      404,
    );
    expect(
      (await mgr('POST', '/v1/assignments', { customerIds: ['999999999'], toRepId: 'ann' })).status,
    ).toBe(404);
    // the admin may move across teams
    const admin = await call(keys.admin)('POST', '/v1/assignments', {
      customerIds: [other[2]],
      toRepId: 'ann',
    });
    expect(admin.body).toMatchObject({ changed: 1 });
  });

  it('refuses inactive reps, managers as owners, wrong roles and smuggled owner fields', async () => {
    const mgr = call(keys.mgrN);
    const inactive = await mgr('POST', '/v1/assignments', { customerIds: [small[1]], toRepId: 'old' });
    expect(inactive).toMatchObject({ status: 409, body: { error: { code: 'rep_inactive' } } });
    const toManager = await call(keys.admin)('POST', '/v1/assignments', {
      customerIds: [small[1]],
      toRepId: 'mgr-n',
    });
    expect(toManager).toMatchObject({ status: 422, body: { error: { code: 'not_assignable' } } });
    expect(
      (await call(keys.ann)('POST', '/v1/assignments', { customerIds: [small[1]], toRepId: 'ann' })).status,
    ).toBe(403);
    expect(
      (await call(keys.integration)('POST', '/v1/assignments', { customerIds: [small[1]], toRepId: 'ann' }))
        .status,
    ).toBe(403);
    for (const smuggled of [
      { ownerRepId: 'ann' },
      { owner_rep_id: 'ann' },
      { workspaceId: org.workspaceId },
    ]) {
      const res = await mgr('POST', '/v1/assignments', {
        customerIds: [small[1]],
        toRepId: 'bob',
        ...smuggled,
      });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    }
    const both = await mgr('POST', '/v1/assignments', {
      customerIds: [small[1]],
      toRepId: 'bob',
      toPool: true,
    });
    expect(both).toMatchObject({ status: 400, body: { error: { code: 'invalid_target' } } });
    const tooMany = await mgr('POST', '/v1/assignments', {
      customerIds: Array.from({ length: 10_001 }, (_, i) => String(i + 1)),
      toRepId: 'bob',
    });
    expect(tooMany.status).toBe(400);
    expect(await org.ownerOf(small[1])).toBe('bob');
  });

  it('releases accounts to the team pool', async () => {
    const res = await call(keys.mgrN)('POST', '/v1/assignments', { customerIds: [small[5]], toPool: true });
    expect(res.body).toMatchObject({ changed: 1, toRep: null });
    const [entry] = await org.sql.query(`SELECT team_id, reason FROM pool_entries WHERE customer_id = $1`, [
      small[5],
    ]);
    expect(entry).toEqual({ team_id: org.teams.get('north'), reason: 'manual' });
    // the pool account stays the north manager's to manage, and the south manager's to ignore
    expect(
      (await call(keys.mgrS)('POST', '/v1/assignments', { customerIds: [small[5]], toRepId: 'sue' })).status,
    ).toBe(404);
    expect(
      (await call(keys.mgrN)('POST', '/v1/assignments', { customerIds: [small[5]], toRepId: 'bob' })).body,
    ).toMatchObject({ changed: 1 });
    expect(await org.sql.query(`SELECT 1 FROM pool_entries WHERE customer_id = $1`, [small[5]])).toEqual([]);
  });

  it("shows each rep's load: accounts by tier, expected value and capacity use", async () => {
    const res = await call(keys.mgrN)('GET', '/v1/teams/north/load');
    expect(res.status).toBe(200);
    const bob = res.body.reps.find((r: { rep: { externalId: string } }) => r.rep.externalId === 'bob');
    // bob: 10,000 bulk (general, 10,000 each) + n-00002…n-00006 (potential, 50,000 each)
    expect(bob.accounts).toEqual({ total: 10_005, core: 0, potential: 5, general: 10_000, unscored: 0 });
    expect(bob.expectedValue).toEqual({
      total: 100_250_000,
      core: 0,
      potential: 250_000,
      general: 100_000_000,
    });
    expect(bob.capacity).toEqual({ accounts: 800, use: 12.506 });
    const ann = res.body.reps.find((r: { rep: { externalId: string } }) => r.rep.externalId === 'ann');
    expect(ann.accounts).toMatchObject({ total: 2, core: 1 });
    expect(res.body.workingDays).toBe(20);
    expect(
      (await call(keys.mgrN)('GET', '/v1/teams/north/load?workingDays=10')).body.reps[0].capacity.accounts,
    ).toBeGreaterThan(0);
    expect((await call(keys.mgrN)('GET', '/v1/teams/south/load')).status).toBe(404);
    expect((await call(keys.mgrN)('GET', `/v1/teams/${org.teams.get('south')}/load`)).status).toBe(404);
    expect((await call(keys.admin)('GET', '/v1/teams/south/load')).status).toBe(200);
    expect((await call(keys.ann)('GET', '/v1/teams/north/load')).status).toBe(403);
  });
});
