import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { Transactions } from '../../src/database/transactions';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * CustomerMergeService.mergeMany (a dedupe run's batches, set-based) against merge() pair after pair: two workspaces
 * built alike, one merged each way, must end in the same state — customers, moved rows, merge records, audit.
 */
describe('customer merges in batches (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let merges: CustomerMergeService;
  let transactions: Transactions;

  /** w1 ← l1, l2 (two losers into one winner); w2 ← l3 (l3 has a record merged into it before); done ← gone (merged before). */
  const build = async (slug: string) => {
    const ws = (await nest.app.get(WorkspacesService).ensure({ slug })).id;
    const id: Record<string, string> = {};
    for (const ext of ['w1', 'l1', 'l2', 'w2', 'l3', 'old3', 'done', 'gone']) {
      const [row] = await nest.db.query(
        `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
        [ws, ext],
      );
      id[ext] = String(row.id);
    }
    await nest.db.query(`UPDATE customers SET merged_into_id = $2 WHERE id = $1`, [id.old3, id.l3]);
    await nest.db.query(`UPDATE customers SET merged_into_id = $2 WHERE id = $1`, [id.gone, id.done]);
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       VALUES ($1, 'o-w1', $2, now(), 100, 'CNY', 'paid'), ($1, 'o-l1a', $3, now(), 200, 'CNY', 'paid'),
              ($1, 'o-l1b', $3, now(), 300, 'CNY', 'paid'), ($1, 'o-l3', $4, now(), 400, 'CNY', 'paid')`,
      [ws, id.w1, id.l1, id.l3],
    );
    await nest.db.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind)
       VALUES ($1, 'i-l2', $2, now(), 'call'), ($1, 'i-w2', $3, now(), 'visit')`,
      [ws, id.l2, id.w2],
    );
    await nest.db.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind) VALUES ($1, $2, 'do_not_call')`,
      [ws, id.l3],
    );
    const pairs = [
      { winnerId: id.w1, loserId: id.l1, reason: 'same_email' },
      { winnerId: id.w1, loserId: id.l2, reason: 'same_phone' },
      { winnerId: id.w2, loserId: id.l3, reason: 'same_email_and_phone' },
      { winnerId: id.done, loserId: id.gone, reason: 'same_email' },
    ];
    return { ws, id, pairs };
  };

  /** Everything a merge writes, with ids replaced by external ids (the two workspaces' ids differ). */
  const state = async (ws: string) => {
    const [row] = await nest.db.query(
      `SELECT
         (SELECT json_agg(json_build_object('c', c.external_id, 'into', m.external_id) ORDER BY c.external_id)
            FROM customers c LEFT JOIN customers m ON m.id = c.merged_into_id WHERE c.workspace_id = $1) AS customers,
         (SELECT json_agg(json_build_object('o', o.external_id, 'c', c.external_id) ORDER BY o.external_id)
            FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1) AS orders,
         (SELECT json_agg(json_build_object('i', i.external_id, 'c', c.external_id) ORDER BY i.external_id)
            FROM interactions i JOIN customers c ON c.id = i.customer_id WHERE i.workspace_id = $1) AS interactions,
         (SELECT json_agg(c.external_id ORDER BY c.external_id)
            FROM contact_suppressions s JOIN customers c ON c.id = s.customer_id WHERE s.workspace_id = $1) AS suppressions,
         (SELECT json_agg(json_build_object(
                   'winner', w.external_id, 'loser', l.external_id, 'reason', m.reason, 'actor', m.actor,
                   'orders', (SELECT json_agg(o.external_id ORDER BY 1) FROM orders o WHERE o.id = ANY (m.moved_order_ids)),
                   'interactions', (SELECT json_agg(i.external_id ORDER BY 1) FROM interactions i
                                     WHERE i.id = ANY (m.moved_interaction_ids)),
                   'suppressions', cardinality(m.moved_suppression_ids),
                   'repointed', (SELECT json_agg(r.external_id ORDER BY 1) FROM customers r
                                  WHERE r.id = ANY (m.repointed_customer_ids)),
                   'others', cardinality(m.moved_contact_ids) + cardinality(m.moved_outcome_ids)
                             + cardinality(m.moved_follow_up_ids) + cardinality(m.moved_pin_ids)
                             + cardinality(m.moved_redemption_ids))
                   ORDER BY l.external_id)
            FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
           WHERE m.workspace_id = $1) AS merges,
         (SELECT json_agg(json_build_object('actor', a.actor, 'action', a.action, 'subject', s.external_id,
                   'winner', w.external_id, 'reason', a.details ->> 'reason', 'keys', (SELECT json_agg(k ORDER BY k)
                                                                                    FROM jsonb_object_keys(a.details) k))
                   ORDER BY a.id)
            FROM audit_log a
            JOIN customers s ON s.workspace_id = $1 AND 'customer:' || s.id = a.subject
            JOIN customers w ON w.id = (a.details ->> 'winnerId')::bigint
           WHERE a.workspace_id = $1 AND a.action = 'customer.merged') AS audit`,
      [ws],
    );
    return row;
  };

  beforeAll(() => {
    merges = nest.app.get(CustomerMergeService);
    transactions = nest.app.get(Transactions);
  });

  it('ends in the same state as merge() pair after pair: moved rows, repointed records, merge records, audit', async () => {
    const one = await build('merge-batch-one-by-one');
    let made = 0;
    for (const p of one.pairs) if (await merges.merge({ workspaceId: one.ws, ...p, actor: 'test' })) made++;
    const batch = await build('merge-batch-set-based');
    const batched = await transactions.run((tx) => merges.mergeMany(batch.ws, batch.pairs, 'test', tx));

    expect(made).toBe(3); // done ← gone was one customer already
    expect(batched).toBe(3);
    const expected = await state(one.ws);
    expect(expected.orders).toEqual([
      { o: 'o-l1a', c: 'w1' },
      { o: 'o-l1b', c: 'w1' },
      { o: 'o-l3', c: 'w2' },
      { o: 'o-w1', c: 'w1' },
    ]);
    expect(expected.merges).toHaveLength(3);
    expect(expected.audit).toHaveLength(3);
    expect(expected.merges[2]).toMatchObject({
      loser: 'l3',
      orders: ['o-l3'],
      suppressions: 1,
      repointed: ['old3'],
    });
    expect(await state(batch.ws)).toEqual(expected);

    // undo works on a batch's merge as on any other
    const [m] = await nest.db.query(
      `SELECT m.id FROM customer_merges m JOIN customers l ON l.id = m.loser_id
        WHERE m.workspace_id = $1 AND l.external_id = 'l3'`,
      [batch.ws],
    );
    await merges.undo(batch.ws, m.id, 'test');
    const after = await state(batch.ws);
    expect(after.orders).toContainEqual({ o: 'o-l3', c: 'l3' });
    expect(after.customers).toContainEqual({ c: 'old3', into: 'l3' });
    expect(after.suppressions).toEqual(['l3']);
  });

  it('changes nothing and answers null when the order of the pairs could matter', async () => {
    const b = await build('merge-batch-order-matters');
    const before = await state(b.ws);
    // a rep's statement of a type on a loser: the winner's type is settled after each merge
    await nest.db.query(
      `INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
         actor_kind, observed_at)
       VALUES ($1, $2, 'type', 'emotional', 'rep_tag', 1, 'rep', '2026-01-01T00:00:00Z')`,
      [b.ws, b.id.l2],
    );
    expect(await transactions.run((tx) => merges.mergeMany(b.ws, b.pairs, 'test', tx))).toBeNull();
    // a winner that is another pair's loser
    const chained = [
      { winnerId: b.id.w1, loserId: b.id.l1, reason: 'same_email' },
      { winnerId: b.id.l1, loserId: b.id.w2, reason: 'same_email' },
    ];
    expect(await transactions.run((tx) => merges.mergeMany(b.ws, chained, 'test', tx))).toBeNull();
    expect(await state(b.ws)).toEqual(before);
  });
});
