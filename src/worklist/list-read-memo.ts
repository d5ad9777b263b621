import type { PageBodies } from './content-coding';

/** One remembered answer: the ETag of a page and, once a 200 was served, its bodies (JSON and gzip). */
export interface MemoEntry {
  workspaceId: string;
  /** the list the page belongs to: item and list changes name it */
  listId: string;
  /** `token()` taken before the inputs were read */
  token: number;
  etag: string;
  /**
   * null until the page was sent with a body (a first 304 remembers the ETag only); then both representations,
   * compressed once when the page is made, so no read compresses
   */
  bodies: PageBodies | null;
  /** ms epoch after which the entry no longer answers (the workspace's midnight for "today"), or null */
  expiresAt: number | null;
}

/** Rough cost of an entry beside its body (key, ETag, map slots), bytes. */
const ENTRY_OVERHEAD = 256;

/**
 * Served list pages by request (reader, rep, day, page, PII variant), valid while none of their inputs changed.
 * Pure: the clock is injected and the change notifications arrive as calls.
 *
 * Changes are counted on one sequence: a notification for a workspace or for lists stamps them with the next
 * number, and an entry stores the number current when its inputs were about to be read (`token()`); it answers only
 * while nothing it depends on was stamped later, so a read that overlapped a change is never served again. Least
 * recently used entries leave first once the bodies (both codings) pass `maxBytes`.
 */
export class ListReadMemo {
  private readonly entries = new Map<string, MemoEntry & { bytes: number }>();
  private readonly workspaces = new Map<string, number>();
  private readonly lists = new Map<string, number>();
  private seq = 0;
  /** entries read before this number are all stale (everything was invalidated) */
  private floor = 0;
  private used = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
    /** lists and workspaces stamped before they are forgotten, all at once, by invalidating everything */
    private readonly maxStamps = 100_000,
  ) {}

  /** Take before reading a page's inputs; give it to `set` with what was read. */
  token(): number {
    return this.seq;
  }

  invalidateWorkspace(workspaceId: string): void {
    this.stamp(this.workspaces, [workspaceId]);
  }

  invalidateLists(listIds: readonly string[]): void {
    this.stamp(this.lists, listIds);
  }

  /** Every entry is stale (a notification may have been missed). */
  invalidateAll(): void {
    this.floor = ++this.seq;
    this.workspaces.clear();
    this.lists.clear();
    this.entries.clear();
    this.used = 0;
  }

  /** The entry, when it is still true; stale or expired entries are dropped. */
  get(key: string): MemoEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (!this.current(e)) {
      this.used -= e.bytes;
      return undefined;
    }
    this.entries.set(key, e); // most recently used last
    return e;
  }

  /** Remembers an answer; refused when a change was stamped since its token, or it has expired already. */
  set(key: string, entry: MemoEntry): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.used -= old.bytes;
    }
    const bodyBytes = entry.bodies ? entry.bodies.identity.length + entry.bodies.gzip.length : 0;
    const bytes = bodyBytes + entry.etag.length + key.length * 2 + ENTRY_OVERHEAD;
    if (!this.current(entry) || bytes > this.maxBytes / 4) return;
    this.entries.set(key, { ...entry, bytes });
    this.used += bytes;
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes the entries take, roughly (bodies, identity and gzip, exactly). */
  get bytes(): number {
    return this.used;
  }

  private current(e: MemoEntry): boolean {
    return (
      e.token >= this.floor &&
      (this.workspaces.get(e.workspaceId) ?? 0) <= e.token &&
      (this.lists.get(e.listId) ?? 0) <= e.token &&
      (e.expiresAt === null || this.now() < e.expiresAt)
    );
  }

  private stamp(into: Map<string, number>, ids: readonly string[]): void {
    const n = ++this.seq;
    for (const id of ids) {
      into.delete(id);
      into.set(id, n);
    }
    if (this.workspaces.size + this.lists.size > this.maxStamps) this.invalidateAll();
  }
}
