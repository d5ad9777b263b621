import { Injectable, Logger } from '@nestjs/common';
import { audit } from '../../audit/audit-entry.repository';
import { CustomerMergeService } from '../merge/customer-merge.service';
import { DedupeRepository, DedupeSession } from './dedupe.repository';

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

interface Candidate extends DuplicatePair {
  blocked: boolean;
}

/**
 * One customer view: finds customers of a workspace that are the same person (same normalised email or phone,
 * same kind) with set-based SQL and merges each group into its oldest record through CustomerMergeService, so
 * every merge is recorded, audited and can be undone. Runs after each customer import and on demand.
 */
@Injectable()
export class DedupeService {
  private readonly logger = new Logger(DedupeService.name);

  constructor(
    private readonly dedupe: DedupeRepository,
    private readonly merges: CustomerMergeService,
  ) {}

  async run(workspaceId: string, opts: { actor?: string; dryRun?: boolean } = {}): Promise<DedupeReport> {
    const started = Date.now();
    const actor = opts.actor ?? 'system:dedupe';
    return this.dedupe.withWorkspaceLock(workspaceId, async (session) => {
      const { pairs, sharedKeysIgnored } = await this.findPairs(session, workspaceId);
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
        findSeconds: (Date.now() - started) / 1000,
      };
      for (const p of live) report.byReason[p.reason]++;
      if (!opts.dryRun) await this.mergeAll(session, workspaceId, live, report, opts.actor ?? null, actor);
      report.seconds = (Date.now() - started) / 1000;
      return report;
    });
  }

  /** Candidate pairs (winner ← loser) of the workspace, computed in one transaction with temporary tables. */
  private async findPairs(
    session: DedupeSession,
    workspaceId: string,
  ): Promise<{ pairs: Candidate[]; sharedKeysIgnored: number }> {
    const { rows, sharedKeysIgnored } = await session.run((tx) =>
      this.dedupe.findCandidates(workspaceId, tx),
    );
    const pairs = rows.map((r) => ({
      winnerId: r.winner_id,
      loserId: r.loser_id,
      reason: reasonOf(r.same_email, r.same_phone),
      blocked: r.blocked,
    }));
    return { pairs, sharedKeysIgnored };
  }

  /**
   * Merges the live candidates in batches, counting into the report; audits the run when it merged something
   * or a person asked for it (`requestedBy`).
   */
  private async mergeAll(
    session: DedupeSession,
    workspaceId: string,
    live: DuplicatePair[],
    report: DedupeReport,
    requestedBy: string | null,
    actor: string,
  ): Promise<void> {
    for (let i = 0; i < live.length; i += MERGES_PER_TRANSACTION) {
      const batch = live.slice(i, i + MERGES_PER_TRANSACTION);
      const done = await this.mergeBatch(session, workspaceId, batch, actor);
      report.merged += done.merged;
      report.failed += done.failed;
    }
    if (report.merged > 0 || requestedBy) {
      await audit(session.autocommit, {
        workspaceId,
        actor,
        action: 'customers.deduplicated',
        subject: `workspace:${workspaceId}`,
        details: { merged: report.merged, blocked: report.blocked, byReason: report.byReason },
      });
    }
  }

  private async mergeBatch(
    session: DedupeSession,
    workspaceId: string,
    batch: DuplicatePair[],
    actor: string,
  ): Promise<{ merged: number; failed: number }> {
    try {
      return await session.run(async (tx) => {
        let merged = 0;
        for (const p of batch) {
          const m = await this.merges.merge({ workspaceId, ...p, actor }, tx);
          if (m) merged++;
        }
        return { merged, failed: 0 };
      });
    } catch (e) {
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
        const r = await this.mergeBatch(session, workspaceId, [p], actor);
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
