import request from 'supertest';
import { armOf } from '../../src/experiments/experiment-design';
import { addDays } from '../../src/worklist/zoned-time';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';
import { keyFor, publish, scoredWorkspace } from '../worklist/worklist-support';

/**
 * The "done means": an A/B between two talk-track variants, through HTTP — define the variants in the
 * workspace's settings, create the experiment, publish the lists (each item's talk track is written with its
 * arm's variant and records it, each exposure is logged), record outcomes and orders, read the per-arm report
 * with its intervals.
 */
describe('an A/B test of two talk-track variants, end to end over HTTP', () => {
  const nest = useTestApp({ http: true });
  const contract = useContract(nest);
  let workspaceId: string;
  let today: string;
  let admin: string;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'exp-ab-http', customers: 400 }));
    admin = await keyFor(nest.app, workspaceId, 'admin');
    const defined = await http()
      .patch('/v1/workspace')
      .set('authorization', `Bearer ${admin}`)
      .send({ settings: { talkTracks: { variants } } });
    expect([defined.status, defined.body.error]).toEqual([200, undefined]);
  }, 180_000);

  const http = () => request(nest.app.getHttpServer());
  const post = (path: string, body: object) =>
    http().post(path).set('authorization', `Bearer ${admin}`).send(body);
  const get = (path: string) => http().get(path).set('authorization', `Bearer ${admin}`);
  // each variant closes the call its own way, in both locales (reps of either language may be on the lists)
  const variants = {
    warm: {
      templates: {
        'en/close': 'WARM-CLOSE: it was lovely to catch up, {{customerName}}.',
        'zh-CN/close': 'WARM-CLOSE：{{customerName}}，很高兴和您聊天。',
      },
    },
    direct: {
      templates: {
        'en/close': 'DIRECT-CLOSE: shall I put the order in now?',
        'zh-CN/close': 'DIRECT-CLOSE：我现在就帮您下单吧？',
      },
    },
  };
  const arms = [
    { key: 'warm', weight: 0.5, strategy: { type: 'talk_track', variant: 'warm' } },
    { key: 'direct', weight: 0.5, strategy: { type: 'talk_track', variant: 'direct' } },
  ];

  it('refuses a talk-track arm whose variant the settings do not define, naming the arm', async () => {
    const res = await post('/v1/experiments', {
      name: 'x',
      arms: [arms[0], { key: 'bold', weight: 0.5, strategy: { type: 'talk_track', variant: 'bold' } }],
    }).expect(422);
    expect(res.body.error.code).toBe('unknown_variant');
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ path: 'arms.1.strategy.variant', code: 'unknown_variant' }),
    ]);
  });

  it('refuses on save a variant template that fails for some call, under the variant with its position', async () => {
    const res = await http()
      .patch('/v1/workspace')
      .set('authorization', `Bearer ${admin}`)
      .send({
        settings: { talkTracks: { variants: { bold: { templates: { 'zh-CN/close': '好\n{{nope}}' } } } } },
      })
      .expect(422);
    expect(res.body.error.details).toEqual([
      {
        path: 'settings.talkTracks.variants.bold.templates.zh-CN/close',
        message: expect.stringMatching(/^line 2, column 3: .*"nope"/),
      },
    ]);
  });

  it("previews a variant: its templates over the workspace's; an unknown one is refused", async () => {
    const combination = {
      locale: 'en',
      personality: 'neutral',
      situation: 'repeat',
      valueTier: 'core',
      offerType: 'none',
    };
    const warm = await post('/v1/workspace/talk-tracks/preview', { ...combination, variant: 'warm' }).expect(
      200,
    );
    expect(warm.body.text).toContain('WARM-CLOSE: it was lovely to catch up, Ms Chen.');
    const plain = await post('/v1/workspace/talk-tracks/preview', combination).expect(200);
    expect(plain.body.text).not.toContain('-CLOSE');
    const unknown = await post('/v1/workspace/talk-tracks/preview', {
      ...combination,
      variant: 'bold',
    }).expect(422);
    expect(unknown.body.error.code).toBe('unknown_variant');
  });

  it('refuses a start in the past and weights that do not sum to 1, naming the field', async () => {
    const past = await post('/v1/experiments', { name: 'x', arms, startsOn: addDays(today, -1) }).expect(422);
    expect(past.body.error.code).toBe('start_in_past');
    expect(past.body.error.details).toEqual([
      expect.objectContaining({ path: 'startsOn', code: 'start_in_past' }),
    ]);
    const weights = await post('/v1/experiments', {
      name: 'x',
      arms: arms.map((a) => ({ ...a, weight: 0.6 })),
    }).expect(422);
    expect(weights.body.error.details).toEqual([
      expect.objectContaining({ path: 'arms', code: 'weights_sum' }),
    ]);
  });

  it('publishes items that record their variant, takes outcomes and orders, and reports per arm with intervals', async () => {
    const created = await post('/v1/experiments', { name: 'talk tracks: warm vs direct', arms }).expect(201);
    const e = created.body as { id: string; control: string; startsOn: string };
    expect(e).toMatchObject({ control: 'warm', startsOn: today });
    const withBuckets = [
      { key: 'warm', bucketFrom: 0, bucketTo: 0.5 },
      { key: 'direct', bucketFrom: 0.5, bucketTo: 1 },
    ];

    await publish(nest.app, workspaceId, today);
    const items: Array<{
      id: string;
      customer_id: string;
      external_id: string;
      talk_track_variant: string;
      talk_track: string;
    }> = await nest.db.query(
      `SELECT i.id, i.customer_id::text AS customer_id, c.external_id, i.talk_track_variant, i.talk_track
         FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id JOIN customers c ON c.id = i.customer_id
         WHERE w.workspace_id = $1 AND w.list_date = $2 ORDER BY i.customer_id`,
      [workspaceId, today],
    );
    expect(items.length).toBeGreaterThan(20);
    for (const i of items) expect(i.talk_track_variant).toBe(armOf(e.id, i.customer_id, withBuckets).key);
    const byArm = (key: string) => items.filter((i) => i.talk_track_variant === key);
    expect(byArm('warm').length).toBeGreaterThan(5);
    expect(byArm('direct').length).toBeGreaterThan(5);
    // what a rep reads differs by arm, and comes from the arm's variant
    for (const i of byArm('warm')) {
      expect([i.talk_track.includes('WARM-CLOSE'), i.talk_track.includes('DIRECT-CLOSE')]).toEqual([
        true,
        false,
      ]);
    }
    for (const i of byArm('direct')) {
      expect([i.talk_track.includes('DIRECT-CLOSE'), i.talk_track.includes('WARM-CLOSE')]).toEqual([
        true,
        false,
      ]);
    }
    const view = await get(`/v1/worklist-items/${byArm('direct')[0].id}`).expect(200);
    expect(view.body.talkTrackVariant).toBe('direct');
    const events: Array<{
      payload: string | { data: { items: Array<{ customer: string; talkTrackVariant?: string }> } };
    }> = await nest.db.query(
      `SELECT payload FROM outbox_events WHERE workspace_id = $1 AND event_type = 'worklist.published'`,
      [workspaceId],
    );
    const announced = events.flatMap((ev) => {
      const message = typeof ev.payload === 'string' ? JSON.parse(ev.payload) : ev.payload;
      return message.data.items as Array<{ customer: string; talkTrackVariant?: string }>;
    });
    expect(announced.length).toBe(items.length);
    const variantOf = new Map(items.map((i) => [i.external_id, i.talk_track_variant]));
    for (const a of announced) expect(a.talkTrackVariant).toBe(variantOf.get(a.customer));

    // a few calls reached, then orders today: 12 direct customers and 4 warm ones buy
    for (const i of items.slice(0, 4)) {
      await post(`/v1/worklist-items/${i.id}/outcome`, { outcome: 'reached' }).expect(201);
    }
    const buyers = [...byArm('direct').slice(0, 12), ...byArm('warm').slice(0, 4)];
    const [{ currency }] = await nest.db.query(
      `SELECT currency FROM orders WHERE workspace_id = $1 GROUP BY currency ORDER BY count(*) DESC LIMIT 1`,
      [workspaceId],
    );
    const now = new Date().toISOString();
    const csv = [
      'external_id,customer_external_id,placed_at,amount,currency,status',
      ...buyers.map((b, n) => `exp-ab-${n},${b.external_id},${now},250.00,${currency},paid`),
    ].join('\n');
    const upload = await http()
      .post('/v1/imports')
      .set('authorization', `Bearer ${admin}`)
      .field('kind', 'orders')
      .attach('file', Buffer.from(csv), 'orders.csv')
      .expect(202);
    await finished(upload.body.id);

    const res = await get(`/v1/experiments/${e.id}/report`).expect(200);
    const report = res.body;
    expect(report.window).toEqual({ from: today, to: today, ended: false });
    expect(report.method.sequential).toBe('msprt');
    const [warm, direct] = report.arms;
    expect([warm.arm, direct.arm]).toEqual(['warm', 'direct']);
    expect(warm.vsControl).toBeNull();
    // the window starts today: only the orders just imported count
    expect(direct.converted).toBe(12);
    expect(warm.converted).toBe(4);
    expect(direct.revenue - warm.revenue).toBe(8 * 25_000);
    expect(direct.exposures.items + warm.exposures.items).toBe(items.length);
    expect(direct.exposures.items).toBe(byArm('direct').length);
    for (const arm of [warm, direct]) {
      expect(arm.conversion.low).toBeLessThan(arm.conversion.value);
      expect(arm.conversion.high).toBeGreaterThan(arm.conversion.value);
    }
    const vs = direct.vsControl;
    const observed = 12 / direct.customers - 4 / warm.customers;
    expect(vs.conversionDifference.value).toBeCloseTo(observed, 12);
    expect(vs.conversionDifference.low).toBeLessThan(observed);
    expect(vs.conversionDifference.high).toBeGreaterThan(observed);
    expect(vs.revenueDifference.df).toBeGreaterThan(1);
    expect(vs.revenueDifference.low).toBeLessThan(vs.revenueDifference.value);
    expect(vs.sequential.pValue).toBeGreaterThan(0);
    // the always-valid interval is wider than the fixed-horizon one
    expect(vs.sequential.interval.high - vs.sequential.interval.low).toBeGreaterThan(
      vs.conversionDifference.high - vs.conversionDifference.low,
    );
    expect(['keep_running', 'stop_arm_wins']).toContain(vs.advice);
    expect(Object.keys(report.byTier).length).toBeGreaterThan(0);
  });

  it('answered every experiments request as its OpenAPI document says', () => {
    // only this room's routes: GET /v1/imports/{id} answers progress byte counts as strings (an ingest matter)
    expect(contract.problems().filter((p) => p.includes('/v1/experiments'))).toEqual([]);
  });

  async function finished(id: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await get(`/v1/imports/${id}`).expect(200);
      if (res.body.status === 'completed') return res.body;
      if (res.body.status === 'failed') throw new Error(JSON.stringify(res.body));
      if (Date.now() > deadline) throw new Error(`import ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
