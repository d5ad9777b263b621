import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf } from '../auth/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { Transactions } from '../database/transactions';
import { OutboxService } from '../webhooks/outbox.service';
import { AssignDto, AssignmentHistoryQuery, AssignmentResultView } from './assignment.dto';
import { AssignmentHistoryRepository, HistorySubject } from './assignment-history.repository';
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
    private readonly historyRows: AssignmentHistoryRepository,
    private readonly transactions: Transactions,
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
    const { toRepId, toRep, poolTeamId } = await this.target(p, dto);
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
    const { batchId, applied } = await this.transactions.run((tx) =>
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

  /** Where the accounts go: an active rep the principal manages, or a pool (a manager's: their team's). */
  private async target(
    p: Principal,
    dto: AssignDto,
  ): Promise<{ toRepId: string | null; toRep: string | null; poolTeamId: string | null }> {
    if (dto.toRepId !== undefined) {
      const rep = await this.scope.manageableRep(p, dto.toRepId);
      if (rep.role !== 'rep') {
        throw new AppError('not_assignable', 'accounts go to reps (managers get no call list)', 422);
      }
      if (!rep.active) throw new AppError('rep_inactive', 'the rep is deactivated', HttpStatus.CONFLICT);
      return { toRepId: rep.id, toRep: rep.externalId, poolTeamId: null };
    }
    let poolTeamId: string | null = null;
    if (p.role === 'manager') {
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
    return { toRepId: null, toRep: null, poolTeamId };
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
    let subject: HistorySubject;
    if (q.customerId !== undefined) {
      const { ids } = await this.scope.customersInScope(p, { ids: [q.customerId] }, 'read');
      if (!ids.length) throw AppError.notFound('customer');
      subject = { customerId: ids[0] };
    } else {
      const rep = await this.scope.readableRep(p, q.repId!);
      subject = { repId: rep.id };
    }
    const rows = await this.historyRows.page(p.workspaceId, subject, q.before ?? null, limit + 1);
    const page = rows.slice(0, limit);
    const repOf = (id: string | null, ext: string | null, name: string | null) =>
      id ? { id, externalId: ext!, name: name! } : null;
    return {
      entries: page.map((r) => ({
        id: String(r.id),
        batchId: r.batch_id,
        customer: {
          id: String(r.customer_id),
          externalId: r.customer_external_id,
          name: r.customer_name,
        },
        from: repOf(r.from_rep_id, r.from_ext, r.from_name),
        to: repOf(r.to_rep_id, r.to_ext, r.to_name),
        poolTeam: r.pool_team,
        reason: r.reason,
        detail: r.detail,
        note: r.note,
        proposalId: r.proposal_id,
        actor: r.actor,
        at: r.created_at,
      })),
      nextBefore: rows.length > limit ? String(page[page.length - 1].id) : null,
    };
  }
}
