import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface ScopedRepRow {
  id: string;
  external_id: string;
  team_id: string | null;
  manager_id: string | null;
}

export interface ManageableRepRow extends ScopedRepRow {
  active: boolean;
  role: string;
}

export interface TeamRow {
  id: string;
  external_id: string;
  name: string;
}

/** A customer reference with what the scope rule needs: where it was merged, whether it is live, its owner. */
export interface ScopedCustomerRow {
  ref: string;
  id: string;
  merged_into: string | null;
  live: boolean;
  owner_rep_id: string | null;
}

export interface RepPlaceRow {
  id: string;
  team_id: string | null;
  manager_id: string | null;
}

export interface PoolTeamRow {
  customer_id: string;
  team_id: string | null;
}

const CUSTOMER_COLS = `id::text AS id, merged_into_id::text AS merged_into, deleted_at IS NULL AS live, owner_rep_id`;

/** The reads behind object-level access: reps, teams, and customers with their owners and pools. */
@Injectable()
export class AccessScopeRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** A rep by uuid or external id. */
  rep(workspaceId: string, repRef: string): Promise<ScopedRepRow | undefined> {
    return this.first<ScopedRepRow>(
      `SELECT id, external_id, team_id, manager_id FROM reps
          WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [workspaceId, repRef],
    );
  }

  /** A rep by uuid or external id, with what managing it needs. */
  manageableRep(workspaceId: string, repRef: string): Promise<ManageableRepRow | undefined> {
    return this.first<ManageableRepRow>(
      `SELECT id, external_id, team_id, manager_id, active, role FROM reps
       WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [workspaceId, repRef],
    );
  }

  /** A rep's role by uuid, or undefined when the workspace has no such rep. */
  repRole(workspaceId: string, repId: string): Promise<{ role: string } | undefined> {
    return this.first<{ role: string }>(`SELECT role FROM reps WHERE workspace_id = $1 AND id::text = $2`, [
      workspaceId,
      repId,
    ]);
  }

  /** The team of a rep (its team_id), or null. */
  async teamIdOf(workspaceId: string, repId: string | null): Promise<string | null> {
    const mgr = await this.first<{ team_id: string | null }>(
      `SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`,
      [repId, workspaceId],
    );
    return mgr?.team_id ?? null;
  }

  /** A team by uuid or external id. */
  team(workspaceId: string, teamRef: string): Promise<TeamRow | undefined> {
    return this.first<TeamRow>(
      `SELECT id, external_id, name FROM teams WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [workspaceId, teamRef],
    );
  }

  /** The ids of a manager's scope: themselves, their direct reports and their team. */
  async repIdsManagedBy(workspaceId: string, managerRepId: string): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT r.id FROM reps r
       WHERE r.workspace_id = $1
         AND (r.id = $2 OR r.manager_id = $2
              OR r.team_id = (SELECT m.team_id FROM reps m WHERE m.id = $2 AND m.workspace_id = $1))`,
      [workspaceId, managerRepId],
    );
    return rows.map((r) => r.id);
  }

  /** Customers by CRM external id of one source (`ref` is the external id). */
  customersByExternalId(
    workspaceId: string,
    externalIds: string[],
    source: string,
  ): Promise<ScopedCustomerRow[]> {
    return this.rows<ScopedCustomerRow>(
      `SELECT external_id AS ref, ${CUSTOMER_COLS} FROM customers
           WHERE workspace_id = $1 AND source = $3 AND external_id = ANY ($2::text[])`,
      [workspaceId, externalIds, source],
    );
  }

  /** Customers by Callplan id (`ref` is the id). */
  customersById(workspaceId: string, ids: string[]): Promise<ScopedCustomerRow[]> {
    return this.rows<ScopedCustomerRow>(
      `SELECT id::text AS ref, ${CUSTOMER_COLS} FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[])`,
      [workspaceId, ids],
    );
  }

  /** Team and manager of these reps. */
  repPlaces(workspaceId: string, repIds: string[]): Promise<RepPlaceRow[]> {
    return this.rows<RepPlaceRow>(
      `SELECT id, team_id, manager_id FROM reps WHERE workspace_id = $1 AND id = ANY ($2::uuid[])`,
      [workspaceId, repIds],
    );
  }

  /** The pool (team, or null for the workspace pool) of these unowned customers. */
  poolTeams(workspaceId: string, customerIds: string[]): Promise<PoolTeamRow[]> {
    return this.rows<PoolTeamRow>(
      `SELECT customer_id::text, team_id FROM pool_entries WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[])`,
      [workspaceId, customerIds],
    );
  }
}
