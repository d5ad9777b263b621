import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AccessScopeRepository, ScopedCustomerRow } from './access-scope.repository';
import { Principal } from './principal';
import { RepScope } from './rep-scope';

type CustomerRefs = { ids?: readonly string[]; externalIds?: readonly string[]; source?: string };

/**
 * Object-level access (OWASP API1), the one place its rule lives: which reps, teams and customers a principal may
 * see or manage. Out-of-scope ids answer 404 exactly like missing ones, so ids from another team or workspace
 * reveal nothing.
 */
@Injectable()
export class AccessScopeService {
  constructor(private readonly access: AccessScopeRepository) {}

  /** The reps a principal answers for: everyone (admins, integrations); a rep themselves; a manager their team. */
  async repScope(p: Principal): Promise<RepScope> {
    if (p.role === 'admin' || p.role === 'integration') return { all: true, repIds: new Set() };
    if (!p.repId) return { all: false, repIds: new Set() };
    if (p.role === 'rep') return { all: false, repIds: new Set([p.repId]) };
    return { all: false, repIds: new Set(await this.access.repIdsManagedBy(p.workspaceId, p.repId)) };
  }

  /** Resolves a rep (by uuid or external id) the principal may read, or throws not_found. */
  async readableRep(p: Principal, repRef: string): Promise<{ id: string; externalId: string }> {
    const rep = await this.access.rep(p.workspaceId, repRef);
    if (!rep || !(await this.mayRead(p, rep))) throw AppError.notFound('rep');
    return { id: rep.id, externalId: rep.external_id };
  }

  /** The team a manager leads (their own team_id), or null; always null for other roles. */
  async managerTeamId(p: Principal): Promise<string | null> {
    if (p.role !== 'manager' || !p.repId) return null;
    return this.access.teamIdOf(p.workspaceId, p.repId);
  }

  /**
   * Resolves a team (uuid or external id) the principal may manage: admins and integrations any team of the
   * workspace, managers their own. Anything else answers not_found, exactly like a missing team.
   */
  async manageableTeam(
    p: Principal,
    teamRef: string,
  ): Promise<{ id: string; externalId: string; name: string }> {
    const team = await this.access.team(p.workspaceId, teamRef);
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
    const rep = await this.access.manageableRep(p.workspaceId, repRef);
    let allowed = false;
    if (rep && p.role === 'admin') allowed = true;
    if (rep && p.role === 'manager' && rep.id !== p.repId) {
      const team = await this.managerTeamId(p);
      allowed = rep.manager_id === p.repId || (team !== null && rep.team_id === team);
    }
    if (!rep || !allowed) throw AppError.notFound('rep');
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
   * principal may manage: a merged record resolves to its winner, a deleted one is missing.
   * Admins manage every customer of the workspace; managers the customers owned by their team or their direct
   * reports, and unowned ones in their team's pool or the workspace pool; `read` also lets a rep reach the
   * customers they own. `missing` lists the references that are unknown or out of scope — indistinguishable on
   * purpose, so callers answer 404 for both.
   */
  async customersInScope(
    p: Principal,
    refs: CustomerRefs,
    purpose: 'manage' | 'read' = 'manage',
  ): Promise<{ ids: string[]; missing: string[] }> {
    const byExternal = refs.externalIds !== undefined;
    const list = [...(byExternal ? refs.externalIds! : (refs.ids ?? []))];
    if (list.length === 0) return { ids: [], missing: [] };
    const canReadOwn = purpose === 'read' && p.role === 'rep';
    if (p.role !== 'admin' && p.role !== 'manager' && !canReadOwn) return { ids: [], missing: list };
    const team = await this.managerTeamId(p);
    const targets = await this.liveTargets(p.workspaceId, refs, list);
    const inScope = await this.customerScopeRule(p, team, targets);
    const found = new Set<string>();
    const ids = new Set<string>();
    for (const t of targets) {
      if (!inScope(t.c)) continue;
      found.add(t.ref);
      ids.add(t.c.id);
    }
    return { ids: [...ids], missing: list.filter((ref) => !found.has(ref)) };
  }

  /** Whether the principal reads every customer of the workspace (admins, integrations): no per-customer check. */
  seesEveryCustomer(p: Principal): boolean {
    return p.role === 'admin' || p.role === 'integration';
  }

  /**
   * Which of these customers (Callplan ids as stored on worklist items) the principal may read today: the rule of
   * customersInScope with `read`, applied to the current owner — a merged record is owned as its winner is. Admins
   * and integrations read every customer of the workspace; a rep only the customers they own now, so an item of a
   * customer reassigned after the list was published stops showing the customer to its old owner.
   * A CRM-deleted record keeps the scope of its last owner (deletion is not a change of owner).
   */
  async readableCustomerIds(p: Principal, customerIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(customerIds)].filter((id) => /^[1-9]\d{0,17}$/.test(id));
    if (this.seesEveryCustomer(p)) return new Set(ids);
    if (!p.repId || ids.length === 0) return new Set();
    const rows = await this.access.customersById(p.workspaceId, ids);
    const winnerIds = [...new Set(rows.flatMap((r) => (r.merged_into ? [r.merged_into] : [])))];
    const winners = new Map<string, ScopedCustomerRow>();
    if (winnerIds.length) {
      for (const w of await this.access.customersById(p.workspaceId, winnerIds)) winners.set(w.id, w);
    }
    const targets = rows.map((r) => ({
      ref: r.ref,
      c: (r.merged_into ? winners.get(r.merged_into) : undefined) ?? r,
    }));
    const inScope = await this.customerScopeRule(p, await this.managerTeamId(p), targets);
    return new Set(targets.filter((t) => inScope(t.c)).map((t) => t.ref));
  }

