import { Queue } from 'bullmq';
import { ConnectorsService, pullSchedulerId } from '../../src/ingest/pull/connectors.service';
import { queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { FakeCrm, fakeCrmConnector, seedFakeCrm } from '../fake-crm/fake-crm-server';
import { queueBackends } from '../support/test-db';
import { useTestApp } from '../support/use-test-app';

/** The pull connector as BullMQ work: a job scheduler per connector, and an on-demand pull job. */
describe.each(queueBackends())('pull connector jobs (queues on $name)', ({ redisUrl }) => {
  const nest = useTestApp({ redis: redisUrl, workers: true });
  const crm = new FakeCrm();

  beforeAll(async () => {
    await crm.start();
    seedFakeCrm(crm, { customers: 30, seed: 9 });
  });

  afterAll(async () => {
    await crm.stop();
  });

  it('registers a job scheduler per scheduled connector and runs on-demand pulls as jobs', async () => {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: 'jobs' });
    const connectors = nest.app.get(ConnectorsService);
    const queue = nest.app.get<Queue>(queueToken(QUEUES.crmSync));
    const c = await connectors.upsert(
      ws.id,
      { ...fakeCrmConnector(crm), scheduleEveryMs: 3_600_000 },
      'test',
    );
    const scheduler = await queue.getJobScheduler(pullSchedulerId(c.id));
    expect(scheduler).toMatchObject({ every: 3_600_000, name: 'pull' });

    const { jobId } = await connectors.enqueuePull(ws.id, c.id);
    expect(jobId).not.toContain(':');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await connectors.get(ws.id, c.id);
      if (view.lastRunAt && view.cursors.length === 3) break;
      if (Date.now() > deadline) throw new Error('pull job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1`, [
      ws.id,
    ]);
    expect(n).toBe(30);

    await connectors.upsert(ws.id, { ...fakeCrmConnector(crm), scheduleEveryMs: null }, 'test');
    expect(await queue.getJobScheduler(pullSchedulerId(c.id))).toBeFalsy();
  });
});
