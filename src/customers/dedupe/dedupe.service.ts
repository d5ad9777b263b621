import { Injectable, Logger } from '@nestjs/common';
import { audit } from '../../audit/audit-entry.repository';
import { CustomerMergeService } from '../merge/customer-merge.service';
import { MergeCandidatesRepository } from '../merge/merge-candidates.repository';
import { DuplicateReason, PlannedMerge, ReviewPair, planDedupe } from './dedupe-plan';
import { DedupeRepository, DedupeSession } from './dedupe.repository';

export type { DuplicateReason } from './dedupe-plan';
export { reasonOf } from './dedupe-plan';

export type DuplicatePair = PlannedMerge;

export interface DedupeReport {
  /** automatic merges found (pairs winner ← loser whose names corroborate a shared key), blocked ones included */
  candidates: number;
  merged: number;
  /** automatic merges skipped because a person undid that very merge, or rejected the pair, before */
  blocked: number;
  /** merges that failed (logged by id; they are retried by the next run) */
  failed: number;
  /**
   * pairs sharing an email or phone whose names do not corroborate it, newly proposed for review
   * (GET /v1/merge-candidates); on a dry run, those that would be
   */
  proposed: number;
  /** candidates pending review after the run */
  awaitingReview: number;
  /** pending candidates closed because their customers became one (or were erased) another way */
  superseded: number;
  /** email/phone keys shared by more customers than MAX_SHARED_KEY_GROUP: ignored as shared contacts */
  sharedKeysIgnored: number;
  byReason: Record<DuplicateReason, number>;
  dryRun: boolean;
  seconds: number;
  /** of which finding the pairs (set-based SQL) and deciding them */
  findSeconds: number;
}

const MERGES_PER_TRANSACTION = 200;

/**
 * One customer view without merging two different people: finds the customers of a workspace that share a
 * normalised email or phone (same kind, the key shared by at most MAX_SHARED_KEY_GROUP customers) with set-based
 * SQL. A pair whose names corroborate the key (name-match.ts: case, spacing, punctuation, company suffixes, Chinese
 * names and their pinyin) is merged into the group's oldest record through CustomerMergeService, so every merge
 * is recorded, audited and can be undone; a pair sharing a key alone (a family email, a company switchboard) is
 * proposed for review instead (MergeCandidatesService). Runs after each customer import and on demand.
 */
@Injectable()
export class DedupeService {
  private readonly logger = new Logger(DedupeService.name);

  constructor(
    private readonly dedupe: DedupeRepository,
    private readonly merges: CustomerMergeService,
    private readonly candidates: MergeCandidatesRepository,
  ) {}

  async run(workspaceId: string, opts: { actor?: string; dryRun?: boolean } = {}): Promise<DedupeReport> {
    const started = Date.now();
    const actor = opts.actor ?? 'system:dedupe';
    return this.dedupe.withWorkspaceLock(workspaceId, async (session) => {
      const { merges, review, blocked, sharedKeysIgnored } = await this.plan(session, workspaceId);
      const report: DedupeReport = {
        candidates: merges.length + blocked,
        merged: 0,
        blocked,
        failed: 0,
        proposed: 0,
        awaitingReview: 0,
        superseded: 0,
        sharedKeysIgnored,
        byReason: { same_email_and_phone: 0, same_email: 0, same_phone: 0, linked: 0 },
        dryRun: opts.dryRun ?? false,
        seconds: 0,
        findSeconds: (Date.now() - started) / 1000,
      };
      for (const p of merges) report.byReason[p.reason]++;
      if (opts.dryRun) {
        report.proposed = await this.candidates.countNew(
          workspaceId,
          { a: review.map((p) => p.a), b: review.map((p) => p.b) },
          session.autocommit,
        );
        report.awaitingReview = await this.candidates.countPending(workspaceId, session.autocommit);
      } else {
        await this.mergeAll(session, workspaceId, merges, report, actor);
        await this.propose(session, workspaceId, review, report, actor);
        // audited when it changed something or a person asked for it
        if (report.merged > 0 || report.proposed > 0 || opts.actor) {
          await audit(session.autocommit, {
            workspaceId,
            actor,
            action: 'customers.deduplicated',
            subject: `workspace:${workspaceId}`,
            details: {
              merged: report.merged,
              blocked: report.blocked,
              byReason: report.byReason,
              proposed: report.proposed,
            },
          });
        }
      }
      report.seconds = (Date.now() - started) / 1000;
      return report;
    });
  }

  /** Finds the key pairs (one transaction, temporary tables) and decides them; blocked merges are left out. */
  private async plan(
    session: DedupeSession,
    workspaceId: string,
  ): Promise<{ merges: PlannedMerge[]; review: ReviewPair[]; blocked: number; sharedKeysIgnored: number }> {
    return session.run(async (tx) => {
      const { rows, sharedKeysIgnored } = await this.dedupe.findKeyPairs(workspaceId, tx);
      const plan = planDedupe(
        rows.map((r) => ({
          a: r.a,
          b: r.b,
          sameEmail: r.same_email,
          samePhone: r.same_phone,
          bornA: r.born_a,
          bornB: r.born_b,
          namesA: r.names_a,
          namesB: r.names_b,
          emailsDiffer: r.emails_differ,
          blocked: r.blocked,
        })),
      );
      // A group joined through a third record may pair a winner with a loser a person separated before.
      const separated = await this.dedupe.blockedAmong(workspaceId, plan.merges, tx);
      const merges = plan.merges.filter((m) => !separated.has(`${m.winnerId}|${m.loserId}`));
      return {
        merges,
        review: plan.review,
        blocked: plan.blocked.length + plan.merges.length - merges.length,
        sharedKeysIgnored,
      };
    });
  }

  /** Records the review pairs (a pair proposed before keeps its status) and closes candidates now moot. */
  private async propose(
    session: DedupeSession,
    workspaceId: string,
    review: ReviewPair[],
    report: DedupeReport,
    actor: string,
  ): Promise<void> {
    await session.run(async (tx) => {
      report.proposed = await this.candidates.propose(
        workspaceId,
        {
          a: review.map((p) => p.a),
          b: review.map((p) => p.b),
          sameEmail: review.map((p) => p.sameEmail),
          samePhone: review.map((p) => p.samePhone),
        },
        tx,
      );
      report.superseded = await this.candidates.supersede(workspaceId, actor, tx);
      report.awaitingReview = await this.candidates.countPending(workspaceId, tx);
    });
  }

  /** Merges the live pairs in batches, counting into the report. */
  private async mergeAll(
    session: DedupeSession,
    workspaceId: string,
    live: DuplicatePair[],
    report: DedupeReport,
    actor: string,
  ): Promise<void> {
    for (let i = 0; i < live.length; i += MERGES_PER_TRANSACTION) {
      const batch = live.slice(i, i + MERGES_PER_TRANSACTION);
      const done = await this.mergeBatch(session, workspaceId, batch, actor);
      report.merged += done.merged;
      report.failed += done.failed;
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
        // set-based for the batch when the order of its pairs cannot matter; else (or for one pair) one by one
        if (batch.length > 1) {
          const made = await this.merges.mergeMany(workspaceId, batch, actor, tx);
          if (made !== null) return { merged: made, failed: 0 };
        }
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
