import fc from 'fast-check';
import { Client } from 'pg';
import {
  completeSummaryBuild,
  CustomerSummaryTarget,
  planSummaryRefresh,
  refreshCustomerSummaries,
  refreshSummaryRange,
} from '../../src/scoring/customer-summaries';
import { useTestClient } from '../support/use-test-app';

/**
 * Customer summaries against an oracle in plain JavaScript: whatever writes hit `orders` and `interactions`
 * (inserts, bulk inserts, edits, refunds — as a status, or as reversal rows netted against the orders they
 * reverse —, soft and hard deletes, moves between customers as merges do, edits that do not matter) and whenever
 * refreshes run with a cutoff that stays or moves forward by whole days, the summaries equal what the orders and
 * interactions say.
 */
const DAY = 86_400_000;
const ZONE_OFFSET = 8 * 3_600_000; // Asia/Shanghai: UTC+8 all year
const BASE = Date.parse('2026-01-01T00:00:00+08:00');
const CUSTOMERS = 12;

interface OrderModel {
  id: number;
  externalId: string;
  customer: number;
  placedAt: number;
  amount: number;
  currency: 'CNY' | 'USD';
  status: 'paid' | 'refunded' | 'cancelled';
  deleted: boolean;
  /** a refund booked as an order of its own (orders.reversal), and the order it names */
  reversal: boolean;
  reverses: string | null;
}

interface TouchModel {
  id: number;
  customer: number;
  occurredAt: number;
  kind: 'call' | 'complaint' | 'survey';
  score: number | null;
}

interface Summary {
  transactions: number;
  first_day: string | null;
  last_day: string | null;
  monetary: number;
  first_amount: number;
  last_touch: string | null;
  complaints_90d: number;
  last_survey: number | null;
  recheck_at: number | null;
  refunded_orders: number;
  last_two_way: string | null;
  orders_placed: number;
  orders_undone: number;
  gross_minor: number;
  undone_minor: number;
}

const localDay = (ms: number) =>
  new Date(Math.floor((ms + ZONE_OFFSET) / DAY) * DAY).toISOString().slice(0, 10);

const localMidnight = (ms: number) => Math.floor((ms + ZONE_OFFSET) / DAY) * DAY - ZONE_OFFSET;
const minOrNull = (xs: number[]) => (xs.length ? Math.min(...xs) : null);

/**
 * What a summary must say about one customer at a (local midnight) cutoff; undefined: no row. Reversals before the
 * cutoff are netted (docs/scoring-run.md, "Refunds and cancellations"): on the order they name, else on the latest
 * paid order at or before them that is at least as large (the later id on a tie), else off the spend.
 */
