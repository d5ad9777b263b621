import { HitBatch, StoreAnswer } from './hit-batch';

/** A shared store that counts like the Redis script: fixed window, block past the limit. */
function fakeStore(limit: number) {
  let hits = 0;
  return {
    get hits() {
      return hits;
    },
    send(n: number): StoreAnswer {
      hits += n;
      if (hits > limit) return { hits, ttlMs: 60_000, blocked: true, blockMs: 60_000 };
      return { hits, ttlMs: 60_000, blocked: false, blockMs: 0 };
    },
  };
}

describe('HitBatch', () => {
  it('sends every hit of a small limit, so the block comes at exactly the first hit past it', () => {
    const batch = new HitBatch(200, () => 0);
    const store = fakeStore(5);
    const blocked: boolean[] = [];
    const sent: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      const r = batch.hit('k', 5);
      sent.push('send' in r);
      blocked.push('send' in r ? batch.settle('k', store.send(r.send)).isBlocked : r.answer.isBlocked);
    }
    expect(blocked).toEqual([false, false, false, false, false, true, true]);
    // the block itself is answered locally
    expect(sent).toEqual([true, true, true, true, true, true, false]);
  });

  it('far from a large limit sends one hit in many, and every hit as the limit nears', () => {
    let now = 0;
    const batch = new HitBatch(200, () => now);
    const store = fakeStore(1000);
    let sends = 0;
    let firstBlockAt = 0;
    for (let i = 1; i <= 1100 && firstBlockAt === 0; i++) {
      now += 0.1; // 10,000 hits a second: the lag bound does not send them
      const r = batch.hit('k', 1000);
      const answer = 'send' in r ? (sends++, batch.settle('k', store.send(r.send))) : r.answer;
      if (answer.isBlocked) firstBlockAt = i;
    }
    expect(sends).toBeLessThan(100);
    expect(firstBlockAt).toBe(1001); // one process: exact
    expect(store.hits).toBe(1001);
  });

  it('answers a blocked key blocked without sending, until the block ends', () => {
    let now = 0;
    const batch = new HitBatch(200, () => now);
    const r = batch.hit('k', 1);
    if (!('send' in r)) throw new Error('a new key is sent');
    batch.settle('k', { hits: 2, ttlMs: 60_000, blocked: true, blockMs: 1_500 });
    now = 1_000;
    expect(batch.hit('k', 1)).toEqual({
      answer: { totalHits: 2, timeToExpire: 59, isBlocked: true, timeToBlockExpire: 1 },
    });
    now = 1_600;
    expect('send' in batch.hit('k', 1)).toBe(true);
  });

  it('sends what it holds once maxLagMs passed, and when the window is over', () => {
    let now = 0;
    const batch = new HitBatch(200, () => now);
    const first = batch.hit('k', 1_000_000);
    if ('send' in first) batch.settle('k', { hits: 1, ttlMs: 1_000, blocked: false, blockMs: 0 });
    for (let i = 0; i < 5; i++) expect('answer' in batch.hit('k', 1_000_000)).toBe(true);
    now = 200;
    expect(batch.hit('k', 1_000_000)).toEqual({ send: 6 });
    batch.settle('k', { hits: 7, ttlMs: 800, blocked: false, blockMs: 0 });
    now = 1_000;
    expect(batch.hit('k', 1_000_000)).toEqual({ send: 1 });
  });

  it('counts locally while a send is under way and sends those hits with the next one', () => {
    const batch = new HitBatch(200, () => 0);
    expect(batch.hit('k', 100)).toEqual({ send: 1 });
    expect(batch.hit('k', 100)).toMatchObject({ answer: { isBlocked: false } });
    expect(batch.hit('k', 100)).toMatchObject({ answer: { isBlocked: false } });
    expect(batch.settle('k', { hits: 1, ttlMs: 60_000, blocked: false, blockMs: 0 }).totalHits).toBe(3);
    // batch now a quarter of the 99 left: held until 24
    let sent = 0;
    for (let i = 0; i < 30 && sent === 0; i++) {
      const r = batch.hit('k', 100);
      if ('send' in r) sent = r.send;
    }
    expect(sent).toBe(24);
  });

  it('forgets a key whose send failed: its next hit is sent again', () => {
    const batch = new HitBatch(200, () => 0);
    expect(batch.hit('k', 100)).toEqual({ send: 1 });
    batch.failed('k');
    expect(batch.hit('k', 100)).toEqual({ send: 1 });
  });
});
