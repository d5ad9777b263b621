import { randomBytes } from 'node:crypto';
import { SharedThrottlerStorage } from '../../src/rate-limit/shared-throttler-storage';
import { useTestApp } from '../support/use-test-app';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared store's counting rules, the same on both backends: a fixed window, a block past the limit, a fresh start after. */
describe.each([
  ['postgres', undefined],
  ['redis', process.env.TEST_REDIS_URL],
] as const)('the rate-limit store on %s', (backend, redisUrl) => {
  if (backend === 'redis' && !redisUrl) return;
  const nest = useTestApp({ http: true, workers: false, redis: redisUrl ?? false });
  const store = () => nest.app.get(SharedThrottlerStorage);

  it('counts in a window, blocks past the limit for the block time, then starts afresh', async () => {
    expect(store().backend).toBe(backend);
    const key = `test:${randomBytes(4).toString('hex')}`;
    const hit = () => store().increment(key, 60_000, 2, 300, 'test');
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    const third = await hit();
    expect(third).toMatchObject({ isBlocked: true });
    expect(third.timeToBlockExpire).toBe(1); // 300 ms, rounded up to whole seconds
    expect(await hit()).toMatchObject({ isBlocked: true });
    await pause(400);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new window once the old one is over', async () => {
    const key = `test:${randomBytes(4).toString('hex')}`;
    const hit = () => store().increment(key, 200, 5, 1000, 'test');
    await hit();
    expect(await hit()).toMatchObject({ totalHits: 2 });
    await pause(300);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps separate keys apart', async () => {
    const a = `test:${randomBytes(4).toString('hex')}`;
    const b = `test:${randomBytes(4).toString('hex')}`;
    await store().increment(a, 60_000, 1, 60_000, 'test');
    expect(await store().increment(a, 60_000, 1, 60_000, 'test')).toMatchObject({ isBlocked: true });
    expect(await store().increment(b, 60_000, 1, 60_000, 'test')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });
});
