/**
 * Tier-based offer catalog and eligibility (domain.md §5). Pure module: no framework imports.
 *
 * Rule that matters most: a rep is never shown an offer the customer is not eligible for. Anything that cannot
 * be proven eligible (malformed dates, a bad redemption count, a code used twice in one catalog) is treated as
 * ineligible; `validateOfferCatalog` reports those defects so they surface when a catalog is saved or loaded.
 *
 * Dates are calendar days 'YYYY-MM-DD' (inclusive) in the workspace's time zone; money is in minor units.
 */
import { isDay } from '../common/calendar-day';
import { type AbcClass, type Lifecycle, VALUE_TIERS, type ValueTier } from '../scoring/models/types';

export type OfferLocale = 'en' | 'zh-CN';

export interface OfferText {
  en: string;
  'zh-CN': string;
}

export interface Offer {
  /** unique within a catalog; also the key of redemption counts */
  code: string;
  title: OfferText;
  /** one clause, read out after the title in the talk track */
  description: OfferText;
  /** tiers the offer targets; empty = nobody */
  tiers: readonly ValueTier[];
  /** lifecycles the offer targets; absent = every lifecycle */
  lifecycles?: readonly Lifecycle[];
  /** minimum order value (minor units) for the offer to apply at checkout; a redemption term, not targeting */
  minOrderValue?: number;
  /** discount in percent, 0 < discountPct ≤ 100 */
  discountPct?: number;
  /** first day the offer may be shown, inclusive, 'YYYY-MM-DD' */
  validFrom?: string;
  /** last day the offer may be shown, inclusive, 'YYYY-MM-DD' */
  validTo?: string;
  /** maximum number of redemptions; absent = unlimited */
  budget?: number;
  /** higher wins */
  priority: number;
  /** who may be offered it beyond tier and lifecycle (offer-choice.ts); absent = no further rule */
  eligibility?: OfferEligibility;
  /** money the offer may cost in all (minor units): redemptions' costs add up to it; absent = unlimited */
  budgetMinor?: number;
  /** fixed cost of one redemption (minor units); absent = discountPct of the attributed order, else 0 */
  costMinor?: number;
  /** an order within this many days after the item that showed the offer redeems it (default 14) */
  attributionDays?: number;
  /** contact policy: how often the offer may be shown */
  caps?: OfferCaps;
}

/** Targeting rules; every rule present must hold, and a fact the customer lacks fails its rule. */
export interface OfferEligibility {
  abc?: readonly AbcClass[];
  /** CLV bounds, inclusive, minor units */
  clvMinMinor?: number;
  clvMaxMinor?: number;
  /** customers.region values, compared without case */
  regions?: readonly string[];
  /** ISO 3166 alpha-2 codes */
  countries?: readonly string[];
  /** the customer bought (paid order lines) in at least one of these categories */
  boughtCategories?: readonly string[];
  /** the customer never bought in any of these categories */
  neverBoughtCategories?: readonly string[];
  /** personality types (playbooks' PERSONALITIES) */
  personalities?: readonly string[];
}

export interface OfferCaps {
  /** at most `max` showings to one customer within `days` days (the list day and the days before it) */
  perCustomer?: { max: number; days: number };
  /** at most this many showings per rep and list day */
  perRepPerDay?: number;
  /** a customer who redeemed the offer is not offered it again */
  onePerCustomer?: boolean;
}

/** Attribution window when an offer names none, in days. */
export const DEFAULT_ATTRIBUTION_DAYS = 14;

export interface OfferEligibilityInput {
  tier: ValueTier;
  lifecycle: Lifecycle;
  /** business day of the call list, 'YYYY-MM-DD' in the workspace time zone */
  asOf: string;
  /** redemptions so far, by offer code; a missing code counts as 0 */
  redemptionsUsed: Readonly<Record<string, number>>;
}

export type IneligibilityReason =
  | 'invalid_offer'
  | 'tier'
  | 'lifecycle'
  | 'not_yet_valid'
  | 'expired'
  | 'budget_exhausted'
  | 'redemptions_unknown';

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPositiveInteger(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;
}

