import { withTimeout } from './health-timeout';

describe('withTimeout', () => {
  it('answers with the work when it settles in time', async () => {
    await expect(withTimeout(Promise.resolve('up'), 50, () => 'late')).resolves.toBe('up');
  });

  it('answers with the fallback when the work hangs, after about the stated time', async () => {
    const started = Date.now();
    const never = new Promise<string>(() => undefined);
    await expect(withTimeout(never, 100, () => 'late')).resolves.toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('passes a rejection through', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 50, () => 'late')).rejects.toThrow('boom');
  });
});
