import { DEFAULT_OFFER_CATALOG } from '../../src/offers/offer-catalog';
import { chooseOffer } from '../../src/offers/offer-choice';
import { OfferRepository } from '../../src/offers/offer.repository';
import { OffersService } from '../../src/offers/offers.service';
import { useTestApp } from '../support/use-test-app';
import { offerTerms } from './offer-terms';
import { addDays, client, keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/**
 * Issue 14 item 3 against PostgreSQL: the catalog API (versions, If-Match, 409/422/428, roles), redemptions by
 * order and by outcome that spend a budget once per item however often attribution runs, and the next published
 * list showing the next best offer once the best one is exhausted — never an expired one, and a capped one at most
 * as often as its cap.
 */
describe('offers managed for real (PostgreSQL)', () => {
  const nest = useTestApp({ http: true });
  let workspaceId: string;
  let today: string;
  let admin: string;
  let rep: string;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'offers-budget', customers: 300 }));
    admin = await keyFor(nest.app, workspaceId, 'admin');
    const [r] = await nest.db.query(`SELECT id FROM reps WHERE workspace_id = $1 AND role = 'rep' LIMIT 1`, [
      workspaceId,
    ]);
    rep = await keyFor(nest.app, workspaceId, 'rep', r.id);
  });

  it('creates offers through the API; refuses bad bodies with field paths, and reps may read but not write', async () => {
    const api = client(nest.app);
    const created = await api.post('/v1/offers', admin, { code: 'TOP_PICK', budget: 2, ...offerTerms() });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({ code: 'TOP_PICK', version: 1, state: 'active' });

    // expired yesterday: never shown, whatever its priority
    const expired = offerTerms({ priority: 999, validTo: addDays(today, -1) });
    expect((await api.post('/v1/offers', admin, { code: 'OLD_NEWS', ...expired })).status).toBe(201);
    // shown at most once per rep and day
    const capped = offerTerms({ priority: 998, caps: { perRepPerDay: 1 } });
    expect((await api.post('/v1/offers', admin, { code: 'CAPPED', ...capped })).status).toBe(201);

    const bad = await api.post('/v1/offers', admin, {
      code: 'BAD',
      ...offerTerms({ title: { en: '', 'zh-CN': '好' }, caps: { perCustomer: { max: 1, days: 0 } } }),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('validation_failed');
    const paths = (bad.body.error.details as Array<{ path: string }>).map((d) => d.path).sort();
    expect(paths).toEqual(['caps.perCustomer.days', 'title.en']);

    expect((await api.post('/v1/offers', admin, { code: 'TOP_PICK', ...offerTerms() })).status).toBe(409);
    expect((await api.post('/v1/offers', rep, { code: 'REP_MADE', ...offerTerms() })).status).toBe(403);
    const listed = await api.get('/v1/offers', rep);
    expect(listed.status).toBe(200);
    expect((listed.body as Array<{ code: string }>).map((o) => o.code)).toEqual(
      expect.arrayContaining(['TOP_PICK', 'CAPPED', 'OLD_NEWS', 'WINBACK_STANDARD']),
    );
  });

  it('publishes the best offer, and an update makes a new version while published items keep theirs', async () => {
    const report = await publish(nest.app, workspaceId, today);
    expect(report.items).toBeGreaterThan(5);
    const shown = await nest.db.query(
      `SELECT offer_code, offer_version, count(*)::int AS n FROM worklist_items WHERE workspace_id = $1
       GROUP BY 1, 2`,
      [workspaceId],
    );
    expect(shown).toEqual([{ offer_code: 'TOP_PICK', offer_version: 1, n: report.items }]);

    const server = nest.app.getHttpServer();
    const request = (await import('supertest')).default;
    const put = (ifMatch: string | null, body: object) => {
      const r = request(server).put('/v1/offers/TOP_PICK').set('Authorization', `Bearer ${admin}`);
      return (ifMatch === null ? r : r.set('If-Match', ifMatch)).send(body);
    };
    const v2 = offerTerms({ description: { en: '25% off your next order', 'zh-CN': '下次下单享七五折' } });
    expect((await put(null, { budget: 2, ...v2 })).status).toBe(428);
    const updated = await put('"1"', { budget: 2, ...v2 });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    const conflict = await put('"1"', { budget: 3, ...v2 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'version_conflict', details: { currentVersion: 2 } });

    const [item] = await nest.db.query(`SELECT id FROM worklist_items WHERE workspace_id = $1 LIMIT 1`, [
      workspaceId,
    ]);
    const detail = await client(nest.app).get(`/v1/worklist-items/${item.id}`, admin);
    expect(detail.status).toBe(200);
    // version 1's terms, in the rep's language
    expect(detail.body.offer.code).toBe('TOP_PICK');
    expect(['20% off your next order', '下次下单享八折']).toContain(detail.body.offer.description);
    const versions = await client(nest.app).get('/v1/offers/TOP_PICK/versions', rep);
    expect((versions.body as Array<{ version: number }>).map((v) => v.version)).toEqual([2, 1]);
  });

  it('spends the budget once per redeemed item and shows the next best offer on the next list', async () => {
    const items: Array<{ id: string; customer_id: string; created_at: Date }> = await nest.db.query(
      `SELECT id, customer_id::text, created_at FROM worklist_items WHERE workspace_id = $1
       ORDER BY rank, id LIMIT 2`,
      [workspaceId],
    );
    // the first customer orders after the call (attributed by the order), the second accepts on the phone
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'offer-test-1', $2, $3::timestamptz + interval '1 hour', 10000, currency, 'paid'
       FROM workspaces WHERE id = $1`,
      [workspaceId, items[0].customer_id, items[0].created_at],
    );
    const outcome = await client(nest.app).post(`/v1/worklist-items/${items[1].id}/outcome`, admin, {
      outcome: 'redeemed',
    });
    expect(outcome.status).toBe(201);

    const repo = nest.app.get(OfferRepository);
    // two attributions at once, then a third: the order counts once
    const both = await Promise.all([repo.attributeOrders(workspaceId), repo.attributeOrders(workspaceId)]);
    expect(both.flat()).toEqual([{ code: 'TOP_PICK', n: 1 }]);
    expect(await repo.attributeOrders(workspaceId)).toEqual([]);
    const [counters] = await nest.db.query(
      `SELECT o.redemptions_used, o.redeemed_minor::int AS redeemed_minor,
              (SELECT count(*)::int FROM offer_redemptions r WHERE r.offer_id = o.id) AS rows
       FROM offers o WHERE o.workspace_id = $1 AND o.code = 'TOP_PICK'`,
      [workspaceId],
    );
    // 20% of the 100.00 order; the accepted offer has no order (yet) and no fixed cost
    expect(counters).toEqual({ redemptions_used: 2, redeemed_minor: 2000, rows: 2 });
    const view = await nest.app.get(OffersService).get(workspaceId, 'TOP_PICK');
    expect(view.state).toBe('exhausted');
    expect(view.usage).toMatchObject({ redemptions: 2, remaining: 0 });

    const next = addDays(today, 1);
    const report = await publish(nest.app, workspaceId, next);
    expect(report.items).toBeGreaterThan(5);
    const rows: Array<{ rep_id: string; offer_code: string | null; value_tier: never; lifecycle: never }> =
      await nest.db.query(
        `SELECT w.rep_id, i.offer_code, s.value_tier, s.lifecycle
         FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
         JOIN customer_scores s ON s.run_id = w.score_run_id AND s.customer_id = i.customer_id
         WHERE i.workspace_id = $1 AND w.list_date = $2`,
        [workspaceId, next],
      );
    const codes = rows.map((r) => r.offer_code);
    expect(codes).not.toContain('TOP_PICK');
    expect(codes).not.toContain('OLD_NEWS');
    const reps = new Set(rows.map((r) => r.rep_id));
    for (const repId of reps) {
      const ofRep = rows.filter((r) => r.rep_id === repId);
      expect(ofRep.filter((r) => r.offer_code === 'CAPPED')).toHaveLength(1);
      // every other item shows the best of the rest of the catalog for its customer
      for (const r of ofRep.filter((x) => x.offer_code !== 'CAPPED')) {
        const expected = chooseOffer({
          catalog: DEFAULT_OFFER_CATALOG,
          asOf: next,
          customer: {
            tier: r.value_tier,
            lifecycle: r.lifecycle,
            abc: null,
            clvMinor: null,
            region: null,
            country: null,
            personality: null,
            categories: [],
          },
          usage: {},
          exposure: { shownToCustomer: {}, shownByRepToday: {}, redeemedByCustomer: [] },
        });
        expect(r.offer_code).toBe(expected?.code ?? null);
      }
    }
  });

  it('archives with If-Match; an archived offer is never shown again', async () => {
    const server = nest.app.getHttpServer();
    const request = (await import('supertest')).default;
    const archive = (ifMatch: string) =>
      request(server)
        .post('/v1/offers/CAPPED/archive')
        .set('Authorization', `Bearer ${admin}`)
        .set('If-Match', ifMatch);
    expect((await archive('"7"')).status).toBe(409);
    const archived = await archive('"1"');
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ state: 'archived', version: 2 });
    const listed = await client(nest.app).get('/v1/offers', admin);
    expect((listed.body as Array<{ code: string }>).map((o) => o.code)).not.toContain('CAPPED');
    const day = await nest.app.get(OffersService).day(workspaceId, addDays(today, 2));
    expect(day.offers.map((o) => o.code)).not.toContain('CAPPED');
  });
});
