import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { addDays, at, busiestRep, client, keyFor, publish, scoredWorkspace } from './worklist-support';
import { useTestApp } from '../support/use-test-app';

interface Item {
  id: string;
  rank: number;
  kind: string;
  state: string;
  why: string;
  talkTrack: string;
  reasons: Array<{ code: string; text: string; weight: number }>;
  customer: { externalId: string; phone: string | null };
}

/**
 * A rep works today's list top to bottom through the API, and tomorrow's list reflects what they did.
 * Also: paging, ETags and 304, validation, and 404 for items and lists out of the caller's scope.
 */
describe('worklists through HTTP: work the list, see it feed back', () => {
  const nest = useTestApp({ http: true, redis: true });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let repKey: string;
  let repId: string;
  let repExternalId: string;
  let otherRepKey: string;
  let managerKey: string;
  let otherManagerKey: string;
  let integrationKey: string;
  let foreignAdminKey: string;
  let initial: Item[];
  const did = new Map<string, string>(); // customer external id → what the rep did

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app));
    const report = await publish(nest.app, workspaceId, today);
    expect(report.lists).toBeGreaterThan(10);
    const who = await busiestRep(nest.app, workspaceId, today);
    repId = who.rep.id;
    repExternalId = who.rep.external_id;
    repKey = await keyFor(nest.app, workspaceId, 'rep', repId);
    otherRepKey = await keyFor(nest.app, workspaceId, 'rep', who.other.id);
    managerKey = await keyFor(nest.app, workspaceId, 'manager', who.managerId);
    otherManagerKey = await keyFor(nest.app, workspaceId, 'manager', who.otherManagerId);
    integrationKey = await keyFor(nest.app, workspaceId, 'integration');
    const foreign = await nest.app.get(WorkspacesService).ensure({ slug: 'foreign' });
    foreignAdminKey = await keyFor(nest.app, foreign.id, 'admin');
  }, 120_000);

  it('serves the rep their list with reasons in their locale, paginated, with an ETag', async () => {
    const res = await http.get('/v1/me/worklist?limit=200', repKey).expect(200);
    initial = res.body.items;
    expect(initial.length).toBeGreaterThanOrEqual(10);
    expect(res.body.rep.externalId).toBe(repExternalId);
    expect(res.body.date).toBe(today);
    expect(initial.map((i) => i.rank)).toEqual(initial.map((_, n) => n + 1));
    for (const item of initial) {
      expect(item.state).toBe('open');
      expect(item.reasons.length).toBeGreaterThanOrEqual(1);
      expect(item.why).toBe(item.reasons.map((r) => r.text).join('；')); // zh-CN separator
      expect(item.why).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(res.headers.etag).toMatch(/^"wl-/);
    expect(res.headers['cache-control']).toBe('private, no-cache');

    const again = await http
      .get('/v1/me/worklist?limit=200', repKey, { 'If-None-Match': res.headers.etag })
      .expect(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(res.headers.etag);

    const first = await http.get('/v1/me/worklist?limit=3', repKey).expect(200);
    expect(first.body.items.map((i: Item) => i.rank)).toEqual([1, 2, 3]);
    const second = await http
      .get(`/v1/me/worklist?limit=3&cursor=${first.body.nextCursor}`, repKey)
      .expect(200);
    expect(second.body.items.map((i: Item) => i.rank)).toEqual([4, 5, 6]);
    expect(first.headers.etag).not.toBe(second.headers.etag);

    // talk tracks can be left out (they are most of the bytes); the item itself always has one
    expect(initial[0].talkTrack.length).toBeGreaterThan(20);
    const lean = await http.get('/v1/me/worklist?limit=2&omit=talkTrack', repKey).expect(200);
    expect(lean.body.items[0]).not.toHaveProperty('talkTrack');

    // the manager route serves the same list
    const viaManager = await http.get(`/v1/reps/${repExternalId}/worklist?limit=200`, managerKey).expect(200);
    expect(viaManager.body.items.map((i: Item) => i.id)).toEqual(initial.map((i) => i.id));
  });

  it('validates inputs at the edge', async () => {
    const id = initial[0].id;
    await http.get('/v1/me/worklist?limit=0', repKey).expect(400);
    await http.get('/v1/me/worklist?cursor=bogus!', repKey).expect(400);
    const badDate = await http.get('/v1/me/worklist?date=2026-13-01', repKey).expect(400);
    expect(badDate.body.error).toMatchObject({ code: 'invalid_date', details: { field: 'date' } });
    await http.get('/v1/me/worklist?sort=rank', repKey).expect(400);
    const bad = await http.post(`/v1/worklist-items/${id}/outcome`, repKey, { outcome: 'maybe' }).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const noTime = await http.post(`/v1/worklist-items/${id}/outcome`, repKey, {
      outcome: 'callback_requested',
    });
    expect(noTime.status).toBe(400);
    expect(noTime.body.error.code).toBe('callback_at_required');
    await http
      .post(`/v1/worklist-items/${id}/outcome`, repKey, { outcome: 'reached', repId: 'x' })
      .expect(400);
    await http
      .post(`/v1/worklist-items/${id}/outcome`, repKey, { outcome: 'reached', notes: 'x'.repeat(2001) })
      .expect(400);
    await http
      .post(`/v1/worklist-items/${id}/snooze`, repKey, { until: today, reason: 'too soon' })
      .expect(400);
    await http.get('/v1/me/worklist', integrationKey).expect(404); // an integration key has no list of its own
  });

  it('hides other reps’ and other workspaces’ items and lists behind 404', async () => {
    const id = initial[0].id;
    for (const key of [otherRepKey, otherManagerKey, foreignAdminKey]) {
      await http.get(`/v1/worklist-items/${id}`, key).expect(404);
      await http.get(`/v1/reps/${repExternalId}/worklist`, key).expect(404);
    }
    await http.post(`/v1/worklist-items/${id}/outcome`, otherRepKey, { outcome: 'reached' }).expect(404);
    await http
      .post(`/v1/worklist-items/${id}/snooze`, otherRepKey, { until: addDays(today, 2), reason: 'x' })
      .expect(404);
    await http.get('/v1/worklist-items/00000000-0000-0000-0000-000000000000', repKey).expect(404);
    await http.get('/v1/worklist-items/not-a-uuid', repKey).expect(404);
    // machines may read, masked, but not act
    const masked = await http.get(`/v1/worklist-items/${id}`, integrationKey).expect(200);
    if (masked.body.customer.phone) expect(masked.body.customer.phone).toContain('*');
    await http.post(`/v1/worklist-items/${id}/outcome`, integrationKey, { outcome: 'reached' }).expect(403);
  });

  it('lets the rep work the list top to bottom; done items leave it and ranks never reshuffle', async () => {
    const tomorrow = addDays(today, 1);
    const plan: Array<{ do: string; body?: object }> = [
      { do: 'snooze', body: { until: addDays(today, 3), reason: 'travelling' } },
      { do: 'do_not_call' },
      { do: 'callback_requested', body: { callbackAt: at(tomorrow, '10:00'), notes: 'wants a quote' } },
      { do: 'no_answer' },
      { do: 'converted', body: { personality: 'rational', notes: 'ordered' } },
      { do: 'wrong_number' },
      { do: 'not_interested' },
    ];
    let etag: string | undefined;
    for (const [n, item] of initial.entries()) {
      // the next open item is the top of the list, with the rank it had this morning
      const top = await http.get('/v1/me/worklist?limit=1', repKey).expect(200);
      expect(top.body.items[0]).toMatchObject({ id: item.id, rank: item.rank });
      if (etag) expect(top.headers.etag).not.toBe(etag);
      etag = top.headers.etag;
      const step = plan[n] ?? { do: 'reached' };
      did.set(item.customer.externalId, step.do);
      if (step.do === 'snooze') {
        const res = await http.post(`/v1/worklist-items/${item.id}/snooze`, repKey, step.body!).expect(201);
        expect(res.body).toMatchObject({ state: 'snoozed', until: addDays(today, 3) });
      } else {
        const res = await http
          .post(`/v1/worklist-items/${item.id}/outcome`, repKey, { outcome: step.do, ...step.body })
          .expect(201);
        expect(res.body.outcome).toBe(step.do);
        if (step.do === 'no_answer') expect(res.body.followUp).toMatchObject({ kind: 'retry', attempt: 2 });
        if (step.do === 'callback_requested') {
          expect(res.body.followUp).toMatchObject({
            kind: 'callback',
            dueAt: new Date(at(tomorrow, '10:00')).toISOString(),
          });
        }
        if (step.do === 'do_not_call')
          expect(res.body.suppression).toMatchObject({ kind: 'do_not_call', until: null });
      }
    }
    const empty = await http.get('/v1/me/worklist', repKey).expect(200);
    expect(empty.body.items).toEqual([]);
    expect(empty.body.counts).toEqual({ open: 0, done: initial.length - 1, snoozed: 1, skipped: 0 });
    const all = await http.get('/v1/me/worklist?state=all&limit=200', repKey).expect(200);
    expect(all.body.items.map((i: Item) => [i.id, i.rank])).toEqual(initial.map((i) => [i.id, i.rank]));

    // an item has one outcome
    const again = await http.post(`/v1/worklist-items/${initial[1].id}/outcome`, repKey, {
      outcome: 'reached',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('item_not_open');
  });

  it('shows an item with the customer summary and what happened', async () => {
    const converted = initial[4];
    const res = await http.get(`/v1/worklist-items/${converted.id}`, repKey).expect(200);
    expect(res.body).toMatchObject({
      id: converted.id,
      state: 'done',
      outcome: 'converted',
      listDate: today,
    });
    expect(res.body.scores).toHaveProperty('clv');
    expect(res.body.talkTrack.length).toBeGreaterThan(20);
    expect(res.body.recentInteractions[0]).toMatchObject({
      kind: 'worklist_call',
      outcome: 'converted',
      note: 'ordered',
    });
    expect(Array.isArray(res.body.recentOrders)).toBe(true);
    const [c] = await nest.db.query(
      `SELECT personality FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, converted.customer.externalId],
    );
    expect(c.personality).toBe('rational');
    // the manager of the team can read it, with full contact details
    await http.get(`/v1/worklist-items/${converted.id}`, managerKey).expect(200);
  });

  it("publishes tomorrow's list from what the rep did", async () => {
    const tomorrow = addDays(today, 1);
    await publish(nest.app, workspaceId, tomorrow);
    const res = await http.get(`/v1/me/worklist?date=${tomorrow}&limit=200`, repKey).expect(200);
    const byCustomer = new Map<string, Item>(res.body.items.map((i: Item) => [i.customer.externalId, i]));
    for (const [customer, what] of did) {
      const item = byCustomer.get(customer);
      switch (what) {
        case 'callback_requested':
          expect(item).toMatchObject({ kind: 'callback', rank: 1 });
          expect(item!.reasons[0].code).toBe('callback_due');
          expect(item!.reasons[0].text).toContain('10:00');
          break;
        case 'no_answer':
          expect(item?.kind).toBe('retry');
          expect(item!.reasons[0].code).toBe('retry_no_answer');
          expect(item!.reasons[0].text).toMatch(/未接通；第2次尝试（共3次）/);
          break;
        default:
          // do-not-call, wrong number, not interested, snoozed, converted and reached customers are not called again
          expect({ customer, what, listed: !!item }).toEqual({ customer, what, listed: false });
      }
    }
    // the snoozed customer stays away until its day and then comes back, saying why
    const snoozed = initial[0].customer.externalId;
    await publish(nest.app, workspaceId, addDays(today, 2));
    const day2 = await http.get(`/v1/me/worklist?date=${addDays(today, 2)}&limit=200`, repKey).expect(200);
    expect(day2.body.items.map((i: Item) => i.customer.externalId)).not.toContain(snoozed);
    await publish(nest.app, workspaceId, addDays(today, 3));
    const day3 = await http.get(`/v1/me/worklist?date=${addDays(today, 3)}&limit=200`, repKey).expect(200);
    const back = day3.body.items.find((i: Item) => i.customer.externalId === snoozed);
    expect(back).toBeDefined();
    expect(back.reasons.map((r: { code: string }) => r.code)).toContain('snooze_ended');
    expect(back.why).toContain('travelling');
    // do-not-call stays for good
    const dnc = initial[1].customer.externalId;
    expect(day3.body.items.map((i: Item) => i.customer.externalId)).not.toContain(dnc);
  });

  it('attributes an order placed after a call to that call', async () => {
    const converted = initial[4].customer.externalId;
    await nest.db.query(
      `INSERT INTO orders (workspace_id, source, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'crm', 'ord-after-call', id, now() + interval '1 hour', 88800, 'CNY', 'paid'
       FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [workspaceId, converted],
    );
    const res = await http
      .get(`/v1/reps/${repExternalId}/worklist-attribution?from=${today}&to=${today}`, managerKey)
      .expect(200);
    expect(res.body.calls).toBe(initial.length - 1);
    expect(res.body.byOutcome.converted).toBe(1);
    expect(res.body.orders).toEqual([
      expect.objectContaining({
        order: 'ord-after-call',
        customer: converted,
        amountMinor: 88800,
        outcome: 'converted',
      }),
    ]);
    expect(res.body.attributedRevenue).toEqual([{ currency: 'CNY', amountMinor: 88800 }]);
    await http
      .get(`/v1/reps/${repExternalId}/worklist-attribution?from=${today}&to=${today}`, otherRepKey)
      .expect(404);
  });
});
