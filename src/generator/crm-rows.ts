/**
 * Row shapes, column orders and options of the synthetic CRM generator.
 *
 * Every row field is the exact CSV cell text (ISO 8601 UTC instants, amounts in major units with two
 * decimals, empty string for a missing value), so the in-memory rows and the written files cannot disagree.
 */

export const CUSTOMER_COLUMNS = [
  'external_id',
  'name',
  'kind',
  'email',
  'phone',
  'region',
  'country',
  'industry',
  'owner_rep',
  'created_at',
  'personality',
] as const;

export const ORDER_COLUMNS = [
  'external_id',
  'customer_external_id',
  'placed_at',
  'amount',
  'currency',
  'status',
] as const;

export const INTERACTION_COLUMNS = [
  'external_id',
  'customer_external_id',
  'occurred_at',
  'kind',
  'outcome',
  'score',
  'note',
] as const;

export const REP_COLUMNS = [
  'external_id',
  'name',
  'email',
  'role',
  'team',
  'manager_external_id',
  'daily_capacity',
  'locale',
] as const;

export type CustomerKind = 'individual' | 'business';
export type Personality = 'rational' | 'emotional' | 'leader' | 'stable';
export type OrderStatus = 'paid' | 'refunded' | 'cancelled';
export type InteractionKind = 'call' | 'email' | 'visit' | 'campaign' | 'complaint' | 'survey';
export type Region = 'East China' | 'North China' | 'South China' | 'West' | 'International';
export type CountryCode = 'CN' | 'US' | 'GB' | 'DE' | 'SG' | 'JP';
export type RepRole = 'rep' | 'manager';
export type RepLocale = 'en' | 'zh-CN';

export type CustomerRow = Record<(typeof CUSTOMER_COLUMNS)[number], string> & {
  kind: CustomerKind;
  personality: Personality | '';
};
export type OrderRow = Record<(typeof ORDER_COLUMNS)[number], string> & { status: OrderStatus };
export type InteractionRow = Record<(typeof INTERACTION_COLUMNS)[number], string> & { kind: InteractionKind };
export type RepRow = Record<(typeof REP_COLUMNS)[number], string> & { role: RepRole; locale: RepLocale };

/** The four files, in the order the writer opens them. */
export const CRM_TABLES = ['reps', 'customers', 'orders', 'interactions'] as const;
export type CrmTable = (typeof CRM_TABLES)[number];

export const TABLE_COLUMNS: { readonly [T in CrmTable]: readonly string[] } = {
  reps: REP_COLUMNS,
  customers: CUSTOMER_COLUMNS,
  orders: ORDER_COLUMNS,
  interactions: INTERACTION_COLUMNS,
};

export interface GeneratorOptions {
  /** number of customer rows, prospects and injected duplicates included */
  customers: number;
  /** any safe integer; the same seed gives byte-identical output */
  seed: number;
  /** the "today" of the data set: nothing happens at or after it (default 2026-11-24T00:00:00Z) */
  asOf?: Date;
  /** length of the order history window ending at asOf, in days (default 730) */
  historyDays?: number;
  /** ISO 4217 code written on every order (default CNY) */
  currency?: string;
  /** number of sales teams, each with one manager (default 5) */
  teams?: number;
  /** reps per team, manager not counted (default 8) */
  repsPerTeam?: number;
  /**
   * share of customer rows planted as look-alikes of an earlier customer (default 0: none, and the stream is
   * unchanged): different people sharing a family phone or email, companies sharing a switchboard, and companies
   * sharing an `info@` address (clusters of 8). With look-alikes on, some duplicates of Chinese names are written
   * in pinyin. For measuring the precision and recall of duplicate detection.
   */
  lookAlikeShare?: number;
}

/** How a look-alike resembles an earlier customer it is not. */
export type LookAlikeKind =
  | 'family-phone'
  | 'family-email'
  | 'switchboard'
  | 'shared-info'
  /** the same name and phone, another email: two people the name cannot tell apart */
  | 'namesake-phone';

/** One unit of the stream: the reps first, then one customer with everything that belongs to it. */
export type CrmBatch =
  | { type: 'reps'; reps: RepRow[] }
  | {
      type: 'customer';
      customer: CustomerRow;
      orders: OrderRow[];
      interactions: InteractionRow[];
      /** generated as a prospect (never buys) */
      prospect: boolean;
      /** external id of the customer this row duplicates, or null for an original customer */
      duplicateOf: string | null;
      /** set on a look-alike: a different customer sharing a contact key with `of` (lookAlikeShare) */
      lookAlike?: { kind: LookAlikeKind; of: string };
    };

export interface GeneratorSummary {
  seed: number;
  asOf: string;
  historyDays: number;
  currency: string;
  /** data rows per file, header not counted */
  rows: { [T in CrmTable]: number };
  customersByKind: { [K in CustomerKind]: number };
  ordersByStatus: { [S in OrderStatus]: number };
  interactionsByKind: { [K in InteractionKind]: number };
  /** customers generated as prospects (no orders) */
  prospects: number;
  /** near-duplicate customer rows injected (second external_id of an earlier customer) */
  duplicates: number;
}

export interface CrmRows {
  reps: RepRow[];
  customers: CustomerRow[];
  orders: OrderRow[];
  interactions: InteractionRow[];
  summary: GeneratorSummary;
}
