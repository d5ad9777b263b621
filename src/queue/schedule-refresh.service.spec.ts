import { loadConfig } from '../config/config';
import { ScheduleRefresh } from './schedule-refresh.service';

describe('ScheduleRefresh', () => {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x@127.0.0.1/x' });

  it('runs every registered re-registration, each even when another fails', async () => {
    const refresh = new ScheduleRefresh({ http: false, workers: false, scheduler: true }, config);
    const ran: string[] = [];
    refresh.register('a', async () => ran.push('a'));
    refresh.register('b', () => Promise.reject(new Error('Redis down')));
    refresh.register('c', async () => ran.push('c'));
    await refresh.refresh();
    await refresh.refresh();
    expect(ran).toEqual(['a', 'c', 'a', 'c']);
  });

  it('starts no timer outside scheduler processes', () => {
    const refresh = new ScheduleRefresh({ http: true, workers: false, scheduler: false }, config);
    refresh.onApplicationBootstrap();
    expect((refresh as unknown as { timer?: unknown }).timer).toBeUndefined();
    refresh.onApplicationShutdown();
  });
});
