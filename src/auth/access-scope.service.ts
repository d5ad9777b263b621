import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { Principal } from './principal';

/**
 * Object-level access (OWASP API1): decides whether a principal may see a rep's data. Out-of-scope ids answer
 * 404 exactly like missing ones, so ids from another team or workspace reveal nothing.
 */
@Injectable()
export class AccessScopeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Resolves a rep (by uuid or external id) the principal may read, or throws not_found. */
  async readableRep(p: Principal, repRef: string): Promise<{ id: string; externalId: string }> {
    const rows: Array<{
      id: string;
      external_id: string;
      team_id: string | null;
      manager_id: string | null;
    }> = await this.db.query(
      `SELECT id, external_id, team_id, manager_id FROM reps
          WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [p.workspaceId, repRef],
    );
    const rep = rows[0];
    if (!rep || !(await this.mayRead(p, rep))) throw AppError.notFound('rep');
    return { id: rep.id, externalId: rep.external_id };
  }

  /** The team a manager leads (their own team_id), or null; always null for other roles. */
  async managerTeamId(p: Principal): Promise<string | null> {
    if (p.role !== 'manager' || !p.repId) return null;
    const [mgr] = await this.db.query(`SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`, [
      p.repId,
      p.workspaceId,
    ]);
    return mgr?.team_id ?? null;
  }

  /**
   * Resolves a team (uuid or external id) the principal may manage: admins and integrations any team of the
   * workspace, managers their own. Anything else answers not_found, exactly like a missing team.
   */
  async manageableTeam(
    p: Principal,
    teamRef: string,
  ): Promise<{ id: string; externalId: string; name: string }> {
    const [team] = await this.db.query(
      `SELECT id, external_id, name FROM teams WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [p.workspaceId, teamRef],
    );
    const allowed =
      !!team &&
      (p.role === 'admin' ||
        p.role === 'integration' ||
        (p.role === 'manager' && (await this.managerTeamId(p)) === team.id));
    if (!allowed) throw AppError.notFound('team');
    return { id: team.id, externalId: team.external_id, name: team.name };
  }

  /**
   * Resolves a rep (uuid or external id) the principal may manage — assign accounts to, deactivate: admins any
   * rep of the workspace; managers the reps of their team and their direct reports, never themselves.
   */
  async manageableRep(
    p: Principal,
    repRef: string,
  ): Promise<{ id: string; externalId: string; teamId: string | null; active: boolean; role: string }> {
    const [rep] = await this.db.query(
      `SELECT id, external_id, team_id, manager_id, active, role FROM reps
       WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [p.workspaceId, repRef],
    );
    let allowed = false;
    if (rep && p.role === 'admin') allowed = true;
    if (rep && p.role === 'manager' && rep.id !== p.repId) {
      const team = await this.managerTeamId(p);
      allowed = rep.manager_id === p.repId || (team !== null && rep.team_id === team);
    }
    if (!allowed) throw AppError.notFound('rep');
    return {
      id: rep.id,
      externalId: rep.external_id,
      teamId: rep.team_id,
      active: rep.active,
      role: rep.role,
    };
  }

  /**
   * Resolves customer references — Callplan ids, or CRM external ids of one source — to the live customers the
   * principal may manage, in one statement: a merged record resolves to its winner, a deleted one is missing.
   * Admins manage every customer of the workspace; managers the customers owned by their team or their direct
   * reports, and unowned ones in their team's pool or the workspace pool; `read` also lets a rep reach the
   * customers they own. `missing` lists the references that are unknown or out of scope — indistinguishable on
   * purpose, so callers answer 404 for both.
   */
  async customersInScope(
    p: Principal,
    refs: { ids?: readonly string[]; externalIds?: readonly string[]; source?: string },
    purpose: 'manage' | 'read' = 'manage',
  ): Promise<{ ids: string[]; missing: string[] }> {
    const byExternal = refs.externalIds !== undefined;
    const list = [...(byExternal ? refs.externalIds! : (refs.ids ?? []))];
    if (list.length === 0) return { ids: [], missing: [] };
    // a Callplan id is a positive bigint; anything else cannot name a customer
    const queryable = byExternal ? list : list.filter((ref) => /^[1-9]\d{0,17}$/.test(ref));
    const canReadOwn = purpose === 'read' && p.role === 'rep';
    if (p.role !== 'admin' && p.role !== 'manager' && !canReadOwn) return { ids: [], missing: list };
    const team = await this.managerTeamId(p);
    // Single-table statements only (each an index scan on an array of keys): a join of 10,000 references against
    // customers is at the planner's mercy when statistics lag behind a bulk load; these cannot go quadratic.
    type Row = {
      ref: string;
      id: string;
      merged_into: string | null;
      live: boolean;
      owner_rep_id: string | null;
    };
    const cols = `id::text AS id, merged_into_id::text AS merged_into, deleted_at IS NULL AS live, owner_rep_id`;
    const first: Row[] = byExternal
      ? await this.db.query(
          `SELECT external_id AS ref, ${cols} FROM customers
           WHERE workspace_id = $1 AND source = $3 AND external_id = ANY ($2::text[])`,
          [p.workspaceId, queryable, refs.source ?? 'crm'],
        )
      : await this.db.query(
          `SELECT id::text AS ref, ${cols} FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[])`,
          [p.workspaceId, queryable],
        );
    // a merged record answers with its winner (merges repoint chains, so one hop reaches the survivor)
    const winnerIds = [...new Set(first.flatMap((r) => (r.merged_into ? [r.merged_into] : [])))];
    const winners = new Map<string, Row>();
    if (winnerIds.length) {
      const rows: Row[] = await this.db.query(
        `SELECT id::text AS ref, ${cols} FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[])`,
        [p.workspaceId, winnerIds],
      );
      for (const w of rows) winners.set(w.id, w);
    }
    const targets = first
      .map((r) => ({ ref: r.ref, c: r.merged_into ? winners.get(r.merged_into) : r }))
      .filter((t): t is { ref: string; c: Row } => !!t.c && t.c.live && t.c.merged_into === null);
    const ownerIds = [...new Set(targets.flatMap((t) => (t.c.owner_rep_id ? [t.c.owner_rep_id] : [])))];
    const owners = new Map<string, { team_id: string | null; manager_id: string | null }>();
    if (p.role === 'manager' && ownerIds.length) {
      const rows: Array<{ id: string; team_id: string | null; manager_id: string | null }> =
        await this.db.query(
          `SELECT id, team_id, manager_id FROM reps WHERE workspace_id = $1 AND id = ANY ($2::uuid[])`,
          [p.workspaceId, ownerIds],
        );
      for (const o of rows) owners.set(o.id, o);
    }
    const unowned = targets.filter((t) => t.c.owner_rep_id === null).map((t) => t.c.id);
    const poolTeam = new Map<string, string | null>();
    if (p.role === 'manager' && unowned.length) {
      const rows: Array<{ customer_id: string; team_id: string | null }> = await this.db.query(
        `SELECT customer_id::text, team_id FROM pool_entries WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[])`,
        [p.workspaceId, unowned],
      );
      for (const e of rows) poolTeam.set(e.customer_id, e.team_id);
    }
    const inScope = (c: Row): boolean => {
      if (p.role === 'admin') return true;
      if (p.role === 'rep') return c.owner_rep_id !== null && c.owner_rep_id === p.repId;
      if (c.owner_rep_id !== null) {
        const o = owners.get(c.owner_rep_id);
        return !!o && (o.manager_id === p.repId || (team !== null && o.team_id === team));
      }
      const pool = poolTeam.get(c.id) ?? null;
      return pool === null || pool === team;
    };
    const found = new Set<string>();
    const ids = new Set<string>();
    for (const t of targets) {
      if (!inScope(t.c)) continue;
      found.add(t.ref);
      ids.add(t.c.id);
    }
    return { ids: [...ids], missing: list.filter((ref) => !found.has(ref)) };
  }

  private async mayRead(
    p: Principal,
    rep: { id: string; team_id: string | null; manager_id: string | null },
  ) {
    switch (p.role) {
      case 'admin':
      case 'integration':
        return true;
      case 'rep':
        return rep.id === p.repId;
      case 'manager': {
        if (rep.id === p.repId || rep.manager_id === p.repId) return true;
        const [mgr] = await this.db.query(`SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`, [
          p.repId,
          p.workspaceId,
        ]);
        return !!mgr?.team_id && mgr.team_id === rep.team_id;
      }
    }
  }
}
