import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DEFAULT_OFFER_CATALOG, Offer } from './offer-catalog';

/** The workspace's offer catalog (seeded from DEFAULT_OFFER_CATALOG, then edited per workspace) and redemptions. */
@Injectable()
export class OffersService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Copies the default catalog into a workspace; existing codes are left as the workspace edited them. */
  async seedDefaults(workspaceId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO offers (workspace_id, code, definition)
       SELECT $1, d->>'code', d FROM jsonb_array_elements($2::jsonb) d
       ON CONFLICT (workspace_id, code) DO NOTHING`,
      [workspaceId, JSON.stringify(DEFAULT_OFFER_CATALOG)],
    );
  }

  /** Active offers and how many redemptions each has used. */
  async catalog(workspaceId: string): Promise<{ offers: Offer[]; redemptionsUsed: Record<string, number> }> {
    const rows: Array<{ definition: Offer; redemptions_used: number }> = await this.db.query(
      `SELECT definition, redemptions_used FROM offers WHERE workspace_id = $1 AND active ORDER BY code`,
      [workspaceId],
    );
    return {
      offers: rows.map((r) => r.definition),
      redemptionsUsed: Object.fromEntries(rows.map((r) => [r.definition.code, r.redemptions_used])),
    };
  }
}
