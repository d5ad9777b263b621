import { ListReadMemo, MemoEntry } from './list-read-memo';

const WS = 'ws-1';
/** Bodies of these sizes: the identity JSON and its gzip bytes. */
const sized = (identity: number, gzip: number) => ({
  identity: Buffer.alloc(identity),
  gzip: Buffer.alloc(gzip),
});
const entry = (memo: ListReadMemo, over: Partial<MemoEntry> = {}): MemoEntry => ({
  workspaceId: WS,
  listId: 'list-1',
  token: memo.token(),
  etag: '"e1"',
  bodies: sized(12, 10),
  expiresAt: null,
  ...over,
});

describe('ListReadMemo', () => {
  it('answers what was stored until a change of its workspace or its list is heard', () => {
    const memo = new ListReadMemo(1 << 20);
    memo.set('a', entry(memo));
    memo.set('b', entry(memo, { listId: 'list-2' }));
    expect(memo.get('a')?.etag).toBe('"e1"');
    memo.invalidateLists(['list-2']);
    expect(memo.get('a')).toBeDefined();
    expect(memo.get('b')).toBeUndefined();
    memo.invalidateWorkspace('other-ws');
    expect(memo.get('a')).toBeDefined();
    memo.invalidateWorkspace(WS);
    expect(memo.get('a')).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it('refuses an answer whose inputs were read while a change was heard (token taken before the read)', () => {
    const memo = new ListReadMemo(1 << 20);
    const token = memo.token();
    memo.invalidateLists(['list-1']); // heard during the read
    memo.set('a', entry(memo, { token }));
    expect(memo.get('a')).toBeUndefined();
    // a read that started after the change is stored
    memo.set('a', entry(memo));
    expect(memo.get('a')).toBeDefined();
  });

  it('forgets everything on invalidateAll, and refuses what was read before it', () => {
    const memo = new ListReadMemo(1 << 20);
    const before = memo.token();
    memo.set('a', entry(memo));
    memo.invalidateAll();
    expect(memo.get('a')).toBeUndefined();
    memo.set('b', entry(memo, { token: before }));
    expect(memo.get('b')).toBeUndefined();
    expect(memo.bytes).toBe(0);
  });

  it('ends an entry at its expiry (the workspace midnight of "today")', () => {
    let now = 1_000;
    const memo = new ListReadMemo(1 << 20, () => now);
    memo.set('a', entry(memo, { expiresAt: 2_000 }));
    now = 1_999;
    expect(memo.get('a')).toBeDefined();
    now = 2_000;
    expect(memo.get('a')).toBeUndefined();
    memo.set('b', entry(memo, { expiresAt: 2_000 })); // already past: not stored
    expect(memo.size).toBe(0);
  });

  it('keeps the bodies (both codings) within its byte budget, least recently used out first', () => {
    const bodies = sized(800, 200);
    const memo = new ListReadMemo(4 * 1400);
    for (const k of ['a', 'b', 'c']) memo.set(k, entry(memo, { bodies }));
    memo.get('a'); // a is now the most recently used
    memo.set('d', entry(memo, { bodies }));
    memo.set('e', entry(memo, { bodies }));
    expect(memo.bytes).toBeLessThanOrEqual(4 * 1400);
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('a')).toBeDefined();
    expect(memo.get('e')).toBeDefined();
    // bodies over a quarter of the budget are never kept, the compressed bytes counted
    memo.set('big', entry(memo, { bodies: sized(1100, 300) }));
    expect(memo.get('big')).toBeUndefined();
  });

  it('replaces an entry of the same key and counts its bytes once, identity and gzip', () => {
    const memo = new ListReadMemo(1 << 20);
    memo.set('a', entry(memo, { bodies: null }));
    const small = memo.bytes;
    memo.set('a', entry(memo, { bodies: sized(500, 120), etag: '"e2"' }));
    expect(memo.size).toBe(1);
    expect(memo.bytes).toBe(small + 620);
    expect(memo.get('a')?.etag).toBe('"e2"');
  });

  it('bounds the changes it remembers by forgetting everything past maxStamps', () => {
    const memo = new ListReadMemo(1 << 20, Date.now, 3);
    memo.set('a', entry(memo));
    memo.invalidateLists(['x', 'y']);
    expect(memo.get('a')).toBeDefined();
    memo.invalidateLists(['z', 'w']);
    expect(memo.get('a')).toBeUndefined();
  });
});