function oracle(orders: OrderModel[], touches: TouchModel[], cutoff: number): Summary | undefined {
  const counted = orders.filter(
    (o) => o.status === 'paid' && !o.reversal && !o.deleted && o.currency === 'CNY',
  );
  // refunded orders count in any currency (reversal records among them): they only show the customer bought once
  const refunds = orders.filter((o) => o.status === 'refunded' && !o.deleted);
  // every order in the currency that is no reversal record, whatever its status: the cancellation rate's orders
  const placed = orders.filter((o) => !o.reversal && !o.deleted && o.currency === 'CNY');
  if (placed.length === 0 && refunds.length === 0 && touches.length === 0) return undefined;
  const reversals = orders.filter((o) => o.reversal && !o.deleted && o.currency === 'CNY');
  const reversed = new Map<number, number>();
  let unmatched = 0;
  for (const r of reversals.filter((x) => x.placedAt < cutoff)) {
    const target =
      r.reverses !== null
        ? counted.find((o) => o.externalId === r.reverses)
        : counted
            .filter((o) => o.placedAt <= r.placedAt && o.amount >= r.amount)
            .sort((a, b) => b.placedAt - a.placedAt || b.id - a.id)[0];
    if (target) reversed.set(target.id, (reversed.get(target.id) ?? 0) + r.amount);
    else unmatched += r.amount;
  }
  const given = (o: OrderModel) => reversed.get(o.id) ?? 0;
  const excess = counted.reduce((s, o) => s + Math.max(given(o) - o.amount, 0), 0);
  const before = counted.filter((o) => o.placedAt < cutoff && (!reversed.has(o.id) || given(o) < o.amount));
  const net = (o: OrderModel) => Math.max(o.amount - given(o), 0);
  const later = placed.filter((o) => o.placedAt >= cutoff);
  const placedBefore = placed.filter((o) => o.placedAt < cutoff);
  const undone = placedBefore.filter(
    (o) => o.status !== 'paid' || (reversed.has(o.id) && given(o) >= o.amount),
  );
  const gross = placedBefore.reduce((s, o) => s + o.amount, 0);
  const givenBack = placedBefore.reduce(
    (s, o) => s + (o.status === 'paid' ? Math.min(given(o), o.amount) : o.amount),
    0,
  );
  const days = [...new Set(before.map((o) => localDay(o.placedAt)))].sort();
  const monetary = Math.max(before.reduce((s, o) => s + net(o), 0) - excess - unmatched, 0);
  const past = touches.filter((t) => t.occurredAt < cutoff);
  const inWindow = past.filter((t) => t.kind === 'complaint' && t.occurredAt >= cutoff - 90 * DAY);
  const calls = past.filter((t) => t.kind === 'call');
  // the latest survey by second, the higher score on a tie (what max(epoch << 8 | score) picks)
  const surveys = past
    .filter((t) => t.kind === 'survey' && t.score !== null)
    .sort((a, b) => Math.floor(a.occurredAt / 1000) - Math.floor(b.occurredAt / 1000) || a.score! - b.score!);
  return {
    transactions: days.length,
    first_day: days[0] ?? null,
    last_day: days[days.length - 1] ?? null,
    monetary,
    first_amount: before.filter((o) => localDay(o.placedAt) === days[0]).reduce((s, o) => s + net(o), 0),
    last_touch: past.length ? localDay(Math.max(...past.map((t) => t.occurredAt))) : null,
    complaints_90d: inWindow.length,
    last_survey: surveys.length ? surveys[surveys.length - 1].score : null,
    refunded_orders: refunds.filter((o) => o.placedAt < cutoff).length,
    // calls without an outcome count as reached (as the worklist's frequency cap counts them)
    last_two_way: calls.length ? localDay(Math.max(...calls.map((t) => t.occurredAt))) : null,
    orders_placed: placedBefore.length,
    orders_undone: undone.length,
    gross_minor: gross,
    undone_minor: Math.min(givenBack + excess + unmatched, gross),
    recheck_at: minOrNull(
      [
        minOrNull(later.map((o) => o.placedAt)),
        // a later reversal of a customer with orders (without any, there is nothing to net)
        placed.length
          ? minOrNull(reversals.filter((r) => r.placedAt >= cutoff).map((r) => r.placedAt))
          : null,
        minOrNull(refunds.filter((o) => o.placedAt >= cutoff).map((o) => o.placedAt)),
        minOrNull(touches.filter((t) => t.occurredAt >= cutoff).map((t) => t.occurredAt)),
        // the first complaint in the window leaves it when the cutoff passes its local day + 90
        inWindow.length ? localMidnight(Math.min(...inWindow.map((t) => t.occurredAt))) + 90 * DAY : null,
      ].filter((x): x is number => x !== null),
    ),
  };
}

type Op =
  | {
      kind: 'insert';
      rows: Array<Omit<OrderModel, 'id' | 'externalId' | 'deleted' | 'reversal' | 'reverses'>>;
    }
  | { kind: 'reverse'; pick: number; share: number; named: boolean; delayHours: number }
  | { kind: 'edit'; pick: number; amount: number; placedAt: number }
  | { kind: 'status'; pick: number; status: OrderModel['status'] }
  | { kind: 'currency'; pick: number }
  | { kind: 'softDelete'; pick: number }
  | { kind: 'hardDelete'; pick: number }
  | { kind: 'move'; from: number; to: number }
  | { kind: 'channel'; pick: number }
  | { kind: 'touch'; rows: Array<Omit<TouchModel, 'id'>> }
  | { kind: 'untouch'; pick: number }
  | { kind: 'retime'; pick: number; occurredAt: number }
  | { kind: 'refresh'; advanceDays: number; splits: number[]; rebuildShare: number };

