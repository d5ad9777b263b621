import { armOf } from '../../src/experiments/experiment-design';
import { ExperimentsService } from '../../src/experiments/experiments.service';
import { OffersService } from '../../src/offers/offers.service';
import { WorklistUrgentService } from '../../src/worklist/worklist-urgent.service';
import { useTestApp } from '../support/use-test-app';
import { publish, scoredWorkspace } from './worklist-support';

type Arms = Array<{ key: string; bucketFrom: number; bucketTo: number }>;

/**
 * Urgent inserts into a published list while an experiment runs (issue 14): the inserted item gets its
 * customer's arm — the arm's talk-track variant or offer — and an exposure, as a published item would; a holdout
 * customer's urgent item stays on the list, logged as promised, and the customer stays in the holdout's analysis.
 */
describe('urgent inserts inside an experiment (PostgreSQL)', () => {
  const nest = useTestApp();
  let workspaceId: string;
  let today: string;
  let experimentId: string;
  let arms: Arms;

  const variants = {
    warm: {
      templates: {
        'en/close': 'WARM-CLOSE: it was lovely to catch up, {{customerName}}.',
        'zh-CN/close': 'WARM-CLOSE：{{customerName}}，很高兴和您聊天。',
      },
    },
  };

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'urgent-arms', customers: 500 }));
    await nest.db.query(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{talkTracks}', $2::jsonb) WHERE id = $1`,
      [workspaceId, JSON.stringify({ variants })],
    );
    // eligible for everyone, but the lowest priority: only an offer arm makes an item show it
    await nest.app.get(OffersService).create(
      workspaceId,
      {
        code: 'ARM_ONLY',
        title: { en: 'the arm’s offer', 'zh-CN': '实验优惠' },
        description: { en: '5% off your next order', 'zh-CN': '下次下单享九五折' },
        tiers: ['core', 'potential', 'general'],
        lifecycles: ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'],
        discountPct: 5,
        priority: 1,
      },
      'test',
    );
    const e = await nest.app.get(ExperimentsService).create(
      workspaceId,
      {
        name: 'urgent inserts follow the arms',
        startsOn: today,
        arms: [
          { key: 'holdout', weight: 0.3, strategy: { type: 'holdout' } },
          { key: 'warm', weight: 0.35, strategy: { type: 'talk_track', variant: 'warm' } },
          { key: 'offer', weight: 0.35, strategy: { type: 'offer', offerCode: 'ARM_ONLY' } },
        ],
      },
      'test',
    );
    experimentId = e.id;
    arms = [
      { key: 'holdout', bucketFrom: 0, bucketTo: 0.3 },
      { key: 'warm', bucketFrom: 0.3, bucketTo: 0.65 },
      { key: 'offer', bucketFrom: 0.65, bucketTo: 1 },
    ];
    await publish(nest.app, workspaceId, today);
  }, 240_000);

  /** Owned, scored customers whose owner has a list today, who are not on it and had no call or visit today. */
  async function offTheList(): Promise<Array<{ id: string }>> {
    return nest.db.query(
      `SELECT c.id::text AS id FROM customers c
       JOIN workspaces w ON w.id = c.workspace_id
       JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = c.id
       JOIN worklists l ON l.workspace_id = c.workspace_id AND l.rep_id = c.owner_rep_id AND l.list_date = $2
       WHERE c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM worklist_items i WHERE i.worklist_id = l.id AND i.customer_id = c.id)
         AND NOT EXISTS (SELECT 1 FROM interactions x WHERE x.customer_id = c.id AND x.kind IN ('call', 'visit')
                           AND x.occurred_at > now() - interval '2 days')
         AND NOT EXISTS (SELECT 1 FROM contact_suppressions x WHERE x.customer_id = c.id)
       ORDER BY c.id`,
      [workspaceId, today],
    );
  }

  const raise = (customerId: string) =>
    nest.app.get(WorklistUrgentService).raise({
      workspaceId,
      customerId,
      event: { kind: 'complaint', at: new Date().toISOString(), note: 'damaged delivery' },
    });

  async function itemOf(customerId: string) {
    const [item] = await nest.db.query(
      `SELECT i.id, i.worklist_id, i.urgent, i.talk_track, i.talk_track_variant, i.offer_code
       FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE w.workspace_id = $1 AND w.list_date = $2 AND i.customer_id = $3`,
      [workspaceId, today, customerId],
    );
    return item as {
      id: string;
      worklist_id: string;
      urgent: boolean;
      talk_track: string;
      talk_track_variant: string | null;
      offer_code: string | null;
    };
  }

  const exposuresOf = (customerId: string) =>
    nest.db.query(
      `SELECT arm_key, worklist_id, list_date::text AS list_date, promised FROM experiment_exposures
       WHERE workspace_id = $1 AND experiment_id = $2 AND customer_id = $3`,
      [workspaceId, experimentId, customerId],
    );

  it('gives an urgent item its arm’s talk-track variant or offer and logs its exposure, once', async () => {
    const candidates = await offTheList();
    const inArm = (key: string) => candidates.find((c) => armOf(experimentId, c.id, arms).key === key)!;
    const warm = inArm('warm');
    const offer = inArm('offer');
    expect([warm, offer].every(Boolean)).toBe(true);

    expect(await raise(warm.id)).toMatchObject({ result: 'inserted' });
    expect(await raise(offer.id)).toMatchObject({ result: 'inserted' });

    const warmItem = await itemOf(warm.id);
    expect(warmItem).toMatchObject({ urgent: true, talk_track_variant: 'warm' });
    expect(warmItem.talk_track).toContain('WARM-CLOSE');
    const offerItem = await itemOf(offer.id);
    expect(offerItem).toMatchObject({ urgent: true, talk_track_variant: null, offer_code: 'ARM_ONLY' });
    expect(offerItem.talk_track).not.toContain('WARM-CLOSE');

    // the published items of those arms carry the same marks: the urgent path assigns as the publisher does
    const published: Array<{
      customer_id: string;
      talk_track_variant: string | null;
      offer_code: string | null;
    }> = await nest.db.query(
      `SELECT i.customer_id::text AS customer_id, i.talk_track_variant, i.offer_code
         FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
         WHERE w.workspace_id = $1 AND w.list_date = $2 AND NOT i.urgent`,
      [workspaceId, today],
    );
    for (const p of published) {
      const arm = armOf(experimentId, p.customer_id, arms).key;
      if (arm === 'warm') expect(p.talk_track_variant).toBe('warm');
      if (arm === 'offer') expect(p.offer_code).toBe('ARM_ONLY');
    }

    expect(await exposuresOf(warm.id)).toEqual([
      { arm_key: 'warm', worklist_id: warmItem.worklist_id, list_date: today, promised: false },
    ]);
    expect(await exposuresOf(offer.id)).toEqual([
      { arm_key: 'offer', worklist_id: offerItem.worklist_id, list_date: today, promised: false },
    ]);
    // the same customer's next urgent event marks the open item; the exposure is not logged twice
    expect(await raise(warm.id)).toEqual({ result: 'marked', itemId: warmItem.id });
    expect(await exposuresOf(warm.id)).toHaveLength(1);
  });

  it('keeps a holdout customer’s urgent item on the list, logged as promised, and in the holdout’s analysis', async () => {
    const experiments = nest.app.get(ExperimentsService);
    const held = (await offTheList()).find((c) => armOf(experimentId, c.id, arms).key === 'holdout')!;
    expect(held).toBeDefined();
    const before = await experiments.report(workspaceId, experimentId);
    const holdoutBefore = before.arms.find((a) => a.arm === 'holdout')!;
    expect(holdoutBefore.exposures.promisedCustomers).toBe(0);

    expect(await raise(held.id)).toMatchObject({ result: 'inserted' });
    const item = await itemOf(held.id);
    // the usual item: a holdout arm changes nothing on an item it lets through
    expect(item).toMatchObject({ urgent: true, talk_track_variant: null });
    expect(item.offer_code).not.toBe('ARM_ONLY');
    expect(await exposuresOf(held.id)).toEqual([
      { arm_key: 'holdout', worklist_id: item.worklist_id, list_date: today, promised: true },
    ]);

    // The customer placed a large order today: it counts as the holdout's conversion (intention to treat) — left
    // out of the holdout alone, the control would lose exactly the customers who bought, and the lift would grow.
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'urgent-holdout-order', $2, now() - interval '1 minute', 900000, currency, 'paid'
       FROM workspaces WHERE id = $1`,
      [workspaceId, held.id],
    );
    const after = await experiments.report(workspaceId, experimentId);
    const holdoutAfter = after.arms.find((a) => a.arm === 'holdout')!;
    expect(holdoutAfter.exposures.promisedCustomers).toBe(1);
    expect(holdoutAfter.customers).toBe(holdoutBefore.customers);
    expect(holdoutAfter.excludedPromised).toBe(holdoutBefore.excludedPromised);
    const newConversion = (await boughtInWindowBefore(held.id, before.window.from)) ? 0 : 1;
    expect(holdoutAfter.converted).toBe(holdoutBefore.converted + newConversion);
  });

  /** Whether the customer had converted already, before the test's own order (then it adds no conversion). */
  async function boughtInWindowBefore(customerId: string, from: string): Promise<boolean> {
    const rows = await nest.db.query(
      `SELECT 1 FROM orders WHERE workspace_id = $1 AND customer_id = $2 AND status = 'paid' AND deleted_at IS NULL
         AND external_id <> 'urgent-holdout-order'
         AND placed_at >= ($3::date::timestamp AT TIME ZONE 'Asia/Shanghai')`,
      [workspaceId, customerId, from],
    );
    return rows.length > 0;
  }
});
