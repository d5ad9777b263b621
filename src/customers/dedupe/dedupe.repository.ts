import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { Tx } from '../../database/transactions';
import { SqlRepository } from '../../database/sql-repository';
import { DEDUPE_SQL, MAX_SHARED_KEY_GROUP } from './dedupe.sql';

/** 32-bit key of the per-workspace advisory lock: one dedupe run per workspace at a time */
const LOCK_CLASS = 0x64647570; // 'ddup'

/** A merge candidate: winner ← loser, which contact keys they share, and whether a person undid that merge. */
export interface CandidateRow {
  winner_id: string;
  loser_id: string;
  same_email: boolean;
  same_phone: boolean;
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
   * Candidate pairs (winner ← loser) of the workspace, computed with temporary tables that drop at commit, and
   * how many shared keys were ignored as too common. Run inside one transaction of the session.
   */
  async findCandidates(
    workspaceId: string,
    tx: Tx,
  ): Promise<{ rows: CandidateRow[]; sharedKeysIgnored: number }> {
    await this.exec(DEDUPE_SQL.keys, [workspaceId], tx);
    await this.exec(DEDUPE_SQL.indexKeys, [], tx);
    await this.exec(DEDUPE_SQL.groups, [], tx);
    const oversized = await this.first<{ n: number }>(DEDUPE_SQL.oversized, [MAX_SHARED_KEY_GROUP], tx);
    await this.exec(DEDUPE_SQL.edges, [MAX_SHARED_KEY_GROUP], tx);
    await this.exec(DEDUPE_SQL.labels, [], tx);
    await this.exec(DEDUPE_SQL.indexLabels, [], tx);
    // Components of a chain of n links settle in at most n rounds; real groups have 2–3 members.
    for (let round = 0; round < 1000; round++) {
      const res: unknown = await tx.query(DEDUPE_SQL.propagate);
      if (affected(res) === 0) break;
    }
    const rows = await this.rows<CandidateRow>(DEDUPE_SQL.candidates, [workspaceId], tx);
    return { rows, sharedKeysIgnored: oversized!.n };
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

/** Affected row count of an UPDATE through TypeORM (answered as [rows, count]). */
function affected(res: unknown): number {
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