/** Defects of one offer on its own (not counting duplicates); empty when the offer is well-formed. */
export function offerDefects(offer: Offer): string[] {
  const defects: string[] = [];
  if (!nonEmpty(offer.code)) defects.push('code is empty');
  for (const locale of ['en', 'zh-CN'] as const) {
    if (!nonEmpty(offer.title?.[locale])) defects.push(`title.${locale} is empty`);
    if (!nonEmpty(offer.description?.[locale])) defects.push(`description.${locale} is empty`);
  }
  if (!Array.isArray(offer.tiers)) defects.push('tiers is not a list');
  if (offer.lifecycles !== undefined && !Array.isArray(offer.lifecycles))
    defects.push('lifecycles is not a list');
  if (typeof offer.priority !== 'number' || !Number.isFinite(offer.priority)) {
    defects.push('priority is not a finite number');
  }
  if (offer.validFrom !== undefined && !isDay(offer.validFrom)) defects.push('validFrom is not YYYY-MM-DD');
  if (offer.validTo !== undefined && !isDay(offer.validTo)) defects.push('validTo is not YYYY-MM-DD');
  if (isDay(offer.validFrom) && isDay(offer.validTo) && offer.validFrom > offer.validTo) {
    defects.push('validFrom is after validTo');
  }
  if (offer.budget !== undefined && !isNonNegativeInteger(offer.budget)) {
    defects.push('budget is not a non-negative integer');
  }
  if (offer.minOrderValue !== undefined && !isNonNegativeInteger(offer.minOrderValue)) {
    defects.push('minOrderValue is not a non-negative integer (minor units)');
  }
  if (
    offer.discountPct !== undefined &&
    !(typeof offer.discountPct === 'number' && offer.discountPct > 0 && offer.discountPct <= 100)
  ) {
    defects.push('discountPct is not in (0, 100]');
  }
  for (const key of ['budgetMinor', 'costMinor'] as const) {
    if (offer[key] !== undefined && !isNonNegativeInteger(offer[key]))
      defects.push(`${key} is not a non-negative integer (minor units)`);
  }
  if (offer.attributionDays !== undefined && !isPositiveInteger(offer.attributionDays, 365))
    defects.push('attributionDays is not an integer in 1..365');
  const caps = offer.caps;
  if (caps?.perCustomer !== undefined) {
    if (!isPositiveInteger(caps.perCustomer.max, 1000) || !isPositiveInteger(caps.perCustomer.days, 365))
      defects.push('caps.perCustomer needs max in 1..1000 and days in 1..365');
  }
  if (caps?.perRepPerDay !== undefined && !isPositiveInteger(caps.perRepPerDay, 10000))
    defects.push('caps.perRepPerDay is not an integer in 1..10000');
  const e = offer.eligibility;
  if (e?.clvMinMinor !== undefined && e.clvMaxMinor !== undefined && e.clvMinMinor > e.clvMaxMinor)
    defects.push('eligibility.clvMinMinor is above clvMaxMinor');
  return defects;
}

