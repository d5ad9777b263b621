import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface CounterRow {
  hits: number;
  /** ms until the window ends */
  expires_in_ms: number;
  blocked: boolean;
  /** ms until the block ends; 0 when not blocked */
  blocked_for_ms: number;
}

/**
 * The rate-limit counters without Redis (not a tenant table: keys are API key ids and client addresses). One
 * statement per batch of hits (HitBatch): an upsert that counts them in a fixed window, starts a block when it passes the limit,
 * and starts afresh once a window or a block is over.
 */
@Injectable()
export class RateLimitRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Counts `n` hits of `key`. */
  async hit(key: string, windowMs: number, limit: number, blockMs: number, n = 1): Promise<CounterRow> {
    const rows = await this.rows<CounterRow>(
      `INSERT INTO rate_limit_counters AS c (key, hits, window_ends)
       VALUES ($1, $5, now() + make_interval(secs => $2::float8 / 1000))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN c.blocked_until > now() THEN c.hits
                     WHEN c.window_ends <= now() OR c.blocked_until IS NOT NULL THEN $5
                     ELSE c.hits + $5 END,
         window_ends = CASE WHEN c.blocked_until > now() THEN c.window_ends
                            WHEN c.window_ends <= now() OR c.blocked_until IS NOT NULL THEN EXCLUDED.window_ends
                            ELSE c.window_ends END,
         blocked_until = CASE WHEN c.blocked_until > now() THEN c.blocked_until
                              WHEN c.window_ends > now() AND c.blocked_until IS NULL AND c.hits + $5 > $3
                                THEN now() + make_interval(secs => $4::float8 / 1000)
                              END
       RETURNING hits,
                 greatest(ceil(extract(epoch FROM window_ends - now()) * 1000), 0)::int AS expires_in_ms,
                 coalesce(blocked_until > now(), false) AS blocked,
                 greatest(coalesce(ceil(extract(epoch FROM blocked_until - now()) * 1000), 0), 0)::int AS blocked_for_ms`,
      [key, windowMs, limit, blockMs, n],
    );
    return rows[0];
  }

  /** Removes counters whose window and block are over (they would start afresh anyway). */
  async prune(): Promise<void> {
    await this.exec(
      `DELETE FROM rate_limit_counters
       WHERE window_ends < now() AND (blocked_until IS NULL OR blocked_until < now())`,
    );
  }
}
