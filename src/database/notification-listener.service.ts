import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Runtime, RUNTIME } from '../common/runtime';
import { listenOn } from './notification-channel';

/** The listener's application_name, to find it in pg_stat_activity. */
export const LISTENER_NAME = 'callplan-auth-listener';
const RECONNECT_MS = 1_000;

/** What a subscriber hears: each payload of its channel, and every time notifications may have been missed. */
export interface ChannelSubscriber {
  channel: string;
  onPayload(payload: string): void;
  /** The connection was lost or (re)established: anything derived from earlier notifications is unsafe. */
  onReset(): void;
}

/**
 * The one dedicated `LISTEN` connection of an API process, shared by the in-process caches that PostgreSQL
 * notifications keep honest (API-key verifications, served list pages). Subscribers register before the
 * application starts; while the connection is down `live` is false and the caches must neither be read nor filled,
 * and each loss or reconnection resets every subscriber, since notifications sent meanwhile are lost. Workers and
 * the CLI do not listen (`live` stays false), so their caches stay unused.
 */
@Injectable()
export class NotificationListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(NotificationListener.name);
  private readonly subscribers: ChannelSubscriber[] = [];
  private client: Client | null = null;
  private listening = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** the round trip of `sync` not sent yet, and the last one sent */
  private queued: Promise<boolean> | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** Whether every notification sent since the last reset has been (or will be) delivered to the subscribers. */
  get live(): boolean {
    return this.listening;
  }

  subscribe(subscriber: ChannelSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /**
   * Resolves once every notification committed before the call has been handed to the subscribers: a round trip on
   * the listening connection, whose answer PostgreSQL sends after the notifications queued for it. A request that
   * wrote calls this before answering, so its own process never serves what the write replaced. False when not
   * listening (nothing is served from memory then anyway).
   */
  sync(): Promise<boolean> {
    const c = this.client;
    if (!c || !this.listening) return Promise.resolve(false);
    // callers that arrive before the next round trip is sent share it; the connection runs one query at a time
    if (this.queued) return this.queued;
    const trip = this.inFlight.then(async () => {
      this.queued = null; // sent from here on: a later caller needs a later round trip
      try {
        await c.query('SELECT 1');
        return this.client === c && this.listening;
      } catch {
        return false;
      }
    });
    this.queued = trip;
    this.inFlight = trip;
    return trip;
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
      application_name: LISTENER_NAME,
    });
    client.on('notification', (n) => {
      if (!n.payload) return;
      for (const s of this.subscribers) if (s.channel === n.channel) s.onPayload(n.payload);
    });
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of new Set(this.subscribers.map((s) => s.channel))) await listenOn(client, channel);
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // anything derived before this connection may have missed a notification
    this.reset();
    this.listening = true;
  }

  private lost(client: Client, e?: Error): void {
    if (this.client !== null && this.client !== client) return; // an older connection's late event
    this.client = null;
    this.listening = false;
    this.reset();
    client.end().catch(() => undefined);
    if (this.closed || this.retry) return;
    if (e)
      this.log.warn(
        `notification channel lost (${e.message}); keys are verified and lists read uncached until it is back`,
      );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  private reset(): void {
    for (const s of this.subscribers) s.onReset();
  }
}
