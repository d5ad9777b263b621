/**
 * Why the rep is calling, as a talk track sees it: the situation picks the opening, the value pitch, the
 * objections and the close (talk-track.ts). Derived from the customer's facts (customer-facts.ts) first, so a
 * win-back script is only read to someone past their own lapse threshold. Pure; no framework imports.
 */
import type { Lifecycle, ValueTier } from '../scoring/models/types';
import type { CustomerFacts } from './customer-facts';

export const SITUATIONS = [
  'first_purchase',
  'repeat',
  'upsell',
  'winback_at_risk',
  'winback_churned',
  'loyalty_thanks',
  'complaint_follow_up',
  'new_product_preview',
] as const;
export type Situation = (typeof SITUATIONS)[number];

export function isSituation(value: unknown): value is Situation {
  return typeof value === 'string' && (SITUATIONS as readonly string[]).includes(value);
}

/** How the offer reads: no offer, a percentage off, or something else (free delivery, a sample, a service). */
export const OFFER_TYPES = ['none', 'discount', 'perk'] as const;
export type OfferType = (typeof OFFER_TYPES)[number];

export interface SituationInput {
  facts: Pick<CustomerFacts, 'status' | 'orderDays' | 'daysSilent'>;
  lifecycle: Lifecycle;
  valueTier: ValueTier;
  /** days since the customer's last complaint; null without one */
  complaintDaysAgo: number | null;
  /** ranking reason codes of the item */
  reasons: readonly string[];
}

/** A complaint this recent is the reason for the call, whatever else is true. */
export const COMPLAINT_FOLLOW_UP_DAYS = 30;
/** A lapse this long is a churned customer's, whatever the lifecycle label says. */
export const CHURNED_SILENCE_DAYS = 365;

/**
 * The situation of a call, first match wins: a recent complaint; never bought; lapsed past their own threshold
 * (churned when the lifecycle says so or after a year); one buying day so far or due/overdue (the next order);
 * loyal or core (thanks); growth potential or a potential-tier account (upsell); otherwise a preview of what is new.
 */
export function chooseSituation(input: SituationInput): Situation {
  const { facts } = input;
  if (input.complaintDaysAgo !== null && input.complaintDaysAgo <= COMPLAINT_FOLLOW_UP_DAYS) {
    return 'complaint_follow_up';
  }
  if (facts.status === 'no_orders') return 'first_purchase';
  if (facts.status === 'lapsed') {
    return input.lifecycle === 'churned' || (facts.daysSilent ?? 0) >= CHURNED_SILENCE_DAYS
      ? 'winback_churned'
      : 'winback_at_risk';
  }
  if (facts.orderDays <= 1 || facts.status === 'due' || facts.status === 'overdue') return 'repeat';
  if (input.lifecycle === 'loyal' || input.valueTier === 'core') return 'loyalty_thanks';
  if (input.reasons.includes('growth_potential') || input.valueTier === 'potential') return 'upsell';
  return 'new_product_preview';
}

/** The offer type of an offer with or without a percentage discount. */
export function offerTypeOf(offer: { discountPct?: number | null } | null): OfferType {
  if (!offer) return 'none';
  return typeof offer.discountPct === 'number' && offer.discountPct > 0 ? 'discount' : 'perk';
}
