/**
 * Serialized list pages by ETag, least recently used first out, bounded by total size and age. Pure.
 *
 * An ETag names one representation exactly (list version, customers' updated_at, page, PII variant), so a cached
 * body is never served for a list that changed; the age bound only limits how long data outside the tag (offer
 * texts) can lag. Bodies of people-facing variants hold decrypted contact details: the cache lives in process
 * memory only and is small.
 */
export class ListBodyCache {
  private readonly entries = new Map<string, { body: string; at: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(etag: string): string | undefined {
    const e = this.entries.get(etag);
    if (!e) return undefined;
    this.entries.delete(etag);
    if (this.now() - e.at > this.maxAgeMs) {
      this.bytes -= e.body.length;
      return undefined;
    }
    this.entries.set(etag, e); // most recently used last
    return e.body;
  }

  set(etag: string, body: string): void {
    if (body.length > this.maxBytes / 4) return;
    const old = this.entries.get(etag);
    if (old) {
      this.bytes -= old.body.length;
      this.entries.delete(etag);
    }
    this.entries.set(etag, { body, at: this.now() });
    this.bytes += body.length;
    for (const [key, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= e.body.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Approximate size of the cached bodies (UTF-16 code units). */
  get totalLength(): number {
    return this.bytes;
  }
}
