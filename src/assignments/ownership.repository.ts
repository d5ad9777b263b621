import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';

export interface OwnedCustomerRow {
  id: string;
  owner_rep_id: string | null;
  source: string;
  external_id: string;
}

/** One ownership change as parallel arrays (one entry per customer), the shape `unnest` takes. */
export interface ChangeColumns {
  ids: string[];
  from: Array<string | null>;
  to: Array<string | null>;
  pool: Array<string | null>;
  detail: Array<string | null>;
}

/**
 * The statements of the OwnershipWriter. Each touches one table through an array of keys (see OwnershipWriter on
 * why); every method runs on the caller's transaction.
 */
@Injectable()
export class OwnershipRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Locks the live customers among `ids`, in id order so concurrent batches cannot deadlock. */
  lockCustomers(workspaceId: string, ids: string[], tx: Queryable): Promise<OwnedCustomerRow[]> {
    return this.rows<OwnedCustomerRow>(
      `SELECT id::text AS id, owner_rep_id, source, external_id FROM customers
         WHERE workspace_id = $1 AND id = ANY ($2::bigint[]) AND merged_into_id IS NULL AND deleted_at IS NULL
         ORDER BY id FOR UPDATE`,
      [workspaceId, ids],
      tx,
    );
  }

  setOwner(workspaceId: string, toRepId: string | null, ids: string[], tx: Queryable): Promise<void> {
    return this.exec(
      `UPDATE customers SET owner_rep_id = $2, updated_at = now() WHERE workspace_id = $1 AND id = ANY ($3::bigint[])`,
      [workspaceId, toRepId, ids],
      tx,
    );
  }

  appendHistory(
    workspaceId: string,
    batch: { batchId: string; reason: string; note: string | null; proposalId: string | null; actor: string },
    c: ChangeColumns,
    tx: Queryable,
  ): Promise<void> {
    return this.exec(
      `INSERT INTO assignment_history
         (workspace_id, batch_id, customer_id, from_rep_id, to_rep_id, pool_team_id, reason, detail, note, proposal_id, actor)
       SELECT $1, $2, t.id, t.from_rep, t.to_rep, t.pool_team, $8, t.detail, $9, $10, $11
       FROM unnest($3::bigint[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS t(id, from_rep, to_rep, pool_team, detail)`,
      [
        workspaceId,
        batch.batchId,
        c.ids,
        c.from,
        c.to,
        c.pool,
        c.detail,
        batch.reason,
        batch.note,
        batch.proposalId,
        batch.actor,
      ],
      tx,
    );
  }

  /** One `assignment.changed` audit entry per customer, in one statement (the audit writer does one at a time). */
  appendAudit(
    workspaceId: string,
    batch: { batchId: string; reason: string; proposalId: string | null; actor: string },
    c: ChangeColumns,
    tx: Queryable,
  ): Promise<void> {
    return this.exec(
      `INSERT INTO audit_log (workspace_id, actor, action, subject, details)
       SELECT $1, $2, 'assignment.changed', 'customer:' || t.id,
              jsonb_build_object('from', t.from_rep, 'to', t.to_rep, 'poolTeam', t.pool_team, 'reason', $8::text,
                                 'detail', t.detail, 'batchId', $9::uuid, 'proposalId', $10::uuid)
       FROM unnest($3::bigint[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS t(id, from_rep, to_rep, pool_team, detail)`,
      [
        workspaceId,
        batch.actor,
        c.ids,
        c.from,
        c.to,
        c.pool,
        c.detail,
        batch.reason,
        batch.batchId,
        batch.proposalId,
      ],
      tx,
    );
  }

  /** Customers that got an owner leave the pool. */
  removePoolEntries(workspaceId: string, customerIds: string[], tx: Queryable): Promise<void> {
    return this.exec(
      `DELETE FROM pool_entries WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[])`,
      [workspaceId, customerIds],
      tx,
    );
  }

  /** Customers released to a pool (a team's, or the workspace's when the team is null). */
  upsertPoolEntries(
    workspaceId: string,
    entries: { ids: string[]; teams: Array<string | null>; fromReps: Array<string | null>; reason: string },
    tx: Queryable,
  ): Promise<void> {
    return this.exec(
      `INSERT INTO pool_entries (customer_id, workspace_id, team_id, released_from_rep_id, reason)
         SELECT t.id, $1, t.team, t.from_rep, $5 FROM unnest($2::bigint[], $3::uuid[], $4::uuid[]) AS t(id, team, from_rep)
         ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id,
           released_from_rep_id = EXCLUDED.released_from_rep_id, reason = EXCLUDED.reason, released_at = now()`,
      [workspaceId, entries.ids, entries.teams, entries.fromReps, entries.reason],
      tx,
    );
  }

  repExternalIds(repIds: string[], tx: Queryable): Promise<Array<{ id: string; external_id: string }>> {
    return this.rows(
      // @crossTenant the ids are owners of customers just locked in the workspace
      `SELECT id, external_id FROM reps WHERE id = ANY ($1::uuid[])`,
      [repIds],
      tx,
    );
  }

  teamExternalIds(teamIds: string[], tx: Queryable): Promise<Array<{ id: string; external_id: string }>> {
    return this.rows(
      // @crossTenant the ids are pool teams the caller resolved in the workspace
      `SELECT id, external_id FROM teams WHERE id = ANY ($1::uuid[])`,
      [teamIds],
      tx,
    );
  }
}
