/**
 * The customer list's rules — filters, sort orders, cursors and CSV rows. Pure (no framework, no database), so the
 * parsing and the formula-safe CSV are tested without either.
 */
import { AppError } from '../common/app-error';
import { safeCsvText } from '../common/csv-cell';
import {
  type Lifecycle,
  LIFECYCLES,
  type RfmSegment,
  VALUE_TIERS,
  type ValueTier,
} from '../scoring/models/types';

export const LIST_TIERS: readonly ValueTier[] = VALUE_TIERS;
export const LIST_LIFECYCLES: readonly Lifecycle[] = LIFECYCLES;
export const LIST_SEGMENTS: readonly RfmSegment[] = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new',
  'promising',
  'needs_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
];
/** priority and clv: highest first; name: A→Z. Ties (and customers without scores, last) by id. */
export const LIST_SORTS = ['priority', 'clv', 'name'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

/** The longest text `q` searched (a name or an external id). */
export const MAX_Q_LENGTH = 100;

/** Filters as the query string gives them (each optional; tier/lifecycle/segment comma-separated lists). */
export interface RawListFilters {
  tier?: string;
  lifecycle?: string;
  segment?: string;
  owner?: string;
  q?: string;
  sort?: string;
  cursor?: string;
}

export interface ListFilters {
  tiers: ValueTier[] | null;
  lifecycles: Lifecycle[] | null;
  segments: RfmSegment[] | null;
  /** a rep reference (uuid or external id), resolved by the service */
  owner: string | null;
  /** trimmed text: exact external id, or a case-insensitive part of the name */
  q: string | null;
  sort: ListSort;
  after: ListCursor | null;
}

/** Where the previous page ended: the sort key of its last row (null: the row had none) and its id. */
export interface ListCursor {
  sort: ListSort;
  key: string | null;
  id: string;
}

function invalid(field: string, message: string, allowed?: readonly string[]): AppError {
  return new AppError(`invalid_${field}`, message, 400, allowed ? { field, allowed } : { field });
}

function oneOf<T extends string>(field: string, raw: string | undefined, allowed: readonly T[]): T[] | null {
  if (raw === undefined) return null;
  const values = [...new Set(raw.split(',').map((v) => v.trim()))];
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (values.length === 0 || unknown.length > 0) {
    throw invalid(
      field,
      `${field} must be one or more of ${allowed.join(', ')} (got ${unknown.join(', ')})`,
      allowed,
    );
  }
  return values as T[];
}

/** Parses the list's query: an unknown value answers 400 with `invalid_<field>` and `details.field`. */
export function parseListFilters(raw: RawListFilters): ListFilters {
  const sort = (raw.sort ?? 'priority') as ListSort;
  if (!LIST_SORTS.includes(sort)) {
    throw invalid('sort', `sort must be one of ${LIST_SORTS.join(', ')}`, LIST_SORTS);
  }
  const q = raw.q?.trim() ?? '';
  if (q.length > MAX_Q_LENGTH) throw invalid('q', `q must be at most ${MAX_Q_LENGTH} characters`);
  const owner = raw.owner?.trim() ?? '';
  if (raw.owner !== undefined && (owner === '' || owner.length > 200)) {
    throw invalid('owner', 'owner must be a rep id or external id');
  }
  let after: ListCursor | null = null;
  if (raw.cursor !== undefined) {
    after = decodeListCursor(raw.cursor);
    if (!after || after.sort !== sort) throw invalid('cursor', 'cursor is not a nextCursor of this sort');
  }
  return {
    tiers: oneOf('tier', raw.tier, LIST_TIERS),
    lifecycles: oneOf('lifecycle', raw.lifecycle, LIST_LIFECYCLES),
    segments: oneOf('segment', raw.segment, LIST_SEGMENTS),
    owner: raw.owner === undefined ? null : owner,
    q: q === '' ? null : q,
    sort,
    after,
  };
}

/** An opaque cursor for the page after this row. */
export function encodeListCursor(c: ListCursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.key, c.id]), 'utf8').toString('base64url');
}

export function decodeListCursor(cursor: string): ListCursor | null {
  if (!/^[A-Za-z0-9_-]{1,600}$/.test(cursor)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 3) return null;
    const [sort, key, id] = v as unknown[];
    if (!LIST_SORTS.includes(sort as ListSort)) return null;
    if (typeof id !== 'string' || !/^[1-9]\d{0,17}$/.test(id)) return null;
    if (key !== null && typeof key !== 'string') return null;
    if (key !== null && sort !== 'name' && !/^(-?\d+(\.\d+)?(e[-+]?\d+)?|-Infinity)$/i.test(key)) return null;
    return { sort: sort as ListSort, key, id };
  } catch {
    return null;
  }
}

/** A LIKE pattern matching `q` anywhere, its own % _ and \ taken literally. */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** One listed customer, as the API answers it. */
export interface CustomerListItem {
  id: string;
  externalId: string;
  name: string | null;
  owner: { id: string; externalId: string; name: string } | null;
  tier: string | null;
  lifecycle: string | null;
  segment: string | null;
  priority: number | null;
  clv: string | null;
  churnRisk: number | null;
  lastOrderAt: Date | null;
}

export const CSV_HEADER = [
  'id',
  'external_id',
  'name',
  'owner_external_id',
  'owner_name',
  'tier',
  'lifecycle',
  'segment',
  'priority',
  'clv',
  'churn_risk',
  'last_order_at',
] as const;

/**
 * A customer as one CSV record (cells for csv-stringify): every text cell through safeCsvText, so a name like
 * `=HYPERLINK(…)` reaches a spreadsheet as text; numbers are written as numbers.
 */
export function csvRecord(c: CustomerListItem): string[] {
  const text = (v: string | null | undefined) => (v == null ? '' : safeCsvText(v));
  const num = (v: number | string | null) => (v === null ? '' : String(v));
  return [
    c.id,
    text(c.externalId),
    text(c.name),
    text(c.owner?.externalId),
    text(c.owner?.name),
    text(c.tier),
    text(c.lifecycle),
    text(c.segment),
    num(c.priority),
    num(c.clv),
    num(c.churnRisk),
    c.lastOrderAt ? c.lastOrderAt.toISOString() : '',
  ];
}
