/** What a limit check answers (the shape of @nestjs/throttler's storage record; seconds rounded up). */
export interface HitRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** What the shared store said after counting hits: counts, and times in ms. */
export interface StoreAnswer {
  hits: number;
  ttlMs: number;
  blocked: boolean;
  blockMs: number;
}

interface KeyState {
  /** hits the shared store had counted at the last answer, this process's sent ones included */
  shared: number;
  windowEnds: number;
  blockedUntil: number;
  /** hits counted here and not sent yet */
  pending: number;
  syncedAt: number;
  inFlight: boolean;
}

/**
 * Rate-limit hits counted in the process and sent to the shared store (Redis or PostgreSQL) in batches. Pure: the
 * clock is injected; the caller sends.
 *
 * A hit goes to the store, with the hits not sent yet, when the key is new or its window over, when `maxLagMs`
 * passed since the store last answered for it, or when the batch reaches a quarter of what the last answer left
 * of the limit — so near the limit every hit is sent (exact), far from it one in many. A blocked key answers
 * blocked locally until its block ends. While a send is under way further hits count locally. What this trades:
 * each process may hold up to a quarter of the remaining budget, for at most `maxLagMs`, that the others do not
 * see yet, so with more than four API processes a burst can pass the limit by that much.
 */
export class HitBatch {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly maxLagMs = 200,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /**
   * Counts a hit: the answer to give without the store, or `send` — the number of hits (this one included) to
   * send to the store now, whose answer goes to `settle`.
   */
  hit(key: string, limit: number): { answer: HitRecord } | { send: number } {
    const t = this.now();
    const s = this.keys.get(key);
    if (s && s.blockedUntil > t) {
      return {
        answer: {
          totalHits: s.shared,
          timeToExpire: seconds(s.windowEnds - t),
          isBlocked: true,
          timeToBlockExpire: seconds(s.blockedUntil - t),
        },
      };
    }
    if (s && s.inFlight) {
      s.pending++;
      return { answer: this.local(s, t) };
    }
    const batch = s ? Math.max(1, Math.floor((limit - s.shared) / 4)) : 1;
    if (!s || t >= s.windowEnds || t - s.syncedAt >= this.maxLagMs || s.pending + 1 >= batch) {
      const state = s ?? this.create(key, t);
      const send = state.pending + 1;
      state.pending = 0;
      state.inFlight = true;
      return { send };
    }
    s.pending++;
    return { answer: this.local(s, t) };
  }

  /** The store's answer to a send: the key's count, window and block as the store has them now. */
  settle(key: string, a: StoreAnswer): HitRecord {
    const t = this.now();
    const s = this.keys.get(key) ?? this.create(key, t);
    s.shared = a.hits;
    s.windowEnds = t + a.ttlMs;
    s.blockedUntil = a.blocked ? t + a.blockMs : 0;
    s.syncedAt = t;
    s.inFlight = false;
    if (a.blocked) s.pending = 0; // hits while blocked do not count
    return {
      totalHits: a.hits + s.pending,
      timeToExpire: seconds(a.ttlMs),
      isBlocked: a.blocked,
      timeToBlockExpire: seconds(a.blockMs),
    };
  }

  /** The send failed: the hits it carried are lost (their requests went through), the next hit sends again. */
  failed(key: string): void {
    this.keys.delete(key);
  }

  private local(s: KeyState, t: number): HitRecord {
    return {
      totalHits: s.shared + s.pending,
      timeToExpire: seconds(s.windowEnds - t),
      isBlocked: false,
      timeToBlockExpire: 0,
    };
  }

  private create(key: string, t: number): KeyState {
    if (this.keys.size >= this.maxKeys) {
      // oldest first out (insertion order); a forgotten key sends its next hit
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    const s: KeyState = {
      shared: 0,
      windowEnds: t,
      blockedUntil: 0,
      pending: 0,
      syncedAt: t,
      inFlight: false,
    };
    this.keys.set(key, s);
    return s;
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}
