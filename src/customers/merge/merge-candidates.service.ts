import { Injectable } from '@nestjs/common';
import { actorOf } from '../../auth/actor';
import { AccessScopeService } from '../../auth/access-scope.service';
import { Principal } from '../../auth/principal';
import { audit } from '../../audit/audit-entry.repository';
import { AppError } from '../../common/app-error';
import { Transactions, Tx } from '../../database/transactions';
import { CustomerMergeService } from './customer-merge.service';
import { CandidateRow, CandidateStatus, MergeCandidatesRepository } from './merge-candidates.repository';

export interface CandidateCustomer {
  id: string;
  externalId: string;
  kind: string;
  /** null when the customer is outside the caller's scope (the other side of a pair touching their team) */
  name: string | null;
  /** the live customer this record stands for now (itself unless merged since) */
  currentId: string;
}

export interface MergeCandidate {
  id: string;
  status: CandidateStatus;
  /** which contact keys the two share */
  shared: Array<'email' | 'phone'>;
  customers: [CandidateCustomer, CandidateCustomer];
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  mergeId: string | null;
}

/** Who decides: a principal's scope (null = everything), and how they are named in the audit log. */
export interface Decider {
  ownerRepIds: string[] | null;
  actor: string;
}

/**
 * Review of possible duplicates: two customers sharing an email or phone whose names do not corroborate it are
 * not merged by the dedupe but proposed here. Accepting merges them (oldest record wins, audited, undoable like any
 * merge); rejecting keeps them apart for good — the dedupe neither merges nor proposes them again.
 */
@Injectable()
export class MergeCandidatesService {
  constructor(
    private readonly candidates: MergeCandidatesRepository,
    private readonly merges: CustomerMergeService,
    private readonly transactions: Transactions,
    private readonly scopes: AccessScopeService,
  ) {}

  async deciderFor(p: Principal): Promise<Decider> {
    const scope = await this.scopes.repScope(p);
    return { ownerRepIds: scope.all ? null : [...scope.repIds], actor: actorOf(p) };
  }

  /** A page, newest first (managers: candidates touching their team's customers). */
  async page(
    workspaceId: string,
    who: Decider,
    q: { limit: number; before?: string; status?: CandidateStatus },
  ): Promise<{ items: MergeCandidate[]; nextBefore: string | null }> {
    const rows = await this.candidates.list(workspaceId, {
      limit: q.limit,
      before: q.before ?? null,
      status: q.status ?? null,
      ownerRepIds: who.ownerRepIds,
    });
    const items = rows.map((r) => toCandidate(r, who.ownerRepIds));
    return { items, nextBefore: rows.length === q.limit ? rows[rows.length - 1].id : null };
  }

  /** Merges the two customers of a pending candidate: the older record wins. */
  accept(workspaceId: string, who: Decider, id: string): Promise<MergeCandidate> {
    return this.transactions.run(async (tx) => {
      const c = await this.pending(workspaceId, who, id, tx);
      // Closed as superseded by the next dedupe run (this transaction rolls back with the error).
      if (c.a_root === c.b_root || c.gone) {
        throw new AppError(
          'candidate_superseded',
          c.gone
            ? 'one of the two customers was erased or deleted since'
            : 'the two customers were merged another way since',
          409,
        );
      }
      const aFirst =
        c.a_born.getTime() < c.b_born.getTime() ||
        (c.a_born.getTime() === c.b_born.getTime() && BigInt(c.a_root) < BigInt(c.b_root));
      const [winnerId, loserId] = aFirst ? [c.a_root, c.b_root] : [c.b_root, c.a_root];
      const merge = await this.merges.merge(
        { workspaceId, winnerId, loserId, reason: 'reviewed', actor: who.actor },
        tx,
      );
      await this.candidates.decide(
        workspaceId,
        id,
        { status: 'accepted', actor: who.actor, mergeId: merge?.id ?? null },
        tx,
      );
      await audit(tx, {
        workspaceId,
        actor: who.actor,
        action: 'merge_candidate.accepted',
        subject: `merge-candidate:${id}`,
        details: { winnerId, loserId, mergeId: merge?.id ?? null },
      });
      return toCandidate((await this.candidates.get(workspaceId, id, tx))!, who.ownerRepIds);
    });
  }

  /** Keeps the two customers apart: never merged automatically nor proposed again. */
  reject(workspaceId: string, who: Decider, id: string): Promise<MergeCandidate> {
    return this.transactions.run(async (tx) => {
      await this.pending(workspaceId, who, id, tx);
      await this.candidates.decide(
        workspaceId,
        id,
        { status: 'rejected', actor: who.actor, mergeId: null },
        tx,
      );
      await audit(tx, {
        workspaceId,
        actor: who.actor,
        action: 'merge_candidate.rejected',
        subject: `merge-candidate:${id}`,
      });
      return toCandidate((await this.candidates.get(workspaceId, id, tx))!, who.ownerRepIds);
    });
  }

  /** The candidate, locked, if the decider may see it (else not_found) and it is still pending (else 409). */
  private async pending(workspaceId: string, who: Decider, id: string, tx: Tx) {
    const c = await this.candidates.get(workspaceId, id, tx);
    if (!c || !inScope(c, who.ownerRepIds)) throw AppError.notFound('merge candidate');
    if (c.status !== 'pending') {
      throw new AppError('candidate_decided', `this candidate is already ${c.status}`, 409, {
        status: c.status,
      });
    }
    return c;
  }
}

function inScope(c: CandidateRow, ownerRepIds: string[] | null): boolean {
  return ownerRepIds === null || [c.a_owner, c.b_owner].some((o) => o !== null && ownerRepIds.includes(o));
}

function toCandidate(r: CandidateRow, ownerRepIds: string[] | null): MergeCandidate {
  const visible = (owner: string | null) =>
    ownerRepIds === null || (owner !== null && ownerRepIds.includes(owner));
  const shared: Array<'email' | 'phone'> = [];
  if (r.same_email) shared.push('email');
  if (r.same_phone) shared.push('phone');
  return {
    id: r.id,
    status: r.status,
    shared,
    customers: [
      {
        id: r.customer_a_id,
        externalId: r.a_external_id,
        kind: r.a_kind,
        name: visible(r.a_owner) ? r.a_name : null,
        currentId: r.a_root,
      },
      {
        id: r.customer_b_id,
        externalId: r.b_external_id,
        kind: r.b_kind,
        name: visible(r.b_owner) ? r.b_name : null,
        currentId: r.b_root,
      },
    ],
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    mergeId: r.merge_id,
  };
}
