import { ListBodyCache } from './list-body-cache';

describe('ListBodyCache', () => {
  it('serves by tag, evicts the least recently used over the size bound, and expires by age', () => {
    let now = 0;
    const cache = new ListBodyCache(40, 1_000, () => now);
    cache.set('a', 'x'.repeat(10));
    cache.set('b', 'y'.repeat(10));
    expect(cache.get('a')).toBe('x'.repeat(10)); // a is now the most recent
    cache.set('c', 'z'.repeat(10));
    cache.set('d', 'w'.repeat(10));
    cache.set('e', 'v'.repeat(10)); // over 40: b goes first, then c
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.totalLength).toBeLessThanOrEqual(40);
    now = 2_000;
    expect(cache.get('a')).toBeUndefined();
    cache.set('huge', 'h'.repeat(11)); // more than a quarter of the budget: not cached
    expect(cache.get('huge')).toBeUndefined();
  });
});
