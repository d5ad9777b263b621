import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { Runtime, RUNTIME } from '../common/runtime';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { HitBatch, StoreAnswer } from './hit-batch';
import { RateLimitRepository } from './rate-limit.repository';

/**
 * Counter and block marker in one round trip: INCRBY the batch (ARGV[4] hits) in a fixed window; past the limit, a
 * block and a fresh count.
 */
const HIT_SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return {tonumber(ARGV[2]) + 1, blocked, 1, blocked}
end
local hits = redis.call('INCRBY', KEYS[1], ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How long a hit may take before the request goes through uncounted, ms. */
const STORE_TIMEOUT_MS = 500;
const PRUNE_EVERY_MS = 60_000;

type RedisWithHit = Redis & {
  rateLimitHit(
    counter: string,
    block: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
    n: number,
  ): Promise<number[]>;
};

/**
 * The rate limits' counters, shared by every process of the deployment: in Redis when REDIS_URL is set (one Lua
 * script per send), else in PostgreSQL's UNLOGGED `rate_limit_counters` (one upsert per send). Hits are counted in
 * the process and sent in batches (HitBatch: every hit near the limit, one in many far from it, at least every
 * 200 ms per key), so a request far from its limit costs no round trip — and a page served from memory touches
 * neither Redis nor PostgreSQL. A store that
 * fails or is slow lets the request through (logged once a minute): the limits protect the service, they must not
 * become the outage.
 */
@Injectable()
export class SharedThrottlerStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SharedThrottlerStorage.name);
  private redis?: RedisWithHit;
  private pruner?: NodeJS.Timeout;
  private lastWarning = 0;
  private readonly batch = new HitBatch();

  constructor(
    private readonly repo: RateLimitRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** Where the counters live. */
  get backend(): 'redis' | 'postgres' {
    return this.config.redisUrl ? 'redis' : 'postgres';
  }

  async onModuleInit(): Promise<void> {
    if (!this.runtime.http) return;
    if (this.config.redisUrl) {
      const redis = new Redis(this.config.redisUrl, {
        keyPrefix: `${this.config.queuePrefix}:rl:`,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: STORE_TIMEOUT_MS,
      });
      redis.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
      redis.on('error', (e: Error) => this.warn(e));
      this.redis = redis as RedisWithHit;
      await redis.connect().catch((e: Error) => this.warn(e));
    } else {
      this.pruner = setInterval(
        () => void this.repo.prune().catch((e: Error) => this.warn(e)),
        PRUNE_EVERY_MS,
      );
      this.pruner.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruner);
    this.redis?.disconnect();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const counted = this.batch.hit(key, limit);
    if ('answer' in counted) return counted.answer;
    try {
      return this.batch.settle(key, await this.hit(key, ttl, limit, blockDuration, counted.send));
    } catch (e) {
      this.batch.failed(key);
      this.warn(e as Error);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  private async hit(key: string, ttl: number, limit: number, block: number, n: number): Promise<StoreAnswer> {
    if (this.redis) {
      // the braces keep both keys in one Redis Cluster slot
      const [hits, ttlMs, blocked, blockMs] = await this.redis.rateLimitHit(
        `{${key}}`,
        `{${key}}:block`,
        ttl,
        limit,
        block,
        n,
      );
      return { hits, ttlMs, blocked: blocked === 1, blockMs };
    }
    const row = await Promise.race([
      this.repo.hit(key, ttl, limit, block, n),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('rate limit store: no answer in time')), STORE_TIMEOUT_MS).unref(),
      ),
    ]);
    return { hits: row.hits, ttlMs: row.expires_in_ms, blocked: row.blocked, blockMs: row.blocked_for_ms };
  }

  private warn(e: Error): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(`rate limits not counted (requests let through): ${e.message}`);
  }
}
