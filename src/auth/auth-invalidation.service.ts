import { Injectable } from '@nestjs/common';
import { notifyOnCommit } from '../database/notification-channel';
import { LISTENER_NAME, NotificationListener } from '../database/notification-listener.service';
import { Queryable } from '../database/sql';
import { KeyVerificationCache } from './key-verification-cache';
import { Principal } from './principal';

/** The PostgreSQL channel on which a workspace id means "its keys changed: verify them again". */
export const AUTH_CHANNEL = 'callplan_auth_keys';
/** How long a verified key is trusted without reading its row, ms: bounds changes made outside the API (raw SQL). */
export const KEY_CACHE_TTL_MS = 30_000;
/** The listener's application_name, to find it in pg_stat_activity (one connection for every channel). */
export const AUTH_LISTENER_NAME = LISTENER_NAME;

/**
 * The API-key verification cache of this process and the channel that keeps it honest across API processes.
 *
 * Writers (revoke, rotate, rep deactivation) call `notify` inside their transaction: PostgreSQL delivers the
 * NOTIFY on commit only, to every process listening, this one included. Each API process holds one dedicated
 * connection with `LISTEN` (NotificationListener, shared with the served-list cache); while it is not connected
 * the cache is neither read nor filled (every request reads its key row, as without a cache), and when the
 * connection is lost or comes back the cache is emptied, since notifications sent meanwhile are lost. Workers and
 * the CLI do not listen and so never cache.
 */
@Injectable()
export class AuthInvalidationService {
  readonly keys = new KeyVerificationCache<Principal>(KEY_CACHE_TTL_MS);

  constructor(private readonly listener: NotificationListener) {
    listener.subscribe({
      channel: AUTH_CHANNEL,
      onPayload: (workspaceId) => this.keys.dropWorkspace(workspaceId),
      onReset: () => this.keys.clear(),
    });
  }

  /** Whether cached verifications may be served now: only while this process hears every invalidation. */
  get live(): boolean {
    return this.listener.live;
  }

  /** Tells every API process, when `tx` commits, that the workspace's keys must be verified again. */
  async notify(tx: Queryable, workspaceId: string): Promise<void> {
    await notifyOnCommit(tx, AUTH_CHANNEL, workspaceId);
  }

  /** Forgets the workspace's keys in this process at once (the writer's own process, before its NOTIFY arrives). */
  dropLocal(workspaceId: string): void {
    this.keys.dropWorkspace(workspaceId);
  }
}
