import { KeyVerificationCache } from './key-verification-cache';

describe('KeyVerificationCache', () => {
  let t = 0;
  const cache = () => new KeyVerificationCache<string>(30_000, 3, () => t);
  beforeEach(() => (t = 1_000_000));

  it('serves a verified key until the TTL, then reads again', () => {
    const c = cache();
    c.set('h1', 'w1', 'p1', null, c.generation());
    t += 29_999;
    expect(c.get('h1')).toBe('p1');
    t += 1;
    expect(c.get('h1')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('never serves a key past its own expiry, even inside the TTL', () => {
    const c = cache();
    c.set('h1', 'w1', 'p1', t + 5_000, c.generation());
    t += 4_999;
    expect(c.get('h1')).toBe('p1');
    t += 1;
    expect(c.get('h1')).toBeUndefined();
  });

  it("drops the workspace's keys at once and keeps the others", () => {
    const c = cache();
    c.set('a', 'w1', 'pa', null, c.generation());
    c.set('b', 'w2', 'pb', null, c.generation());
    c.dropWorkspace('w1');
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe('pb');
  });

  it('refuses to store a lookup that started before an invalidation (it may have read the row before the revoke)', () => {
    const c = cache();
    const before = c.generation();
    c.dropWorkspace('w1');
    c.set('a', 'w1', 'stale', null, before);
    expect(c.get('a')).toBeUndefined();
    const lostChannel = c.generation();
    c.clear();
    c.set('a', 'w1', 'stale', null, lostChannel);
    expect(c.get('a')).toBeUndefined();
    c.set('a', 'w1', 'fresh', null, c.generation());
    expect(c.get('a')).toBe('fresh');
  });

  it('forgets everything on clear and holds at most maxEntries, oldest out first', () => {
    const c = cache();
    for (const h of ['a', 'b', 'c', 'd']) c.set(h, 'w1', h, null, c.generation());
    expect(c.size).toBe(3);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('d')).toBe('d');
    c.clear();
    expect(c.size).toBe(0);
  });
});
