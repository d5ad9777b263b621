import request from 'supertest';
import { busiestRep, client, keyFor, publish, scoredWorkspace } from './worklist-support';
import { useTestApp } from '../support/use-test-app';

interface ItemDetail {
  id: string;
  state: string;
  talkTrack: string;
  reasons: unknown[];
  offer: unknown;
  scores: unknown;
  recentOrders: Array<{ externalId: string }>;
  recentInteractions: unknown[];
  customer: { externalId: string; name: string | null; phone: string | null; email: string | null };
}

/**
 * Issue 12 part 5: after a customer is reassigned, the previous owner's old worklist item no longer shows the
 * customer (clear phone, orders) and takes no outcome, snooze or pin — on every route that reaches the item or the
 * customer, the embeddable page included — while the new owner, managers and admins are unaffected and nothing the
 * old owner tried changed the customer's state.
 */
describe('worklist items of a reassigned customer', () => {
  const nest = useTestApp({ http: true });
  let http: ReturnType<typeof client>;
  let workspaceId: string;
  let today: string;
  let rep: { id: string; external_id: string };
  let repKey: string;
  let sameTeamRep: { id: string; external_id: string };
  let sameTeamKey: string;
  let managerKey: string;
  let adminKey: string;
  let otherTeamRep: { id: string; external_id: string };
  /** item moved within the team (to sameTeamRep), item moved to another team, item moved away and back */
  let within: ItemDetail;
  let across: ItemDetail;
  let roundTrip: ItemDetail;
  const customerOf = new Map<string, string>();
  let etagBefore: string;

  const customerIdOf = async (itemId: string): Promise<string> => {
    const [row] = await nest.db.query(`SELECT customer_id::text AS id FROM worklist_items WHERE id = $1`, [
      itemId,
    ]);
    return row.id as string;
  };

  /** Everything an outcome, snooze or pin could have changed about a customer and its item. */
  const stateOf = async (itemId: string) => {
    const customerId = customerOf.get(itemId)!;
    const [row] = await nest.db.query(
      `SELECT (SELECT count(*) FROM contact_suppressions WHERE customer_id = $1)::int AS suppressions,
              (SELECT count(*) FROM worklist_follow_ups WHERE customer_id = $1)::int AS follow_ups,
              (SELECT count(*) FROM worklist_outcomes WHERE customer_id = $1)::int AS outcomes,
              (SELECT count(*) FROM worklist_pins WHERE customer_id = $1)::int AS pins,
              c.personality, c.owner_rep_id, c.updated_at, i.state, i.outcome, i.snoozed_until::text AS snoozed_until
       FROM customers c JOIN worklist_items i ON i.customer_id = c.id WHERE c.id = $1 AND i.id = $2`,
      [customerId, itemId],
    );
    return row as Record<string, unknown>;
  };

  const assign = (items: ItemDetail[], toRepId: string) =>
    http
      .post('/v1/assignments', adminKey, {
        customerIds: items.map((i) => customerOf.get(i.id)!),
        toRepId,
        note: 'test reassignment',
      })
      .expect(200);

  /** The personal data the old owner read before the move must appear nowhere in a later answer. */
  const expectNoPersonalData = (text: string, before: ItemDetail) => {
    for (const secret of [before.customer.phone, before.customer.email, before.customer.name]) {
      if (secret) expect(text).not.toContain(secret);
    }
    for (const o of before.recentOrders) expect(text).not.toContain(o.externalId);
  };

  beforeAll(async () => {
    http = client(nest.app);
    ({ workspaceId, today } = await scoredWorkspace(nest.app));
    await publish(nest.app, workspaceId, today);
    const who = await busiestRep(nest.app, workspaceId, today);
    rep = who.rep;
    sameTeamRep = who.other;
    repKey = await keyFor(nest.app, workspaceId, 'rep', rep.id);
    sameTeamKey = await keyFor(nest.app, workspaceId, 'rep', sameTeamRep.id);
    managerKey = await keyFor(nest.app, workspaceId, 'manager', who.managerId);
    adminKey = await keyFor(nest.app, workspaceId, 'admin');
    [otherTeamRep] = await nest.db.query(
      `SELECT id, external_id FROM reps WHERE workspace_id = $1 AND role = 'rep' AND active
         AND team_id IS NOT NULL AND team_id IS DISTINCT FROM $2 ORDER BY external_id LIMIT 1`,
      [workspaceId, (await nest.db.query(`SELECT team_id FROM reps WHERE id = $1`, [rep.id]))[0].team_id],
    );
    expect(otherTeamRep).toBeDefined();

    const list = await http.get('/v1/me/worklist?limit=200', repKey).expect(200);
    etagBefore = list.headers.etag as string;
    const picked: ItemDetail[] = [];
    for (const summary of list.body.items as Array<{ id: string; customer: { phone: string | null } }>) {
      if (!summary.customer.phone) continue;
      const detail = (await http.get(`/v1/worklist-items/${summary.id}`, repKey).expect(200))
        .body as ItemDetail;
      if (detail.recentOrders.length === 0) continue;
      picked.push(detail);
      customerOf.set(detail.id, await customerIdOf(detail.id));
      if (picked.length === 3) break;
    }
    expect(picked).toHaveLength(3);
    [within, across, roundTrip] = picked;
    // before the move the owner reads the customer in clear
    expect(within.customer.phone).not.toContain('*');
  }, 180_000);

  it('before the move nothing is reassigned and the owner has full access', async () => {
    const list = await http.get('/v1/me/worklist?state=all&limit=200', repKey).expect(200);
    expect(list.body.counts.reassigned).toBeUndefined();
    expect(list.body.items.every((i: { state: string }) => i.state !== 'reassigned')).toBe(true);
  });

  describe('after the customers are reassigned', () => {
    let before: Map<string, Record<string, unknown>>;

    beforeAll(async () => {
      await assign([within, roundTrip], sameTeamRep.id);
      await assign([across], otherTeamRep.id);
      before = new Map();
      for (const i of [within, across, roundTrip]) before.set(i.id, await stateOf(i.id));
      expect(before.get(within.id)!.owner_rep_id).toBe(sameTeamRep.id);
      expect(before.get(across.id)!.owner_rep_id).toBe(otherTeamRep.id);
    });

    it("the old owner's read of the item shows it as reassigned: no phone, email, name, orders or scores", async () => {
      for (const item of [within, across]) {
        const res = await http.get(`/v1/worklist-items/${item.id}`, repKey).expect(200);
        expect(res.body).toMatchObject({
          id: item.id,
          state: 'reassigned',
          talkTrack: '',
          reasons: [],
          offer: null,
          scores: null,
          recentOrders: [],
          recentInteractions: [],
          openFollowUp: null,
          customer: { externalId: item.customer.externalId, name: null, phone: null, email: null },
        });
        expectNoPersonalData(res.text, item);
      }
    });

    it("the old owner's list leaves the item out of the open items and shows it reassigned with state=all", async () => {
      const open = await http
        .get('/v1/me/worklist?limit=200', repKey, { 'If-None-Match': etagBefore })
        .expect(200);
      expect(open.headers.etag).not.toBe(etagBefore);
      const openIds = open.body.items.map((i: { id: string }) => i.id);
      for (const item of [within, across, roundTrip]) expect(openIds).not.toContain(item.id);
      expect(open.body.counts.reassigned).toBe(3);

      const all = await http.get('/v1/me/worklist?state=all&limit=200', repKey).expect(200);
      const moved = all.body.items.filter((i: { state: string }) => i.state === 'reassigned');
      expect(moved.map((i: { id: string }) => i.id).sort()).toEqual(
        [within.id, across.id, roundTrip.id].sort(),
      );
      for (const item of [within, across, roundTrip]) expectNoPersonalData(JSON.stringify(moved), item);
      // the rest of the list is untouched: its phones are still in clear
      const kept = all.body.items.filter(
        (i: { state: string; customer: { phone: string | null } }) =>
          i.state !== 'reassigned' && i.customer.phone,
      );
      expect(kept.length).toBeGreaterThan(0);
      expect(kept[0].customer.phone).not.toContain('*');
      // the same answer through the rep-id route
      const byId = await http
        .get(`/v1/reps/${rep.external_id}/worklist?state=all&limit=200`, repKey)
        .expect(200);
      expect(byId.body.counts.reassigned).toBe(3);
    });

    it('the old owner cannot record an outcome, snooze or pin: 409 item_reassigned / 403, and nothing changes', async () => {
      for (const item of [within, across]) {
        const outcome = await http
          .post(`/v1/worklist-items/${item.id}/outcome`, repKey, {
            outcome: 'not_interested',
            personality: 'leader',
          })
          .expect(409);
        expect(outcome.body.error).toMatchObject({
          code: 'item_reassigned',
          details: { itemId: item.id, state: 'reassigned' },
        });
        const snooze = await http
          .post(`/v1/worklist-items/${item.id}/snooze`, repKey, { until: '2099-01-01', reason: 'away' })
          .expect(409);
        expect(snooze.body.error.code).toBe('item_reassigned');
        await http
          .post(`/v1/worklist-items/${item.id}/outcome`, repKey, { outcome: 'do_not_call' })
          .expect(409);
        await http
          .post('/v1/worklist-pins', repKey, { customer: item.customer.externalId, note: 'mine' })
          .expect(403);
        expect(await stateOf(item.id)).toEqual(before.get(item.id));
      }
    });

    it("a manager keeps access within their team's scope, not beyond it", async () => {
      // moved within the team: the manager still reads it in clear
      const inTeam = await http.get(`/v1/worklist-items/${within.id}`, managerKey).expect(200);
      expect(inTeam.body.state).toBe('open');
      expect(inTeam.body.customer.phone).toBe(within.customer.phone);
      // moved to another team: reassigned for the old team's manager too, and no outcome, snooze or pin
      const out = await http.get(`/v1/worklist-items/${across.id}`, managerKey).expect(200);
      expect(out.body.state).toBe('reassigned');
      expectNoPersonalData(out.text, across);
      const refused = await http
        .post(`/v1/worklist-items/${across.id}/outcome`, managerKey, { outcome: 'reached' })
        .expect(409);
      expect(refused.body.error.code).toBe('item_reassigned');
      await http
        .post(`/v1/worklist-items/${across.id}/snooze`, managerKey, { until: '2099-01-01', reason: 'x' })
        .expect(409);
      const pin = await http
        .post('/v1/worklist-pins', managerKey, { customer: across.customer.externalId })
        .expect(404);
      expect(pin.body.error.code).toBe('not_found');
      expect(await stateOf(across.id)).toEqual(before.get(across.id));
    });

    it('admins keep full access; the new owner is unaffected', async () => {
      const admin = await http.get(`/v1/worklist-items/${across.id}`, adminKey).expect(200);
      expect(admin.body.state).toBe('open');
      expect(admin.body.customer.phone).toBe(across.customer.phone);
      expect(admin.body.recentOrders.length).toBeGreaterThan(0);
      // the new owner's customer is neither snoozed nor suppressed nor closed by the old owner's attempts
      const state = await stateOf(within.id);
      expect(state).toMatchObject({ state: 'open', outcome: null, snoozed_until: null });
      expect(state.suppressions).toBe(before.get(within.id)!.suppressions);
      // and the new owner's own list reads as before (their items keep their state)
      const theirs = await http.get('/v1/me/worklist?state=all&limit=200', sameTeamKey).expect(200);
      expect(theirs.body.counts.reassigned).toBeUndefined();
      // the old owner's list is not the new owner's: 404 as for any other rep's item
      await http.get(`/v1/worklist-items/${within.id}`, sameTeamKey).expect(404);
    });

    it('the embeddable page shows the list as its rep sees it: no data of customers reassigned away', async () => {
      for (const mintedBy of [adminKey, repKey]) {
        const token = await http.post('/v1/embed-tokens', mintedBy, { rep: rep.external_id }).expect(201);
        const page = await request(nest.app.getHttpServer()).get(token.body.path).expect(200);
        // names of synthetic customers may repeat across a list; phones, emails and order ids do not
        for (const item of [within, across, roundTrip]) {
          expectNoPersonalData(page.text, { ...item, customer: { ...item.customer, name: null } });
        }
        expect(page.text).toContain(within.customer.externalId);
        expect(page.text).toContain('☎');
      }
    });

    it('moved back, the item is the owner’s again: readable in clear and takes an outcome', async () => {
      await assign([roundTrip], rep.id);
      const back = await http.get(`/v1/worklist-items/${roundTrip.id}`, repKey).expect(200);
      expect(back.body.state).toBe('open');
      expect(back.body.customer.phone).toBe(roundTrip.customer.phone);
      await http
        .post(`/v1/worklist-items/${roundTrip.id}/outcome`, repKey, { outcome: 'reached' })
        .expect(201);
      const list = await http.get('/v1/me/worklist?state=all&limit=200', repKey).expect(200);
      expect(list.body.counts.reassigned).toBe(2);
    });
  });
});
