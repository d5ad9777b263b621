/**
 * Which offer an item shows (issue 14 item 3). Pure module: no framework imports.
 *
 * An offer is shown only when nothing blocks it: the catalog rules of offer-catalog.ts (tier, lifecycle, validity
 * window, count budget), the targeting rules (ABC, CLV, region, country, product history, personality), the money
 * budget, and the contact policy (showings per customer per period, per rep per day, one redemption per customer).
 * Among the offers left the best one wins (`compareOffers`: priority, then ending soonest, then code); when the
 * best is exhausted, expired or capped, the next best takes its place.
 *
 * Money in minor units; days are 'YYYY-MM-DD' in the workspace's time zone.
 */
import type { AbcClass, Lifecycle, ValueTier } from '../scoring/models/types';
import { compareOffers, IneligibilityReason, Offer, offerIneligibility } from './offer-catalog';

/** What the targeting rules read about one customer. */
export interface OfferCustomer {
  tier: ValueTier;
  lifecycle: Lifecycle;
  abc: AbcClass | null;
  clvMinor: number | null;
  region: string | null;
  country: string | null;
  personality: string | null;
  /** categories of the customer's paid order lines */
  categories: readonly string[];
}

/** An offer's budget use so far. */
export interface OfferUsage {
  count: number;
  moneyMinor: number;
}

/** What the customer and the rep have already been shown and redeemed. */
export interface OfferExposure {
  /** list days on which each offer was shown to this customer, by code */
  shownToCustomer: Readonly<Record<string, readonly string[]>>;
  /** showings by the item's rep on the list day so far, by code */
  shownByRepToday: Readonly<Record<string, number>>;
  /** codes of the offers this customer redeemed */
  redeemedByCustomer: readonly string[];
}

export interface OfferChoiceInput {
  catalog: readonly Offer[];
  /** the list day */
  asOf: string;
  customer: OfferCustomer;
  /** by code; a missing code has used nothing */
  usage: Readonly<Record<string, OfferUsage>>;
  exposure: OfferExposure;
}

export type OfferBlock =
  | IneligibilityReason
  | 'abc'
  | 'clv'
  | 'region'
  | 'country'
  | 'bought_category'
  | 'never_bought_category'
  | 'personality'
  | 'money_budget_exhausted'
  | 'customer_cap'
  | 'rep_cap'
  | 'already_redeemed';

const norm = (s: string) => s.trim().toLowerCase();

