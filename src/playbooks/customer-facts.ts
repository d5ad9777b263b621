/**
 * Facts a rep can say out loud about a customer's orders, and the words for them, in one place: the reasons of a
 * call-list item (src/worklist/reason-text.ts) and the talk track (talk-track.ts) both take their numbers from
 * here, so "bought every ~7 days" in one and "usual 1 day" in the other cannot happen again. Pure; Intl only.
 *
 * Days are calendar days 'YYYY-MM-DD' in the workspace's time zone; money is integer minor units of `currency`.
 */

/** A customer's paid orders up to the list day, as the repository (customer-facts.repository.ts) reads them. */
export interface OrderHistory {
  /** paid orders (invoices); 0 for a customer who never bought */
  orderCount: number;
  /** distinct days with a paid order: six invoices over two days are two buying occasions */
  orderDays: number;
  /** day and amount of the first invoice ever */
  firstOrderDay: string | null;
  firstOrderMinor: number | null;
  /** day and amount of the latest invoice */
  lastOrderDay: string | null;
  lastOrderMinor: number | null;
  currency: string;
  /** the category the customer spent most on (order lines); null without categorised lines */
  favouriteCategory: string | null;
  /** products of the last buying day, largest amount first, at most three */
  lastProducts: readonly string[];
}

export interface FactOptions {
  /** the call list's day 'YYYY-MM-DD' */
  listDate: string;
  /** cycles shorter than this (days) are "several times a week", never rounded up to it */
  cycleFloorDays: number;
  /** past (floored) cycle × lapseRatio days of silence a customer has lapsed (win-back wording) */
  lapseRatio: number;
  /** the lapse threshold (days) of a customer with fewer than MIN_BUYING_DAYS_FOR_LAPSE buying days */
  defaultLapseDays: number;
}

export const DEFAULT_FACT_OPTIONS: Omit<FactOptions, 'listDate'> = {
  cycleFloorDays: 7,
  lapseRatio: 2,
  defaultLapseDays: 90,
};

/** Where the customer stands against their own rhythm. */
export type OrderStatus = 'no_orders' | 'early' | 'due' | 'overdue' | 'lapsed';

/** Length of a silence in the words a person would use; each bucket is a fixed range of days. */
export type GapBucket = 'days' | 'weeks' | 'months' | 'year_plus';

export interface OrderFact {
  day: string;
  amountMinor: number;
  /** whole days between this day and the list day */
  daysAgo: number;
}

export interface CustomerFacts {
  orderCount: number;
  orderDays: number;
  currency: string;
  /** the first invoice; null for a customer who never bought */
  firstOrder: OrderFact | null;
  /** the latest invoice; the same as firstOrder when there was only one */
  lastOrder: OrderFact | null;
  /** days between buying days, one decimal; null with fewer than two buying days */
  cycleDays: number | null;
  /** true when cycleDays is below the floor: said as "several times a week" */
  frequentBuyer: boolean;
  /** days since the last order; null for a customer who never bought */
  daysSilent: number | null;
  gap: GapBucket | null;
  /** days of silence after which this customer counts as lapsed */
  lapseDays: number;
  status: OrderStatus;
  favouriteCategory: string | null;
  lastProducts: readonly string[];
}

/** Ratio of silence to the (floored) cycle at which a customer is due, then overdue. */
const DUE_RATIO = 0.8;
const OVERDUE_RATIO = 1.2;

const DAY_MS = 86_400_000;

/** Buying days needed before the customer's own cycle sets their lapse threshold (else defaultLapseDays). */
export const MIN_BUYING_DAYS_FOR_LAPSE = 3;

function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** Whole days from `from` to `to` (both 'YYYY-MM-DD'); never negative. */
export function daysFromTo(from: string, to: string): number {
  return Math.max(0, Math.round(dayNumber(to) - dayNumber(from)));
}

/** The bucket of a silence of `days` days: under 2 weeks, under 2 months, under a year, a year or more. */
export function gapBucket(days: number): GapBucket {
  if (days < 14) return 'days';
  if (days < 60) return 'weeks';
  if (days < 365) return 'months';
  return 'year_plus';
}

function text(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const s = value.replace(/\s+/g, ' ').trim();
  return s === '' ? null : s;
}

/** The facts of one customer on the list day. */
export function buildCustomerFacts(history: OrderHistory, options: FactOptions): CustomerFacts {
  const bought = history.orderCount > 0 && history.firstOrderDay !== null && history.lastOrderDay !== null;
  const lastProducts = [...new Set(history.lastProducts.map(text).filter((p): p is string => p !== null))];
  const base = {
    orderCount: bought ? history.orderCount : 0,
    orderDays: bought ? Math.max(1, history.orderDays) : 0,
    currency: history.currency,
    favouriteCategory: text(history.favouriteCategory),
    lastProducts: lastProducts.slice(0, 3),
  };
  if (!bought) {
    return {
      ...base,
      firstOrder: null,
      lastOrder: null,
      cycleDays: null,
      frequentBuyer: false,
      daysSilent: null,
      gap: null,
      lapseDays: options.defaultLapseDays,
      status: 'no_orders',
    };
  }
  const first = history.firstOrderDay!;
  const last = history.lastOrderDay!;
  const firstOrder = {
    day: first,
    amountMinor: history.firstOrderMinor ?? 0,
    daysAgo: daysFromTo(first, options.listDate),
  };
  const lastOrder = {
    day: last,
    amountMinor: history.lastOrderMinor ?? 0,
    daysAgo: daysFromTo(last, options.listDate),
  };
  const cycleDays =
    base.orderDays >= 2 ? Math.round((daysFromTo(first, last) / (base.orderDays - 1)) * 10) / 10 : null;
  const frequentBuyer = cycleDays !== null && cycleDays < options.cycleFloorDays;
  // The floor keeps a burst of orders on two days from calling the customer overdue on day three.
  const effectiveCycle = cycleDays === null ? null : Math.max(cycleDays, options.cycleFloorDays);
  // One gap says little about a rhythm: the customer's own lapse threshold needs at least two.
  const lapseDays =
    effectiveCycle === null || base.orderDays < MIN_BUYING_DAYS_FOR_LAPSE
      ? options.defaultLapseDays
      : Math.ceil(effectiveCycle * options.lapseRatio);
  const daysSilent = lastOrder.daysAgo;
  return {
    ...base,
    firstOrder,
    lastOrder,
    cycleDays,
    frequentBuyer,
    daysSilent,
    gap: gapBucket(daysSilent),
    lapseDays,
    status: statusOf(daysSilent, effectiveCycle, lapseDays),
  };
}

