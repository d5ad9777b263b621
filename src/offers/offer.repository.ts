import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Offer } from './offer-catalog';

export interface OfferRow {
  definition: Offer;
  redemptions_used: number;
}

/** A workspace's offer catalog. */
@Injectable()
export class OfferRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Copies a catalog into a workspace that has no offers yet (idempotent, safe when two callers race: existing
   * codes are left as they are). Once a workspace has offers, they are its own to edit.
   */
  async seedIfEmpty(workspaceId: string, catalog: readonly Offer[]): Promise<void> {
    await this.exec(
      `INSERT INTO offers (workspace_id, code, definition)
       SELECT $1, d->>'code', d FROM jsonb_array_elements($2::jsonb) d
       WHERE NOT EXISTS (SELECT 1 FROM offers o WHERE o.workspace_id = $1)
       ON CONFLICT (workspace_id, code) DO NOTHING`,
      [workspaceId, JSON.stringify(catalog)],
    );
  }

  /** Active offers with their redemption counts, by code. */
  active(workspaceId: string): Promise<OfferRow[]> {
    return this.rows<OfferRow>(
      `SELECT definition, redemptions_used FROM offers WHERE workspace_id = $1 AND active ORDER BY code`,
      [workspaceId],
    );
  }
}
