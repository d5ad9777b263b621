import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { clientAddress } from './client-address';
import { rateLimited } from './rate-limited';

/** What failed to authenticate (the label of callplan_auth_failures_total). */
export type AuthKind = 'api_key' | 'embed_token' | 'crm_signature' | 'metrics_token';

/** Blocked addresses remembered per process before expired ones are swept. */
const MAX_REMEMBERED = 10_000;

/**
 * Failed authentications per client address, shared by every process (the throttler storage, key `auth:<address>`).
 * Past RATE_LIMIT_AUTH_FAILURES in a window the address is blocked for the window: each process that sees the block
 * remembers it and answers 429 without looking at keys, tokens or signatures at all — a flood of bad keys costs no
 * database work, and a valid key from that address waits out the block too.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly blocked = new Map<string, number>();

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Runs `authenticate` for a request from `ip` (Express's `req.ip`): 429 at once while the address is blocked; a
   * 401 it throws counts as a failure of `kind`, and the failure that passes the limit answers 429 instead.
   */
  async check<T>(ip: string | undefined, kind: AuthKind, authenticate: () => Promise<T> | T): Promise<T> {
    const address = clientAddress(ip);
    this.refuseIfBlocked(address);
    try {
      return await authenticate();
    } catch (e) {
      if (e instanceof AppError && e.status === 401) await this.failed(address, kind);
      throw e;
    }
  }

  /** Whether requests from `ip` are refused now (a path that cannot answer 429 itself hands them on). */
  isBlocked(ip: string | undefined): boolean {
    const until = this.blocked.get(clientAddress(ip));
    return until !== undefined && until > Date.now();
  }

  private refuseIfBlocked(address: string): void {
    const until = this.blocked.get(address);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) {
      this.blocked.delete(address);
      return;
    }
    this.metrics.rateLimited.inc({ limit: 'auth_failures' });
    throw rateLimited('auth_failures', left / 1000);
  }

  private async failed(address: string, kind: AuthKind): Promise<void> {
    this.metrics.authFailures.inc({ kind });
    const limit = this.config.rateLimits.authFailures;
    if (!limit) return;
    const r = await this.storage.increment(
      `auth_failures:${address}`,
      limit.windowMs,
      limit.limit,
      limit.windowMs,
      'auth_failures',
    );
    if (!r.isBlocked) return;
    this.remember(address, Date.now() + r.timeToBlockExpire * 1000);
    this.metrics.rateLimited.inc({ limit: 'auth_failures' });
    throw rateLimited('auth_failures', r.timeToBlockExpire);
  }

  private remember(address: string, until: number): void {
    if (this.blocked.size >= MAX_REMEMBERED) {
      const now = Date.now();
      for (const [a, u] of this.blocked) if (u <= now) this.blocked.delete(a);
      if (this.blocked.size >= MAX_REMEMBERED)
        this.blocked.delete(this.blocked.keys().next().value as string);
    }
    this.blocked.set(address, until);
  }
}
