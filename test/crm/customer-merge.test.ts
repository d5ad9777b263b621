import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CustomerMergeService } from '../../src/crm/merge/customer-merge.service';
import { createTestContext, testConfig } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-db';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';

describe('customer merge and undo (PostgreSQL)', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let sql: DataSource;
  let merges: CustomerMergeService;
  let ws: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestContext(testConfig(db.url), { workers: false });
    sql = app.get(DataSource);
    merges = app.get(CustomerMergeService);
    ws = (await app.get(WorkspacesService).ensure({ slug: 'merge-test' })).id;
    for (const ext of ['a', 'b', 'c']) {
      const [row] = await sql.query(
        `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
        [ws, ext],
      );
      ids[ext] = String(row.id);
    }
    await sql.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'o-a', $2, now(), 100, 'CNY', 'paid'), ($1, 'o-b1', $3, now(), 200, 'CNY', 'paid'), ($1, 'o-b2', $3, now(), 300, 'CNY', 'paid')`,
      [ws, ids.a, ids.b],
    );
    await sql.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind) VALUES ($1, $2, 'do_not_call')`,
      [ws, ids.b],
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const ordersOf = async (id: string) =>
    (await sql.query(`SELECT external_id FROM orders WHERE customer_id = $1 ORDER BY 1`, [id])).map(
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
    const [loser] = await sql.query(`SELECT merged_into_id FROM customers WHERE id = $1`, [ids.b]);
    expect(String(loser.merged_into_id)).toBe(ids.a);
    const [dnc] = await sql.query(`SELECT customer_id FROM contact_suppressions WHERE workspace_id = $1`, [
      ws,
    ]);
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
    const rows = await sql.query(
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
    const merged = await sql.query(
      `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND merged_into_id IS NOT NULL`,
      [ws],
    );
    expect(merged[0].n).toBe(0);
    const actions = await sql.query(`SELECT action FROM audit_log WHERE workspace_id = $1 ORDER BY id`, [ws]);
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'customer.merged',
      'customer.merged',
      'customer.merge_undone',
      'customer.merge_undone',
    ]);
    await expect(sql.query(`DELETE FROM audit_log WHERE workspace_id = $1`, [ws])).rejects.toThrow(
      /append-only/,
    );
  });
});
