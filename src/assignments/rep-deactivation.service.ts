import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { actorOf } from '../audit/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { returningRows } from '../database/sql';
import { OutboxService } from '../webhooks/outbox.service';
import { OwnershipWriter } from './ownership-writer.service';
import { ProposalView, RebalanceService } from './rebalance.service';

export interface DeactivationView {
  rep: { id: string; externalId: string; active: false };
  /** the rep's API keys, revoked with the deactivation */
  keysRevoked: number;
  /** where the rep's accounts go: a proposal for the team's manager to preview and apply */
  proposal: ProposalView | null;
  /** accounts released to the pool at once (a rep without a team, or a manager's own accounts) */
  releasedToPool: number;
}

/**
 * Deactivating a rep never leaves accounts in limbo: in the same transaction the rep stops getting call lists,
 * their keys stop working, and their accounts go into an 'orphans' rebalance proposal for the team (or, without a
 * team to hand them to, straight to the pool).
 */
@Injectable()
export class RepDeactivationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
    private readonly rebalance: RebalanceService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
  ) {}

  async deactivate(p: Principal, repRef: string, note?: string): Promise<DeactivationView> {
    const rep = await this.scope.manageableRep(p, repRef);
    if (!rep.active)
      throw new AppError('rep_inactive', 'the rep is already deactivated', HttpStatus.CONFLICT);
    const actor = actorOf(p);
    const outcome = await this.db.transaction(async (tx) => {
      const updated = await returningRows(
        tx,
        `UPDATE reps SET active = false, updated_at = now() WHERE id = $1 AND workspace_id = $2 AND active RETURNING id`,
        [rep.id, p.workspaceId],
      );
      if (!updated.length)
        throw new AppError('rep_inactive', 'the rep is already deactivated', HttpStatus.CONFLICT);
      const keys = await returningRows(
        tx,
        `UPDATE api_keys SET revoked_at = now() WHERE rep_id = $1 AND workspace_id = $2 AND revoked_at IS NULL RETURNING id`,
        [rep.id, p.workspaceId],
      );
      await audit(tx, {
        workspaceId: p.workspaceId,
        actor,
        action: 'rep.deactivated',
        subject: `rep:${rep.id}`,
        details: { externalId: rep.externalId, keysRevoked: keys.length, note: note ?? null },
      });
      let proposalId: string | null = null;
      let released = 0;
      if (rep.teamId && rep.role === 'rep') {
        proposalId = await this.rebalance.createProposal(tx, {
          workspaceId: p.workspaceId,
          teamId: rep.teamId,
          mode: 'orphans',
          includePool: false,
          trigger: 'deactivation',
          actor,
        });
      } else {
        const owned: Array<{ id: string }> = await tx.query(
          `SELECT id::text FROM customers WHERE workspace_id = $1 AND owner_rep_id = $2
             AND merged_into_id IS NULL AND deleted_at IS NULL`,
          [p.workspaceId, rep.id],
        );
        const { applied } = await this.writer.apply(tx, {
          workspaceId: p.workspaceId,
          changes: owned.map((c) => ({
            customerId: c.id,
            toRepId: null,
            poolTeamId: rep.teamId,
            expectFrom: rep.id,
          })),
          reason: 'deactivation',
          actor,
          note: note ?? null,
        });
        released = applied.length;
      }
      return { keysRevoked: keys.length, proposalId, released };
    });
    if (outcome.released) await this.outbox.kick();
    return {
      rep: { id: rep.id, externalId: rep.externalId, active: false },
      keysRevoked: outcome.keysRevoked,
      proposal: outcome.proposalId ? await this.rebalance.view(p, outcome.proposalId, {}, true) : null,
      releasedToPool: outcome.released,
    };
  }
}
