import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { Tx } from '../../database/transactions';
import { SqlRepository } from '../../database/sql-repository';
import { DEDUPE_SQL, MAX_SHARED_KEY_GROUP } from './dedupe.sql';

/** 32-bit key of the per-workspace advisory lock: one dedupe run per workspace at a time */
const LOCK_CLASS = 0x64647570; // 'ddup'

/** Two live customers sharing a key, as the pairs statement answers them (see KeyPair). */
export interface KeyPairRow {
  a: string;
  b: string;
  same_email: boolean;
  same_phone: boolean;
  born_a: number;
  born_b: number;
  names_a: Array<string | null>;
  names_b: Array<string | null>;
  emails_differ: boolean;
  blocked: boolean;
}

/** One connection holding a workspace's dedupe lock; its transactions run one after another on it. */
export interface DedupeSession {
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** the connection outside a transaction: each statement commits on its own */
  autocommit: Tx;
}

/**
 * The statements of duplicate detection (dedupe.sql.ts) and the session they run in. The session is one
 * connection holding a session-level advisory lock across several short transactions (finding the candidates,
 * then a transaction per batch of merges) — a shape Transactions.run/onClient do not offer, so it lives here.
 */
@Injectable()
export class DedupeRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Runs `fn` on one connection holding the workspace's dedupe lock: runs of one workspace (an import's run and
   * an on-demand one) are serialised, so their merges cannot deadlock.
   */
  async withWorkspaceLock<T>(workspaceId: string, fn: (session: DedupeSession) => Promise<T>): Promise<T> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      await qr.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [LOCK_CLASS, workspaceId]);
      try {
        return await fn({ run: (work) => inTransaction(qr, work), autocommit: qr.manager });
      } finally {
        await qr.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_CLASS, workspaceId]);
      }
    } finally {
      await qr.release();
    }
  }

  /**
   * The pairs of live customers of the workspace sharing a key, computed with temporary tables that drop at
   * commit, and how many shared keys were ignored as too common. Run inside one transaction of the session.
   */
  async findKeyPairs(
    workspaceId: string,
    tx: Tx,
  ): Promise<{ rows: KeyPairRow[]; sharedKeysIgnored: number }> {
    await this.exec(DEDUPE_SQL.keys, [workspaceId], tx);
    await this.exec(DEDUPE_SQL.indexKeys, [], tx);
    await this.exec(DEDUPE_SQL.groups, [], tx);
    const oversized = await this.first<{ n: number }>(DEDUPE_SQL.oversized, [MAX_SHARED_KEY_GROUP], tx);
    const rows = await this.rows<KeyPairRow>(DEDUPE_SQL.pairs, [workspaceId, MAX_SHARED_KEY_GROUP], tx);
    return { rows, sharedKeysIgnored: oversized!.n };
  }

  /** Which planned merges (winner ← loser) a person separated before: an undone merge or a rejected candidate. */
  async blockedAmong(
    workspaceId: string,
    pairs: Array<{ winnerId: string; loserId: string }>,
    tx: Tx,
  ): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = await this.rows<{ winner_id: string; loser_id: string }>(
      DEDUPE_SQL.blockedAmong,
      [workspaceId, pairs.map((p) => p.winnerId), pairs.map((p) => p.loserId)],
      tx,
    );
    return new Set(rows.map((r) => `${r.winner_id}|${r.loser_id}`));
  }
}

async function inTransaction<T>(qr: QueryRunner, fn: (tx: Tx) => Promise<T>): Promise<T> {
  await qr.startTransaction();
  try {
    const result = await fn(qr.manager);
    await qr.commitTransaction();
    return result;
  } catch (e) {
    await qr.rollbackTransaction().catch(() => undefined);
    throw e;
  }
}
