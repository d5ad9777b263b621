import { Injectable } from '@nestjs/common';
import { localizeOffer, Offer } from '../offers/offer-catalog';
import type { OfferChoices } from '../offers/offers.service';
import {
  buildCustomerFacts,
  type CustomerFacts,
  DEFAULT_FACT_OPTIONS,
  noOrders,
  type OrderHistory,
} from '../playbooks/customer-facts';
import { isPersonality } from '../playbooks/personality';
import { PlaybooksService } from '../playbooks/playbooks.service';
import type { ArmEffect } from '../experiments/experiment-design';
import { type TalkTrackSettings, variantTemplates } from '../playbooks/talk-track-settings';
import type { CandidateRow } from './candidate-row';
import type { RankedItem } from './ranking';
import { reasonsLine, reasonText, reasonWithFacts } from './reason-text';

/** Reason codes the talk-track templates have phrases for (templates/talk-tracks/<locale>/strings.json). */
const TALK_TRACK_REASONS = new Set([
  'high_value_at_risk',
  'win_back',
  'high_expected_value',
  'likely_to_buy',
  'growth_potential',
  'overdue_vs_cycle',
  'recent_complaint',
  'high_cancellation_rate',
  'prospect',
]);

/** An item as stored: reasons with their text in the rep's locale, talk track, offer, call window. */
export interface BuiltItem {
  repId: string;
  customerId: string;
  customerExternalId: string;
  rank: number;
  kind: RankedItem['kind'];
  priority: number;
  value: number;
  reasons: Array<{ code: string; weight: number; text: string; facts: Record<string, unknown> }>;
  summary: string;
  personality: string;
  talkTrack: string;
  offerCode: string | null;
  /** the version of the offer the item shows (its terms stay those of that version) */
  offerVersion: number | null;
  callFrom: Date | null;
  callTo: Date | null;
  /** the talk-track variant of the customer's experiment arm (src/experiments), null outside a talk-track test */
  talkTrackVariant: string | null;
}

export interface BuildContext {
  listDate: string;
  scoredAsOf: string;
  currency: string;
  timeZone: string;
  /** the run's offer choices: each call counts as a showing against the offers' caps */
  offers: OfferChoices;
  /** set by the customer's experiment arm (src/experiments/experiment-design.ts ArmStrategy) */
  arm?: ArmEffect;
  /** order histories of the items' customers by id (CustomerFactsRepository); a missing one never bought */
  histories: ReadonlyMap<string, OrderHistory>;
  /** the workspace's talk-track templates and variants (settings.talkTracks); the arm's variant picks the set */
  talkTracks: TalkTrackSettings;
  /**
   * the effective type of each business customer's primary contact that has one (PersonalityService): the talk
   * track addresses that person, so their type beats the customer's
   */
  contactTypes?: ReadonlyMap<string, string>;
}

/** Turns a ranked item plus its candidate row into what a rep reads: reasons in words, talk track and offer. */
@Injectable()
export class WorklistItemBuilder {
  constructor(private readonly playbooks: PlaybooksService) {}

  build(
    item: RankedItem,
    row: CandidateRow,
    rep: { id: string; name: string; locale: string },
    ctx: BuildContext,
  ): BuiltItem {
    const textOptions = {
      locale: rep.locale,
      currency: ctx.currency,
      timeZone: ctx.timeZone,
      listDate: ctx.listDate,
    };
    const chosen = ctx.offers.choose(
      item.customerId,
      rep.id,
      {
        tier: row.value_tier,
        lifecycle: row.lifecycle,
        clvMinor: row.clv === null ? null : Number(row.clv),
        country: row.country,
        personality: row.personality,
      },
      // an offer arm offers only its offer (or none), still within its rules
      ctx.arm?.offerCode,
    );
    const offer = chosen?.offer ?? null;
    // One set of facts for the reasons and the talk track, so the two say the same numbers.
    const facts = buildCustomerFacts(ctx.histories.get(item.customerId) ?? noOrders(ctx.currency), {
      listDate: ctx.listDate,
      ...DEFAULT_FACT_OPTIONS,
    });
    const reasons = item.reasons.map((r) => reasonWithFacts(r, facts));
    const track = this.talkTrack(item, row, rep, ctx, offer, facts);
    return {
      repId: rep.id,
      customerId: item.customerId,
      customerExternalId: row.customer_external_id,
      rank: item.rank,
      kind: item.kind,
      priority: row.score_priority ?? 0,
      value: item.value,
      reasons: reasons.map((r) => ({
        code: r.code,
        weight: Math.round(r.value),
        text: reasonText(r, textOptions),
        facts: r.facts,
      })),
      summary: reasonsLine(reasons, textOptions),
      personality: track.personality,
      talkTrack: track.text,
      offerCode: offer?.code ?? null,
      offerVersion: chosen?.version ?? null,
      callFrom: item.callWindow?.from ?? null,
      callTo: item.callWindow?.to ?? null,
      talkTrackVariant: ctx.arm?.talkTrackVariant ?? null,
    };
  }

  /** The talk track of the item in the rep's language, from the customer's context and the item's reasons. */
  private talkTrack(
    item: RankedItem,
    row: CandidateRow,
    rep: { name: string; locale: string },
    ctx: BuildContext,
    offer: Offer | null,
    facts: CustomerFacts,
  ) {
    const localized = offer ? localizeOffer(offer, rep.locale) : null;
    return this.playbooks.render(
      {
        customerName: row.customer_name ?? row.customer_external_id,
        repName: rep.name,
        locale: rep.locale,
        personality: personalityAddressed(ctx.contactTypes?.get(item.customerId) ?? row.personality),
        lifecycle: row.lifecycle,
        valueTier: row.value_tier,
        rfmSegment: row.rfm_segment,
        facts,
        lastComplaint: row.last_complaint_at
          ? { date: row.last_complaint_at, note: row.last_complaint_note ?? '' }
          : null,
        offer:
          offer && localized
            ? {
                ...localized,
                discountPct: offer.discountPct ?? null,
                minOrderMinor: offer.minOrderValue ?? null,
                validTo: offer.validTo ?? null,
              }
            : null,
        reasons: item.reasons.map((r) => r.code).filter((c) => TALK_TRACK_REASONS.has(c)),
        listDate: ctx.listDate,
        timeZone: ctx.timeZone,
      },
      variantTemplates(ctx.talkTracks, ctx.arm?.talkTrackVariant),
    );
  }
}

/** The type the talk track is written for: the primary contact's, else the customer's, else none. */
function personalityAddressed(type: string | null) {
  return isPersonality(type) ? type : null;
}