/** Every defect of a catalog, one message per line item, e.g. "WINBACK: validTo is not YYYY-MM-DD". */
export function validateOfferCatalog(catalog: readonly Offer[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  catalog.forEach((offer, index) => {
    const label = nonEmpty(offer.code) ? offer.code : `#${index}`;
    for (const d of offerDefects(offer)) problems.push(`${label}: ${d}`);
    if (seen.has(offer.code)) problems.push(`${label}: code is used more than once`);
    seen.add(offer.code);
  });
  return problems;
}

function redemptionsOf(used: Readonly<Record<string, number>>, code: string): number | null {
  // Own properties only: a code such as 'constructor' must not read Object.prototype.
  if (!Object.prototype.hasOwnProperty.call(used, code)) return 0;
  const n = used[code];
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
}

/** Why the offer cannot be shown; empty = eligible. Throws RangeError when asOf is not 'YYYY-MM-DD'. */
export function offerIneligibility(offer: Offer, input: OfferEligibilityInput): IneligibilityReason[] {
  if (!isDay(input.asOf))
    throw new RangeError(`asOf must be a calendar day 'YYYY-MM-DD', got '${input.asOf}'`);
  if (offerDefects(offer).length > 0) return ['invalid_offer'];
  const reasons: IneligibilityReason[] = [];
  if (!offer.tiers.includes(input.tier)) reasons.push('tier');
  if (offer.lifecycles !== undefined && !offer.lifecycles.includes(input.lifecycle))
    reasons.push('lifecycle');
  // ISO days compare correctly as strings.
  if (offer.validFrom !== undefined && input.asOf < offer.validFrom) reasons.push('not_yet_valid');
  if (offer.validTo !== undefined && input.asOf > offer.validTo) reasons.push('expired');
  if (offer.budget !== undefined) {
    const used = redemptionsOf(input.redemptionsUsed, offer.code);
    if (used === null) reasons.push('redemptions_unknown');
    else if (used >= offer.budget) reasons.push('budget_exhausted');
  }
  return reasons;
}

export function isOfferEligible(offer: Offer, input: OfferEligibilityInput): boolean {
  return offerIneligibility(offer, input).length === 0;
}

/** Ranking among eligible offers: priority (high first), then the one ending soonest, then code. */
export function compareOffers(a: Offer, b: Offer): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const aEnd = a.validTo ?? '9999-12-31';
  const bEnd = b.validTo ?? '9999-12-31';
  if (aEnd !== bEnd) return aEnd < bEnd ? -1 : 1;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/**
 * Offer text for one locale, in the shape the talk-track renderer takes (`TalkTrackContext.offer`).
 * Any Chinese locale tag ('zh', 'zh-CN', 'zh_TW') gets the zh-CN text, everything else English — the same
 * matching the talk-track renderer uses.
 */
export function localizeOffer(
  offer: Offer,
  locale: string,
): { code: string; title: string; description: string } {
  const language = locale.trim().toLowerCase().split(/[-_]/)[0];
  const key: OfferLocale = language === 'zh' ? 'zh-CN' : 'en';
  return { code: offer.code, title: offer.title[key], description: offer.description[key] };
}

const ALL_TIERS: readonly ValueTier[] = VALUE_TIERS;

/**
 * Default catalog following domain.md §5. Currency-neutral (no minOrderValue), open-ended (no dates); only the
 * gift set, which costs real money per redemption, has a budget. Workspaces copy and edit it.
 *
 * Coverage: every (tier, lifecycle) pair has at least one eligible offer while budgets last.
 */
export const DEFAULT_OFFER_CATALOG: readonly Offer[] = [
  // Prospects: first-purchase incentive, trial.
  {
    code: 'PROSPECT_FIRST_ORDER',
    title: { en: 'a first-order discount', 'zh-CN': '首单优惠' },
    description: { en: '10% off your first order with us', 'zh-CN': '首次下单立享九折' },
    tiers: ALL_TIERS,
    lifecycles: ['prospect'],
    discountPct: 10,
    priority: 80,
  },
  {
    code: 'PROSPECT_TRIAL',
    title: { en: 'a free trial', 'zh-CN': '免费试用' },
    description: {
      en: 'try it free first and only order once you are happy with it',
      'zh-CN': '先免费试用，满意了再下单',
    },
    tiers: ALL_TIERS,
    lifecycles: ['prospect'],
    priority: 70,
  },
  // At-risk / churned: win-back.
  {
    code: 'WINBACK_PRIORITY',
    title: { en: 'our welcome-back package', 'zh-CN': '老客户回归礼遇' },
    description: {
      en: 'a personal review of your account with your account manager, and 15% off your next order',
      'zh-CN': '由客户经理专程为您梳理需求和方案，回归后首单享八五折',
    },
    tiers: ['core', 'potential'],
    lifecycles: ['at_risk', 'churned'],
    discountPct: 15,
    priority: 90,
  },
  {
    code: 'WINBACK_STANDARD',
    title: { en: 'a welcome-back discount', 'zh-CN': '回归优惠' },
    description: { en: '10% off your next order', 'zh-CN': '再次下单享九折' },
    tiers: ALL_TIERS,
    lifecycles: ['at_risk', 'churned'],
    discountPct: 10,
    priority: 80,
  },
  // Core: keep them — dedicated manager, premium line first, gift set, VIP service.
  {
    code: 'CORE_GIFT_SET',
    title: { en: 'our VIP thank-you gift set', 'zh-CN': 'VIP答谢礼盒' },
    description: {
      en: 'a curated gift set with your next order, to thank you for your loyalty',
      'zh-CN': '下次下单随单附赠一份精选礼盒，感谢您一直以来的支持',
    },
    tiers: ['core'],
    lifecycles: ['loyal'],
    budget: 500,
    priority: 70,
  },
  {
    code: 'CORE_DEDICATED_MANAGER',
    title: { en: 'a dedicated account manager', 'zh-CN': '专属客户经理' },
    description: {
      en: 'one named person who handles your orders, deliveries and after-sales, reachable directly',
      'zh-CN': '一位专属客户经理统一对接您的订单、交付和售后，有事一个电话就能解决',
    },
    tiers: ['core'],
    lifecycles: ['new', 'at_risk'],
    priority: 65,
  },
  {
    code: 'CORE_PREMIUM_PREVIEW',
    title: { en: 'early access to our new premium line', 'zh-CN': '高端新品抢先体验' },
    description: {
      en: 'you can try and order the new premium range before it goes on general sale',
      'zh-CN': '新款高端系列正式上市前，您可以优先试用和订购',
    },
    tiers: ['core'],
    lifecycles: ['active', 'loyal'],
    priority: 60,
  },
  {
    code: 'CORE_VIP_SERVICE',
    title: { en: 'VIP service', 'zh-CN': 'VIP专享服务' },
    description: {
      en: 'priority handling and dispatch of your orders, plus a direct VIP service line',
      'zh-CN': '订单优先处理、优先发货，并有专属服务热线',
    },
    tiers: ['core'],
    lifecycles: ['new', 'active', 'loyal', 'at_risk'],
    priority: 40,
  },
  // Potential: targeted offer to grow them into core.
  {
    code: 'POTENTIAL_UPGRADE',
    title: { en: 'an upgrade offer', 'zh-CN': '升级专享优惠' },
    description: {
      en: '10% off when you step up to the next range or a larger order',
      'zh-CN': '升级到更高规格的产品或加大采购量，可享九折',
    },
    tiers: ['potential'],
    lifecycles: ['new', 'active', 'loyal'],
    discountPct: 10,
    priority: 60,
  },
  // General: value pack, loyalty points, small pack.
  {
    code: 'GENERAL_VALUE_PACK',
    title: { en: 'our value pack', 'zh-CN': '超值组合装' },
    description: {
      en: 'your everyday items bundled together for 15% less than buying them separately',
      'zh-CN': '常用产品组合装，比单买便宜15%',
    },
    tiers: ['general'],
    lifecycles: ['active'],
    discountPct: 15,
    priority: 50,
  },
  {
    code: 'GENERAL_SMALL_PACK',
    title: { en: 'our small pack', 'zh-CN': '小规格便捷装' },
    description: {
      en: 'a smaller size so you can buy what you need without stocking up',
      'zh-CN': '用量不大也不用囤货，小规格按需购买，方便省心',
    },
    tiers: ['general'],
    lifecycles: ['new'],
    priority: 50,
  },
  {
    code: 'GENERAL_LOYALTY_POINTS',
    title: { en: 'double loyalty points', 'zh-CN': '双倍积分' },
    description: {
      en: 'double points on your next order, which you can use against future orders',
      'zh-CN': '下一笔订单积分翻倍，积分可抵扣以后的货款',
    },
    tiers: ['general'],
    lifecycles: ['active', 'loyal'],
    priority: 40,
  },
];
