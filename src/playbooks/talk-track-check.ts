/**
 * Fixtures for every call a talk track can be asked for (personality × situation × tier × offer type × four
 * customers: six invoices over two days, one invoice, a lapsed weekly buyer, never bought), and the check of a workspace's template overrides against them: a template that
 * compiles but fails for one combination is refused on save, not found by a rep. Pure apart from the renderer's
 * one read of the template files.
 */
import { buildCustomerFacts, DEFAULT_FACT_OPTIONS, type CustomerFacts, noOrders } from './customer-facts';
import { PERSONALITIES } from './personality';
import { OFFER_TYPES, type OfferType, SITUATIONS, type Situation } from './situation';
import { createTalkTrackRenderer, type TalkTrackRenderer, type TemplateOverrides } from './talk-track';
import {
  type TalkTrackContext,
  TalkTrackContextError,
  type TalkTrackOffer,
  TalkTrackTemplateError,
  TRACK_NAMES,
} from './talk-track-view';
import { VALUE_TIERS as TIERS, type ValueTier } from '../scoring/models/types';

export const FIXTURE_LIST_DATE = '2026-12-08';

/** A customer with six invoices over two days, lines in two categories. */
export const RICH_FACTS: CustomerFacts = buildCustomerFacts(
  {
    orderCount: 6,
    orderDays: 2,
    firstOrderDay: '2026-11-21',
    firstOrderMinor: 12_050,
    lastOrderDay: '2026-11-22',
    lastOrderMinor: 73_482,
    currency: 'GBP',
    favouriteCategory: 'Kitchenware',
    lastProducts: ['Cake stand', 'Tea set'],
  },
  { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
);

/** One invoice, 17 days before the list day: the only case where the first order is also the last. */
export const SINGLE_FACTS: CustomerFacts = buildCustomerFacts(
  {
    ...noOrders('GBP'),
    orderCount: 1,
    orderDays: 1,
    firstOrderDay: '2026-11-21',
    firstOrderMinor: 73_482,
    lastOrderDay: '2026-11-21',
    lastOrderMinor: 73_482,
    favouriteCategory: 'Lighting',
    lastProducts: ['Lantern'],
  },
  { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
);

/** A weekly buyer 17 days silent: past their own lapse threshold, so win-back wording applies. */
export const LAPSED_FACTS: CustomerFacts = buildCustomerFacts(
  {
    ...noOrders('GBP'),
    orderCount: 8,
    orderDays: 8,
    firstOrderDay: '2026-10-03',
    firstOrderMinor: 20_000,
    lastOrderDay: '2026-11-21',
    lastOrderMinor: 20_000,
  },
  { listDate: FIXTURE_LIST_DATE, ...DEFAULT_FACT_OPTIONS },
);

/** A customer who never bought. */
export const SPARSE_FACTS: CustomerFacts = buildCustomerFacts(noOrders('GBP'), {
  listDate: FIXTURE_LIST_DATE,
  ...DEFAULT_FACT_OPTIONS,
});

const OFFERS: Record<OfferType, TalkTrackOffer | null> = {
  none: null,
  discount: {
    title: '15% welcome back',
    description: '15% off your next order',
    code: 'BACK15',
    discountPct: 15,
    minOrderMinor: 5_000,
    validTo: '2026-12-31',
  },
  perk: { title: 'Free delivery', description: 'free delivery on your next order', code: 'SHIPFREE' },
};

export interface Combination {
  locale: string;
  personality: (typeof TRACK_NAMES)[number];
  situation: Situation;
  valueTier: ValueTier;
  offerType: OfferType;
  facts: FixtureFacts;
}

export const FIXTURE_FACTS = ['rich', 'single', 'lapsed', 'sparse'] as const;
export type FixtureFacts = (typeof FIXTURE_FACTS)[number];
const FACTS: Record<FixtureFacts, CustomerFacts> = {
  rich: RICH_FACTS,
  single: SINGLE_FACTS,
  lapsed: LAPSED_FACTS,
  sparse: SPARSE_FACTS,
};

/** Every combination in `locales`. */
export function* combinations(locales: readonly string[]): Generator<Combination> {
  for (const locale of locales)
    for (const personality of TRACK_NAMES)
      for (const situation of SITUATIONS)
        for (const valueTier of TIERS)
          for (const offerType of OFFER_TYPES)
            for (const facts of FIXTURE_FACTS)
              yield { locale, personality, situation, valueTier, offerType, facts };
}

/** The fixture context of a combination. */
export function fixtureContext(c: Combination): TalkTrackContext {
  return {
    customerName: c.locale.startsWith('zh') ? '陈总' : 'Ms Chen',
    repName: c.locale.startsWith('zh') ? '王芳' : 'Bob Li',
    locale: c.locale,
    personality: (PERSONALITIES as readonly string[]).includes(c.personality)
      ? (c.personality as TalkTrackContext['personality'])
      : null,
    lifecycle:
      c.situation === 'winback_churned'
        ? 'churned'
        : c.facts === 'sparse'
          ? 'prospect'
          : c.facts === 'lapsed'
            ? 'at_risk'
            : 'active',
    valueTier: c.valueTier,
    rfmSegment: c.facts === 'sparse' ? null : 'champions',
    facts: FACTS[c.facts],
    lastComplaint:
      c.situation === 'complaint_follow_up' ? { date: '2026-12-01', note: 'late delivery' } : null,
    offer: OFFERS[c.offerType],
    reasons: ['overdue_vs_cycle', 'high_value_at_risk'],
    listDate: FIXTURE_LIST_DATE,
    situation: c.situation,
    timeZone: 'Europe/London',
  };
}

/** One problem of an override: which template, where in it (1-based; null when unknown), and what. */
export interface TemplateIssue {
  template: string;
  line: number | null;
  column: number | null;
  message: string;
}

function issueOf(err: unknown): TemplateIssue {
  if (err instanceof TalkTrackTemplateError) {
    return {
      template: err.file,
      line: err.line,
      column: err.column,
      message: err.message.slice(err.file.length + 2),
    };
  }
  if (err instanceof TalkTrackContextError) {
    return { template: err.field, line: null, column: null, message: err.message };
  }
  throw err;
}

/**
 * Compiles the templates with `overrides` and renders every combination of the locales they touch; the first
 * failure of each template is reported. Empty when the overrides are good.
 */
export function overrideIssues(templatesDir: string, overrides: TemplateOverrides): TemplateIssue[] {
  let renderer: TalkTrackRenderer;
  try {
    renderer = createTalkTrackRenderer(templatesDir, overrides);
  } catch (err) {
    return [issueOf(err)];
  }
  const locales = [...new Set(Object.keys(overrides).map((k) => k.split('/')[0]))];
  const issues = new Map<string, TemplateIssue>();
  for (const c of combinations(locales)) {
    try {
      renderer.render(fixtureContext(c));
    } catch (err) {
      const issue = issueOf(err);
      if (!issues.has(issue.template)) issues.set(issue.template, issue);
    }
  }
  return [...issues.values()];
}
