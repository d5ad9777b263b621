import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { audit } from '../../audit/audit-entry.repository';
import { CustomerMergeService } from '../merge/customer-merge.service';
import { DEDUPE_SQL, MAX_SHARED_KEY_GROUP } from './dedupe.sql';

/** Why two customers were taken for one person. */
export type DuplicateReason = 'same_email_and_phone' | 'same_email' | 'same_phone' | 'linked';

export interface DuplicatePair {
  winnerId: string;
  loserId: string;
  reason: DuplicateReason;
}

export interface DedupeReport {
  /** merge candidates found (pairs winner ← loser), including blocked ones */
  candidates: number;
  merged: number;
  /** candidates skipped because a person undid that very merge before */
  blocked: number;
  /** candidates whose merge failed (logged by id; they are retried by the next run) */
  failed: number;
  /** email/phone keys shared by more customers than MAX_SHARED_KEY_GROUP: ignored as shared contacts */
  sharedKeysIgnored: number;
  byReason: Record<DuplicateReason, number>;
  dryRun: boolean;
  seconds: number;
  /** of which finding the candidates (set-based SQL) */
  findSeconds: number;
}

const MERGES_PER_TRANSACTION = 200;
/** 32-bit key of the per-workspace advisory lock: one dedupe run per workspace at a time */
const LOCK_CLASS = 0x64647570; // 'ddup'

/**
 * One customer view: finds customers of a workspace that are the same person (same normalised email or phone,
 * same kind) with set-based SQL and merges each group into its oldest record through CustomerMergeService, so
 * every merge is recorded, audited and can be undone. Runs after each customer import and on demand.
 */
@Injectable()
export class DedupeService {
  private readonly logger = new Logger(DedupeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly merges: CustomerMergeService,
  ) {}

  async run(workspaceId: string, opts: { actor?: string; dryRun?: boolean } = {}): Promise<DedupeReport> {
    const started = Date.now();
    const actor = opts.actor ?? 'system:dedupe';
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      // Serialises runs of one workspace (an import's run and an on-demand one): no deadlocks between their merges.
      await qr.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [LOCK_CLASS, workspaceId]);
      try {
        const { pairs, sharedKeysIgnored } = await this.findPairs(qr, workspaceId);
        const findSeconds = (Date.now() - started) / 1000;
        const live = pairs.filter((p) => !p.blocked);
        const report: DedupeReport = {
          candidates: pairs.length,
          merged: 0,
          blocked: pairs.length - live.length,
          failed: 0,
          sharedKeysIgnored,
          byReason: { same_email_and_phone: 0, same_email: 0, same_phone: 0, linked: 0 },
          dryRun: opts.dryRun ?? false,
          seconds: 0,
          findSeconds,
        };
        for (const p of live) report.byReason[p.reason]++;
        if (!opts.dryRun) {
          for (let i = 0; i < live.length; i += MERGES_PER_TRANSACTION) {
            const batch = live.slice(i, i + MERGES_PER_TRANSACTION);
            const done = await this.mergeBatch(qr, workspaceId, batch, actor);
            report.merged += done.merged;
            report.failed += done.failed;
          }
          if (report.merged > 0 || opts.actor) {
            await audit(qr, {
              workspaceId,
              actor,
              action: 'customers.deduplicated',
              subject: `workspace:${workspaceId}`,
              details: { merged: report.merged, blocked: report.blocked, byReason: report.byReason },
            });
          }
        }
        report.seconds = (Date.now() - started) / 1000;
        return report;
      } finally {
        await qr.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_CLASS, workspaceId]);
      }
    } finally {
      await qr.release();
    }
  }

  /** Candidate pairs (winner ← loser) of the workspace, computed in one transaction with temporary tables. */
  private async findPairs(qr: QueryRunner, workspaceId: string) {
    await qr.startTransaction();
    try {
      await qr.query(DEDUPE_SQL.keys, [workspaceId]);
      await qr.query(DEDUPE_SQL.indexKeys);
      await qr.query(DEDUPE_SQL.groups);
      const [{ n: sharedKeysIgnored }] = await qr.query(DEDUPE_SQL.oversized, [MAX_SHARED_KEY_GROUP]);
      await qr.query(DEDUPE_SQL.edges, [MAX_SHARED_KEY_GROUP]);
      await qr.query(DEDUPE_SQL.labels);
      await qr.query(DEDUPE_SQL.indexLabels);
      // Components of a chain of n links settle in at most n rounds; real groups have 2–3 members.
      for (let round = 0; round < 1000; round++) {
        const res: unknown = await qr.query(DEDUPE_SQL.propagate);
        if (affected(res) === 0) break;
      }
      const rows: Array<{
        winner_id: string;
        loser_id: string;
        same_email: boolean;
        same_phone: boolean;
        blocked: boolean;
      }> = await qr.query(DEDUPE_SQL.candidates, [workspaceId]);
      await qr.commitTransaction();
      const pairs = rows.map((r) => ({
        winnerId: r.winner_id,
        loserId: r.loser_id,
        reason: reasonOf(r.same_email, r.same_phone),
        blocked: r.blocked,
      }));
      return { pairs, sharedKeysIgnored: sharedKeysIgnored as number };
    } catch (e) {
      await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    }
  }

  private async mergeBatch(qr: QueryRunner, workspaceId: string, batch: DuplicatePair[], actor: string) {
    try {
      await qr.startTransaction();
      let merged = 0;
      for (const p of batch) {
        const m = await this.merges.merge({ workspaceId, ...p, actor }, qr.manager);
        if (m) merged++;
      }
      await qr.commitTransaction();
      return { merged, failed: 0 };
    } catch (e) {
      await qr.rollbackTransaction().catch(() => undefined);
      if (batch.length === 1) {
        // ids only: never personal data in logs
        this.logger.warn(
          `merge of customer ${batch[0].loserId} into ${batch[0].winnerId} failed: ${(e as Error).message}`,
        );
        return { merged: 0, failed: 1 };
      }
      // One bad pair (a concurrent change) must not hold back the others: retry them one by one.
      let merged = 0;
      let failed = 0;
      for (const p of batch) {
        const r = await this.mergeBatch(qr, workspaceId, [p], actor);
        merged += r.merged;
        failed += r.failed;
      }
      return { merged, failed };
    }
  }
}

export function reasonOf(sameEmail: boolean, samePhone: boolean): DuplicateReason {
  if (sameEmail && samePhone) return 'same_email_and_phone';
  if (sameEmail) return 'same_email';
  if (samePhone) return 'same_phone';
  return 'linked';
}

/** Affected row count of an UPDATE through TypeORM (answered as [rows, count]). */
function affected(res: unknown): number {
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
