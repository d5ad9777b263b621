import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf } from '../auth/actor';
import { AccessScopeService } from '../auth/access-scope.service';
import { AuthInvalidationService } from '../auth/auth-invalidation.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { Transactions } from '../database/transactions';
import { OutboxService } from '../webhooks/outbox.service';
import { OwnershipWriter } from './ownership-writer.service';
import { ProposalView, RebalanceService } from './rebalance.service';
import { RepDeactivationRepository } from './rep-deactivation.repository';

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
    private readonly reps: RepDeactivationRepository,
    private readonly transactions: Transactions,
    private readonly scope: AccessScopeService,
    private readonly rebalance: RebalanceService,
    private readonly writer: OwnershipWriter,
    private readonly outbox: OutboxService,
    private readonly authInvalidation: AuthInvalidationService,
  ) {}

  async deactivate(p: Principal, repRef: string, note?: string): Promise<DeactivationView> {
    const rep = await this.scope.manageableRep(p, repRef);
    if (!rep.active)
      throw new AppError('rep_inactive', 'the rep is already deactivated', HttpStatus.CONFLICT);
    const actor = actorOf(p);
    const outcome = await this.transactions.run(async (tx) => {
      if (!(await this.reps.deactivate(p.workspaceId, rep.id, tx)))
        throw new AppError('rep_inactive', 'the rep is already deactivated', HttpStatus.CONFLICT);
      const keysRevoked = await this.reps.revokeKeys(p.workspaceId, rep.id, tx);
      // every API process forgets the workspace's verified keys when this commits
      await this.authInvalidation.notify(tx, p.workspaceId);
      await audit(tx, {
        workspaceId: p.workspaceId,
        actor,
        action: 'rep.deactivated',
        subject: `rep:${rep.id}`,
        details: { externalId: rep.externalId, keysRevoked, note: note ?? null },
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
        const owned = await this.reps.ownedCustomerIds(p.workspaceId, rep.id, tx);
        const { applied } = await this.writer.apply(tx, {
          workspaceId: p.workspaceId,
          changes: owned.map((customerId) => ({
            customerId,
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
      return { keysRevoked, proposalId, released };
    });
    this.authInvalidation.dropLocal(p.workspaceId);
    if (outcome.released) await this.outbox.kick();
    return {
      rep: { id: rep.id, externalId: rep.externalId, active: false },
      keysRevoked: outcome.keysRevoked,
      proposal: outcome.proposalId ? await this.rebalance.view(p, outcome.proposalId, {}, true) : null,
      releasedToPool: outcome.released,
    };
  }
}
