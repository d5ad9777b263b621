import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Queryable } from '../database/sql';
import { OutboxService } from '../webhooks/outbox.service';

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
@Injectable()
export class OwnershipWriter {
  constructor(private readonly outbox: OutboxService) {}

  async apply(
    tx: Queryable,
    input: {
      workspaceId: string;
      changes: readonly OwnershipChange[];
      reason: AssignmentReason;
      actor: string;
      note?: string | null;
      proposalId?: string | null;
    },
  ): Promise<{ batchId: string; applied: AppliedChange[] }> {
    const batchId = randomUUID();
    const ws = input.workspaceId;
    const wanted = new Map<string, OwnershipChange>();
    for (const c of input.changes) wanted.set(String(c.customerId), c);
    if (wanted.size === 0) return { batchId, applied: [] };
    const current: Array<{ id: string; owner_rep_id: string | null; source: string; external_id: string }> =
      await tx.query(
        `SELECT id::text AS id, owner_rep_id, source, external_id FROM customers
         WHERE workspace_id = $1 AND id = ANY ($2::bigint[]) AND merged_into_id IS NULL AND deleted_at IS NULL
         ORDER BY id FOR UPDATE`,
        [ws, [...wanted.keys()]],
      );
    const changes = current.flatMap((row) => {
      const c = wanted.get(row.id)!;
      if (row.owner_rep_id === c.toRepId) return [];
      if (c.expectFrom !== undefined && row.owner_rep_id !== c.expectFrom) return [];
      const poolTeamId = c.toRepId === null ? (c.poolTeamId ?? null) : null;
      return [{ ...row, toRepId: c.toRepId, poolTeamId, detail: c.detail ?? null }];
    });
    if (changes.length === 0) return { batchId, applied: [] };

    const byTarget = new Map<string | null, string[]>();
    for (const c of changes) byTarget.set(c.toRepId, [...(byTarget.get(c.toRepId) ?? []), c.id]);
    for (const [to, ids] of byTarget) {
      await tx.query(
        `UPDATE customers SET owner_rep_id = $2, updated_at = now() WHERE workspace_id = $1 AND id = ANY ($3::bigint[])`,
        [ws, to, ids],
      );
    }
    const ids = changes.map((c) => c.id);
    const from = changes.map((c) => c.owner_rep_id);
    const to = changes.map((c) => c.toRepId);
    const pool = changes.map((c) => c.poolTeamId);
    const detail = changes.map((c) => c.detail);
    await tx.query(
      `INSERT INTO assignment_history
         (workspace_id, batch_id, customer_id, from_rep_id, to_rep_id, pool_team_id, reason, detail, note, proposal_id, actor)
       SELECT $1, $2, t.id, t.from_rep, t.to_rep, t.pool_team, $8, t.detail, $9, $10, $11
       FROM unnest($3::bigint[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS t(id, from_rep, to_rep, pool_team, detail)`,
      [
        ws,
        batchId,
        ids,
        from,
        to,
        pool,
        detail,
        input.reason,
        input.note ?? null,
        input.proposalId ?? null,
        input.actor,
      ],
    );
    await tx.query(
      `INSERT INTO audit_log (workspace_id, actor, action, subject, details)
       SELECT $1, $2, 'assignment.changed', 'customer:' || t.id,
              jsonb_build_object('from', t.from_rep, 'to', t.to_rep, 'poolTeam', t.pool_team, 'reason', $8::text,
                                 'detail', t.detail, 'batchId', $9::uuid, 'proposalId', $10::uuid)
       FROM unnest($3::bigint[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS t(id, from_rep, to_rep, pool_team, detail)`,
      [ws, input.actor, ids, from, to, pool, detail, input.reason, batchId, input.proposalId ?? null],
    );
    const toReps = changes.filter((c) => c.toRepId !== null).map((c) => c.id);
    if (toReps.length) {
      await tx.query(
        `DELETE FROM pool_entries WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[])`,
        [ws, toReps],
      );
    }
    const toPool = changes.filter((c) => c.toRepId === null);
    if (toPool.length) {
      await tx.query(
        `INSERT INTO pool_entries (customer_id, workspace_id, team_id, released_from_rep_id, reason)
         SELECT t.id, $1, t.team, t.from_rep, $5 FROM unnest($2::bigint[], $3::uuid[], $4::uuid[]) AS t(id, team, from_rep)
         ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id,
           released_from_rep_id = EXCLUDED.released_from_rep_id, reason = EXCLUDED.reason, released_at = now()`,
        [
          ws,
          toPool.map((c) => c.id),
          toPool.map((c) => c.poolTeamId),
          toPool.map((c) => c.owner_rep_id),
          input.reason,
        ],
      );
    }

    const repIds = [...new Set([...from, ...to].filter((x): x is string => x !== null))];
    const teamIds = [...new Set(pool.filter((x): x is string => x !== null))];
    const repExt = new Map<string, string>(
      repIds.length
        ? (await tx.query(`SELECT id, external_id FROM reps WHERE id = ANY ($1::uuid[])`, [repIds])).map(
            (r: { id: string; external_id: string }) => [r.id, r.external_id],
          )
        : [],
    );
    const teamExt = new Map<string, string>(
      teamIds.length
        ? (await tx.query(`SELECT id, external_id FROM teams WHERE id = ANY ($1::uuid[])`, [teamIds])).map(
            (t: { id: string; external_id: string }) => [t.id, t.external_id],
          )
        : [],
    );
    const applied: AppliedChange[] = changes.map((c) => ({
      customerId: c.id,
      source: c.source,
      externalId: c.external_id,
      fromRepId: c.owner_rep_id,
      toRepId: c.toRepId,
      fromRep: c.owner_rep_id ? (repExt.get(c.owner_rep_id) ?? null) : null,
      toRep: c.toRepId ? (repExt.get(c.toRepId) ?? null) : null,
      poolTeam: c.poolTeamId ? (teamExt.get(c.poolTeamId) ?? null) : null,
    }));
    for (let i = 0; i < applied.length; i += CHANGES_PER_EVENT) {
      await this.outbox.append(tx, ws, 'assignment.changed', {
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
    return { batchId, applied };
  }
}
