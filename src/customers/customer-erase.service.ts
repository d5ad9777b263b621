import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { actorOf } from '../audit/actor';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { audit } from '../audit/audit-entry.repository';
import { returningRows } from '../database/sql';
import { mayErase } from './customer-access';
import { resolveVisibleCustomer } from './customer-view.service';
import { RepScopeService } from './rep-scope.service';

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
    @InjectDataSource() private readonly db: DataSource,
    private readonly scopes: RepScopeService,
  ) {}

  async erase(p: Principal, id: string): Promise<ErasureReport> {
    const { rootId, ownerRepId } = await resolveVisibleCustomer(this.db, this.scopes, p, id);
    if (!mayErase(p, ownerRepId, await this.scopes.of(p))) {
      throw new AppError(
        'forbidden',
        'only admins, and managers of the owner team, may erase a customer',
        HttpStatus.FORBIDDEN,
      );
    }
    const ws = p.workspaceId;
    return this.db.transaction(async (tx) => {
      const cluster: Array<{ id: string; erased_at: Date | null }> = await tx.query(
        `SELECT id::text, erased_at FROM customers WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2)
         ORDER BY id FOR UPDATE`,
        [ws, rootId],
      );
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
      const updated = await returningRows<{ id: string; erased_at: Date }>(
        tx,
        `UPDATE customers SET name = NULL, email_enc = NULL, email_hash = NULL, phone_enc = NULL, phone_hash = NULL,
           personality = NULL, erased_at = COALESCE(erased_at, now()), updated_at = now()
         WHERE workspace_id = $1 AND id = ANY ($2::bigint[])
         RETURNING id::text, erased_at`,
        [ws, ids],
      );
      const erasedAt = (updated.find((u) => u.id === rootId) as { erased_at: Date }).erased_at;
      const notes = await returningRows(
        tx,
        `UPDATE interactions SET note = NULL WHERE customer_id = ANY ($1::bigint[]) AND note IS NOT NULL RETURNING id`,
        [ids],
      );
      const contacts = await returningRows(
        tx,
        `DELETE FROM contacts WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[]) RETURNING id`,
        [ws, ids],
      );
      // Published talk tracks quote the customer's name.
      const items = await returningRows(
        tx,
        `UPDATE worklist_items SET talk_track = '' WHERE customer_id = ANY ($1::bigint[]) AND talk_track <> '' RETURNING id`,
        [ids],
      );
      await tx.query(
        `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, reason)
         SELECT $1, $2, 'do_not_call', 'erased'
         WHERE NOT EXISTS (SELECT 1 FROM contact_suppressions
                           WHERE customer_id = $2 AND kind = 'do_not_call' AND reason = 'erased')`,
        [ws, rootId],
      );
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
    });
  }
}
