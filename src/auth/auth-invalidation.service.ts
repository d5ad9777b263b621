import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Runtime, RUNTIME } from '../common/runtime';
import { listenOn, notifyOnCommit } from '../database/notification-channel';
import { Queryable } from '../database/sql';
import { KeyVerificationCache } from './key-verification-cache';
import { Principal } from './principal';

/** The PostgreSQL channel on which a workspace id means "its keys changed: verify them again". */
export const AUTH_CHANNEL = 'callplan_auth_keys';
/** How long a verified key is trusted without reading its row, ms: bounds changes made outside the API (raw SQL). */
export const KEY_CACHE_TTL_MS = 30_000;
const RECONNECT_MS = 1_000;
/** The listener's application_name, to find it in pg_stat_activity. */
export const AUTH_LISTENER_NAME = 'callplan-auth-listener';

/**
 * The API-key verification cache of this process and the channel that keeps it honest across API processes.
 *
 * Writers (revoke, rotate, rep deactivation) call `notify` inside their transaction: PostgreSQL delivers the
 * NOTIFY on commit only, to every process listening, this one included. Each API process holds one dedicated
 * connection with `LISTEN`; while it is not connected the cache is neither read nor filled (every request reads
 * its key row, as without a cache), and when the connection is lost or comes back the cache is emptied, since
 * notifications sent meanwhile are lost. Workers and the CLI do not listen and so never cache.
 */
@Injectable()
export class AuthInvalidationService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly keys = new KeyVerificationCache<Principal>(KEY_CACHE_TTL_MS);
  private readonly log = new Logger(AuthInvalidationService.name);
  private client: Client | null = null;
  private listening = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** Whether cached verifications may be served now: only while this process hears every invalidation. */
  get live(): boolean {
    return this.listening;
  }

  /** Tells every API process, when `tx` commits, that the workspace's keys must be verified again. */
  async notify(tx: Queryable, workspaceId: string): Promise<void> {
    await notifyOnCommit(tx, AUTH_CHANNEL, workspaceId);
  }

  /** Forgets the workspace's keys in this process at once (the writer's own process, before its NOTIFY arrives). */
  dropLocal(workspaceId: string): void {
    this.keys.dropWorkspace(workspaceId);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.runtime.http) await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.listening = false;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const url = (this.db.options as { url?: string }).url;
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: 5_000,
      application_name: AUTH_LISTENER_NAME,
    });
    client.on('notification', (n) => {
      if (n.channel === AUTH_CHANNEL && n.payload) this.keys.dropWorkspace(n.payload);
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await listenOn(client, AUTH_CHANNEL);
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // anything cached before this connection may have missed a notification
    this.keys.clear();
    this.listening = true;
  }

  private lost(client: Client, e?: Error): void {
    if (this.client !== null && this.client !== client) return; // an older connection's late event
    this.client = null;
    this.listening = false;
    this.keys.clear();
    client.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    if (e)
      this.log.warn(
        `auth invalidation channel lost (${e.message}); keys are verified uncached until it is back`,
      );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
