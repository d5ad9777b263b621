import { HttpStatus, Injectable } from '@nestjs/common';
import { actorOf } from '../auth/actor';
import { audit } from '../audit/audit-entry.repository';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { Transactions, Tx } from '../database/transactions';
import { OutboxService } from '../webhooks/outbox.service';
import { mayErase } from './customer-access';
import { CustomerEraseRepository } from './customer-erase.repository';
import { CustomerViewService } from './customer-view.service';

export interface ErasureReport {
  customerId: string;
  erasedAt: Date;
  /** false when the customer had already been erased (nothing was changed, nothing audited) */
  erased: boolean;
  /** source records erased: the customer and every record merged into it */
  records: number;
  interactionNotes: number;
  contacts: number;
  worklistItems: number;
}

/**
 * Right to erasure: removes the personal data of a customer — every record of that person (the customer and the
 * records merged into it) loses name, email, phone (ciphertext and lookup hash) and personality; their contact
 * persons are deleted; interaction notes and rendered talk tracks are blanked. What scoring needs stays: orders,
 * amounts, dates, interaction kinds and scores, kind/region/country/industry, the source ids (so a replayed
 * import row or event still resolves to this erased record instead of creating a new one; the CSV merge keeps
 * erased records erased). The customer is put on do-not-call. One transaction, audited without personal data.
 */
@Injectable()
export class CustomerEraseService {
  constructor(
    private readonly customers: CustomerEraseRepository,
    private readonly view: CustomerViewService,
    private readonly scopes: AccessScopeService,
    private readonly transactions: Transactions,
    private readonly outbox: OutboxService,
  ) {}

  async erase(p: Principal, id: string): Promise<ErasureReport> {
    const { rootId, ownerRepId } = await this.view.resolveVisible(p, id);
    if (!mayErase(p, ownerRepId, await this.scopes.repScope(p))) {
      throw new AppError(
        'forbidden',
        'only admins, and managers of the owner team, may erase a customer',
        HttpStatus.FORBIDDEN,
      );
    }
    return this.transactions.run((tx) => this.eraseCluster(p, rootId, tx));
  }

  /** Erases the customer and the records merged into it, under lock; a second erasure changes nothing. */
  private async eraseCluster(p: Principal, rootId: string, tx: Tx): Promise<ErasureReport> {
    const ws = p.workspaceId;
    const cluster = await this.customers.lockCluster(ws, rootId, tx);
    const root = cluster.find((c) => c.id === rootId);
    if (!root) throw AppError.notFound('customer'); // merged away between the check and the lock
    const ids = cluster.map((c) => c.id);
    if (root.erased_at && cluster.every((c) => c.erased_at)) {
      return {
        customerId: rootId,
        erasedAt: root.erased_at,
        erased: false,
        records: ids.length,
        interactionNotes: 0,
        contacts: 0,
        worklistItems: 0,
      };
    }
    const updated = await this.customers.erasePersonalData(ws, ids, tx);
    const erasedAt = updated.find((u) => u.id === rootId)!.erased_at;
    await this.customers.deletePersonalityObservations(ws, ids, tx);
    const notes = await this.customers.blankInteractionNotes(ids, tx);
    const contacts = await this.customers.deleteContacts(ws, ids, tx);
    const items = await this.customers.blankTalkTracks(ids, tx);
    await this.customers.suppressCalls(ws, rootId, tx);
    await this.outbox.scrubCustomers(tx, ws, ids);
    const report: ErasureReport = {
      customerId: rootId,
      erasedAt,
      erased: true,
      records: ids.length,
      interactionNotes: notes.length,
      contacts: contacts.length,
      worklistItems: items.length,
    };
    await audit(tx, {
      workspaceId: ws,
      actor: actorOf(p),
      action: 'customer.erased',
      subject: `customer:${rootId}`,
      details: { records: ids, interactionNotes: notes.length, contacts: contacts.length },
    });
    return report;
  }
}
