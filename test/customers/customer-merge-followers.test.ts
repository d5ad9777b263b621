import { DataSource } from 'typeorm';
import { AddRedemptionsToMerges1767700000000 } from '../../migrations/1767700000000-add-redemptions-to-merges';
import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { OfferRepository } from '../../src/offers/offer.repository';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * The per-customer rows added after merges were written (offer redemptions, the personality history) against
 * PostgreSQL: a merge carries them to the winner, an undo gives each record back its own.
 */
describe('customer merge: redemptions and personality (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let merges: CustomerMergeService;
  let ws: string;

  const customer = async (ext: string): Promise<string> => {
    const [row] = await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
      [ws, ext],
    );
    return String(row.id);
  };
  const merge = (winnerId: string, loserId: string) =>
    merges.merge({ workspaceId: ws, winnerId, loserId, reason: 'manual', actor: 'test' });

  beforeAll(async () => {
    merges = nest.app.get(CustomerMergeService);
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'merge-followers-test' })).id;
  });

  it("moves the loser's offer redemptions to the winner (the one-per-customer cap sees them) and undo moves them back", async () => {
    const [winner, loser] = [await customer('red-a'), await customer('red-b')];
    const [rep] = await nest.db.query(
      `INSERT INTO reps (workspace_id, external_id, name) VALUES ($1, 'red-rep', 'Rep') RETURNING id`,
      [ws],
    );
    const [offer] = await nest.db.query(
      `INSERT INTO offers (workspace_id, code, definition) VALUES ($1, 'ONCE', '{}') RETURNING id`,
      [ws],
    );
    const [list] = await nest.db.query(
      `INSERT INTO worklists (workspace_id, rep_id, list_date, capacity) VALUES ($1, $2, '2026-01-05', 25)
       RETURNING id`,
      [ws, rep.id],
    );
    const [item] = await nest.db.query(
      `INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, talk_track, offer_code)
       VALUES ($1, $2, $3, 1, 1, 'track', 'ONCE') RETURNING id`,
      [ws, list.id, loser],
    );
    await nest.db.query(
      `INSERT INTO offer_redemptions (workspace_id, offer_id, item_id, customer_id, source, cost_minor, redeemed_at)
       VALUES ($1, $2, $3, $4, 'outcome', 0, '2026-01-05T10:00:00Z')`,
      [ws, offer.id, item.id, loser],
    );
    const offers = nest.app.get(OfferRepository);
    const redeemed = async (id: string) => (await offers.redeemedBy(ws, [id])).map((r) => r.code);
    expect(await redeemed(winner)).toEqual([]);

    const m = await merge(winner, loser);
    expect(await redeemed(winner)).toEqual(['ONCE']);
    const [row] = await nest.db.query(`SELECT moved_redemption_ids FROM customer_merges WHERE id = $1`, [
      m!.id,
    ]);
    expect(row.moved_redemption_ids).toHaveLength(1);

    await merges.undo(ws, m!.id, 'test');
    expect(await redeemed(winner)).toEqual([]);
    expect(await redeemed(loser)).toEqual(['ONCE']);

    // an item published for the loser before a merge, redeemed after it: the redemption keeps the item's customer
    await nest.db.query(`DELETE FROM offer_redemptions WHERE item_id = $1`, [item.id]);
    const again = await merge(winner, loser);
    expect(await offers.redeemItem(ws, item.id, new Date('2026-01-06T10:00:00Z'), nest.db)).toBe(true);
    expect(await redeemed(winner)).toEqual(['ONCE']);
    await merges.undo(ws, again!.id, 'test');
    expect([await redeemed(winner), await redeemed(loser)]).toEqual([[], ['ONCE']]);
  });

  describe('personality', () => {
    /** What a CSV import does to a customer's type (the sync writer named in the transaction). */
    const crmImport = (id: string, type: string) =>
      nest.db.transaction(async (m) => {
        await m.query(`SELECT set_config('callplan.field_writer', 'csv', true)`);
        await m.query(
          `UPDATE customers SET personality = $2, personality_set_by = 'csv', personality_set_at = now()
           WHERE id = $1`,
          [id, type],
        );
      });
    /** A rep's tag as PersonalityService records it: the observation, then the type as a Callplan writer. */
    const repTag = async (id: string, type: string) => {
      await nest.db.query(
        `INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
           actor_kind, observed_at)
         VALUES ($1, $2, 'type', $3, 'rep_tag', 1, 'rep', '2026-01-01T00:00:00Z')`,
        [ws, id, type],
      );
      await nest.db.query(`UPDATE customers SET personality = $2 WHERE id = $1`, [id, type]);
    };
    const typeOf = async (id: string) => {
      const [c] = await nest.db.query(
        `SELECT personality, personality_set_by AS by FROM customers WHERE id = $1`,
        [id],
      );
      return c as { personality: string | null; by: string | null };
    };

    it("a rep's tag on the merged-away record decides the winner's type and beats a CRM import; undo gives each its own", async () => {
      const [winner, loser] = [await customer('pers-a'), await customer('pers-b')];
      await crmImport(winner, 'leader');
      await repTag(loser, 'emotional');
      expect(await typeOf(winner)).toEqual({ personality: 'leader', by: 'csv' });

      const m = await merge(winner, loser);
      expect(await typeOf(winner)).toEqual({ personality: 'emotional', by: 'callplan' });
      await crmImport(winner, 'stable'); // refused: a person stated the type (recorded as the CRM's statement)
      expect(await typeOf(winner)).toEqual({ personality: 'emotional', by: 'callplan' });

      await merges.undo(ws, m!.id, 'test');
      // the winner has no person's statement of its own: the CRM's newest value for it, again the CRM's to change
      expect(await typeOf(winner)).toEqual({ personality: 'stable', by: 'csv' });
      expect(await typeOf(loser)).toEqual({ personality: 'emotional', by: 'callplan' });
      await crmImport(winner, 'rational');
      expect(await typeOf(winner)).toEqual({ personality: 'rational', by: 'csv' });
    });

    it("keeps the winner's own rep tag when it is the newer statement, and leaves a CRM-only pair as it was", async () => {
      const [winner, loser] = [await customer('pers-c'), await customer('pers-d')];
      await repTag(loser, 'emotional');
      await nest.db.query(
        `INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
           actor_kind, observed_at)
         VALUES ($1, $2, 'type', 'rational', 'rep_tag', 1, 'rep', '2026-02-01T00:00:00Z')`,
        [ws, winner],
      );
      await nest.db.query(`UPDATE customers SET personality = 'rational' WHERE id = $1`, [winner]);
      const m = await merge(winner, loser);
      expect(await typeOf(winner)).toEqual({ personality: 'rational', by: 'callplan' });
      await merges.undo(ws, m!.id, 'test');
      expect(await typeOf(winner)).toEqual({ personality: 'rational', by: 'callplan' });

      const [c, d] = [await customer('pers-e'), await customer('pers-f')];
      await crmImport(c, 'leader');
      await crmImport(d, 'stable');
      const m2 = await merge(c, d);
      expect(await typeOf(c)).toEqual({ personality: 'leader', by: 'csv' });
      await merges.undo(ws, m2!.id, 'test');
      expect([await typeOf(c), await typeOf(d)]).toEqual([
        { personality: 'leader', by: 'csv' },
        { personality: 'stable', by: 'csv' },
      ]);
    });

    it('the migration settles winners of merges made before, and leaves other customers alone', async () => {
      const [winner, loser, alone] = [
        await customer('pers-g'),
        await customer('pers-h'),
        await customer('pers-i'),
      ];
      await crmImport(winner, 'leader');
      await repTag(loser, 'emotional');
      await crmImport(alone, 'stable');
      // a merge as it was made before: the loser pointed at the winner, the winner's type untouched
      await nest.db.query(`UPDATE customers SET merged_into_id = $2 WHERE id = $1`, [loser, winner]);
      // as the migrations run: the database's owner, not the app's role
      const owner = await new DataSource({ type: 'postgres', url: nest.databaseUrl }).initialize();
      const runner = owner.createQueryRunner();
      try {
        await new AddRedemptionsToMerges1767700000000().up(runner);
      } finally {
        await runner.release();
        await owner.destroy();
      }
      expect(await typeOf(winner)).toEqual({ personality: 'emotional', by: 'callplan' });
      expect(await typeOf(alone)).toEqual({ personality: 'stable', by: 'csv' });
    });
  });
});
