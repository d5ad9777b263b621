import { useTestApp } from '../support/use-test-app';
import { client, Org } from './factory';

/** Rebalance proposals (preview, apply) and rep deactivation, through HTTP against PostgreSQL. */
describe('rebalance and deactivation (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let org: Org;
  let call: ReturnType<typeof client>;
  const keys: Record<string, string> = {};
  let annAccounts: string[];
  let recent: Set<string>;

  beforeAll(async () => {
    call = client(nest.app);
    org = await Org.create(nest.app, 'rebalance');
    await org.team('north');
    await org.team('south');
    await org.rep('mgr-n', { team: 'north', role: 'manager' });
    await org.rep('mgr-s', { team: 'south', role: 'manager' });
    for (const r of ['ann', 'bob', 'cat'])
      await org.rep(r, { team: 'north', manager: 'mgr-n', capacity: 20 });
    await org.rep('sue', { team: 'south', manager: 'mgr-s' });
    annAccounts = await org.customers('a', 40, 'ann');
    await org.customers('b', 20, 'bob');
    await org.customers('s', 5, 'sue');
    await org.scores((ext) => ({
      tier: ext.endsWith('0') ? 'core' : ext.endsWith('5') ? 'potential' : 'general',
      clv: 10_000 + (Number(ext.slice(-2)) % 7) * 1_000,
    }));
    // ann called ten of her accounts last week: those relationships are live
    recent = new Set(annAccounts.slice(0, 10));
    await org.sql.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, rep_id)
       SELECT $1, 'call-' || c, c, now() - interval '7 days', 'call', $3 FROM unnest($2::bigint[]) c`,
      [org.workspaceId, [...recent], org.reps.get('ann')],
    );
    await org.sql.query('ANALYZE');
    keys.mgrN = await org.key('manager', 'mgr-n');
    keys.mgrS = await org.key('manager', 'mgr-s');
    keys.admin = await org.key('admin');
    keys.ann = await org.key('rep', 'ann');
    keys.bob = await org.key('rep', 'bob');
  });

  it('proposes a balanced team that keeps live relationships, and says why for each move', async () => {
    const res = await call(keys.mgrN)('POST', '/v1/rebalance-proposals', { teamId: 'north' });
    expect(res.status).toBe(201);
    const prop = res.body;
    expect(prop).toMatchObject({
      status: 'open',
      trigger: 'manual',
      mode: 'full',
      team: { externalId: 'north' },
    });
    expect(prop.summary.withinTolerance).toBe(true);
    const after = Object.fromEntries(
      prop.summary.after.map((l: { rep: { externalId: string }; accounts: number }) => [
        l.rep.externalId,
        l.accounts,
      ]),
    );
    expect(after.ann + after.bob + after.cat).toBe(60);
    for (const rep of ['ann', 'bob', 'cat']) expect(Math.abs(after[rep] - 20)).toBeLessThanOrEqual(3);
    const moves = prop.moves.items as Array<{
      customer: { id: string };
      from: { externalId: string };
      to: { externalId: string };
      why: string;
      reason: string;
    }>;
    expect(moves.length).toBe(prop.summary.moves);
    expect(moves.every((m) => ['ann', 'bob', 'cat'].includes(m.to.externalId))).toBe(true);
    expect(moves.every((m) => m.why.length > 20 && /^balance_/.test(m.reason))).toBe(true);
    expect(moves.some((m) => recent.has(m.customer.id))).toBe(false);
    const page = await call(keys.mgrN)('GET', `/v1/rebalance-proposals/${prop.id}?limit=5&offset=2`);
    expect(page.body.moves.items.map((m: { seq: number }) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    expect((await call(keys.mgrS)('GET', `/v1/rebalance-proposals/${prop.id}`)).status).toBe(404);
    expect((await call(keys.mgrS)('POST', `/v1/rebalance-proposals/${prop.id}/apply`)).status).toBe(404);
    expect((await call(keys.mgrS)('POST', '/v1/rebalance-proposals', { teamId: 'north' })).status).toBe(404);
    expect((await call(keys.ann)('POST', '/v1/rebalance-proposals', { teamId: 'north' })).status).toBe(403);
    expect(
      (await call(keys.mgrN)('POST', '/v1/rebalance-proposals', { teamId: 'north', ownerRepId: 'x' })).status,
    ).toBe(400);
    const list = await call(keys.mgrN)('GET', '/v1/rebalance-proposals?status=open');
    expect(list.body.proposals.map((x: { id: string }) => x.id)).toContain(prop.id);
    expect((await call(keys.mgrS)('GET', '/v1/rebalance-proposals')).body.proposals).toEqual([]);
  });

  it('applies the preview, skipping moves whose account changed hands since', async () => {
    const { body: prop } = await call(keys.mgrN)('POST', '/v1/rebalance-proposals', { teamId: 'north' });
    const [first, second] = prop.moves.items as Array<{ customer: { id: string } }>;
    // a manager moves one of the accounts by hand before the proposal is applied
    await call(keys.mgrN)('POST', '/v1/assignments', { customerIds: [first.customer.id], toRepId: 'bob' });
    const applied = await call(keys.mgrN)('POST', `/v1/rebalance-proposals/${prop.id}/apply`);
    expect(applied.status).toBe(200);
    const firstMovedByHand = prop.moves.items[0].to.externalId !== 'bob';
    expect(applied.body).toMatchObject({ status: 'applied', result: { skipped: firstMovedByHand ? 1 : 0 } });
    expect(applied.body.result.applied).toBe(prop.summary.moves - applied.body.result.skipped);
    expect(await org.ownerOf(second.customer.id)).toBe(prop.moves.items[1].to.externalId);
    const [h] = await org.sql.query(
      `SELECT reason, detail, proposal_id FROM assignment_history WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [second.customer.id],
    );
    expect(h).toEqual({ reason: 'rebalance', detail: prop.moves.items[1].reason, proposal_id: prop.id });
    const again = await call(keys.mgrN)('POST', `/v1/rebalance-proposals/${prop.id}/apply`);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'proposal_closed' } } });
    const { body: third } = await call(keys.mgrN)('POST', '/v1/rebalance-proposals', { teamId: 'north' });
    // nearly balanced now; the account placed by hand is pinned and never moved for balance
    expect(third.summary.moves).toBeLessThanOrEqual(1);
    expect(third.moves.items.map((m: { customer: { id: string } }) => m.customer.id)).not.toContain(
      first.customer.id,
    );
    expect((await call(keys.mgrN)('POST', `/v1/rebalance-proposals/${third.id}/discard`)).body.status).toBe(
      'discarded',
    );
  });

  it('deactivating a rep stops their access and puts their accounts in a proposal, not in limbo', async () => {
    // one of ann's accounts used to be bob's: it should go back to him
    const [backToBob] = await org.customers('x', 1, 'bob');
    await call(keys.admin)('POST', '/v1/assignments', { customerIds: [backToBob], toRepId: 'ann' });
    const annOwns = await org.countOwned('ann');
    expect((await call(keys.mgrN)('POST', '/v1/reps/mgr-n/deactivate', {})).status).toBe(404); // not themselves
    expect((await call(keys.mgrS)('POST', '/v1/reps/ann/deactivate', {})).status).toBe(404);
    expect((await call(keys.bob)('POST', '/v1/reps/ann/deactivate', {})).status).toBe(403);
    const res = await call(keys.mgrN)('POST', '/v1/reps/ann/deactivate', { note: 'left the company' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rep: { externalId: 'ann', active: false },
      keysRevoked: 1,
      releasedToPool: 0,
    });
    const prop = res.body.proposal;
    expect(prop).toMatchObject({ trigger: 'deactivation', mode: 'orphans', status: 'open' });
    expect(prop.summary.moves).toBe(annOwns);
    const moves = prop.moves.items as Array<{
      customer: { id: string };
      to: { externalId: string };
      reason: string;
    }>;
    expect(moves.every((m) => m.to.externalId === 'bob' || m.to.externalId === 'cat')).toBe(true);
    expect(moves.find((m) => m.customer.id === backToBob)).toMatchObject({
      to: { externalId: 'bob' },
      reason: 'previous_owner',
    });
    expect((await call(keys.ann)('GET', '/v1/pool')).status).toBe(401);
    expect((await call(keys.mgrN)('POST', '/v1/reps/ann/deactivate', {})).body.error.code).toBe(
      'rep_inactive',
    );
    // the inactive rep can no longer receive accounts
    expect(
      (await call(keys.mgrN)('POST', '/v1/assignments', { customerIds: [backToBob], toRepId: 'ann' })).status,
    ).toBe(409);
    await call(keys.mgrN)('POST', `/v1/rebalance-proposals/${prop.id}/apply`);
    expect(await org.countOwned('ann')).toBe(0);
    const [h] = await org.sql.query(
      `SELECT reason FROM assignment_history WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [backToBob],
    );
    expect(h.reason).toBe('deactivation');
    const [audit] = await org.sql.query(
      `SELECT details FROM audit_log WHERE workspace_id = $1 AND action = 'rep.deactivated'`,
      [org.workspaceId],
    );
    expect(audit.details).toMatchObject({ externalId: 'ann', note: 'left the company' });
  });

  it('sends the accounts of the last rep of a team back to the team pool', async () => {
    const res = await call(keys.admin)('POST', '/v1/reps/sue/deactivate', {});
    expect(
      res.body.proposal.moves.items.every(
        (m: { to: unknown; reason: string }) => m.to === null && m.reason === 'no_eligible_rep',
      ),
    ).toBe(true);
    await call(keys.admin)('POST', `/v1/rebalance-proposals/${res.body.proposal.id}/apply`);
    const [pool] = await org.sql.query(
      `SELECT count(*)::int AS n FROM pool_entries pe JOIN customers c ON c.id = pe.customer_id
       WHERE pe.team_id = $1 AND c.owner_rep_id IS NULL`,
      [org.teams.get('south')],
    );
    expect(pool.n).toBe(5);
  });
});
