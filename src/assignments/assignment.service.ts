import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { actorOf } from '../audit/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { OutboxService } from '../webhooks/outbox.service';
import { AssignDto, AssignmentHistoryQuery, AssignmentResultView } from './assignment.dto';
import { OwnershipWriter } from './ownership-writer.service';

export interface AssignmentHistoryEntry {
  id: string;
  batchId: string;
  customer: { id: string; externalId: string; name: string | null };
  from: { id: string; externalId: string; name: string } | null;
  to: { id: string; externalId: string; name: string } | null;
  poolTeam: string | null;
  reason: string;
  detail: string | null;
  note: string | null;
  proposalId: string | null;
  actor: string;
  at: Date;
}

/** Managers and admins move accounts between reps (and to the pool), singly or 10,000 at a time. */
@Injectable()
export class AssignmentService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async assign(p: Principal, dto: AssignDto): Promise<AssignmentResultView> {
    if ((dto.customerIds === undefined) === (dto.customerExternalIds === undefined)) {
      throw new AppError('invalid_selection', 'give exactly one of customerIds and customerExternalIds');
    }
    if ((dto.toRepId === undefined) === (dto.toPool === undefined)) {
      throw new AppError('invalid_target', 'give exactly one of toRepId and toPool');
    }
    if (dto.poolTeamId !== undefined && !dto.toPool) {
      throw new AppError('invalid_target', 'poolTeamId goes with toPool');
    }
    // the target first: a rep or team out of scope answers 404 before anything about the customers is revealed
    let toRepId: string | null = null;
    let toRep: string | null = null;
    let poolTeamId: string | null = null;
    if (dto.toRepId !== undefined) {
      const rep = await this.scope.manageableRep(p, dto.toRepId);
      if (rep.role !== 'rep') {
        throw new AppError('not_assignable', 'accounts go to reps (managers get no call list)', 422);
      }
      if (!rep.active) throw new AppError('rep_inactive', 'the rep is deactivated', HttpStatus.CONFLICT);
      toRepId = rep.id;
      toRep = rep.externalId;
    } else if (p.role === 'manager') {
      if (dto.poolTeamId !== undefined) {
        poolTeamId = (await this.scope.manageableTeam(p, dto.poolTeamId)).id;
      } else {
        poolTeamId = await this.scope.managerTeamId(p);
        if (!poolTeamId)
          throw new AppError('no_team', 'a manager without a team cannot release to a team pool', 409);
      }
    } else if (dto.poolTeamId !== undefined) {
      poolTeamId = (await this.scope.manageableTeam(p, dto.poolTeamId)).id;
    }
    const refs = dto.customerIds ?? dto.customerExternalIds!;
    const { ids, missing } = await this.scope.customersInScope(
      p,
      dto.customerIds
        ? { ids: dto.customerIds }
        : { externalIds: dto.customerExternalIds, source: dto.source },
    );
    if (missing.length) {
      throw new AppError('not_found', `${missing.length} customer(s) not found`, HttpStatus.NOT_FOUND, {
        missing: missing.slice(0, 100),
        count: missing.length,
      });
    }
    const { batchId, applied } = await this.db.transaction((tx) =>
      this.writer.apply(tx, {
        workspaceId: p.workspaceId,
        changes: ids.map((customerId) => ({ customerId, toRepId, poolTeamId })),
        reason: 'manual',
        actor: actorOf(p),
        note: dto.note ?? null,
      }),
    );
    if (applied.length) await this.outbox.kick();
    return {
      batchId,
      requested: new Set(refs).size,
      changed: applied.length,
      unchanged: ids.length - applied.length,
      toRep,
    };
  }

  /** History of one customer, or of the moves to and from one rep; newest first, keyset-paged. */
  async history(
    p: Principal,
    q: AssignmentHistoryQuery,
  ): Promise<{ entries: AssignmentHistoryEntry[]; nextBefore: string | null }> {
    if ((q.customerId === undefined) === (q.repId === undefined)) {
      throw new AppError('invalid_query', 'give exactly one of customerId and repId');
    }
    const limit = q.limit ?? 100;
    let filter: string;
    let value: string;
    if (q.customerId !== undefined) {
      const { ids } = await this.scope.customersInScope(p, { ids: [q.customerId] }, 'read');
      if (!ids.length) throw AppError.notFound('customer');
      filter = 'h.customer_id = $2::bigint';
      value = ids[0];
    } else {
      const rep = await this.scope.readableRep(p, q.repId!);
      filter = '(h.from_rep_id = $2::uuid OR h.to_rep_id = $2::uuid)';
      value = rep.id;
    }
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT h.id, h.batch_id, h.customer_id, c.external_id AS customer_external_id, c.name AS customer_name,
              h.from_rep_id, fr.external_id AS from_ext, fr.name AS from_name,
              h.to_rep_id, tr.external_id AS to_ext, tr.name AS to_name, t.external_id AS pool_team,
              h.reason, h.detail, h.note, h.proposal_id, h.actor, h.created_at
       FROM assignment_history h
       JOIN customers c ON c.id = h.customer_id
       LEFT JOIN reps fr ON fr.id = h.from_rep_id
       LEFT JOIN reps tr ON tr.id = h.to_rep_id
       LEFT JOIN teams t ON t.id = h.pool_team_id
       WHERE h.workspace_id = $1 AND ${filter} AND ($3::bigint IS NULL OR h.id < $3::bigint)
       ORDER BY h.id DESC LIMIT $4`,
      [p.workspaceId, value, q.before ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const repOf = (id: unknown, ext: unknown, name: unknown) =>
      id ? { id: id as string, externalId: ext as string, name: name as string } : null;
    return {
      entries: page.map((r) => ({
        id: String(r.id),
        batchId: r.batch_id as string,
        customer: {
          id: String(r.customer_id),
          externalId: r.customer_external_id as string,
          name: r.customer_name as string | null,
        },
        from: repOf(r.from_rep_id, r.from_ext, r.from_name),
        to: repOf(r.to_rep_id, r.to_ext, r.to_name),
        poolTeam: r.pool_team as string | null,
        reason: r.reason as string,
        detail: r.detail as string | null,
        note: r.note as string | null,
        proposalId: r.proposal_id as string | null,
        actor: r.actor as string,
        at: r.created_at as Date,
      })),
      nextBefore: rows.length > limit ? String(page[page.length - 1].id) : null,
    };
  }
}
