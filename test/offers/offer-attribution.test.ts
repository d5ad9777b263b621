import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import type { OrderData } from '../../src/ingest/sync/sync-events';
import { OffersService } from '../../src/offers/offers.service';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { useTestApp } from '../support/use-test-app';
import { offerTerms } from './offer-terms';
import { addDays, publish, scoredWorkspace } from '../worklist/worklist-support';

const HOUR = 3_600_000;

/**
 * Offers are redeemed when the order arrives (issue 14), whichever path brings it — a CRM webhook or pull
 * (RecordSyncService) or a CSV import — in that path's transaction: the budget is spent before any list is
 * published, a replayed order counts once, an earlier order arriving late takes the item from a later one, a
 * reversal or refund gives the budget back, and showings and orders of merged records count for the person.
 */
describe('offer attribution at order arrival (PostgreSQL)', () => {
  const nest = useTestApp();
  let workspaceId: string;
  let today: string;
  let currency: string;
  /** customers whose items of today showed TOP_PICK, with the item and when it was shown */
  let shown: Array<{ item_id: string; customer_id: string; external_id: string; shown_at: Date }>;

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'offer-arrival', customers: 300 }));
    [{ currency }] = await nest.db.query(`SELECT currency FROM workspaces WHERE id = $1`, [workspaceId]);
    const offers = nest.app.get(OffersService);
    await offers.create(workspaceId, { code: 'TOP_PICK', budget: 3, ...offerTerms() }, 'test');
    // never chosen by the publisher (lowest priority); the merge case puts it on an item itself
    await offers.create(
      workspaceId,
      { code: 'MONTHLY', ...offerTerms({ priority: 1, caps: { perCustomer: { max: 1, days: 30 } } }) },
      'test',
    );
    await publish(nest.app, workspaceId, today);
    // Shown three hours ago, so that the orders below (one and two hours after) lie in the past. The generated
    // history ends at the list day's midnight UTC, which may be later than that (Asia/Shanghai's day starts 8 hours
    // ahead): its few later orders move just before the showings, so that only this test's orders redeem offers.
    await nest.db.query(
      `UPDATE worklist_items SET created_at = now() - interval '3 hours' WHERE workspace_id = $1`,
      [workspaceId],
    );
    await nest.db.query(
      `UPDATE orders SET placed_at = now() - interval '3 hours 1 minute'
       WHERE workspace_id = $1 AND placed_at >= now() - interval '3 hours'`,
      [workspaceId],
    );
    shown = await nest.db.query(
      `SELECT i.id AS item_id, i.customer_id::text AS customer_id, c.external_id, i.created_at AS shown_at
       FROM worklist_items i JOIN customers c ON c.id = i.customer_id
       WHERE i.workspace_id = $1 AND i.offer_code = 'TOP_PICK' AND c.source = 'crm'
       ORDER BY i.rank, i.id LIMIT 11`,
      [workspaceId],
    );
    expect(shown).toHaveLength(11);
  }, 240_000);

  const order = (
    externalId: string,
    customer: { external_id: string; shown_at: Date },
    hoursAfter: number,
    amountMinor: number,
    over: Partial<OrderData> = {},
  ): OrderData => ({
    externalId,
    customerExternalId: customer.external_id,
    updatedAt: new Date(Date.now() - 60_000).toISOString(),
    placedAt: new Date(customer.shown_at.getTime() + hoursAfter * HOUR).toISOString(),
    amountMinor,
    currency,
    status: 'paid',
    channel: null,
    lines: [],
    ...over,
  });
  const sync = (...orders: OrderData[]) =>
    nest.app.get(RecordSyncService).applyBatch(
      workspaceId,
      'crm',
      orders.map((data) => ({ type: 'order.upserted' as const, data })),
    );
  const counters = async (code: string) => {
    const [row] = await nest.db.query(
      `SELECT o.redemptions_used AS count, o.redeemed_minor::int AS money,
              (SELECT count(*)::int FROM offer_redemptions r WHERE r.offer_id = o.id) AS rows
       FROM offers o WHERE o.workspace_id = $1 AND o.code = $2`,
      [workspaceId, code],
    );
    return row as { count: number; money: number; rows: number };
  };
  /** The external id of the order that redeemed the item, or null. */
  const redeemedBy = async (itemId: string): Promise<string | null> => {
    const [row] = await nest.db.query(
      `SELECT o.external_id FROM offer_redemptions r LEFT JOIN orders o ON o.id = r.order_id
       WHERE r.workspace_id = $1 AND r.item_id = $2`,
      [workspaceId, itemId],
    );
    return row ? (row.external_id as string) : null;
  };
  const redeemedMoney = async (code: string): Promise<number> => {
    const [row] = await nest.db.query(
      `SELECT coalesce(sum(r.cost_minor), 0)::int AS money FROM offer_redemptions r JOIN offers o ON o.id = r.offer_id
       WHERE o.workspace_id = $1 AND o.code = $2`,
      [workspaceId, code],
    );
    return row.money as number;
  };
  const state = async () => (await nest.app.get(OffersService).get(workspaceId, 'TOP_PICK')).state;

  it('spends the budget when a synced order arrives, once however often it is replayed', async () => {
    const [a] = shown;
    const a1 = order('arr-a1', a, 1, 10_000);
    await sync(a1);
    // no publish in between: the order's own transaction spent 20 % of 100.00
    expect(await counters('TOP_PICK')).toEqual({ count: 1, money: 2_000, rows: 1 });
    expect(await redeemedBy(a.item_id)).toBe('arr-a1');
    await sync(a1);
    await sync({ ...a1, updatedAt: new Date(Date.now() - 30_000).toISOString() });
    expect(await counters('TOP_PICK')).toEqual({ count: 1, money: 2_000, rows: 1 });
  });

  it('gives the item to the earliest order whatever the order of arrival', async () => {
    const [, b] = shown;
    await sync(order('arr-b2', b, 2, 30_000));
    expect(await redeemedBy(b.item_id)).toBe('arr-b2');
    expect(await counters('TOP_PICK')).toEqual({ count: 2, money: 8_000, rows: 2 });
    // the earlier order arrives late: it takes the item, the later one's cost is given back
    await sync(order('arr-b1', b, 1, 10_000));
    expect(await redeemedBy(b.item_id)).toBe('arr-b1');
    expect(await counters('TOP_PICK')).toEqual({ count: 2, money: 4_000, rows: 2 });
  });

  it('attributes a CSV import’s orders in the import, and the next list no longer shows the exhausted offer', async () => {
    const [, , c] = shown;
    const dir = mkdtempSync(join(tmpdir(), 'offer-arrival-'));
    const file = join(dir, 'orders.csv');
    const placed = new Date(c.shown_at.getTime() + HOUR).toISOString();
    writeFileSync(
      file,
      `external_id,customer_external_id,placed_at,amount,currency\narr-c1,${c.external_id},${placed},50,${currency}\n`,
    );
    const report = await nest.app.get(CsvImportService).import({ workspaceId, kind: 'orders', file });
    expect(report).toMatchObject({ inserted: 1, rejected: 0 });
    expect(await redeemedBy(c.item_id)).toBe('arr-c1');
    expect(await counters('TOP_PICK')).toEqual({ count: 3, money: 5_000, rows: 3 });
    expect(await state()).toBe('exhausted');

    const next = addDays(today, 1);
    await publish(nest.app, workspaceId, next);
    const codes: Array<{ offer_code: string | null }> = await nest.db.query(
      `SELECT i.offer_code FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE w.workspace_id = $1 AND w.list_date = $2`,
      [workspaceId, next],
    );
    expect(codes.length).toBeGreaterThan(5);
    expect(codes.map((r) => r.offer_code)).not.toContain('TOP_PICK');
    // the publish's own sweep finds nothing left to change
    expect(await counters('TOP_PICK')).toEqual({ count: 3, money: 5_000, rows: 3 });
  });

  it('gives the budget back when an attributed order is reversed or refunded', async () => {
    const [a, b] = shown;
    const reversal = order('arr-a1-r', a, 2, 10_000, {
      status: 'refunded',
      reversal: true,
      reversesExternalId: 'arr-a1',
    });
    await sync(reversal);
    expect(await redeemedBy(a.item_id)).toBeNull();
    expect(await counters('TOP_PICK')).toEqual({ count: 2, money: 3_000, rows: 2 });
    expect(await state()).toBe('active');
    await sync(reversal);
    expect(await counters('TOP_PICK')).toEqual({ count: 2, money: 3_000, rows: 2 });

    // b's first order refunded: the item goes to b's other order in the window
    await sync(order('arr-b1', b, 1, 10_000, { status: 'refunded', updatedAt: new Date().toISOString() }));
    expect(await redeemedBy(b.item_id)).toBe('arr-b2');
    expect(await counters('TOP_PICK')).toEqual({ count: 2, money: 7_000, rows: 2 });
  });

  it('counts what was shown to a record merged away since for the winner: its caps and its orders', async () => {
    const [, , , loser] = shown;
    const [winner] = await nest.db.query(
      `SELECT c.id::text AS customer_id, c.external_id FROM customers c
       WHERE c.workspace_id = $1 AND c.source = 'crm' AND c.merged_into_id IS NULL AND c.owner_rep_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM worklist_items i WHERE i.customer_id = c.id)
       ORDER BY c.id LIMIT 1`,
      [workspaceId],
    );
    // the loser's item showed MONTHLY (once per customer in 30 days)
    await nest.db.query(
      `UPDATE worklist_items SET offer_code = 'MONTHLY', offer_version = 1 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, loser.item_id],
    );
    await nest.app.get(CustomerMergeService).merge({
      workspaceId,
      winnerId: winner.customer_id,
      loserId: loser.customer_id,
      reason: 'test',
      actor: 'test',
    });

    // an order on the winner's record redeems the offer shown to the loser's, on arrival
    await sync(order('arr-w1', { external_id: winner.external_id, shown_at: loser.shown_at }, 1, 20_000));
    expect(await redeemedBy(loser.item_id)).toBe('arr-w1');
    expect(await counters('MONTHLY')).toEqual({ count: 1, money: 4_000, rows: 1 });

    // the winner was shown MONTHLY (on the loser's record) on today's list: on a list two days later (within the
    // cap's 30 days, and a day with no list yet) its per-customer cap is used up
    const offers = nest.app.get(OffersService);
    const day = await offers.day(workspaceId, addDays(today, 2));
    const [runId] = await nest.db.query(`SELECT current_score_run_id AS id FROM workspaces WHERE id = $1`, [
      workspaceId,
    ]);
    const [other] = await nest.db.query(
      `SELECT c.id::text AS id FROM customers c WHERE c.workspace_id = $1 AND c.merged_into_id IS NULL
         AND c.id <> $2 AND NOT EXISTS (SELECT 1 FROM worklist_items i WHERE i.customer_id = c.id)
       ORDER BY c.id LIMIT 1`,
      [workspaceId, winner.customer_id],
    );
    const choices = await offers.choices(day, runId.id, [winner.customer_id, other.id]);
    const facts = {
      tier: 'core',
      lifecycle: 'active',
      clvMinor: null,
      country: null,
      personality: null,
    } as const;
    expect(choices.choose(winner.customer_id, 'no-rep', facts, 'MONTHLY')).toBeNull();
    expect(choices.choose(other.id, 'no-rep', facts, 'MONTHLY')?.offer.code).toBe('MONTHLY');
  });

  it('ends in the same redemptions whatever order the same orders arrive in', async () => {
    // an offer without a budget on six more customers' items, so that every arrival order can be tried in full
    await nest.app
      .get(OffersService)
      .create(workspaceId, { code: 'OPEN', ...offerTerms({ priority: 2 }) }, 'test');
    const customers = shown.slice(5, 11);
    await nest.db.query(
      `UPDATE worklist_items SET offer_code = 'OPEN', offer_version = 1 WHERE workspace_id = $1 AND id = ANY ($2)`,
      [workspaceId, customers.map((c) => c.item_id)],
    );
    // per customer: a refunded order, a paid one reversed later in full, and a paid one that should keep the item
    const ordersOf = (c: (typeof customers)[number], k: number) => {
      const ext = (n: number) => `perm-${k}-${n}`;
      return [
        order(ext(1), c, 1, 10_000),
        order(ext(2), c, 0.5, 5_000, { status: 'refunded' }),
        order(ext(3), c, 2, 30_000),
        order(ext(4), c, 3, 10_000, { status: 'refunded', reversal: true, reversesExternalId: ext(1) }),
      ];
    };
    const arrivals = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
      [1, 3, 0, 2],
      [0, 2, 1, 3],
      [3, 0, 2, 1],
    ];
    for (const [k, c] of customers.entries()) {
      const orders = ordersOf(c, k);
      for (const i of arrivals[k]) await sync(orders[i]);
      await sync(orders[arrivals[k][0]]); // a replay changes nothing
    }
    for (const [k, c] of customers.entries()) expect(await redeemedBy(c.item_id)).toBe(`perm-${k}-3`);
    // six redemptions at 20 % of 300.00 each: the counters equal the rows, whatever they went through
    expect(await counters('OPEN')).toEqual({ count: 6, money: 36_000, rows: 6 });
  });
  it('keeps the counters equal to the rows when a day is published again or unpublished', async () => {
    const before = await counters('TOP_PICK');
    expect(before.rows).toBeGreaterThan(0);
    // the replaced items' redemptions go with them (foreign key): their budget must come back with them
    await nest.app.get(WorklistPublisher).publish(workspaceId, today, { replace: true });
    const replaced = await counters('TOP_PICK');
    expect(replaced.count).toBe(replaced.rows);
    expect(replaced.money).toBe(await redeemedMoney('TOP_PICK'));
    // a new showing redeemed by a new order, then the day unpublished. Only the republished day's items move: every
    // customer also has an item of the scoring run's own list day, and moved to the same instant the two showings
    // tied, so the order went to whichever item id came first (the other day's, on some runs)
    await nest.db.query(
      `UPDATE worklist_items SET created_at = now() - interval '3 hours'
       WHERE workspace_id = $1 AND worklist_id IN (SELECT id FROM worklists WHERE workspace_id = $1 AND list_date = $2)`,
      [workspaceId, today],
    );
    const [item] = (await nest.db.query(
      `SELECT i.id AS item_id, c.external_id, i.created_at AS shown_at
       FROM worklist_items i JOIN customers c ON c.id = i.customer_id
       WHERE i.workspace_id = $1 AND i.offer_code = 'TOP_PICK' AND c.source = 'crm'
         AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.placed_at > i.created_at)
       ORDER BY i.rank, i.id LIMIT 1`,
      [workspaceId],
    )) as Array<{ item_id: string; external_id: string; shown_at: Date }>;
    await sync(order('again-1', item, 1, 10_000));
    expect(await redeemedBy(item.item_id)).toBe('again-1');
    const redeemed = await counters('TOP_PICK');
    expect(redeemed.count).toBe(redeemed.rows);
    await nest.app.get(WorklistPublisher).unpublish(workspaceId, today);
    expect(await counters('TOP_PICK')).toEqual({
      count: redeemed.count - 1,
      money: redeemed.money - 2_000,
      rows: redeemed.rows - 1,
    });
  });
});