  /**
   * The principal a rep acts as with a key of their own role (rep, manager or admin), for views made on a rep's
   * behalf without their key (the embeddable page); null when the workspace has no such rep.
   */
  async repPrincipal(workspaceId: string, repId: string, keyId: string): Promise<Principal | null> {
    const rep = await this.access.repRole(workspaceId, repId);
    if (!rep) return null;
    const role = rep.role === 'admin' || rep.role === 'manager' ? rep.role : 'rep';
    return { keyId, workspaceId, role, repId };
  }

  /**
   * The live customer each reference names, following a merge to its winner. Single-table statements only (each
   * an index scan on an array of keys): a join of 10,000 references against customers is at the planner's mercy
   * when statistics lag behind a bulk load; these cannot go quadratic.
   */
  private async liveTargets(
    workspaceId: string,
    refs: CustomerRefs,
    list: string[],
  ): Promise<Array<{ ref: string; c: ScopedCustomerRow }>> {
    const byExternal = refs.externalIds !== undefined;
    // a Callplan id is a positive bigint; anything else cannot name a customer
    const queryable = byExternal ? list : list.filter((ref) => /^[1-9]\d{0,17}$/.test(ref));
    const first = byExternal
      ? await this.access.customersByExternalId(workspaceId, queryable, refs.source ?? 'crm')
      : await this.access.customersById(workspaceId, queryable);
    // a merged record answers with its winner (merges repoint chains, so one hop reaches the survivor)
    const winnerIds = [...new Set(first.flatMap((r) => (r.merged_into ? [r.merged_into] : [])))];
    const winners = new Map<string, ScopedCustomerRow>();
    if (winnerIds.length) {
      for (const w of await this.access.customersById(workspaceId, winnerIds)) winners.set(w.id, w);
    }
    return first
      .map((r) => ({ ref: r.ref, c: r.merged_into ? winners.get(r.merged_into) : r }))
      .filter(
        (t): t is { ref: string; c: ScopedCustomerRow } => !!t.c && t.c.live && t.c.merged_into === null,
      );
  }

  /** Whether the principal may reach a customer, with the owners and pools of these targets loaded once. */
  private async customerScopeRule(
    p: Principal,
    team: string | null,
    targets: Array<{ c: ScopedCustomerRow }>,
  ): Promise<(c: ScopedCustomerRow) => boolean> {
    const ownerIds = [...new Set(targets.flatMap((t) => (t.c.owner_rep_id ? [t.c.owner_rep_id] : [])))];
    const owners = new Map<string, { team_id: string | null; manager_id: string | null }>();
    if (p.role === 'manager' && ownerIds.length) {
      for (const o of await this.access.repPlaces(p.workspaceId, ownerIds)) owners.set(o.id, o);
    }
    const unowned = targets.filter((t) => t.c.owner_rep_id === null).map((t) => t.c.id);
    const poolTeam = new Map<string, string | null>();
    if (p.role === 'manager' && unowned.length) {
      for (const e of await this.access.poolTeams(p.workspaceId, unowned))
        poolTeam.set(e.customer_id, e.team_id);
    }
    return (c) => {
      if (p.role === 'admin') return true;
      if (p.role === 'rep') return c.owner_rep_id !== null && c.owner_rep_id === p.repId;
      if (c.owner_rep_id !== null) {
        // a manager's own accounts are theirs, as repScope counts the manager in (a manager without a team too)
        if (c.owner_rep_id === p.repId) return true;
        const o = owners.get(c.owner_rep_id);
        return !!o && (o.manager_id === p.repId || (team !== null && o.team_id === team));
      }
      const pool = poolTeam.get(c.id) ?? null;
      return pool === null || pool === team;
    };
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
        const teamId = await this.access.teamIdOf(p.workspaceId, p.repId);
        return !!teamId && teamId === rep.team_id;
      }
    }
  }
}
