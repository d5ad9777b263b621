import { Client } from 'pg';
import { Org } from '../assignments/factory';
import { TenantScope } from '../../src/database/tenant-scope';
import { useTestApp } from '../support/use-test-app';

/**
 * `orders.customer_id` and `interactions.customer_id` are checked per statement by triggers (migration
 * 1769200000000), not by per-row foreign keys: the guarantees must be the foreign key's (23503 on a missing
 * customer, NO ACTION on deleting a referenced one, the customer locked until the inserting transaction ends) plus
 * one it never gave — no reference to a customer of another workspace — for the app's role under row-level security.
 */
describe('customer references of orders and interactions (PostgreSQL)', () => {
  const nest = useTestApp({ http: false, workers: false });
  let a: Org;
  let b: Org;
  let owner: Client;
  let customerA: string;
  let spareA: string;
  let customerB: string;

  const customer = async (workspaceId: string, ext: string) =>
    (
      await owner.query<{ id: string }>(
        `INSERT INTO customers (workspace_id, external_id) VALUES ($1, $2) RETURNING id`,
        [workspaceId, ext],
      )
    ).rows[0].id;
  const insertOrder = (workspaceId: string, customerId: string, ext: string) =>
    TenantScope.run(workspaceId, () =>
      nest.db.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES ($1, $2, $3, '2026-01-05T00:00:00Z', 1000, 'EUR', 'paid')`,
        [workspaceId, ext, customerId],
      ),
    );
  const insertInteraction = (workspaceId: string, customerId: string, ext: string) =>
    TenantScope.run(workspaceId, () =>
      nest.db.query(
        `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind)
         VALUES ($1, $2, $3, '2026-01-05T00:00:00Z', 'call')`,
        [workspaceId, ext, customerId],
      ),
    );
  const fkError = (constraint: string) => expect.objectContaining({ code: '23503', constraint });

  beforeAll(async () => {
    a = await Org.create(nest.app, 'refs-a');
    b = await Org.create(nest.app, 'refs-b');
    owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    nest.cleanup(() => owner.end());
    customerA = await customer(a.workspaceId, 'ca');
    spareA = await customer(a.workspaceId, 'spare');
    customerB = await customer(b.workspaceId, 'cb');
  });

  it('lands orders and interactions of the workspace’s customers', async () => {
    await insertOrder(a.workspaceId, customerA, 'o-ok');
    await insertInteraction(a.workspaceId, customerA, 'i-ok');
    const { rows } = await owner.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = $1`, [
      customerA,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses an order or interaction naming a missing customer, or one of another workspace, with 23503', async () => {
    const missing = '999999999';
    await expect(insertOrder(a.workspaceId, missing, 'o-missing')).rejects.toEqual(
      fkError('orders_customer_id_fkey'),
    );
    await expect(insertOrder(a.workspaceId, customerB, 'o-other')).rejects.toEqual(
      fkError('orders_customer_id_fkey'),
    );
    await expect(insertInteraction(a.workspaceId, missing, 'i-missing')).rejects.toEqual(
      fkError('interactions_customer_id_fkey'),
    );
    await expect(insertInteraction(a.workspaceId, customerB, 'i-other')).rejects.toEqual(
      fkError('interactions_customer_id_fkey'),
    );
    // nor a workspace that does not exist (the owner is not bound by the tenant policy)
    await expect(
      owner.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES (gen_random_uuid(), 'o-nowhere', $1, '2026-01-05T00:00:00Z', 1, 'EUR', 'paid')`,
        [customerA],
      ),
    ).rejects.toEqual(fkError('orders_customer_id_fkey'));
    // the message reads like PostgreSQL's own
    await expect(insertOrder(a.workspaceId, missing, 'o-missing')).rejects.toThrow(
      'insert or update on table "orders" violates foreign key constraint "orders_customer_id_fkey"',
    );
    // one bad row fails the whole multi-row statement
    await expect(
      TenantScope.run(a.workspaceId, () =>
        nest.db.query(
          `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
           SELECT $1, 'o-multi-' || c, c, '2026-01-05T00:00:00Z', 1, 'EUR', 'paid' FROM unnest($2::bigint[]) c`,
          [a.workspaceId, [customerA, spareA, missing]],
        ),
      ),
    ).rejects.toEqual(fkError('orders_customer_id_fkey'));
    const { rows } = await owner.query(
      `SELECT count(*)::int AS n FROM orders WHERE external_id LIKE 'o-multi-%'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('checks an update that changes the reference, and lets other updates through', async () => {
    await insertOrder(a.workspaceId, customerA, 'o-upd');
    const update = (set: string, params: unknown[]) =>
      TenantScope.run(a.workspaceId, () =>
        nest.db.query(`UPDATE orders SET ${set} WHERE external_id = 'o-upd'`, params),
      );
    await expect(update('customer_id = $1', [customerB])).rejects.toEqual(fkError('orders_customer_id_fkey'));
    await expect(update('customer_id = $1', ['999999999'])).rejects.toEqual(
      fkError('orders_customer_id_fkey'),
    );
    await update('amount_minor = $1', [2000]);
    await update('customer_id = $1', [spareA]); // a merge moving orders to the winner
    await update('customer_id = $1', [customerA]);
    await expect(
      TenantScope.run(a.workspaceId, () =>
        nest.db.query(`UPDATE interactions SET customer_id = $1 WHERE external_id = 'i-ok'`, [customerB]),
      ),
    ).rejects.toEqual(fkError('interactions_customer_id_fkey'));
  });

  it('refuses to delete a customer still referenced (NO ACTION), deletes an unreferenced one', async () => {
    const lonely = await customer(a.workspaceId, 'lonely');
    await expect(owner.query(`DELETE FROM customers WHERE id = $1`, [customerA])).rejects.toEqual(
      expect.objectContaining({ code: '23503' }),
    );
    await expect(
      TenantScope.run(a.workspaceId, () => nest.db.query(`DELETE FROM customers WHERE id = $1`, [customerA])),
    ).rejects.toEqual(expect.objectContaining({ code: '23503' }));
    // referenced by an interaction only
    const talkedTo = await customer(a.workspaceId, 'talked-to');
    await insertInteraction(a.workspaceId, talkedTo, 'i-talked');
    await expect(owner.query(`DELETE FROM customers WHERE id = $1`, [talkedTo])).rejects.toEqual(
      fkError('interactions_customer_id_fkey'),
    );
    // a customer's id never moves away from its orders, nor do the customers go by TRUNCATE
    await expect(owner.query(`UPDATE customers SET id = DEFAULT WHERE id = $1`, [customerA])).rejects.toEqual(
      expect.objectContaining({ code: '23503' }),
    );
    await expect(owner.query(`TRUNCATE customers CASCADE`)).rejects.toEqual(
      expect.objectContaining({ code: '23503' }),
    );
    await TenantScope.run(a.workspaceId, () =>
      nest.db.query(`DELETE FROM customers WHERE id = $1`, [lonely]),
    );
    const { rows } = await owner.query(`SELECT id FROM customers WHERE id = ANY ($1::bigint[])`, [
      [customerA, talkedTo, lonely],
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual([customerA, talkedTo].sort());
  });

  it('makes a delete of the customer wait for a transaction that references it, then refuses it', async () => {
    const fresh = await customer(a.workspaceId, 'fresh');
    const deleter = new Client({ connectionString: nest.databaseUrl });
    await deleter.connect();
    try {
      await owner.query('BEGIN');
      await owner.query(
        `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
         VALUES ($1, 'o-fresh', $2, '2026-01-05T00:00:00Z', 1, 'EUR', 'paid')`,
        [a.workspaceId, fresh],
      );
      await deleter.query(`SET lock_timeout = '300ms'`);
      await expect(deleter.query(`DELETE FROM customers WHERE id = $1`, [fresh])).rejects.toEqual(
        expect.objectContaining({ code: '55P03' }), // lock_not_available: the insert holds the key share
      );
      await owner.query('COMMIT');
      await expect(deleter.query(`DELETE FROM customers WHERE id = $1`, [fresh])).rejects.toEqual(
        fkError('orders_customer_id_fkey'),
      );
    } finally {
      await owner.query('ROLLBACK').catch(() => undefined);
      await deleter.end();
    }
  });

  it('still deletes a workspace with its customers, orders and interactions', async () => {
    const gone = await Org.create(nest.app, 'refs-gone');
    const c = await customer(gone.workspaceId, 'c');
    await insertOrder(gone.workspaceId, c, 'o-gone');
    await insertInteraction(gone.workspaceId, c, 'i-gone');
    await owner.query(`DELETE FROM workspaces WHERE id = $1`, [gone.workspaceId]);
    const { rows } = await owner.query(
      `SELECT (SELECT count(*) FROM orders WHERE workspace_id = $1)::int
            + (SELECT count(*) FROM interactions WHERE workspace_id = $1)::int
            + (SELECT count(*) FROM customers WHERE workspace_id = $1)::int AS n`,
      [gone.workspaceId],
    );
    expect(rows[0].n).toBe(0);
  });
});
