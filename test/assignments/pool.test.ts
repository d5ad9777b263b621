import { Queue } from 'bullmq';
import { PoolService } from '../../src/assignments/pool.service';
import { queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { useTestApp } from '../support/use-test-app';
import { client, Org } from './factory';

const DAY = 86_400_000;

/** The public pool: reminders, release by the daily sweep, claims within the rules. PostgreSQL, HTTP, queue. */
describe('public pool (HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, redis: true, workers: true });
  let org: Org;
  let call: ReturnType<typeof client>;
  let pool: PoolService;
  const keys: Record<string, string> = {};
  let core: string[];
  let general: string[];
  let dnc: string;
  let overdue: string;
  let open: string;
  const t0 = Date.now();
  const at = (days: number) => new Date(t0 + days * DAY);

  beforeAll(async () => {
    call = client(nest.app);
    pool = nest.app.get(PoolService);
    org = await Org.create(nest.app, 'pool');
    await org.team('north');
    await org.team('south');
    await org.rep('mgr-n', { team: 'north', role: 'manager' });
    await org.rep('ann', { team: 'north', manager: 'mgr-n' });
    await org.rep('bob', { team: 'north', manager: 'mgr-n' });
    await org.rep('sue', { team: 'south' });
    core = await org.customers('core', 3, 'ann');
    general = await org.customers('gen', 2, 'ann');
    [dnc] = await org.customers('dnc', 1, 'ann');
    [overdue] = await org.customers('late', 1, 'bob');
    [open] = await org.customers('open', 1, null); // never owned: in the workspace pool
    await org.scores((ext) => ({
      tier: ext.startsWith('core') || ext.startsWith('late') ? 'core' : 'general',
    }));
    await org.sql.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind) VALUES ($1, $2, 'do_not_call')`,
      [org.workspaceId, dnc],
    );
    // bob has held this account for 100 days without a word: due at once, but never released without a reminder
    await org.sql.query(`UPDATE customers SET owner_since = now() - interval '100 days' WHERE id = $1`, [
      overdue,
    ]);
    for (const [name, role, rep] of [
      ['ann', 'rep', 'ann'],
      ['bob', 'rep', 'bob'],
      ['sue', 'rep', 'sue'],
      ['mgrN', 'manager', 'mgr-n'],
      ['admin', 'admin', undefined],
    ] as const) {
      keys[name] = await org.key(role, rep);
    }
  });

  const owner = (id: string) => org.ownerOf(id);

  it('reminds the owner before the deadline and never releases without a reminder', async () => {
    const first = await pool.sweep(org.workspaceId, at(0));
    expect(first).toMatchObject({ reminded: 1, released: 0 }); // only the overdue account
    const [reminder] = await org.sql.query(`SELECT release_on FROM pool_reminders WHERE customer_id = $1`, [
      overdue,
    ]);
    expect(reminder.release_on > first.today).toBe(true); // at least a day's notice
    const day27 = await pool.sweep(org.workspaceId, at(27.5));
    expect(day27).toMatchObject({ reminded: 3, released: 1 }); // core accounts of ann; bob's overdue one goes
    expect(await owner(overdue)).toBeNull();
    const again = await pool.sweep(org.workspaceId, at(27.6));
    expect(again).toMatchObject({ reminded: 0, released: 0 }); // idempotent within a day
    const mine = await call(keys.ann)('GET', '/v1/pool/reminders');
    expect(mine.body.reminders.map((r: { customer: { id: string } }) => r.customer.id).sort()).toEqual(
      [...core].sort(),
    );
    expect((await call(keys.bob)('GET', '/v1/pool/reminders')).body.reminders).toEqual([]);
    expect((await call(keys.mgrN)('GET', '/v1/pool/reminders')).body.reminders).toHaveLength(3);
  });

  it('lists one team’s open reminders to whoever may manage the team, soonest first, with the owner’s name', async () => {
    const mgr = {
      keyId: 'k',
      workspaceId: org.workspaceId,
      role: 'manager' as const,
      repId: org.reps.get('mgr-n')!,
    };
    const admin = { keyId: 'k', workspaceId: org.workspaceId, role: 'admin' as const, repId: null };
    const north = await pool.teamReminders(admin, 'north');
    expect(north.map((r) => r.customer.id).sort()).toEqual([...core].sort());
    expect(north[0]).toMatchObject({ rep: { id: org.reps.get('ann'), externalId: 'ann' }, tier: 'core' });
    expect(north[0].rep.name).toEqual(expect.any(String));
    expect(north.map((r) => r.releaseOn)).toEqual([...north.map((r) => r.releaseOn)].sort());
    // an admin sees the token's team only, unlike GET /v1/pool/reminders
    expect(await pool.teamReminders(admin, 'south')).toEqual([]);
    expect(await pool.teamReminders(mgr, 'north', 2)).toHaveLength(2);
    await expect(pool.teamReminders(mgr, 'south')).rejects.toMatchObject({ status: 404 });
  });

  it('releases neglected accounts to the team pool, but not those the owner followed up or may not call', async () => {
    // ann follows up two of the three core accounts: a logged call, and an outcome on her call list
    await org.sql.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, rep_id)
       VALUES ($1, 'ann-call', $2, $3, 'call', $4)`,
      [org.workspaceId, core[0], at(28), org.reps.get('ann')],
    );
    await org.sql.query(
      `INSERT INTO worklist_outcomes (workspace_id, customer_id, rep_id, outcome, occurred_at)
       VALUES ($1, $2, $3, 'no_answer', $4)`,
      [org.workspaceId, core[1], org.reps.get('ann'), at(28)],
    );
    const res = await pool.sweep(org.workspaceId, at(31));
    expect(res).toMatchObject({ released: 1 });
    expect(await owner(core[0])).toBe('ann');
    expect(await owner(core[1])).toBe('ann');
    expect(await owner(core[2])).toBeNull();
    expect(await owner(general[0])).toBe('ann'); // general accounts have 60 days
    const late = await pool.sweep(org.workspaceId, at(70));
    expect(late.released).toBe(0); // general accounts were only reminded on day 70
    await pool.sweep(org.workspaceId, at(71));
    expect(await owner(general[0])).toBeNull();
    expect(await owner(core[0])).toBeNull(); // followed up on day 28, then nothing for 43 days
    expect(await owner(dnc)).toBe('ann'); // do-not-call: nobody may call, so nothing lapses
    const [entry] = await org.sql.query(
      `SELECT team_id, reason, released_from_rep_id FROM pool_entries WHERE customer_id = $1`,
      [core[2]],
    );
    expect(entry).toEqual({
      team_id: org.teams.get('north'),
      reason: 'pool_release',
      released_from_rep_id: org.reps.get('ann'),
    });
    const [event] = await org.sql.query(
      `SELECT payload FROM outbox_events WHERE workspace_id = $1 AND payload->'data'->>'reason' = 'pool_release' ORDER BY id LIMIT 1`,
      [org.workspaceId],
    );
    expect(event.payload.data.changes[0]).toMatchObject({ from: 'bob', to: null, pool: { team: 'north' } });
    const swept = await org.sql.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'pool.swept'`);
    expect(swept[0].n).toBeGreaterThanOrEqual(5);
  });

  it("shows each rep their team's pool and the workspace pool only", async () => {
    const ids = async (key: string) =>
      (await call(key)('GET', '/v1/pool')).body.accounts.map((a: { id: string }) => a.id).sort();
    expect(await ids(keys.bob)).toEqual([...core, overdue, ...general, open].sort());
    expect(await ids(keys.sue)).toEqual([open]);
    expect((await ids(keys.admin)).length).toBe(7);
    const page = await call(keys.bob)('GET', '/v1/pool?limit=2');
    expect(page.body.accounts).toHaveLength(2);
    expect(page.body.allowance).toMatchObject({ claimsToday: 0, claimsLeftToday: 20 });
    const next = await call(keys.bob)('GET', `/v1/pool?limit=10&cursor=${page.body.nextCursor}`);
    expect(next.body.accounts).toHaveLength(5);
    expect((await call(keys.bob)('GET', '/v1/pool?tier=core')).body.accounts).toHaveLength(4);
  });

  it('lets reps claim within the rules: scope, cooldown, daily limit, holding cap', async () => {
    const claim = (key: string, customerIds: string[]) =>
      call(key)('POST', '/v1/pool/claims', { customerIds });
    expect((await claim(keys.sue, [core[2]])).status).toBe(404); // another team's pool
    expect((await claim(keys.sue, [core[0]])).status).toBe(404); // owned, not in any pool
    const cooling = await claim(keys.ann, [core[2]]);
    expect(cooling).toMatchObject({ status: 409, body: { error: { code: 'reclaim_cooldown' } } });
    expect((await claim(keys.mgrN, [core[2]])).status).toBe(403);
    const smuggled = await call(keys.bob)('POST', '/v1/pool/claims', {
      customerIds: [core[2]],
      ownerRepId: 'sue',
    });
    expect(smuggled.status).toBe(400);
    const ok = await claim(keys.bob, [core[2]]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ claimed: [core[2]], allowance: { claimsToday: 1 } });
    expect(await owner(core[2])).toBe('bob');
    expect((await claim(keys.sue, [open])).body.claimed).toEqual([open]); // the workspace pool is everyone's

    const limit = await call(keys.admin)('PATCH', '/v1/pool/settings', { dailyClaimLimit: 1 });
    expect(limit.body.dailyClaimLimit).toBe(1);
    expect(await claim(keys.bob, [general[0]])).toMatchObject({
      status: 409,
      body: { error: { code: 'daily_claim_limit' } },
    });
    await call(keys.admin)('PATCH', '/v1/pool/settings', { dailyClaimLimit: 20, holdingCap: { core: 1 } });
    expect(await claim(keys.bob, [overdue])).toMatchObject({
      status: 409,
      body: { error: { code: 'holding_cap' } },
    });
    expect((await claim(keys.bob, [general[0], general[1]])).body.claimed).toHaveLength(2);
    const settings = await call(keys.bob)('GET', '/v1/pool/settings');
    expect(settings.body).toMatchObject({ dailyClaimLimit: 20, holdingCap: { core: 1, potential: 150 } });
    const [h] = await org.sql.query(
      `SELECT reason, actor FROM assignment_history WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`,
      [core[2]],
    );
    expect(h).toEqual({ reason: 'pool_claim', actor: `rep:${org.reps.get('bob')}` });
  });

  it("sums up the pool for a team's manager: what waits, since when, and the team's claims of the week", async () => {
    const mgr = {
      keyId: 'k',
      workspaceId: org.workspaceId,
      role: 'manager' as const,
      repId: org.reps.get('mgr-n')!,
    };
    const admin = { keyId: 'k', workspaceId: org.workspaceId, role: 'admin' as const, repId: null };
    const listed = (await call(keys.mgrN)('GET', '/v1/pool?limit=100')).body.accounts as Array<{
      releasedAt: string | null;
    }>;
    const north = await pool.teamSummary(mgr, 'north');
    const released = listed.map((a) => a.releasedAt).filter((d): d is string => d !== null);
    expect(north).toMatchObject({ enabled: true, accounts: listed.length, days: 7 });
    expect(north.oldestReleasedAt?.toISOString() ?? null).toBe(released.sort()[0] ?? null);
    // bob's three claims above count for north; sue's claim of the workspace pool counts for south
    expect(north.claims).toBe(3);
    expect((await pool.teamSummary(admin, 'south')).claims).toBe(1);
    // a week later, none of them is in the window
    expect((await pool.teamSummary(mgr, 'north', 7, at(8))).claims).toBe(0);
    // the claims themselves, newest first: bob's three for north, sue's for south
    const claims = await pool.teamClaims(mgr, 'north');
    expect(claims.map((c) => c.rep.id)).toEqual(Array(3).fill(org.reps.get('bob')));
    expect(claims.map((c) => c.customer.id).sort()).toEqual([core[2], general[0], general[1]].sort());
    expect(claims.map((c) => c.claimedAt.getTime())).toEqual(
      [...claims.map((c) => c.claimedAt.getTime())].sort((a, b) => b - a),
    );
    expect((await pool.teamClaims(admin, 'south')).map((c) => c.customer.id)).toEqual([open]);
    expect(await pool.teamClaims(mgr, 'north', { limit: 1 })).toHaveLength(1);
    expect(await pool.teamClaims(mgr, 'north', {}, at(8))).toEqual([]);
    // another team's figures are not the manager's to see
    await expect(pool.teamSummary(mgr, 'south')).rejects.toMatchObject({ status: 404 });
    await expect(pool.teamClaims(mgr, 'south')).rejects.toMatchObject({ status: 404 });
  });

  it('validates and audits the settings; only admins change them', async () => {
    const bad = await call(keys.admin)('PATCH', '/v1/pool/settings', { followUpDays: { core: 2 } });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: 'invalid_settings' } } });
    expect(
      (await call(keys.admin)('PATCH', '/v1/pool/settings', { followUpDays: { core: 'soon' } })).status,
    ).toBe(400);
    expect((await call(keys.mgrN)('PATCH', '/v1/pool/settings', { enabled: false })).status).toBe(403);
    const off = await call(keys.admin)('PATCH', '/v1/pool/settings', { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, dailyClaimLimit: 20, holdingCap: { core: 1 } });
    expect((await call(keys.sue)('POST', '/v1/pool/claims', { customerIds: [overdue] })).status).toBe(404);
    const audits = await org.sql.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'pool.settings_changed'`,
      [org.workspaceId],
    );
    expect(audits[0].n).toBe(3);
    await call(keys.admin)('PATCH', '/v1/pool/settings', { enabled: true });
  });

  it('runs the sweep as a queued job (the daily scheduler enqueues exactly this)', async () => {
    const queue = nest.app.get<Queue>(queueToken(QUEUES.assignments));
    const before = await org.sql.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'pool.swept'`,
    );
    await queue.add('pool-sweep', { workspaceId: org.workspaceId });
    for (let i = 0; i < 100; i += 1) {
      const [now] = await org.sql.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'pool.swept'`,
      );
      if (now.n > before[0].n) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the queued sweep did not run');
  });
});
