import { CandidateRow, toCandidate } from '../../src/worklist/candidate-row';
import { COUNTRY_TIME_ZONES } from '../../src/worklist/country-time-zones';
import { callableByRep, callValue, repShiftOf } from '../../src/worklist/ranking';
import { WorklistPolicyService } from '../../src/worklist/worklist-policy.service';
import { WorklistUrgentService } from '../../src/worklist/worklist-urgent.service';
import { CANDIDATES_SQL, candidateParams } from '../../src/worklist/worklist.sql';
import { addDays, busiestRep, client, keyFor, publish, scoredWorkspace } from './worklist-support';
import { useTestApp } from '../support/use-test-app';

/**
 * The contact rules as the database applies them (they must agree with ranking.ts), manager pins, urgent inserts
 * through the events API and the worklist queue, and settings validation.
 */
describe('worklist rules against PostgreSQL', () => {
  const nest = useTestApp({ http: true, redis: true });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let rep: { id: string; external_id: string };

  /** The candidate rows of one rep for a day, straight from the set-based query. */
  async function candidates(day: string, repId = rep.id): Promise<CandidateRow[]> {
    const policy = await nest.app.get(WorklistPolicyService).load(workspaceId);
    const run = policy.run!;
    const known = Object.keys(COUNTRY_TIME_ZONES);
    return nest.db.query(
      CANDIDATES_SQL,
      candidateParams({
        workspaceId,
        runId: run.id,
        listDate: day,
        timeZone: policy.timeZone,
        scoredAsOf: run.asOf,
        horizonDays: run.horizonDays,
        currency: policy.currency,
        repIds: [repId],
        settings: { ...policy.settings, overfetch: 20 },
        referenceValue: run.referenceValue,
        callable: callableByRep(
          [{ id: repId, shift: repShiftOf(null, policy.timeZone, policy.settings) }],
          known,
          { listDate: day, timeZone: policy.timeZone },
          policy.settings,
          1,
        ),
        knownCountries: known,
      }),
    );
  }

  async function listOf(day: string) {
    const rows = await nest.db.query(
      `SELECT i.id, i.rank, i.kind, i.urgent, i.state, i.summary, c.external_id AS customer, c.id::text AS customer_id
       FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id JOIN customers c ON c.id = i.customer_id
       WHERE w.workspace_id = $1 AND w.rep_id = $2 AND w.list_date = $3 ORDER BY i.rank`,
      [workspaceId, rep.id, day],
    );
    return rows as Array<{
      id: string;
      rank: number;
      kind: string;
      urgent: boolean;
      state: string;
      summary: string;
      customer: string;
      customer_id: string;
    }>;
  }

  async function interaction(customerId: string, daysAgo: number, kind = 'call', outcome = 'reached') {
    await nest.db.query(
      `INSERT INTO interactions (workspace_id, source, external_id, customer_id, occurred_at, kind, outcome)
       VALUES ($1, 'crm', $2, $3, now() - $4 * interval '1 day', $5, $6)`,
      [
        workspaceId,
        `test-${customerId}-${daysAgo}-${kind}-${Math.random()}`,
        customerId,
        daysAgo,
        kind,
        outcome,
      ],
    );
  }

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'rules' }));
    // The pin and urgent tests need customers of the rep that today's list leaves out. The generator draws daily
    // capacities of 15–40 and books of 30-odd customers, so with its capacities a whole book can fit on one list
    // (it did, on some dates); a fixed small capacity makes the list a strict subset of the book.
    await nest.db.query(`UPDATE reps SET daily_capacity = 15 WHERE workspace_id = $1`, [workspaceId]);
    await publish(nest.app, workspaceId, today);
    rep = (await busiestRep(nest.app, workspaceId, today)).rep;
  }, 120_000);

  it('pre-ranks in SQL with exactly the value ranking.ts computes', async () => {
    const policy = await nest.app.get(WorklistPolicyService).load(workspaceId);
    const run = policy.run!;
    const rows = await candidates(today);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const ts = callValue(
        toCandidate(row),
        {
          listDate: today,
          scoredAsOf: run.asOf,
          horizonDays: run.horizonDays,
          referenceValue: run.referenceValue,
        },
        policy.settings,
      ).value;
      expect(Math.abs(ts - row.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ts)));
    }
    // tomorrow's values move with the days silent, still equal
    for (const row of await candidates(addDays(today, 5))) {
      const ts = callValue(
        toCandidate(row),
        {
          listDate: addDays(today, 5),
          scoredAsOf: run.asOf,
          horizonDays: run.horizonDays,
          referenceValue: run.referenceValue,
        },
        policy.settings,
      ).value;
      expect(Math.abs(ts - row.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ts)));
    }
  });

  it('drops customers contacted today and applies the per-tier caps', async () => {
    const day = addDays(today, 1);
    const rows = await candidates(day);
    const general = rows.find((r) => r.value_tier === 'general' && !r.prospect)!;
    const core = rows.find((r) => r.value_tier === 'core' && !r.prospect);
    // a reached call 4 days before tomorrow: general (1 per 7 days) is capped, core (1 per 3 days) is not
    await interaction(general.customer_id, 3);
    if (core) await interaction(core.customer_id, 3);
    // unanswered attempts are not contacts
    const other = rows.find((r) => r.value_tier === 'general' && r.customer_id !== general.customer_id)!;
    await interaction(other.customer_id, 3, 'call', 'no_answer');
    const after = new Set((await candidates(day)).map((r) => r.customer_id));
    expect(after.has(general.customer_id)).toBe(false);
    if (core) expect(after.has(core.customer_id)).toBe(true);
    expect(after.has(other.customer_id)).toBe(true);
    // anyone called today (even unanswered) is off today's candidates
    const todays = (await candidates(today)).find((r) => !r.prospect)!;
    await interaction(todays.customer_id, 0, 'call', 'no_answer');
    expect((await candidates(today)).map((r) => r.customer_id)).not.toContain(todays.customer_id);
  });

  it("keeps customers outside the rep's shift in their own time zone off the list", async () => {
    const [us] = await nest.db.query(
      `SELECT c.id::text AS id, c.owner_rep_id FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE c.workspace_id = $1 AND c.country = 'US' AND c.owner_rep_id IS NOT NULL LIMIT 1`,
      [workspaceId],
    );
    expect(us).toBeDefined();
    // a Shanghai shift 09:00–18:00 never meets New York business hours
    expect((await candidates(today, us.owner_rep_id)).map((r) => r.customer_id)).not.toContain(us.id);
    await nest.db.query(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{worklist,repHours}', $2) WHERE id = $1`,
      [workspaceId, JSON.stringify({ start: '08:00', end: '23:30' })],
    );
    try {
      expect((await candidates(today, us.owner_rep_id)).map((r) => r.customer_id)).toContain(us.id);
    } finally {
      await nest.db.query(
        `UPDATE workspaces SET settings = settings #- '{worklist,repHours}' WHERE id = $1`,
        [workspaceId],
      );
    }
  });

  it('lets a manager pin a team customer onto tomorrow’s list, and nobody else', async () => {
    const who = await busiestRep(nest.app, workspaceId, today);
    const managerKey = await keyFor(nest.app, workspaceId, 'manager', who.managerId);
    const otherManagerKey = await keyFor(nest.app, workspaceId, 'manager', who.otherManagerId);
    const repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    const onToday = new Set((await listOf(today)).map((i) => i.customer));
    const [target] = await nest.db.query(
      `SELECT c.external_id FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE c.workspace_id = $1 AND c.owner_rep_id = $2 AND c.country = 'CN' AND NOT (c.external_id = ANY ($3))
       ORDER BY s.priority LIMIT 1`,
      [workspaceId, rep.id, [...onToday]],
    );
    await http.post('/v1/worklist-pins', otherManagerKey, { customer: target.external_id }).expect(404);
    await http.post('/v1/worklist-pins', repKey, { customer: target.external_id }).expect(403);
    await http.post('/v1/worklist-pins', managerKey, { customer: 'cus-nope' }).expect(404);
    const pin = await http
      .post('/v1/worklist-pins', managerKey, {
        customer: target.external_id,
        note: '续约',
        startsOn: addDays(today, 1),
      })
      .expect(201);
    expect(pin.body).toMatchObject({ customer: target.external_id, owner: rep.external_id, note: '续约' });
    expect((await http.get('/v1/worklist-pins', managerKey).expect(200)).body).toHaveLength(1);
    expect((await http.get('/v1/worklist-pins', otherManagerKey).expect(200)).body).toHaveLength(0);

    await publish(nest.app, workspaceId, addDays(today, 1));
    const tomorrow = await listOf(addDays(today, 1));
    const pinned = tomorrow.find((i) => i.customer === target.external_id);
    expect(pinned?.kind).toBe('pinned');
    expect(pinned?.summary).toContain('经理置顶：续约');
    await http.delete(`/v1/worklist-pins/${pin.body.id}`, otherManagerKey).expect(404);
    await http.delete(`/v1/worklist-pins/${pin.body.id}`, managerKey).expect(204);
  });

  it('inserts an urgent item on top of today’s list without reshuffling the others', async () => {
    const before = await listOf(today);
    const onList = new Set(before.map((i) => i.customer));
    const [target] = await nest.db.query(
      `SELECT c.id::text AS id, c.external_id FROM customers c
       JOIN customer_scores s ON s.customer_id = c.id JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE c.workspace_id = $1 AND c.owner_rep_id = $2 AND NOT (c.external_id = ANY ($3))
         AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id AND i.occurred_at > now() - interval '1 day')
       ORDER BY c.id LIMIT 1`,
      [workspaceId, rep.id, [...onList]],
    );
    const integrationKey = await keyFor(nest.app, workspaceId, 'integration');
    const repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    await http
      .post('/v1/worklist-events', repKey, { customer: target.external_id, kind: 'complaint' })
      .expect(403);
    await http
      .post('/v1/worklist-events', integrationKey, { customer: 'cus-nope', kind: 'complaint' })
      .expect(404);
    const event = { customer: target.external_id, kind: 'complaint', note: '货损', eventId: 'evt-1' };
    const accepted = await http.post('/v1/worklist-events', integrationKey, event).expect(202);
    expect(accepted.body.jobId).toContain('evt-1');
    await http.post('/v1/worklist-events', integrationKey, event).expect(202); // same event id: processed once

    let after = await listOf(today);
    for (let tries = 0; tries < 100 && !after.some((i) => i.urgent); tries += 1) {
      await new Promise((r) => setTimeout(r, 100));
      after = await listOf(today);
    }
    const urgent = after.filter((i) => i.urgent);
    expect(urgent).toHaveLength(1);
    expect(urgent[0]).toMatchObject({ customer: target.external_id, kind: 'urgent', rank: 0 });
    expect(urgent[0].summary).toMatch(/^紧急：/);
    expect(after.filter((i) => !i.urgent).map((i) => [i.id, i.rank])).toEqual(
      before.map((i) => [i.id, i.rank]),
    );

    const res = await http.get('/v1/me/worklist?limit=2', repKey).expect(200);
    expect(res.body.items[0]).toMatchObject({
      customer: { externalId: target.external_id },
      urgent: true,
      rank: 0,
    });

    // an open item already on the list is marked urgent and moved up; the others keep their ranks
    const urgentService = nest.app.get(WorklistUrgentService);
    const open = before.find((i) => i.state === 'open' && i.rank === 3)!;
    const marked = await urgentService.raise({
      workspaceId,
      customerId: open.customer_id,
      event: { kind: 'complaint', at: new Date().toISOString() },
    });
    expect(marked).toEqual({ result: 'marked', itemId: open.id });
    const ranks = new Map((await listOf(today)).map((i) => [i.id, i.rank]));
    expect(ranks.get(open.id)).toBe(-1);
    expect(ranks.get(before[0].id)).toBe(1);

    // an ordinary order from a healthy customer is not urgent; a worked item is left alone
    const [healthy] = await nest.db.query(
      `SELECT c.id::text AS id FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE c.workspace_id = $1 AND s.lifecycle IN ('active', 'loyal') AND c.owner_rep_id IS NOT NULL LIMIT 1`,
      [workspaceId],
    );
    expect(
      (
        await urgentService.raise({
          workspaceId,
          customerId: healthy.id,
          event: { kind: 'order', at: new Date().toISOString(), amountMinor: 10_000_000 },
        })
      ).result,
    ).toBe('not_urgent');
    await http.post(`/v1/worklist-items/${before[0].id}/outcome`, repKey, { outcome: 'reached' }).expect(201);
    expect(
      (
        await urgentService.raise({
          workspaceId,
          customerId: before[0].customer_id,
          event: { kind: 'complaint', at: new Date().toISOString() },
        })
      ).result,
    ).toBe('already_worked');
  });

  it('rejects invalid worklist settings with a clear error', async () => {
    await nest.db.query(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{worklist,weights}', '{"overdue": -1}') WHERE id = $1`,
      [workspaceId],
    );
    await expect(publish(nest.app, workspaceId, addDays(today, 9))).rejects.toMatchObject({
      code: 'invalid_worklist_settings',
    });
    await nest.db.query(`UPDATE workspaces SET settings = settings #- '{worklist,weights}' WHERE id = $1`, [
      workspaceId,
    ]);
  });
});
