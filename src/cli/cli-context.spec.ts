import { CliError, QueueWaitWatch } from './cli-context';

describe('QueueWaitWatch', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  function watch(live: () => boolean) {
    return new QueueWaitWatch({
      heartbeats: { hasLiveWorker: () => Promise.resolve(live()) },
      queue: 'scoring',
      target: 'redis://127.0.0.1:6379/0 callplan',
      stallMs: 10_000,
      what: 'score run r1',
      resume: 'run `callplan score` again',
    }).start();
  }

  async function advance(ms: number) {
    await jest.advanceTimersByTimeAsync(ms);
  }

  it('fails a wait that stands still with no live worker, naming the queue and its target', async () => {
    const w = watch(() => false);
    w.progress('queued 0/0');
    await advance(9_000);
    expect(() => w.progress('queued 0/0')).not.toThrow();
    await advance(3_000);
    expect(() => w.progress('queued 0/0')).toThrow(CliError);
    expect(() => w.progress('queued 0/0')).toThrow(
      'score run r1 made no progress for 10 s and no live worker process serves the "scoring" queue ' +
        '(redis://127.0.0.1:6379/0 callplan)',
    );
    w.stop();
  });

  it('keeps waiting while a worker is alive, or while the run moves', async () => {
    let alive = true;
    const w = watch(() => alive);
    await advance(60_000);
    expect(() => w.progress('running 1/5')).not.toThrow();
    alive = false;
    for (let i = 2; i <= 5; i++) {
      await advance(8_000);
      expect(() => w.progress(`running ${i}/5`)).not.toThrow();
    }
    await advance(12_000);
    expect(() => w.progress('running 5/5')).toThrow(CliError);
    w.stop();
  });
});
