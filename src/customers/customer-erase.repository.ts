import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tx } from '../database/transactions';
import { SqlRepository } from '../database/sql-repository';

export interface ClusterRow {
  id: string;
  erased_at: Date | null;
}

/** The writes of an erasure: each runs in the erasure's transaction and answers the ids it touched. */
@Injectable()
export class CustomerEraseRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The customer and every record merged into it, locked. */
  lockCluster(workspaceId: string, rootId: string, tx: Tx): Promise<ClusterRow[]> {
    return this.rows<ClusterRow>(
      `SELECT id::text, erased_at FROM customers WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2)
         ORDER BY id FOR UPDATE`,
      [workspaceId, rootId],
      tx,
    );
  }

  /** Blanks the personal columns of these records; answers when each was erased. */
  erasePersonalData(
    workspaceId: string,
    ids: string[],
    tx: Tx,
  ): Promise<Array<{ id: string; erased_at: Date }>> {
    return this.returning<{ id: string; erased_at: Date }>(
      `UPDATE customers SET name = NULL, email_enc = NULL, email_hash = NULL, phone_enc = NULL, phone_hash = NULL,
           personality = NULL, erased_at = COALESCE(erased_at, now()), updated_at = now()
         WHERE workspace_id = $1 AND id = ANY ($2::bigint[])
         RETURNING id::text, erased_at`,
      [workspaceId, ids],
      tx,
    );
  }

  /** The personality history (personality_observations) of these records: personal data, gone with the rest. */
  deletePersonalityObservations(workspaceId: string, ids: string[], tx: Tx): Promise<Array<{ id: string }>> {
    return this.returning<{ id: string }>(
      `DELETE FROM personality_observations WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[])
         RETURNING id::text`,
      [workspaceId, ids],
      tx,
    );
  }

  blankInteractionNotes(customerIds: string[], tx: Tx): Promise<Array<{ id: string }>> {
    return this.returning<{ id: string }>(
      // @crossTenant interactions of customers just locked in the workspace (lockCluster)
      `UPDATE interactions SET note = NULL WHERE customer_id = ANY ($1::bigint[]) AND note IS NOT NULL RETURNING id`,
      [customerIds],
      tx,
    );
  }

  deleteContacts(workspaceId: string, customerIds: string[], tx: Tx): Promise<Array<{ id: string }>> {
    return this.returning<{ id: string }>(
      `DELETE FROM contacts WHERE workspace_id = $1 AND customer_id = ANY ($2::bigint[]) RETURNING id`,
      [workspaceId, customerIds],
      tx,
    );
  }

  /** Published talk tracks quote the customer's name. */
  blankTalkTracks(customerIds: string[], tx: Tx): Promise<Array<{ id: string }>> {
    return this.returning<{ id: string }>(
      // @crossTenant worklist items of customers just locked in the workspace (lockCluster)
      `UPDATE worklist_items SET talk_track = '' WHERE customer_id = ANY ($1::bigint[]) AND talk_track <> '' RETURNING id`,
      [customerIds],
      tx,
    );
  }

  /** Puts the customer on do-not-call for good (once). */
  async suppressCalls(workspaceId: string, rootId: string, tx: Tx): Promise<void> {
    await this.exec(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, reason)
         SELECT $1, $2, 'do_not_call', 'erased'
         WHERE NOT EXISTS (SELECT 1 FROM contact_suppressions
                           WHERE customer_id = $2 AND kind = 'do_not_call' AND reason = 'erased')`,
      [workspaceId, rootId],
      tx,
    );
  }
}
