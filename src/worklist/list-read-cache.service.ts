import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { LIST_INPUTS_CHANNEL } from '../database/notification-channel';
import { NotificationListener } from '../database/notification-listener.service';
import { ListReadMemo, MemoEntry } from './list-read-memo';

/**
 * Served list pages of this API process (ListReadMemo), kept true by the change notifications of every input of a
 * page (docs/worklists.md#served-from-memory) heard on the process's LISTEN connection. Nothing is read from or
 * stored in it while that connection is down, and every loss or reconnection forgets everything. Off when
 * WORKLIST_MEMO_MB is 0.
 */
@Injectable()
export class ListReadCache {
  readonly memo: ListReadMemo;

  constructor(
    private readonly listener: NotificationListener,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.memo = new ListReadMemo(config.worklistMemoBytes);
    listener.subscribe({
      channel: LIST_INPUTS_CHANNEL,
      onPayload: (payload) => this.heard(payload),
      onReset: () => this.memo.invalidateAll(),
    });
  }

  /** Whether pages may be served from and stored in memory now. */
  get live(): boolean {
    return this.config.worklistMemoBytes > 0 && this.listener.live;
  }

  get(key: string): MemoEntry | undefined {
    return this.live ? this.memo.get(key) : undefined;
  }

  token(): number {
    return this.memo.token();
  }

  set(key: string, entry: MemoEntry): void {
    if (this.live) this.memo.set(key, entry);
  }

  /** `*`, `<workspace>` or `<workspace>:<list>,<list>…` (the triggers' payloads). */
  private heard(payload: string): void {
    if (payload === '*') return this.memo.invalidateAll();
    const colon = payload.indexOf(':');
    if (colon < 0) return this.memo.invalidateWorkspace(payload);
    this.memo.invalidateLists(payload.slice(colon + 1).split(','));
  }
}
