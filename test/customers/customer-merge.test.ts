import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

describe('customer merge and undo (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let merges: CustomerMergeService;
  let ws: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    merges = nest.app.get(CustomerMergeService);
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'merge-test' })).id;
    for (const ext of ['a', 'b', 'c']) {
      const [row] = await nest.db.query(
        `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
        [ws, ext],
      );
      ids[ext] = String(row.id);
    }
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'o-a', $2, now(), 100, 'CNY', 'paid'), ($1, 'o-b1', $3, now(), 200, 'CNY', 'paid'), ($1, 'o-b2', $3, now(), 300, 'CNY', 'paid')`,
      [ws, ids.a, ids.b],
    );
    await nest.db.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind) VALUES ($1, $2, 'do_not_call')`,
      [ws, ids.b],
    );
  });

  const ordersOf = async (id: string) =>
    (await nest.db.query(`SELECT external_id FROM orders WHERE customer_id = $1 ORDER BY 1`, [id])).map(
      (r: { external_id: string }) => r.external_id,
    );

  it('moves orders and do-not-call to the winner, keeps the loser resolvable, and is idempotent', async () => {
    const m = await merges.merge({
      workspaceId: ws,
      winnerId: ids.a,
      loserId: ids.b,
      reason: 'duplicate_email',
      actor: 'test',
    });
    expect(m).toMatchObject({ movedOrders: 2 });
    expect(await ordersOf(ids.a)).toEqual(['o-a', 'o-b1', 'o-b2']);
    const [loser] = await nest.db.query(`SELECT merged_into_id FROM customers WHERE id = $1`, [ids.b]);
    expect(String(loser.merged_into_id)).toBe(ids.a);
    const [dnc] = await nest.db.query(
      `SELECT customer_id FROM contact_suppressions WHERE workspace_id = $1`,
      [ws],
    );
    expect(String(dnc.customer_id)).toBe(ids.a);
    expect(
      await merges.merge({
        workspaceId: ws,
        winnerId: ids.a,
        loserId: ids.b,
        reason: 'again',
        actor: 'test',
      }),
    ).toBeNull();
  });

  it('follows chains: merging the winner elsewhere repoints earlier losers', async () => {
    await merges.merge({ workspaceId: ws, winnerId: ids.c, loserId: ids.a, reason: 'manual', actor: 'test' });
    const rows = await nest.db.query(
      `SELECT id, merged_into_id FROM customers WHERE workspace_id = $1 ORDER BY id`,
      [ws],
    );
    expect(
      rows.map((r: { merged_into_id: string | null }) => r.merged_into_id && String(r.merged_into_id)),
    ).toEqual([ids.c, ids.c, null]);
    expect(await ordersOf(ids.c)).toEqual(['o-a', 'o-b1', 'o-b2']);
  });

  it('undoes merges exactly, newest first, and writes both to the audit log', async () => {
    const [first, second] = (await merges.list(ws)).reverse();
    await expect(merges.undo(ws, first.id, 'test')).rejects.toMatchObject({ code: 'merge_superseded' });
    await merges.undo(ws, second.id, 'test');
    await merges.undo(ws, first.id, 'test');
    expect(await ordersOf(ids.a)).toEqual(['o-a']);
    expect(await ordersOf(ids.b)).toEqual(['o-b1', 'o-b2']);
    const merged = await nest.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND merged_into_id IS NOT NULL`,
      [ws],
    );
    expect(merged[0].n).toBe(0);
    const actions = await nest.db.query(`SELECT action FROM audit_log WHERE workspace_id = $1 ORDER BY id`, [
      ws,
    ]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'customer.merged',
      'customer.merged',
      'customer.merge_undone',
      'customer.merge_undone',
    ]);
    await expect(nest.db.query(`DELETE FROM audit_log WHERE workspace_id = $1`, [ws])).rejects.toThrow(
      /append-only/,
    );
  });

  it("moves the loser's call outcomes, follow-ups and pin to the winner, keeps the winner's own pin, undoes exactly", async () => {
    const customer = async (ext: string) =>
      String(
        (
          await nest.db.query(
            `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
            [ws, ext],
          )
        )[0].id,
      );
    const [winner, loser, pinnedWinner, pinnedLoser] = [
      await customer('w'),
      await customer('l'),
      await customer('pw'),
      await customer('pl'),
    ];
    for (const id of [loser, pinnedLoser]) {
      const [o] = await nest.db.query(
        `INSERT INTO worklist_outcomes (workspace_id, customer_id, outcome, callback_at)
         VALUES ($1, $2, 'callback_requested', now() + interval '1 day')
         RETURNING id`,
        [ws, id],
      );
      await nest.db.query(
        `INSERT INTO worklist_follow_ups (workspace_id, customer_id, kind, due_at, outcome_id)
         VALUES ($1, $2, 'callback', now() + interval '1 day', $3)`,
        [ws, id, o.id],
      );
      // an old, removed pin and the active one
      await nest.db.query(
        `INSERT INTO worklist_pins (workspace_id, customer_id, starts_on, removed_at)
         VALUES ($1, $2, '2026-01-01', now()), ($1, $2, '2026-11-01', NULL)`,
        [ws, id],
      );
    }
    await nest.db.query(
      `INSERT INTO worklist_pins (workspace_id, customer_id, starts_on) VALUES ($1, $2, '2026-11-02')`,
      [ws, pinnedWinner],
    );
    const rowsOf = async (id: string) => {
      const [r] = await nest.db.query(
        `SELECT (SELECT count(*)::int FROM worklist_outcomes WHERE customer_id = $1) AS outcomes,
                (SELECT count(*)::int FROM worklist_follow_ups WHERE customer_id = $1) AS follow_ups,
                (SELECT count(*)::int FROM worklist_pins WHERE customer_id = $1 AND removed_at IS NULL) AS active_pins,
                (SELECT count(*)::int FROM worklist_pins WHERE customer_id = $1) AS pins`,
        [id],
      );
      return r;
    };
    const before = [
      await rowsOf(winner),
      await rowsOf(loser),
      await rowsOf(pinnedWinner),
      await rowsOf(pinnedLoser),
    ];

    const plain = await merges.merge({
      workspaceId: ws,
      winnerId: winner,
      loserId: loser,
      reason: 'manual',
      actor: 'test',
    });
    expect(await rowsOf(winner)).toEqual({ outcomes: 1, follow_ups: 1, active_pins: 1, pins: 2 });
    expect(await rowsOf(loser)).toEqual({ outcomes: 0, follow_ups: 0, active_pins: 0, pins: 0 });

    // both pinned: the winner keeps its own active pin, the loser's active pin stays behind (its removed one moves)
    const pinned = await merges.merge({
      workspaceId: ws,
      winnerId: pinnedWinner,
      loserId: pinnedLoser,
      reason: 'manual',
      actor: 'test',
    });
    expect(await rowsOf(pinnedWinner)).toEqual({ outcomes: 1, follow_ups: 1, active_pins: 1, pins: 2 });
    expect(await rowsOf(pinnedLoser)).toEqual({ outcomes: 0, follow_ups: 0, active_pins: 1, pins: 1 });

    await merges.undo(ws, plain!.id, 'test');
    await merges.undo(ws, pinned!.id, 'test');
    expect([
      await rowsOf(winner),
      await rowsOf(loser),
      await rowsOf(pinnedWinner),
      await rowsOf(pinnedLoser),
    ]).toEqual(before);
  });
});
