import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Queryable } from '../database/sql';
import { WriteBackService } from '../write-back/write-back.service';
import { OutboxService } from '../webhooks/outbox.service';
import { ChangeColumns, OwnedCustomerRow, OwnershipRepository } from './ownership.repository';

export type AssignmentReason = 'manual' | 'rebalance' | 'deactivation' | 'pool_release' | 'pool_claim';

export interface OwnershipChange {
  customerId: string;
  /** null: the account goes to a pool — `poolTeamId`'s, or the workspace pool when that is null too */
  toRepId: string | null;
  poolTeamId?: string | null;
  /** when given (null included), the change only happens if the customer is still owned by this rep */
  expectFrom?: string | null;
  /** a machine-readable detail, e.g. the rebalance move's reason code */
  detail?: string | null;
}

export interface AppliedChange {
  customerId: string;
  source: string;
  externalId: string;
  fromRepId: string | null;
  toRepId: string | null;
  fromRep: string | null;
  toRep: string | null;
  poolTeam: string | null;
}

/** Changes per `assignment.changed` event: big batches become a handful of events, not thousands. */
export const CHANGES_PER_EVENT = 500;

/**
 * The one place where account owners change. It locks the customers (in id order, so concurrent batches cannot
 * deadlock), skips those already owned by the target or no longer owned by the expected rep, updates the owners
 * (one UPDATE per target), and appends history, audit entries and pool bookkeeping; then `assignment.changed`
 * events go to the outbox in the same transaction. Callers run it inside their transaction and kick the outbox
 * after commit.
 *
 * Every statement touches one table through an array of keys: a join of 10,000 changes against customers is at
 * the planner's mercy when statistics lag behind a bulk load (it went quadratic in tests); these cannot.
 */
interface BatchInput {
  workspaceId: string;
  changes: readonly OwnershipChange[];
  reason: AssignmentReason;
  actor: string;
  note?: string | null;
  proposalId?: string | null;
}

/** A customer whose owner this batch changes: its locked row and where it goes. */
type PendingChange = OwnedCustomerRow & {
  toRepId: string | null;
  poolTeamId: string | null;
  detail: string | null;
};

@Injectable()
export class OwnershipWriter {
  constructor(
    private readonly ownership: OwnershipRepository,
    private readonly outbox: OutboxService,
    private readonly writeBack: WriteBackService,
  ) {}

  async apply(tx: Queryable, input: BatchInput): Promise<{ batchId: string; applied: AppliedChange[] }> {
    const batchId = randomUUID();
    const ws = input.workspaceId;
    const wanted = new Map<string, OwnershipChange>();
    for (const c of input.changes) wanted.set(String(c.customerId), c);
    if (wanted.size === 0) return { batchId, applied: [] };
    const current = await this.ownership.lockCustomers(ws, [...wanted.keys()], tx);
    const changes = current.flatMap((row): PendingChange[] => {
      const c = wanted.get(row.id)!;
      if (row.owner_rep_id === c.toRepId) return [];
      if (c.expectFrom !== undefined && row.owner_rep_id !== c.expectFrom) return [];
      const poolTeamId = c.toRepId === null ? (c.poolTeamId ?? null) : null;
      return [{ ...row, toRepId: c.toRepId, poolTeamId, detail: c.detail ?? null }];
    });
    if (changes.length === 0) return { batchId, applied: [] };

    const columns = await this.write(tx, batchId, input, changes);
    const applied = await this.describe(tx, changes, columns);
    await this.announce(tx, batchId, input, applied);
    // the new owners as the CRM's contact records should show them (docs/write-back.md)
    await this.writeBack.passCustomers(
      tx,
      ws,
      applied.map((a) => a.customerId),
    );
    return { batchId, applied };
  }

  /** Updates the owners (one UPDATE per target) and appends history, audit entries and pool bookkeeping. */
  private async write(
    tx: Queryable,
    batchId: string,
    input: BatchInput,
    changes: PendingChange[],
  ): Promise<ChangeColumns> {
    const ws = input.workspaceId;
    const byTarget = new Map<string | null, string[]>();
    for (const c of changes) byTarget.set(c.toRepId, [...(byTarget.get(c.toRepId) ?? []), c.id]);
    for (const [to, ids] of byTarget) await this.ownership.setOwner(ws, to, ids, tx);
    const columns: ChangeColumns = {
      ids: changes.map((c) => c.id),
      from: changes.map((c) => c.owner_rep_id),
      to: changes.map((c) => c.toRepId),
      pool: changes.map((c) => c.poolTeamId),
      detail: changes.map((c) => c.detail),
    };
    const batch = {
      batchId,
      reason: input.reason,
      note: input.note ?? null,
      proposalId: input.proposalId ?? null,
      actor: input.actor,
    };
    await this.ownership.appendHistory(ws, batch, columns, tx);
    await this.ownership.appendAudit(ws, batch, columns, tx);
    const toReps = changes.filter((c) => c.toRepId !== null).map((c) => c.id);
    if (toReps.length) await this.ownership.removePoolEntries(ws, toReps, tx);
    const toPool = changes.filter((c) => c.toRepId === null);
    if (toPool.length) {
      await this.ownership.upsertPoolEntries(
        ws,
        {
          ids: toPool.map((c) => c.id),
          teams: toPool.map((c) => c.poolTeamId),
          fromReps: toPool.map((c) => c.owner_rep_id),
          reason: input.reason,
        },
        tx,
      );
    }
    return columns;
  }

  /** The applied changes with the reps' and teams' external ids, as events name them. */
  private async describe(
    tx: Queryable,
    changes: PendingChange[],
    columns: ChangeColumns,
  ): Promise<AppliedChange[]> {
    const repIds = [...new Set([...columns.from, ...columns.to].filter((x): x is string => x !== null))];
    const teamIds = [...new Set(columns.pool.filter((x): x is string => x !== null))];
    const repExt = new Map<string, string>(
      repIds.length
        ? (await this.ownership.repExternalIds(repIds, tx)).map((r) => [r.id, r.external_id])
        : [],
    );
    const teamExt = new Map<string, string>(
      teamIds.length
        ? (await this.ownership.teamExternalIds(teamIds, tx)).map((t) => [t.id, t.external_id])
        : [],
    );
    return changes.map((c) => ({
      customerId: c.id,
      source: c.source,
      externalId: c.external_id,
      fromRepId: c.owner_rep_id,
      toRepId: c.toRepId,
      fromRep: c.owner_rep_id ? (repExt.get(c.owner_rep_id) ?? null) : null,
      toRep: c.toRepId ? (repExt.get(c.toRepId) ?? null) : null,
      poolTeam: c.poolTeamId ? (teamExt.get(c.poolTeamId) ?? null) : null,
    }));
  }

  /** `assignment.changed` events to the outbox, CHANGES_PER_EVENT changes each. */
  private async announce(
    tx: Queryable,
    batchId: string,
    input: BatchInput,
    applied: AppliedChange[],
  ): Promise<void> {
    for (let i = 0; i < applied.length; i += CHANGES_PER_EVENT) {
      await this.outbox.append(tx, input.workspaceId, 'assignment.changed', {
        batchId,
        reason: input.reason,
        proposalId: input.proposalId ?? null,
        changes: applied.slice(i, i + CHANGES_PER_EVENT).map((a) => ({
          customer: { source: a.source, externalId: a.externalId },
          from: a.fromRep,
          to: a.toRep,
          ...(a.toRep === null ? { pool: { team: a.poolTeam } } : {}),
        })),
      });
    }
  }
}
