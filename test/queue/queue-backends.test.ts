import { randomBytes } from 'node:crypto';
import { Job } from 'bullmq';
import { QueueFactory } from '../../src/queue/queue-factory';
import { queueBackends } from '../support/test-db';
import { until } from '../support/until';
import { useTestDatabase } from '../support/use-test-app';

/** The same BullMQ API on both backends: plain jobs, idempotent job ids, flows with children, schedulers. */
describe.each(queueBackends())('queues on $name', ({ redisUrl }) => {
  const db = useTestDatabase();
  let factory: QueueFactory;

  beforeAll(async () => {
    factory = new QueueFactory({
      redisUrl,
      databaseUrl: db.url,
      prefix: `qt${randomBytes(4).toString('hex')}`,
    });
  });

  db.cleanup(() => factory?.closeAll());

  it('processes jobs and ignores a second job with the same id', async () => {
    const queue = factory.queue<{ n: number }>('scoring');
    const seen: number[] = [];
    const worker = factory.worker<{ n: number }, number>('scoring', async (job: Job<{ n: number }>) => {
      seen.push(job.data.n);
      return job.data.n * 2;
    });
    try {
      await queue.add('x', { n: 1 }, { jobId: 'score-run-ws-2026-11-25' });
      await queue.add('x', { n: 2 }, { jobId: 'score-run-ws-2026-11-25' });
      await queue.add('x', { n: 3 }, { jobId: 'score-run-ws-2026-11-26' });
      await until('both jobs completed', async () => (await queue.getJobCounts('completed')).completed === 2);
      expect(seen.sort()).toEqual([1, 3]);
    } finally {
      await worker.close();
    }
  });

  it('runs a flow: the parent starts only after every child finished', async () => {
    const queue = factory.queue('worklist');
    const order: string[] = [];
    const worker = factory.worker(
      'worklist',
      async (job: Job) => {
        order.push(job.name);
        if (job.name === 'finalize') {
          const children = await job.getChildrenValues();
          return Object.values(children).reduce((a: number, b) => a + (b as number), 0);
        }
        return (job.data as { n: number }).n;
      },
      { concurrency: 3 },
    );
    try {
      const flow = factory.flowProducer();
      const tree = await flow.add({
        name: 'finalize',
        queueName: 'worklist',
        opts: { jobId: 'fin-1' },
        children: [1, 2, 3, 4].map((n) => ({
          name: 'chunk',
          queueName: 'worklist',
          data: { n },
          opts: { jobId: `chunk-1-${n}` },
        })),
      });
      await until('the parent job', async () => (await queue.getJob('fin-1'))?.finishedOn !== undefined);
      expect(await (await queue.getJob('fin-1'))?.returnvalue).toBe(10);
      expect(order.at(-1)).toBe('finalize');
      expect(order.filter((n) => n === 'chunk')).toHaveLength(4);
      expect(tree.job.id).toBe('fin-1');
    } finally {
      await worker.close();
    }
  });

  it('registers a cron job scheduler in a time zone, idempotently', async () => {
    const queue = factory.queue('webhooks');
    await queue.upsertJobScheduler(
      'nightly-score-ws1',
      { pattern: '0 2 * * *', tz: 'Asia/Shanghai' },
      { name: 'nightly' },
    );
    await queue.upsertJobScheduler(
      'nightly-score-ws1',
      { pattern: '0 3 * * *', tz: 'Asia/Shanghai' },
      { name: 'nightly' },
    );
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({
      key: 'nightly-score-ws1',
      pattern: '0 3 * * *',
      tz: 'Asia/Shanghai',
    });
    const next = new Date(schedulers[0].next as number);
    // 03:00 in Shanghai is 19:00 UTC the day before
    expect(next.getUTCHours()).toBe(19);
  });
});