const instant = fc.integer({ min: 0, max: 40 * 24 }).map((h) => BASE + h * 3_600_000);
const orderRow = fc.record({
  customer: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
  placedAt: instant,
  amount: fc.integer({ min: 0, max: 50_000 }),
  currency: fc.constantFrom<'CNY' | 'USD'>('CNY', 'CNY', 'CNY', 'USD'),
  status: fc.constantFrom<OrderModel['status']>('paid', 'paid', 'paid', 'refunded', 'cancelled'),
});
const touchRow = fc
  .record({
    customer: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
    occurredAt: instant,
    kind: fc.constantFrom<TouchModel['kind']>('call', 'complaint', 'complaint', 'survey'),
    score: fc.integer({ min: 0, max: 10 }),
  })
  .map((t) => ({ ...t, score: t.kind === 'survey' ? t.score : null }));
const pick = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      rows: fc.array(orderRow, { minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      pick,
      amount: fc.integer({ min: 0, max: 50_000 }),
      placedAt: instant,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      pick,
      status: fc.constantFrom<OrderModel['status']>('paid', 'refunded', 'cancelled'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reverse' as const),
      pick,
      // part of the order, all of it, or more than it
      share: fc.constantFrom(0.5, 1, 1.5),
      named: fc.boolean(),
      delayHours: fc.constantFrom(0, 1, 30, 24 * 12),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('currency' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('softDelete' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hardDelete' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      from: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
      to: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('channel' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('touch' as const),
      rows: fc.array(touchRow, { minLength: 1, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('untouch' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('retime' as const), pick, occurredAt: instant }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('refresh' as const),
      advanceDays: fc.constantFrom(0, 1, 3, 10, 45),
      // as a run does it: one range per chunk, each in its own transaction, split before these customers
      splits: fc.uniqueArray(fc.integer({ min: 1, max: CUSTOMERS - 1 }), { maxLength: 3 }),
      // customer by customer, or the whole range once many changed
      rebuildShare: fc.constantFrom(0, 0.3, Infinity),
    }),
  },
);

/** A paid order, a refresh, then one write of `kind` on its own (the final refresh follows every sequence). */
function afterRefresh(
  kind: 'edit' | 'status' | 'currency' | 'softDelete' | 'hardDelete' | 'move' | 'untouch' | 'retime',
): [Op[]] {
  const write: Record<typeof kind, Op> = {
    untouch: { kind: 'untouch', pick: 0 },
    retime: { kind: 'retime', pick: 0, occurredAt: BASE + 3 * DAY },
    edit: { kind: 'edit', pick: 0, amount: 9, placedAt: BASE + 2 * DAY },
    status: { kind: 'status', pick: 0, status: 'refunded' },
    currency: { kind: 'currency', pick: 0 },
    softDelete: { kind: 'softDelete', pick: 0 },
    hardDelete: { kind: 'hardDelete', pick: 0 },
    move: { kind: 'move', from: 0, to: 1 },
  };
  const paid = {
    customer: 0,
    placedAt: BASE + DAY,
    amount: 5,
    currency: 'CNY' as const,
    status: 'paid' as const,
  };
  const complaint = { customer: 0, occurredAt: BASE + DAY, kind: 'complaint' as const, score: null };
  return [
    [
      { kind: 'insert', rows: [paid] },
      { kind: 'touch', rows: [complaint] },
      { kind: 'refresh', advanceDays: 0, splits: [], rebuildShare: Infinity },
      write[kind],
    ],
  ];
}

describe('customer summaries (triggers on orders and interactions + refresh)', () => {
  const db = useTestClient();
  let sql: Client;
  beforeAll(() => (sql = db.sql));

  async function workspace(slug: string): Promise<{ id: string; customers: number[] }> {
    const {
      rows: [ws],
    } = await sql.query(`INSERT INTO workspaces (slug, name) VALUES ($1, $1) RETURNING id`, [slug]);
    const { rows } = await sql.query(
      `INSERT INTO customers (workspace_id, external_id)
       SELECT $1, 'c' || g FROM generate_series(1, $2) g RETURNING id`,
      [ws.id, CUSTOMERS],
    );
    return { id: ws.id, customers: rows.map((r) => Number(r.id)) };
  }

  async function summaries(workspaceId: string): Promise<Map<number, Summary>> {
    const { rows } = await sql.query(
      `SELECT customer_id, transactions, to_char(first_day, 'YYYY-MM-DD') AS first_day,
              to_char(last_day, 'YYYY-MM-DD') AS last_day, monetary::float8 AS monetary,
              first_amount::float8 AS first_amount, to_char(last_touch, 'YYYY-MM-DD') AS last_touch,
              complaints_90d, last_survey, extract(epoch FROM recheck_at) * 1000 AS recheck_at,
              refunded_orders, to_char(last_two_way, 'YYYY-MM-DD') AS last_two_way,
              orders_placed, orders_undone, gross_minor::float8 AS gross_minor, undone_minor::float8 AS undone_minor
       FROM customer_summaries WHERE workspace_id = $1`,
      [workspaceId],
    );
    return new Map(
      rows.map((r) => [
        Number(r.customer_id),
        {
          transactions: r.transactions,
          first_day: r.first_day,
          last_day: r.last_day,
          monetary: r.monetary,
          first_amount: r.first_amount,
          last_touch: r.last_touch,
          complaints_90d: r.complaints_90d,
          last_survey: r.last_survey,
          recheck_at: r.recheck_at === null ? null : Number(r.recheck_at),
          refunded_orders: r.refunded_orders,
          last_two_way: r.last_two_way,
          orders_placed: r.orders_placed,
          orders_undone: r.orders_undone,
          gross_minor: r.gross_minor,
          undone_minor: r.undone_minor,
        },
      ]),
    );
  }

  /** A run's protocol: plan, then one transaction per id range (split before each of `splits`), then complete. */
  async function refreshInRanges(
    t: CustomerSummaryTarget,
    splits: number[],
    rebuildShare: number,
  ): Promise<string> {
    await sql.query('BEGIN');
    const mode = await planSummaryRefresh(sql, t);
    await sql.query('COMMIT');
    if (mode === 'behind') return mode;
    const bounds = [null, ...splits.map(String), null];
    for (let i = 0; i + 1 < bounds.length; i++) {
      await sql.query('BEGIN');
      await refreshSummaryRange(
        sql,
        t,
        mode,
        { from: bounds[i], to: bounds[i + 1] === null ? null : String(Number(bounds[i + 1]) - 1) },
        { rebuildShare },
      );
      await sql.query('COMMIT');
    }
    if (mode === 'build') await completeSummaryBuild(sql, t.workspaceId);
    return mode;
  }

  const target = (workspaceId: string, cutoff: number) => ({
    workspaceId,
    timezone: 'Asia/Shanghai',
    currency: 'CNY',
    cutoff: new Date(cutoff).toISOString(),
  });

  it('always equal what the orders and interactions say, whatever writes and refreshes come in whatever order', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const ws = await workspace(`prop-${n++}`);
        const orders: OrderModel[] = [];
        const touches: TouchModel[] = [];
        let cutoff = BASE + 10 * DAY;
        let refreshed = false;
        const live = () => orders;
        const chosen = (i: number) => (live().length ? live()[i % live().length] : undefined);
        for (const o of [
          ...ops,
          { kind: 'refresh', advanceDays: 0, splits: [6], rebuildShare: Infinity } as Op,
        ]) {
          switch (o.kind) {
            case 'insert': {
              // one statement for all rows, as the CSV import and sync batches do
              const { rows } = await sql.query(
                `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
                 SELECT $1, 'o' || gen_random_uuid(), c, p, a, cur, s
                 FROM unnest($2::bigint[], $3::timestamptz[], $4::bigint[], $5::text[], $6::text[])
                   AS t (c, p, a, cur, s)
                 RETURNING id, external_id`,
                [
                  ws.id,
                  o.rows.map((r) => ws.customers[r.customer]),
                  o.rows.map((r) => new Date(r.placedAt).toISOString()),
                  o.rows.map((r) => r.amount),
                  o.rows.map((r) => r.currency),
                  o.rows.map((r) => r.status),
                ],
              );
              o.rows.forEach((r, i) =>
                orders.push({
                  ...r,
                  id: Number(rows[i].id),
                  externalId: rows[i].external_id,
                  deleted: false,
                  reversal: false,
                  reverses: null,
                }),
              );
              break;
            }
            case 'reverse': {
              // a refund of a chosen order booked as a row of its own, naming it or not
              const order = chosen(o.pick);
              if (!order) break;
              const reversal: Omit<OrderModel, 'id' | 'externalId'> = {
                customer: order.customer,
                placedAt: order.placedAt + o.delayHours * 3_600_000,
                amount: Math.round(order.amount * o.share),
                currency: order.currency,
                status: 'refunded',
                deleted: false,
                reversal: true,
                reverses: o.named ? order.externalId : null,
              };
              const { rows } = await sql.query(
                `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                                     reversal, reverses_external_id)
                 VALUES ($1, 'r' || gen_random_uuid(), $2, $3, $4, $5, 'refunded', true, $6)
                 RETURNING id, external_id`,
                [
                  ws.id,
                  ws.customers[reversal.customer],
                  new Date(reversal.placedAt).toISOString(),
                  reversal.amount,
                  reversal.currency,
                  reversal.reverses,
                ],
              );
              orders.push({ ...reversal, id: Number(rows[0].id), externalId: rows[0].external_id });
              break;
            }
            case 'edit': {
              const order = chosen(o.pick);
              if (!order) break;
              await sql.query(`UPDATE orders SET amount_minor = $2, placed_at = $3 WHERE id = $1`, [
                order.id,
                o.amount,
                new Date(o.placedAt).toISOString(),
              ]);
              Object.assign(order, { amount: o.amount, placedAt: o.placedAt });
              break;
            }
            case 'status': {
              const order = chosen(o.pick);
              // a reversal is never paid (orders_reversal_status_check)
              if (!order || (order.reversal && o.status === 'paid')) break;
              await sql.query(`UPDATE orders SET status = $2 WHERE id = $1`, [order.id, o.status]);
              order.status = o.status;
              break;
            }
            case 'currency': {
              const order = chosen(o.pick);
              if (!order) break;
              order.currency = order.currency === 'CNY' ? 'USD' : 'CNY';
              await sql.query(`UPDATE orders SET currency = $2 WHERE id = $1`, [order.id, order.currency]);
              break;
            }
            case 'softDelete': {
              const order = chosen(o.pick);
              if (!order) break;
              await sql.query(`UPDATE orders SET deleted_at = now() WHERE id = $1`, [order.id]);
              order.deleted = true;
              break;
            }
            case 'hardDelete': {
              const order = chosen(o.pick);
              if (!order) break;
              await sql.query(`DELETE FROM orders WHERE id = $1`, [order.id]);
              orders.splice(orders.indexOf(order), 1);
              break;
            }
            case 'move': {
              // what a merge does: every order of one customer to another, in one statement
              await sql.query(`UPDATE orders SET customer_id = $2 WHERE customer_id = $1`, [
                ws.customers[o.from],
                ws.customers[o.to],
              ]);
              await sql.query(`UPDATE interactions SET customer_id = $2 WHERE customer_id = $1`, [
                ws.customers[o.from],
                ws.customers[o.to],
              ]);
              for (const order of orders) if (order.customer === o.from) order.customer = o.to;
              for (const touch of touches) if (touch.customer === o.from) touch.customer = o.to;
              break;
            }
            case 'touch': {
              const { rows } = await sql.query(
                `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, score)
                 SELECT $1, 'i' || gen_random_uuid(), c, t, k, sc
                 FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::int[]) AS x (c, t, k, sc)
                 RETURNING id`,
                [
                  ws.id,
                  o.rows.map((r) => ws.customers[r.customer]),
                  o.rows.map((r) => new Date(r.occurredAt).toISOString()),
                  o.rows.map((r) => r.kind),
                  o.rows.map((r) => r.score),
                ],
              );
              o.rows.forEach((r, i) => touches.push({ ...r, id: Number(rows[i].id) }));
              break;
            }
            case 'untouch': {
              const touch = touches.length ? touches[o.pick % touches.length] : undefined;
              if (!touch) break;
              await sql.query(`DELETE FROM interactions WHERE id = $1`, [touch.id]);
              touches.splice(touches.indexOf(touch), 1);
              break;
            }
            case 'retime': {
              const touch = touches.length ? touches[o.pick % touches.length] : undefined;
              if (!touch) break;
              await sql.query(`UPDATE interactions SET occurred_at = $2 WHERE id = $1`, [
                touch.id,
                new Date(o.occurredAt).toISOString(),
              ]);
              touch.occurredAt = o.occurredAt;
              break;
            }
            case 'channel': {
              const order = chosen(o.pick);
              if (order) await sql.query(`UPDATE orders SET channel = 'web' WHERE id = $1`, [order.id]);
              break;
            }
            case 'refresh': {
              cutoff += o.advanceDays * DAY;
              const mode = await refreshInRanges(
                target(ws.id, cutoff),
                [...o.splits].sort((a, b) => a - b).map((c) => ws.customers[c]),
                o.rebuildShare,
              );
              expect(mode).toBe(refreshed ? 'refresh' : 'build');
              refreshed = true;
              const actual = await summaries(ws.id);
              ws.customers.forEach((id, c) => {
                const expected = oracle(
                  orders.filter((x) => x.customer === c),
                  touches.filter((x) => x.customer === c),
                  cutoff,
                );
                expect({ customer: c, summary: actual.get(id) }).toEqual({ customer: c, summary: expected });
              });
              break;
            }
          }
        }
      }),
      // every kind of write once after a refresh, on its own, besides the random sequences
      {
        numRuns: 150,
        examples: [
          ...(
            ['edit', 'status', 'currency', 'softDelete', 'hardDelete', 'move', 'untouch', 'retime'] as const
          ).map(afterRefresh),
          // a refund of an order in full, in part and more than in full, named or not, before the first refresh
          ...(
            [
              [1, false],
              [0.5, true],
              [1.5, false],
            ] as const
          ).map(([share, named]): [Op[]] => [
            [
              {
                kind: 'insert',
                rows: [
                  { customer: 0, placedAt: BASE, amount: 800, currency: 'CNY', status: 'paid' },
                  { customer: 0, placedAt: BASE + DAY, amount: 500, currency: 'CNY', status: 'paid' },
                ],
              },
              { kind: 'reverse', pick: 1, share, named, delayHours: 1 },
            ],
          ]),
        ],
      },
    );
  });

  it('a run before the cutoff is told to read orders; the summaries stay as they are', async () => {
    const ws = await workspace('behind');
    await sql.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'a', $2, $3, 100, 'CNY', 'paid')`,
      [ws.id, ws.customers[0], new Date(BASE + DAY).toISOString()],
    );
    expect((await refreshCustomerSummaries(sql, target(ws.id, BASE + 5 * DAY))).mode).toBe('build');
    const before = await summaries(ws.id);
    const behind = await refreshCustomerSummaries(sql, target(ws.id, BASE + 2 * DAY));
    expect(behind).toMatchObject({ mode: 'behind', customers: 0 });
    expect(await summaries(ws.id)).toEqual(before);
    const { rows } = await sql.query(`SELECT cutoff FROM customer_summary_state WHERE workspace_id = $1`, [
      ws.id,
    ]);
    expect(rows[0].cutoff.getTime()).toBe(BASE + 5 * DAY);
  });

  it('rebuilds when the workspace time zone changes (purchase days are local days)', async () => {
    const ws = await workspace('zone');
    // 23:30 in Shanghai on the 1st is 15:30 UTC on the 1st and 10:30 in New York on the 1st; 01:30 Shanghai on
    // the 2nd is 17:30 UTC on the 1st: one day in New York, two in Shanghai
    await sql.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'a', $2, '2026-01-01T23:30:00+08:00', 100, 'CNY', 'paid'),
              ($1, 'b', $2, '2026-01-02T01:30:00+08:00', 200, 'CNY', 'paid')`,
      [ws.id, ws.customers[0]],
    );
    const cutoff = new Date(BASE + 10 * DAY).toISOString();
    await refreshCustomerSummaries(sql, { ...target(ws.id, 0), cutoff });
    expect((await summaries(ws.id)).get(ws.customers[0])).toMatchObject({
      transactions: 2,
      first_amount: 100,
    });
    const newYork = { ...target(ws.id, 0), timezone: 'America/New_York' };
    // cutoffs are local midnights: Shanghai's is not one in New York
    await expect(refreshCustomerSummaries(sql, { ...newYork, cutoff })).rejects.toThrow(
      /not a midnight in America\/New_York/,
    );
    const moved = await refreshCustomerSummaries(sql, { ...newYork, cutoff: '2026-01-11T05:00:00.000Z' });
    expect(moved.mode).toBe('build');
    expect((await summaries(ws.id)).get(ws.customers[0])).toMatchObject({
      transactions: 1,
      first_day: '2026-01-01',
      first_amount: 300,
    });
  });

  it('a build that stops half-way (a failed run) is built again by the next run, not trusted', async () => {
    const ws = await workspace('half');
    await sql.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'o' || c, c, $2, 100, 'CNY', 'paid' FROM unnest($3::bigint[]) c`,
      [ws.id, new Date(BASE + DAY).toISOString(), ws.customers],
    );
    const t = target(ws.id, BASE + 5 * DAY);
    await sql.query('BEGIN');
    expect(await planSummaryRefresh(sql, t)).toBe('build');
    await sql.query('COMMIT');
    // only the first half's range is built; the run dies before the rest (and before completing the build)
    const half = String(ws.customers[CUSTOMERS / 2]);
    await sql.query('BEGIN');
    await refreshSummaryRange(sql, t, 'build', { from: null, to: half });
    await sql.query('COMMIT');
    expect((await summaries(ws.id)).size).toBe(CUSTOMERS / 2 + 1);
    const next = await refreshCustomerSummaries(sql, target(ws.id, BASE + 6 * DAY));
    expect(next).toMatchObject({ mode: 'build', customers: CUSTOMERS });
    expect((await summaries(ws.id)).size).toBe(CUSTOMERS);
  });

  it('an order committed while a refresh runs is picked up by the next refresh, never lost', async () => {
    const ws = await workspace('race');
    await refreshCustomerSummaries(sql, target(ws.id, BASE + 10 * DAY));
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES ($1, 'late', $2, $3, 700, 'CNY', 'paid')`,
        [ws.id, ws.customers[1], new Date(BASE + DAY).toISOString()],
      );
      // the refresh neither waits for nor sees the open transaction
      await refreshCustomerSummaries(sql, target(ws.id, BASE + 10 * DAY));
      expect((await summaries(ws.id)).has(ws.customers[1])).toBe(false);
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }
    const next = await refreshCustomerSummaries(sql, target(ws.id, BASE + 10 * DAY), {
      rebuildShare: Infinity,
    });
    expect(next).toMatchObject({ mode: 'refresh', customers: 1 });
    expect((await summaries(ws.id)).get(ws.customers[1])).toMatchObject({ transactions: 1, monetary: 700 });
  });

  it('deleting a workspace takes its summaries and change log with it (through its summary state)', async () => {
    const ws = await workspace('deleted');
    await sql.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'a', $2, $3, 100, 'CNY', 'paid')`,
      [ws.id, ws.customers[0], new Date(BASE + DAY).toISOString()],
    );
    await refreshCustomerSummaries(sql, target(ws.id, BASE + 5 * DAY));
    await sql.query(`UPDATE orders SET amount_minor = 5 WHERE workspace_id = $1`, [ws.id]);
    await sql.query(`DELETE FROM workspaces WHERE id = $1`, [ws.id]);
    const { rows } = await sql.query(
      `SELECT (SELECT count(*) FROM customer_summaries WHERE workspace_id = $1)::int AS summaries,
              (SELECT count(*) FROM customer_summary_changes WHERE workspace_id = $1)::int AS changes,
              (SELECT count(*) FROM orders WHERE workspace_id = $1)::int AS orders`,
      [ws.id],
    );
    expect(rows[0]).toEqual({ summaries: 0, changes: 0, orders: 0 });
  });

  // last: it empties the interactions of every workspace in this database
  it('a TRUNCATE (no transition table, no log) makes the next refresh rebuild', async () => {
    const ws = await workspace('truncated');
    await sql.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind)
       VALUES ($1, 'a', $2, $3, 'call')`,
      [ws.id, ws.customers[0], new Date(BASE + DAY).toISOString()],
    );
    await refreshCustomerSummaries(sql, target(ws.id, BASE + 5 * DAY));
    expect((await summaries(ws.id)).get(ws.customers[0])).toMatchObject({ last_touch: '2026-01-02' });
    await sql.query(`TRUNCATE interactions`);
    const next = await refreshCustomerSummaries(sql, target(ws.id, BASE + 5 * DAY));
    expect(next.mode).toBe('build');
    expect((await summaries(ws.id)).has(ws.customers[0])).toBe(false);
  });
});
