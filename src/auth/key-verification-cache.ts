/**
 * Verified API keys by the hash of the presented secret, for a short time. Pure (the clock is injected).
 *
 * What may be cached is what the key row said when it was read: its principal and expiry (checked on every hit,
 * so a key still stops at its expiry). Revocation, rotation and rep deactivation drop the workspace's entries
 * (AuthInvalidationService hears them from every process); the TTL bounds what no notification reports (a row
 * changed by hand in SQL). A lookup that started before an invalidation must not store its stale answer after it:
 * `generation()` is taken before the read and `set` refuses once an invalidation has happened since.
 */
export class KeyVerificationCache<V> {
  private readonly entries = new Map<
    string,
    { workspaceId: string; value: V; expiresAt: number | null; at: number }
  >();
  private gen = 0;

  constructor(
    /** how long a verified key is trusted without reading its row again, ms */
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value, or undefined when absent, older than the TTL or past the key's own expiry (ms epoch). */
  get(hash: string): V | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    const t = this.now();
    if (t - e.at >= this.ttlMs || (e.expiresAt !== null && t >= e.expiresAt)) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.value;
  }

  /** A token to pass to `set`: stores are refused once any invalidation happened after it was taken. */
  generation(): number {
    return this.gen;
  }

  /** Stores a verified key read at `generation`; `expiresAt` is the key's expiry (ms epoch) or null. */
  set(hash: string, workspaceId: string, value: V, expiresAt: number | null, generation: number): void {
    if (generation !== this.gen) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(hash)) {
      // oldest first out: Map keeps insertion order
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(hash);
    this.entries.set(hash, { workspaceId, value, expiresAt, at: this.now() });
  }

  /** Forgets every key of the workspace (a key, its rep or its role changed there). */
  dropWorkspace(workspaceId: string): void {
    this.gen++;
    for (const [hash, e] of this.entries) if (e.workspaceId === workspaceId) this.entries.delete(hash);
  }

  /** Forgets everything (the invalidation channel was lost: notifications may have been missed). */
  clear(): void {
    this.gen++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