function statusOf(daysSilent: number, cycle: number | null, lapseDays: number): OrderStatus {
  if (daysSilent > lapseDays) return 'lapsed';
  if (cycle === null) return 'early';
  const ratio = daysSilent / cycle;
  if (ratio > OVERDUE_RATIO) return 'overdue';
  return ratio >= DUE_RATIO ? 'due' : 'early';
}

/** True when the words of a win-back ("if we worked together again…") fit: past the customer's own lapse. */
export function winBackFits(facts: CustomerFacts): boolean {
  return facts.status === 'lapsed';
}

// ---------------------------------------------------------------------------------------------------------------
// Words

export type FactLocale = 'en' | 'zh-CN';

/** 'zh', 'zh-CN', 'zh-Hans…' → zh-CN; anything else → en. */
export function factLocale(locale: string | null | undefined): FactLocale {
  return typeof locale === 'string' && /^zh\b/i.test(locale.trim()) ? 'zh-CN' : 'en';
}

/** '1 day', '17 days' / '17天' */
export function dayCountText(days: number, locale: FactLocale): string {
  const n = Math.round(days);
  if (locale === 'zh-CN') return `${n}天`;
  return n === 1 ? '1 day' : `${n} days`;
}

/** How often the customer buys: "several times a week" below the floor, else "every ~12 days". */
export function cycleText(
  facts: Pick<CustomerFacts, 'cycleDays' | 'frequentBuyer'>,
  locale: FactLocale,
): string | null {
  if (facts.cycleDays === null) return null;
  if (facts.frequentBuyer) return locale === 'zh-CN' ? '每周多次' : 'several times a week';
  const n = Math.round(facts.cycleDays);
  return locale === 'zh-CN' ? `大约每${n}天一次` : `every ~${n} days`;
}

/**
 * A silence in words that match its length: "17 days" stays exact under two months; beyond that the months or
 * years are named so a year-long gap is never "a little while".
 */
export function gapText(days: number, locale: FactLocale): string {
  const bucket = gapBucket(days);
  if (bucket === 'days' || bucket === 'weeks') return dayCountText(days, locale);
  if (bucket === 'months') {
    const months = Math.max(2, Math.round(days / 30.44));
    return locale === 'zh-CN' ? `${months}个多月` : `over ${months} months`;
  }
  const years = Math.floor(days / 365);
  if (locale === 'zh-CN') return years === 1 ? '一年多' : `${years}年多`;
  return years === 1 ? 'over a year' : `over ${years} years`;
}

/** The reason phrase of an order cycle and a silence, e.g. "bought every ~30 days, now 52 days silent". */
export function cycleReasonText(
  facts: Pick<CustomerFacts, 'cycleDays' | 'frequentBuyer'>,
  daysSilent: number,
  locale: FactLocale,
): string {
  const cycle = cycleText(facts, locale);
  if (locale === 'zh-CN') {
    const lead =
      cycle === null
        ? ''
        : facts.frequentBuyer
          ? '平时每周多次下单，'
          : `平均约${Math.round(facts.cycleDays!)}天下单一次，`;
    return `${lead}已${dayCountText(daysSilent, locale)}未下单`;
  }
  return `${cycle === null ? '' : `${facts.frequentBuyer ? 'buys' : 'bought'} ${cycle}, `}now ${dayCountText(daysSilent, locale)} silent`;
}

/** When an order was placed, relative to the list day: 'today', 'yesterday', '17 days ago' / '今天', '17天前'. */
export function agoText(days: number, locale: FactLocale): string {
  const n = Math.round(days);
  if (locale === 'zh-CN') return n === 0 ? '今天' : n === 1 ? '昨天' : `${n}天前`;
  return n === 0 ? 'today' : n === 1 ? 'yesterday' : `${n} days ago`;
}

/** Products named in a sentence: 'A, B and C' / 'A、B和C'. */
export function productListText(products: readonly string[], locale: FactLocale): string | null {
  if (products.length === 0) return null;
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(products);
}

/** The history of a customer who never bought. */
export function noOrders(currency: string): OrderHistory {
  return {
    orderCount: 0,
    orderDays: 0,
    firstOrderDay: null,
    firstOrderMinor: null,
    lastOrderDay: null,
    lastOrderMinor: null,
    currency,
    favouriteCategory: null,
    lastProducts: [],
  };
}