function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  // own properties only: a code such as 'constructor' must not read Object.prototype
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Whole days from `from` to `to` ('YYYY-MM-DD'), negative when `to` is earlier. */
function dayDiff(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Targeting rules that fail for the customer; a fact the customer lacks fails its rule. */
function targetingBlocks(offer: Offer, c: OfferCustomer): OfferBlock[] {
  const e = offer.eligibility;
  if (!e) return [];
  const blocks: OfferBlock[] = [];
  if (e.abc !== undefined && (c.abc === null || !e.abc.includes(c.abc))) blocks.push('abc');
  if (e.clvMinMinor !== undefined || e.clvMaxMinor !== undefined) {
    const v = c.clvMinor;
    if (v === null || !Number.isFinite(v)) blocks.push('clv');
    else if ((e.clvMinMinor ?? -Infinity) > v || v > (e.clvMaxMinor ?? Infinity)) blocks.push('clv');
  }
  const inList = (list: readonly string[], v: string | null) =>
    v !== null && list.some((x) => norm(x) === norm(v));
  if (e.regions !== undefined && !inList(e.regions, c.region)) blocks.push('region');
  if (e.countries !== undefined && !inList(e.countries, c.country)) blocks.push('country');
  if (e.personalities !== undefined && !inList(e.personalities, c.personality)) blocks.push('personality');
  const bought = new Set(c.categories.map(norm));
  if (e.boughtCategories !== undefined && !e.boughtCategories.some((x) => bought.has(norm(x))))
    blocks.push('bought_category');
  if (e.neverBoughtCategories !== undefined && e.neverBoughtCategories.some((x) => bought.has(norm(x))))
    blocks.push('never_bought_category');
  return blocks;
}

/** Money budget and contact policy. */
function policyBlocks(offer: Offer, input: OfferChoiceInput): OfferBlock[] {
  const blocks: OfferBlock[] = [];
  const used = ownValue(input.usage, offer.code);
  if (offer.budgetMinor !== undefined && (used?.moneyMinor ?? 0) >= offer.budgetMinor)
    blocks.push('money_budget_exhausted');
  const caps = offer.caps;
  if (caps?.perCustomer) {
    const { max, days } = caps.perCustomer;
    const shown = ownValue(input.exposure.shownToCustomer, offer.code) ?? [];
    const inPeriod = shown.filter((d) => {
      const age = dayDiff(d, input.asOf);
      return age >= 0 && age < days;
    }).length;
    if (inPeriod >= max) blocks.push('customer_cap');
  }
  if (
    caps?.perRepPerDay !== undefined &&
    (ownValue(input.exposure.shownByRepToday, offer.code) ?? 0) >= caps.perRepPerDay
  )
    blocks.push('rep_cap');
  if (caps?.onePerCustomer && input.exposure.redeemedByCustomer.includes(offer.code))
    blocks.push('already_redeemed');
  return blocks;
}

/** Everything that keeps the offer from this item; empty = it may be shown. */
export function offerBlocks(offer: Offer, input: OfferChoiceInput): OfferBlock[] {
  // no prototype: an offer coded '__proto__' keeps its count (on `{}` that assignment would set the prototype)
  const counts = Object.create(null) as Record<string, number>;
  const used = ownValue(input.usage, offer.code);
  if (used !== undefined) counts[offer.code] = used.count;
  const catalog = offerIneligibility(offer, {
    tier: input.customer.tier,
    lifecycle: input.customer.lifecycle,
    asOf: input.asOf,
    redemptionsUsed: counts,
  });
  if (catalog.includes('invalid_offer')) return catalog;
  return [...catalog, ...targetingBlocks(offer, input.customer), ...policyBlocks(offer, input)];
}

/**
 * The best offer nothing blocks, or null. Offers whose code appears twice in the catalog are skipped (their
 * budget is ambiguous); the result does not depend on the order of the catalog.
 */
export function chooseOffer(input: OfferChoiceInput): Offer | null {
  const seen = new Map<string, number>();
  for (const o of input.catalog) seen.set(o.code, (seen.get(o.code) ?? 0) + 1);
  let best: Offer | null = null;
  for (const offer of input.catalog) {
    if ((seen.get(offer.code) ?? 0) > 1) continue;
    if (best !== null && compareOffers(offer, best) >= 0) continue;
    if (offerBlocks(offer, input).length === 0) best = offer;
  }
  return best;
}

/** What a publish run knows before it chooses: the catalog, budget use and past showings and redemptions. */
export interface OfferChooserState {
  catalog: readonly Offer[];
  asOf: string;
  usage: Readonly<Record<string, OfferUsage>>;
  /** by customer id, then code: list days shown (before this run) */
  shownToCustomer: ReadonlyMap<string, Record<string, string[]>>;
  /** by rep id, then code: showings on the list day (before this run) */
  shownByRep: ReadonlyMap<string, Record<string, number>>;
  /** by customer id: codes redeemed */
  redeemedByCustomer: ReadonlyMap<string, readonly string[]>;
}

/**
 * Chooses offers for the items of one run, one after the other, counting each choice as a showing, so that the
 * caps hold within the run as well as against earlier lists.
 */
export class OfferChooser {
  private readonly shownToCustomer = new Map<string, Record<string, string[]>>();
  private readonly shownByRep = new Map<string, Record<string, number>>();

  constructor(private readonly state: OfferChooserState) {
    for (const [id, byCode] of state.shownToCustomer) {
      this.shownToCustomer.set(id, Object.fromEntries(Object.entries(byCode).map(([k, v]) => [k, [...v]])));
    }
    for (const [id, byCode] of state.shownByRep) this.shownByRep.set(id, { ...byCode });
  }

  /**
   * The offer for one item (null: none), recorded as shown to the customer by the rep. `only` narrows the catalog
   * to one code (an experiment's offer arm; null: that arm offers nothing), still within every rule.
   */
  choose(customerId: string, repId: string, customer: OfferCustomer, only?: string | null): Offer | null {
    if (only === null) return null;
    const toCustomer = this.shownToCustomer.get(customerId) ?? {};
    const byRep = this.shownByRep.get(repId) ?? {};
    const offer = chooseOffer({
      catalog: only === undefined ? this.state.catalog : this.state.catalog.filter((o) => o.code === only),
      asOf: this.state.asOf,
      customer,
      usage: this.state.usage,
      exposure: {
        shownToCustomer: toCustomer,
        shownByRepToday: byRep,
        redeemedByCustomer: this.state.redeemedByCustomer.get(customerId) ?? [],
      },
    });
    if (offer) {
      const days = Object.prototype.hasOwnProperty.call(toCustomer, offer.code) ? toCustomer[offer.code] : [];
      toCustomer[offer.code] = [...days, this.state.asOf];
      this.shownToCustomer.set(customerId, toCustomer);
      byRep[offer.code] =
        (Object.prototype.hasOwnProperty.call(byRep, offer.code) ? byRep[offer.code] : 0) + 1;
      this.shownByRep.set(repId, byRep);
    }
    return offer;
  }
}
