import { Injectable } from '@nestjs/common';
import { DEFAULT_OFFER_CATALOG, Offer } from './offer-catalog';
import { OfferRepository } from './offer.repository';

/**
 * The workspace's offer catalog (seeded from DEFAULT_OFFER_CATALOG at its first read, then edited per workspace)
 * and redemptions. Offers seed themselves so that creating a workspace needs to know nothing about them.
 */
@Injectable()
export class OffersService {
  constructor(private readonly offers: OfferRepository) {}

  /** Active offers and how many redemptions each has used. */
  async catalog(workspaceId: string): Promise<{ offers: Offer[]; redemptionsUsed: Record<string, number> }> {
    await this.offers.seedIfEmpty(workspaceId, DEFAULT_OFFER_CATALOG);
    const rows = await this.offers.active(workspaceId);
    return {
      offers: rows.map((r) => r.definition),
      redemptionsUsed: Object.fromEntries(rows.map((r) => [r.definition.code, r.redemptions_used])),
    };
  }
}
