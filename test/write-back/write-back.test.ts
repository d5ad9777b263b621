import request from 'supertest';
import { queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { WriteBackService } from '../../src/write-back/write-back.service';
import {
  CLV_RESEND_SHARE,
  clvStepMinor,
  DEFAULT_MAPPING,
  usedFields,
} from '../../src/write-back/write-back-fields';
import { todayIn } from '../../src/workspaces/workspaces.service';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';
import { ConnectorsService } from '../../src/ingest/pull/connectors.service';
import { HubSpotFake } from '../fake-crm/hubspot-fake';
import { addDays, at, busiestRep, client, keyFor, scoredWorkspace, TZ } from '../worklist/worklist-support';

type Customer = Record<string, unknown>;
interface Event {
  id: string;
  data: { customers: Customer[]; fields: Record<string, string> };
}

/**
 * Per-customer write-back (docs/write-back.md): after a run, an outcome, an assignment change or a mapping change,
 * `customer.scores_changed` events carry the customers whose written-back values changed — only those, ≤ 500 per
 * event, each change once — under the workspace's field mapping, and never an erased customer's personal data.
 */
describe('per-customer write-back', () => {
  const nest = useTestApp({ http: true });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let adminKey: string;
  let scored: number;
  let mark = '0';

  /** The `customer.scores_changed` events of the workspace appended since the last call. */
  async function newEvents(): Promise<Event[]> {
    const rows: Array<{ id: string; payload: { data: Event['data'] } }> = await nest.db.query(
      `SELECT id::text, payload FROM outbox_events
       WHERE workspace_id = $1 AND event_type = 'customer.scores_changed' AND id > $2::bigint ORDER BY id`,
      [workspaceId, mark],
    );
    if (rows.length) mark = rows[rows.length - 1].id;
    return rows.map((r) => ({ id: r.id, data: r.payload.data }));
  }

  const customersOf = (events: Event[]) => events.flatMap((e) => e.data.customers);

  async function currentRun(): Promise<string> {
    const [{ id }] = await nest.db.query(`SELECT current_score_run_id AS id FROM workspaces WHERE id = $1`, [
      workspaceId,
    ]);
    return id as string;
  }

  /** The CLV last written back per customer id (minor units; null: none). */
  async function clvSent(): Promise<Map<string, number | null>> {
    const rows: Array<{ id: string; clv: string | null }> = await nest.db.query(
      `SELECT customer_id::text AS id, clv_sent AS clv FROM customer_write_back_state WHERE workspace_id = $1`,
      [workspaceId],
    );
    return new Map(rows.map((r) => [r.id, r.clv === null ? null : Number(r.clv)]));
  }

  /** Waits for the write-back job that finalize queued for the current run. */
  async function runPassDone(): Promise<void> {
    const queue = nest.app.get(queueToken(QUEUES.scoring));
    const jobId = `write-back-${workspaceId}-${await currentRun()}`;
    await until(
      `write-back job ${jobId}`,
      async () => (await queue.getJobState(jobId)) === 'completed',
      60_000,
    );
  }

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'wb', customers: 1300 }));
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM customer_scores s JOIN customers c ON c.id = s.customer_id
       WHERE s.run_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL`,
      [await currentRun()],
    );
    scored = n;
  }, 180_000);

  it('after a run: every scored customer once, in events of 500, under the default mapping', async () => {
    await runPassDone();
    const events = await newEvents();
    expect(scored).toBeGreaterThan(1000);
    expect(events).toHaveLength(Math.ceil(scored / 500));
    expect(events.slice(0, -1).every((e) => e.data.customers.length === 500)).toBe(true);
    const customers = customersOf(events);
    expect(customers).toHaveLength(scored);
    expect(new Set(customers.map((c) => c.externalId)).size).toBe(scored);
    // the opt-in P(buy) is left out until a mapping names it
    for (const e of events) expect(e.data.fields).toEqual(usedFields(DEFAULT_MAPPING));

    // values at the precision a CRM shows; money like the other events
    for (const c of customers) {
      expect(Object.keys(c).sort()).toEqual(Object.keys(usedFields(DEFAULT_MAPPING)).sort());
      expect(Number.isInteger(c.priority)).toBe(true);
      expect(Array.isArray(c.reasonCodes)).toBe(true);
      if (c.clv !== null) {
        const clv = c.clv as { amountMinor: number; currency: string };
        expect(clv.currency).toBe('CNY');
        expect(clv.amountMinor % 100).toBe(0);
      }
      if (c.pAlive !== null)
        expect(Math.round((c.pAlive as number) * 100)).toBeCloseTo((c.pAlive as number) * 100, 6);
    }
    // the values are the run's: one customer checked against its row
    const sample = customers[17];
    const [row] = await nest.db.query(
      `SELECT s.value_tier, s.lifecycle, s.priority, s.reasons, r.external_id AS owner
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE s.run_id = $1 AND c.external_id = $2`,
      [await currentRun(), sample.externalId],
    );
    expect(sample).toMatchObject({
      tier: row.value_tier,
      lifecycle: row.lifecycle,
      priority: Math.round(row.priority),
      owner: row.owner,
      reasonCodes: (row.reasons as Array<{ code: string }>).map((r) => r.code),
    });
  });

  it('a second pass over the same run sends nothing; a run that changes nothing sends nothing', async () => {
    const again = await nest.app.get(WriteBackService).passWorkspace(workspaceId);
    expect(again).toMatchObject({ changed: 0, events: 0 });
    expect(await newEvents()).toEqual([]);

    // a new run over the same data: two in a row, so the second compares like with like (a run reads its
    // predecessor's scores, so the first rerun may move a few customers)
    const runs = nest.app.get(ScoreRunService);
    for (const round of [1, 2]) {
      const before = await currentRun();
      const lastSent = await clvSent();
      const { run } = await runs.start({
        workspaceId,
        asOf: today,
        trigger: 'test',
        publishWorklists: false,
      });
      expect((await runs.waitFor(workspaceId, run.id, undefined, 120_000)).status).toBe('completed');
      await runPassDone();
      const sent = customersOf(await newEvents())
        .map((c) => c.externalId)
        .sort();
      // exactly the customers whose values differ between the two runs at the precision sent, or whose CLV moved
      // CLV_RESEND_SHARE (at least one unit) from the value last sent
      const step = clvStepMinor('CNY');
      const rows: Array<{ id: string; external_id: string; other: boolean; clv: string | null }> =
        await nest.db.query(
          `SELECT c.id::text, c.external_id, round(b.clv / $3::float8)::bigint * $3 AS clv,
                  (a.value_tier, a.lifecycle, a.rfm_segment, a.abc_class,
                   round(a.p_alive * 100), round(a.churn_risk * 100), round(a.priority),
                   jsonb_path_query_array(a.reasons, '$[*].code'))
                  IS DISTINCT FROM (b.value_tier, b.lifecycle, b.rfm_segment, b.abc_class,
                   round(b.p_alive * 100), round(b.churn_risk * 100), round(b.priority),
                   jsonb_path_query_array(b.reasons, '$[*].code')) AS other
           FROM customer_scores a
           JOIN customer_scores b ON b.customer_id = a.customer_id AND b.run_id = $2
           JOIN customers c ON c.id = a.customer_id
           WHERE a.run_id = $1`,
          [before, run.id, step],
        );
      const clvMoved = (id: string, now: string | null) => {
        const last = lastSent.get(id) ?? null;
        if (now === null || last === null) return now !== last;
        return Math.abs(Number(now) - last) >= Math.max(step, Math.ceil(CLV_RESEND_SHARE * Math.abs(last)));
      };
      const moved = rows.filter((r) => r.other || clvMoved(r.id, r.clv)).map((r) => r.external_id);
      expect(sent).toEqual(moved.sort());
      expect(sent.length).toBeLessThan(scored / 2);
      if (round === 2) expect(sent).toEqual([]);
    }
  }, 240_000);

  it("CLV is resent once it has moved 5 % from the value last sent, and a customer sent for another change carries today's", async () => {
    const run = await currentRun();
    const [c] = await nest.db.query(
      `SELECT s.customer_id::text AS id, c.external_id, st.clv_sent::int8 AS sent, s.clv::float8 AS clv
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id
       JOIN customer_write_back_state st ON st.customer_id = s.customer_id AND st.workspace_id = $1
       WHERE s.run_id = $2 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL AND st.clv_sent >= 100000
       ORDER BY s.customer_id LIMIT 1`,
      [workspaceId, run],
    );
    expect(c).toBeDefined();
    const sent = Number(c.sent);
    const setClv = (minor: number) =>
      nest.db.query(`UPDATE customer_scores SET clv = $3 WHERE run_id = $1 AND customer_id = $2`, [
        run,
        c.id,
        minor,
      ]);
    const pass = () => nest.app.get(WriteBackService).passWorkspace(workspaceId);

    // 4.9 % up, then 4.9 % down: the CRM keeps the value last sent
    for (const share of [1.049, 0.951]) {
      await setClv(Math.round((sent * share) / 100) * 100);
      expect(await pass()).toMatchObject({ changed: 0 });
    }
    expect(await newEvents()).toEqual([]);

    // 5 % from the value last sent (not from the last run's): sent, and the band moves with it
    const up = Math.ceil((sent * 1.05) / 100) * 100;
    await setClv(up);
    expect(await pass()).toMatchObject({ changed: 1 });
    expect(customersOf(await newEvents())).toEqual([
      expect.objectContaining({ externalId: c.external_id, clv: { amountMinor: up, currency: 'CNY' } }),
    ]);
    await setClv(up - 200);
    expect(await pass()).toMatchObject({ changed: 0 });

    // another field's change carries the current CLV, even within its band
    await nest.db.query(
      `UPDATE customer_scores SET priority = priority + 10 WHERE run_id = $1 AND customer_id = $2`,
      [run, c.id],
    );
    expect(await pass()).toMatchObject({ changed: 1 });
    expect(customersOf(await newEvents())).toEqual([
      expect.objectContaining({ externalId: c.external_id, clv: { amountMinor: up - 200, currency: 'CNY' } }),
    ]);

    // no CLV any more is a change
    await nest.db.query(`UPDATE customer_scores SET clv = NULL WHERE run_id = $1 AND customer_id = $2`, [
      run,
      c.id,
    ]);
    expect(await pass()).toMatchObject({ changed: 1 });
    expect(customersOf(await newEvents())).toEqual([expect.objectContaining({ clv: null })]);

    // the run's own values back, as the next tests expect them
    await nest.db.query(
      `UPDATE customer_scores SET priority = priority - 10 WHERE run_id = $1 AND customer_id = $2`,
      [run, c.id],
    );
    await setClv(c.clv);
    expect(await pass()).toMatchObject({ changed: 1 });
    await newEvents();
  });

  it("a run that publishes call lists writes back after them: the listed customers' next call is today", async () => {
    const runs = nest.app.get(ScoreRunService);
    const { run } = await runs.start({ workspaceId, asOf: today, trigger: 'test' });
    expect((await runs.waitFor(workspaceId, run.id, undefined, 120_000)).status).toBe('completed');
    await runPassDone();
    const sent = customersOf(await newEvents());
    const listed: Array<{ external_id: string }> = await nest.db.query(
      `SELECT DISTINCT c.external_id FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       JOIN customers c ON c.id = i.customer_id
       WHERE w.workspace_id = $1 AND w.list_date = $2 AND i.state = 'open' ORDER BY 1`,
      [workspaceId, today],
    );
    expect(listed.length).toBeGreaterThan(10);
    // the scores did not move (the previous test), so exactly the customers on the new lists changed
    expect(sent.map((c) => c.externalId).sort()).toEqual(listed.map((l) => l.external_id));
    expect(sent.every((c) => c.nextCallDate === today)).toBe(true);
  }, 180_000);

  it('an outcome that moves the next call date sends exactly that customer', async () => {
    const { rep } = await busiestRep(nest.app, workspaceId, today);
    const repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    const list = await http.get('/v1/me/worklist?limit=5', repKey).expect(200);
    const item = list.body.items[0] as { id: string; customer: { externalId: string } };
    const callbackDay = addDays(todayIn(TZ), 3);
    await http
      .post(`/v1/worklist-items/${item.id}/outcome`, repKey, {
        outcome: 'callback_requested',
        callbackAt: at(callbackDay, '10:30'),
      })
      .expect(201);
    const events = await newEvents();
    expect(events).toHaveLength(1);
    expect(events[0].data.customers).toEqual([
      expect.objectContaining({ externalId: item.customer.externalId, nextCallDate: callbackDay }),
    ]);

    // an outcome that changes none of the written-back values sends nothing: a second item, reached
    const second = list.body.items[1] as { id: string; customer: { externalId: string } };
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       JOIN customers c ON c.id = i.customer_id
       WHERE w.workspace_id = $1 AND c.external_id = $2 AND i.state = 'open' AND w.list_date >= $3`,
      [workspaceId, second.customer.externalId, today],
    );
    expect(n).toBe(1);
    await http.post(`/v1/worklist-items/${second.id}/outcome`, repKey, { outcome: 'reached' }).expect(201);
    // reached closes today's item: its next call date goes from today to none
    expect(customersOf(await newEvents())).toEqual([
      expect.objectContaining({ externalId: second.customer.externalId, nextCallDate: null }),
    ]);
  });

  it("an assignment change sends the moved customers with their new owner's id", async () => {
    const rows: Array<{ id: string; external_id: string; owner: string | null }> = await nest.db.query(
      `SELECT c.id::text, c.external_id, c.owner_rep_id::text AS owner FROM customers c
       JOIN customer_scores s ON s.customer_id = c.id AND s.run_id = $2
       WHERE c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL ORDER BY c.id LIMIT 3`,
      [workspaceId, await currentRun()],
    );
    const [target] = await nest.db.query(
      `SELECT external_id FROM reps WHERE workspace_id = $1 AND role = 'rep' AND active
         AND NOT (id::text = ANY ($2::text[])) ORDER BY external_id LIMIT 1`,
      [workspaceId, rows.map((r) => r.owner)],
    );
    await http
      .post('/v1/assignments', adminKey, { customerIds: rows.map((r) => r.id), toRepId: target.external_id })
      .expect(200);
    const moved = customersOf(await newEvents());
    expect(moved.map((c) => c.externalId).sort()).toEqual(rows.map((r) => r.external_id).sort());
    expect(moved.every((c) => c.owner === target.external_id)).toBe(true);
  });

  it("a rep's personality tag (PUT /v1/customers/{id}/personality) sends that customer with its new type", async () => {
    const [c] = await nest.db.query(
      `SELECT c.id::text, c.external_id FROM customers c JOIN customer_scores s ON s.customer_id = c.id AND s.run_id = $2
       WHERE c.workspace_id = $1 AND c.erased_at IS NULL AND c.personality IS DISTINCT FROM 'leader'
       ORDER BY c.id OFFSET 20 LIMIT 1`,
      [workspaceId, await currentRun()],
    );
    const put = (body: object) =>
      request(nest.app.getHttpServer())
        .put(`/v1/customers/${c.id}/personality`)
        .set('Authorization', `Bearer ${adminKey}`)
        .send(body)
        .expect(200);
    await put({ type: 'leader' });
    expect(customersOf(await newEvents())).toEqual([
      expect.objectContaining({ externalId: c.external_id, personality: 'leader' }),
    ]);
    // a dimension alone changes nothing the CRM receives
    await put({ social: 'introvert' });
    expect(await newEvents()).toEqual([]);
  });

  it("never sends an erased customer's personal data", async () => {
    const [c] = await nest.db.query(
      `SELECT c.id::text, c.external_id FROM customers c JOIN customer_scores s ON s.customer_id = c.id AND s.run_id = $2
       WHERE c.workspace_id = $1 AND c.erased_at IS NULL ORDER BY c.id DESC LIMIT 1`,
      [workspaceId, await currentRun()],
    );
    await nest.db.query(`UPDATE customers SET personality = 'leader' WHERE id = $1`, [c.id]);
    await nest.app.get(WriteBackService).passWorkspace(workspaceId);
    expect(customersOf(await newEvents())).toEqual([
      expect.objectContaining({ externalId: c.external_id, personality: 'leader' }),
    ]);

    await http.post(`/v1/customers/${c.id}/erase`, adminKey, {}).expect(200);
    await nest.app.get(WriteBackService).passWorkspace(workspaceId);
    const after = customersOf(await newEvents());
    // the CRM's copy is cleared …
    expect(after).toEqual([expect.objectContaining({ externalId: c.external_id, personality: null })]);
    // … and a write path that sets it again on the erased record is not written back
    await nest.db.query(`UPDATE customers SET personality = 'rational' WHERE id = $1`, [c.id]);
    const result = await nest.app.get(WriteBackService).passWorkspace(workspaceId);
    expect(result.changed).toBe(0);
    expect(await newEvents()).toEqual([]);
  });

  it('the field mapping: admins only, validated per field, and a change renames every property', async () => {
    const path = '/v1/write-back/field-mapping';
    const server = nest.app.getHttpServer();
    const put = (key: string, body: object) =>
      request(server).put(path).set('Authorization', `Bearer ${key}`).send(body);
    const [mgr] = await nest.db.query(
      `SELECT id FROM reps WHERE workspace_id = $1 AND role = 'manager' LIMIT 1`,
      [workspaceId],
    );
    const manager = await keyFor(nest.app, workspaceId, 'manager', mgr.id);
    const integration = await keyFor(nest.app, workspaceId, 'integration');
    await http.get(path, manager).expect(403);
    await put(integration, { fields: { tier: 'x' } }).expect(403);
    await request(server).get(path).expect(401);

    const got = await http.get(path, adminKey).expect(200);
    expect(got.body).toMatchObject({ fields: DEFAULT_MAPPING, defaults: DEFAULT_MAPPING, updatedAt: null });

    const bad = await put(adminKey, { fields: { tier: 'two words', nope: 'x', lifecycle: 'owner' } }).expect(
      400,
    );
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'fields',
      'fields.tier',
    ]);
    const dup = await put(adminKey, { fields: { lifecycle: 'owner' } }).expect(400);
    expect(dup.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'fields.lifecycle', code: 'duplicate_property' }),
      ]),
    );
    expect((await http.get(path, adminKey).expect(200)).body.fields).toEqual(DEFAULT_MAPPING);

    const fields = {
      tier: 'callplan_tier',
      nextCallDate: 'Callplan_Next_Call__c',
      personality: null,
      pBuy: 'callplan_p_buy',
    };
    const saved = await put(adminKey, { fields }).expect(200);
    expect(saved.body.fields).toEqual({ ...DEFAULT_MAPPING, ...fields });
    // the queued pass resends every customer under the new names
    let events: Event[] = [];
    await until(
      'the renamed customers',
      async () => {
        events = [...events, ...(await newEvents())];
        return customersOf(events).length >= scored;
      },
      60_000,
    );
    const customers = customersOf(events);
    expect(customers).toHaveLength(scored);
    for (const c of customers) {
      expect(c).toHaveProperty('callplan_tier');
      expect(c).toHaveProperty('Callplan_Next_Call__c');
      expect(c).not.toHaveProperty('tier');
      expect(c).not.toHaveProperty('personality');
      // P(buy), opted in: 2 decimals like P(alive), null where the run has none
      const pBuy = c.callplan_p_buy as number | null;
      expect(
        pBuy === null || (pBuy >= 0 && pBuy <= 1 && Math.abs(pBuy * 100 - Math.round(pBuy * 100)) < 1e-9),
      ).toBe(true);
    }
    expect(customers.some((c) => typeof c.callplan_p_buy === 'number')).toBe(true);
    const { personality: _left, ...used } = { ...DEFAULT_MAPPING, ...fields };
    expect(events[0].data.fields).toEqual(used);

    // a left-out field is not compared either: a new personality alone sends nothing
    await nest.db.query(
      `UPDATE customers SET personality = CASE WHEN personality = 'stable' THEN 'leader' ELSE 'stable' END
       WHERE id = (SELECT min(id) FROM customers WHERE workspace_id = $1 AND erased_at IS NULL)`,
      [workspaceId],
    );
    expect(await nest.app.get(WriteBackService).passWorkspace(workspaceId)).toMatchObject({ changed: 0 });
    expect(await newEvents()).toEqual([]);
  });

  it("a pass queues the push of the workspace's HubSpot connector, which consumes the same events", async () => {
    const hubspot = new HubSpotFake();
    await hubspot.start();
    try {
      const connectors = nest.app.get(ConnectorsService);
      const c = await connectors.upsert(
        workspaceId,
        { kind: 'hubspot', name: 'hubspot', baseUrl: hubspot.url, auth: { privateAppToken: hubspot.token } },
        'test',
      );
      // a mapping change resends every customer; its pass queues crm-sync/push-workspace
      await nest.app.get(WriteBackService).setMapping(workspaceId, { fields: { tier: 'hs_tier' } }, 'test');
      await until(
        'the connector pushed the pass',
        async () => ((await connectors.get(workspaceId, c.id)).writeBack?.customers ?? 0) >= scored,
        60_000,
      );
      const view = await connectors.get(workspaceId, c.id);
      // these customers came from a CSV-shaped source: none is a HubSpot record, so each is refused visibly and no
      // call is made for them
      expect(view.writeBack).toMatchObject({ failures: scored, lastError: null });
      const [failure] = await connectors.writeBackFailures(workspaceId, c.id, 1);
      expect(failure.code).toBe('not_a_hubspot_id');
      expect(hubspot.stats.requests).toBe(0);
    } finally {
      await hubspot.stop();
    }
  });
});
