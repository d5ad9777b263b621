import { Injectable } from '@nestjs/common';
import { actorOf } from '../../auth/actor';
import { audit, auditMany } from '../../audit/audit-entry.repository';
import { AccessScopeService } from '../../auth/access-scope.service';
import { Principal } from '../../auth/principal';
import { AppError } from '../../common/app-error';
import { Transactions, Tx } from '../../database/transactions';
import {
  CustomerMergeRepository,
  MergePair,
  MergeRow,
  MergeWithCustomersRow,
} from './customer-merge.repository';

export interface MergeRecord {
  id: string;
  winnerId: string;
  loserId: string;
  reason: string;
  actor: string;
  movedOrders: number;
  movedInteractions: number;
  createdAt: Date;
  undoneAt: Date | null;
  /** set by list() and get(): the customers' source ids, and who undid the merge */
  winnerExternalId?: string;
  loserExternalId?: string;
  undoneBy?: string | null;
}

/** Narrows list(): a page before a merge id, and/or only merges touching customers owned by these reps. */
export interface MergeListOptions {
  before?: string;
  ownerRepIds?: string[];
}

/**
 * One customer view: merging moves the loser's orders, interactions, contact persons, contact suppressions,
 * worklist rows (outcomes, follow-ups, pins) and offer redemptions to the winner and points the loser (and anything
 * that pointed at it) to the winner; the winner's personality follows the profile over both histories. The loser
 * row stays, with its source ids, so later events and imports about it still resolve — to the winner. What moved
 * is recorded, so undo is exact (and settles each record's personality from its own history).
 */
@Injectable()
export class CustomerMergeService {
  constructor(
    private readonly merges: CustomerMergeRepository,
    private readonly transactions: Transactions,
    private readonly scopes: AccessScopeService,
  ) {}

  /** A page of the merges the principal may see (managers: those touching their team's customers). */
  async pageFor(
    p: Principal,
    q: { limit: number; before?: string },
  ): Promise<{ items: MergeRecord[]; nextBefore: string | null }> {
    const scope = await this.scopes.repScope(p);
    const items = await this.list(p.workspaceId, q.limit, {
      before: q.before,
      ownerRepIds: scope.all ? undefined : [...scope.repIds],
    });
    return { items, nextBefore: items.length === q.limit ? items[items.length - 1].id : null };
  }

  /** Undoes a merge the principal may see; one out of scope answers not_found like a missing one. */
  async undoFor(p: Principal, mergeId: string): Promise<MergeRecord> {
    const merge = await this.get(p.workspaceId, mergeId);
    const scope = await this.scopes.repScope(p);
    if (!merge || !(scope.all || merge.ownerRepIds.some((r) => r !== null && scope.repIds.has(r)))) {
      throw AppError.notFound('merge');
    }
    return this.undo(p.workspaceId, mergeId, actorOf(p));
  }

  /** Merges `loserId` into `winnerId` (or into the customer the winner was itself merged into). Idempotent. */
  async merge(
    input: { workspaceId: string; winnerId: string; loserId: string; reason: string; actor: string },
    tx?: Tx,
  ): Promise<MergeRecord | null> {
    if (!tx) return this.transactions.run((t) => this.merge(input, t));
    const { workspaceId, reason, actor } = input;
    const locked = await this.merges.lockCustomers(workspaceId, [input.winnerId, input.loserId], tx);
    const byId = new Map(locked.map((c) => [String(c.id), c]));
    const winnerRow = byId.get(String(input.winnerId));
    const loserRow = byId.get(String(input.loserId));
    if (!winnerRow || !loserRow) throw AppError.notFound('customer');
    const winnerId = String(winnerRow.merged_into_id ?? winnerRow.id);
    const loserId = String(loserRow.id);
    if (loserRow.merged_into_id !== null || winnerId === loserId) return null; // already one customer
    const moved = await this.merges.moveFollowers(loserId, winnerId, tx);
    const repointed = await this.merges.pointAtWinner(loserId, winnerId, tx);
    // a person's type on either record now decides the winner's (and is guarded from CRM imports there)
    await this.merges.settlePersonality(workspaceId, winnerId, tx);
    const row = await this.merges.insertMerge(
      workspaceId,
      { winnerId, loserId, reason, actor, repointed, moved },
      tx,
    );
    await audit(tx, {
      workspaceId,
      actor,
      action: 'customer.merged',
      subject: `customer:${loserId}`,
      details: { winnerId, reason },
    });
    return toRecord(row);
  }

