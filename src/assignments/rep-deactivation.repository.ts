import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';

/** The statements of a rep's deactivation, all on the deactivation's transaction. */
@Injectable()
export class RepDeactivationRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** False when the rep was already inactive (someone else deactivated it first). */
  async deactivate(workspaceId: string, repId: string, tx: Tx): Promise<boolean> {
    const updated = await this.returning<{ id: string }>(
      `UPDATE reps SET active = false, updated_at = now() WHERE id = $1 AND workspace_id = $2 AND active RETURNING id`,
      [repId, workspaceId],
      tx,
    );
    return updated.length > 0;
  }

  /** Revokes the rep's live API keys; returns how many. */
  async revokeKeys(workspaceId: string, repId: string, tx: Tx): Promise<number> {
    const keys = await this.returning<{ id: string }>(
      `UPDATE api_keys SET revoked_at = now() WHERE rep_id = $1 AND workspace_id = $2 AND revoked_at IS NULL RETURNING id`,
      [repId, workspaceId],
      tx,
    );
    return keys.length;
  }

  /** Ids of the live customers the rep owns. */
  async ownedCustomerIds(workspaceId: string, repId: string, tx: Tx): Promise<string[]> {
    const owned = await this.rows<{ id: string }>(
      `SELECT id::text FROM customers WHERE workspace_id = $1 AND owner_rep_id = $2
             AND merged_into_id IS NULL AND deleted_at IS NULL`,
      [workspaceId, repId],
      tx,
    );
    return owned.map((c) => c.id);
  }
}
