import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { todayIn } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';
import { client, Org } from './factory';

/** A manager reassigns accounts and the next published lists follow the new owners. */
describe('assignments and the next call lists (PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });

  it("puts reassigned accounts on the new owner's next list, and takes them off the old owner's", async () => {
    const call = client(nest.app);
    const org = await Org.create(nest.app, 'next-lists');
    await org.team('north');
    await org.rep('mgr', { team: 'north', role: 'manager' });
    await org.rep('ann', { team: 'north', manager: 'mgr', capacity: 10 });
    await org.rep('bob', { team: 'north', manager: 'mgr', capacity: 10 });
    const annCustomers = await org.customers('a', 5, 'ann');
    await org.customers('b', 5, 'bob');
    await org.scores();
    await org.sql.query('ANALYZE');
    const mgr = await org.key('manager', 'mgr');
    const day = (offset: number) => todayIn('Asia/Shanghai', new Date(Date.now() + offset * 86_400_000));
    const listed = async (rep: string, date: string): Promise<string[]> =>
      (
        await org.sql.query(
          `SELECT i.customer_id::text AS id FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
           WHERE w.rep_id = $1 AND w.list_date = $2`,
          [org.reps.get(rep), date],
        )
      ).map((r: { id: string }) => r.id);

    await nest.app.get(WorklistPublisher).publish(org.workspaceId, day(1));
    expect(await listed('ann', day(1))).toEqual(expect.arrayContaining(annCustomers));

    const moved = annCustomers.slice(0, 3);
    const res = await call(mgr)('POST', '/v1/assignments', { customerIds: moved, toRepId: 'bob' });
    expect(res.body).toMatchObject({ changed: 3 });

    await nest.app.get(WorklistPublisher).publish(org.workspaceId, day(2));
    const bobNext = await listed('bob', day(2));
    const annNext = await listed('ann', day(2));
    expect(bobNext).toEqual(expect.arrayContaining(moved));
    expect(annNext.filter((id) => moved.includes(id))).toEqual([]);
  });
});