  /**
   * merge() of a batch of pairs (winner ← loser) in the caller's transaction, with a few set-based statements for
   * the whole batch instead of a dozen per pair (a dedupe run after a big import makes thousands): the same rows
   * moved, records repointed, merges recorded and audited as merge() one pair after another would. Answers how many
   * merges were made (pairs already one customer are skipped, as merge() skips them), or null, having changed
   * nothing, when the order of the pairs could matter (a winner that is another pair's loser, a loser twice, or
   * what orderMatters() looks for): the caller then merges them one by one.
   */
  async mergeMany(
    workspaceId: string,
    pairs: ReadonlyArray<{ winnerId: string; loserId: string; reason: string }>,
    actor: string,
    tx: Tx,
  ): Promise<number | null> {
    const ids = [...new Set(pairs.flatMap((p) => [String(p.winnerId), String(p.loserId)]))];
    const locked = await this.merges.lockCustomers(workspaceId, ids, tx);
    const byId = new Map(locked.map((c) => [String(c.id), c]));
    const todo: Array<MergePair & { reason: string }> = [];
    for (const p of pairs) {
      const winnerRow = byId.get(String(p.winnerId));
      const loserRow = byId.get(String(p.loserId));
      if (!winnerRow || !loserRow) throw AppError.notFound('customer');
      const winnerId = String(winnerRow.merged_into_id ?? winnerRow.id);
      const loserId = String(loserRow.id);
      if (loserRow.merged_into_id !== null || winnerId === loserId) continue; // already one customer
      todo.push({ winnerId, loserId, reason: p.reason });
    }
    const losers = new Set(todo.map((p) => p.loserId));
    if (losers.size !== todo.length || todo.some((p) => losers.has(p.winnerId))) return null;
    if (todo.length === 0) return 0;
    if (await this.merges.orderMatters(workspaceId, todo, tx)) return null;
    const moved = await this.merges.moveFollowersOfMany(todo, tx);
    const repointed = await this.merges.pointManyAtWinners(workspaceId, todo, tx);
    await this.merges.insertMerges(
      workspaceId,
      actor,
      todo.map((p) => ({ ...p, repointed: repointed.get(p.loserId)!, moved: moved.get(p.loserId)! })),
      tx,
    );
    await auditMany(
      tx,
      workspaceId,
      todo.map((p) => ({
        actor,
        action: 'customer.merged',
        subject: `customer:${p.loserId}`,
        details: { winnerId: p.winnerId, reason: p.reason },
      })),
    );
    return todo.length;
  }

  /** Reverses a merge exactly: what moved goes back, the loser stands alone again. */
  async undo(workspaceId: string, mergeId: string, actor: string): Promise<MergeRecord> {
    return this.transactions.run(async (tx) => {
      const m = await this.merges.lockMerge(workspaceId, mergeId, tx);
      if (!m) throw AppError.notFound('merge');
      if (m.undone_at) throw new AppError('merge_already_undone', 'this merge was already undone', 409);
      if (await this.merges.winnerMergedSince(workspaceId, m, tx)) {
        throw new AppError(
          'merge_superseded',
          'the winner was merged again since; undo that merge first',
          409,
        );
      }
      await this.merges.reverse(m, tx);
      // each record's type from its own history again
      await this.merges.settlePersonality(workspaceId, String(m.winner_id), tx);
      await this.merges.settlePersonality(workspaceId, String(m.loser_id), tx);
      const row = await this.merges.markUndone(mergeId, actor, tx);
      await audit(tx, { workspaceId, actor, action: 'customer.merge_undone', subject: `merge:${mergeId}` });
      return toRecord(row);
    });
  }

  /** Newest first; `opts` pages (before a merge id) and scopes (to customers owned by some reps). */
  async list(workspaceId: string, limit = 100, opts: MergeListOptions = {}): Promise<MergeRecord[]> {
    const rows = await this.merges.list(workspaceId, limit, opts.before ?? null, opts.ownerRepIds ?? null);
    return rows.map(toRecord);
  }

  /** One merge with the owners of both customers (for scope checks), or null. */
  async get(
    workspaceId: string,
    mergeId: string,
  ): Promise<(MergeRecord & { ownerRepIds: Array<string | null> }) | null> {
    const row = await this.merges.get(workspaceId, mergeId);
    return row ? { ...toRecord(row), ownerRepIds: [row.winner_owner, row.loser_owner] } : null;
  }
}

function toRecord(r: MergeRow | MergeWithCustomersRow): MergeRecord {
  return {
    id: r.id,
    winnerId: String(r.winner_id),
    loserId: String(r.loser_id),
    reason: r.reason,
    actor: r.actor,
    movedOrders: r.moved_order_ids.length,
    movedInteractions: r.moved_interaction_ids.length,
    createdAt: r.created_at,
    undoneAt: r.undone_at ?? null,
    ...(!('winner_external_id' in r) || r.winner_external_id === undefined
      ? {}
      : {
          winnerExternalId: r.winner_external_id,
          loserExternalId: r.loser_external_id,
          undoneBy: r.undone_by ?? null,
        }),
  };
}
