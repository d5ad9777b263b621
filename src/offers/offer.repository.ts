import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import type { Queryable } from '../database/sql';
import { DEFAULT_ATTRIBUTION_DAYS, Offer } from './offer-catalog';

export interface OfferRow {
  id: string;
  code: string;
  version: number;
  definition: Offer;
  redemptions_used: number;
  /** bigint, as a string */
  redeemed_minor: string;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface OfferVersionRow {
  version: number;
  definition: Offer;
  created_by: string | null;
  created_at: Date;
}

/** What the choice needs to know about a customer beyond the candidate row. */
export interface OfferFactsRow {
  customer_id: string;
  region: string | null;
  abc_class: 'A' | 'B' | 'C' | null;
  categories: string[];
}

export interface OfferShowingRow {
  customer_id: string;
  rep_id: string;
  code: string;
  day: string;
}

const OFFER_COLUMNS = `id, code, version, definition, redemptions_used, redeemed_minor::text AS redeemed_minor,
  archived_at, created_at, updated_at`;

/**
 * Cost of one redemption in minor units, from the offer's definition `d` and the redeeming order's amount `amount`
 * (null for an outcome): the fixed costMinor, else discountPct of the order, else 0.
 */
const COST_SQL = (d: string, amount: string) => `COALESCE((${d}->>'costMinor')::bigint,
  round(COALESCE(${amount}, 0) * COALESCE((${d}->>'discountPct')::numeric, 0) / 100)::bigint, 0)`;

/**
 * Adds the redemptions a statement inserted (CTE `ins`: offer_id, cost_minor) to the offers' counters. Only rows
 * this statement inserted count, and a redemption row exists at most once per item and per order (unique keys),
 * so running the same attribution twice, or two at once, counts each redemption once; the counters move by
 * `x = x + n` in one UPDATE, never by a value read earlier.
 */
const ADD_TO_COUNTERS = `
  UPDATE offers o SET redemptions_used = o.redemptions_used + a.n, redeemed_minor = o.redeemed_minor + a.cost
  FROM (SELECT offer_id, count(*)::int AS n, sum(cost_minor)::bigint AS cost FROM ins GROUP BY offer_id) a
  WHERE o.workspace_id = $1 AND o.id = a.offer_id
  RETURNING o.code, a.n`;

/** A workspace's offer catalog: offers (current version), their versions, redemptions and showings. */
@Injectable()
export class OfferRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Copies a catalog into a workspace that has no offers yet (idempotent, safe when two callers race: existing
   * codes are left as they are). Once a workspace has offers, they are its own to edit.
   */
  async seedIfEmpty(workspaceId: string, catalog: readonly Offer[]): Promise<void> {
    await this.exec(
      `WITH ins AS (
         INSERT INTO offers (workspace_id, code, definition)
         SELECT $1, d->>'code', d FROM jsonb_array_elements($2::jsonb) d
         WHERE NOT EXISTS (SELECT 1 FROM offers o WHERE o.workspace_id = $1)
         ON CONFLICT (workspace_id, code) DO NOTHING
         RETURNING id, code, definition)
       INSERT INTO offer_versions (workspace_id, offer_id, code, version, definition, created_by)
       SELECT $1, id, code, 1, definition, 'default catalog' FROM ins`,
      [workspaceId, JSON.stringify(catalog)],
    );
  }

  async timezoneOf(workspaceId: string): Promise<string> {
    const ws = await this.first<{ timezone: string }>(
      // @crossTenant the workspace row itself, by its primary key
      `SELECT timezone FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    return ws?.timezone ?? 'UTC';
  }

  /** Every offer of the workspace (archived ones only when asked), by code. */
  list(workspaceId: string, includeArchived: boolean): Promise<OfferRow[]> {
    return this.rows<OfferRow>(
      `SELECT ${OFFER_COLUMNS} FROM offers
       WHERE workspace_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY code`,
      [workspaceId, includeArchived],
    );
  }

  byCode(workspaceId: string, code: string): Promise<OfferRow | undefined> {
    return this.first<OfferRow>(`SELECT ${OFFER_COLUMNS} FROM offers WHERE workspace_id = $1 AND code = $2`, [
      workspaceId,
      code,
    ]);
  }

  versions(workspaceId: string, code: string): Promise<OfferVersionRow[]> {
    return this.rows<OfferVersionRow>(
      `SELECT version, definition, created_by, created_at FROM offer_versions
       WHERE workspace_id = $1 AND code = $2 ORDER BY version DESC`,
      [workspaceId, code],
    );
  }

  /** A new offer at version 1; undefined when the code is taken (also by an archived offer). */
  async insert(
    workspaceId: string,
    offer: Offer,
    actor: string,
    tx: Queryable,
  ): Promise<OfferRow | undefined> {
    return this.first<OfferRow>(
      `WITH ins AS (
         INSERT INTO offers (workspace_id, code, definition) VALUES ($1, $2, $3)
         ON CONFLICT (workspace_id, code) DO NOTHING
         RETURNING ${OFFER_COLUMNS}),
       v AS (
         INSERT INTO offer_versions (workspace_id, offer_id, code, version, definition, created_by)
         SELECT $1, id, code, version, definition, $4 FROM ins)
       SELECT * FROM ins`,
      [workspaceId, offer.code, JSON.stringify(offer), actor],
      tx,
    );
  }

  /**
   * Version `expected + 1` of an offer with the new definition (and, when `archive`, archived): only when the
   * stored version is still `expected` — the compare-and-set of optimistic concurrency. Undefined: no such offer,
   * an archived one, or another version.
   */
  async newVersion(
    workspaceId: string,
    change: { code: string; expected: number; definition: Offer; archive: boolean },
    actor: string,
    tx: Queryable,
  ): Promise<OfferRow | undefined> {
    return this.first<OfferRow>(
      `WITH up AS (
         UPDATE offers SET definition = $4, version = version + 1, updated_at = now(),
                archived_at = CASE WHEN $5 THEN now() END, active = NOT $5
         WHERE workspace_id = $1 AND code = $2 AND version = $3 AND archived_at IS NULL
         RETURNING ${OFFER_COLUMNS}),
       v AS (
         INSERT INTO offer_versions (workspace_id, offer_id, code, version, definition, created_by)
         SELECT $1, id, code, version, definition, $6 FROM up)
       SELECT * FROM up`,
      [workspaceId, change.code, change.expected, JSON.stringify(change.definition), change.archive, actor],
      tx,
    );
  }

  /**
   * Redemptions by orders (issue 14): a paid order of the customer placed after an item showed an offer and
   * within the offer's attribution window redeems it. An order goes to the latest item before it (last touch),
   * an item takes its first order; items and orders already redeemed are skipped. Returns the new redemptions
   * per offer code.
   */
  attributeOrders(workspaceId: string): Promise<Array<{ code: string; n: number }>> {
    return this.returning<{ code: string; n: number }>(
      `WITH shown AS (
         SELECT i.id AS item_id, i.customer_id, i.created_at AS shown_at, o.id AS offer_id, o.definition,
                COALESCE((o.definition->>'attributionDays')::int, ${DEFAULT_ATTRIBUTION_DAYS}) AS window_days
         FROM worklist_items i
         JOIN offers o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
         WHERE i.workspace_id = $1 AND i.offer_code IS NOT NULL AND i.created_at > now() - interval '366 days'
           AND NOT EXISTS (SELECT 1 FROM offer_redemptions r WHERE r.workspace_id = $1 AND r.item_id = i.id)),
       pairs AS (
         SELECT DISTINCT ON (ord.id) ord.id AS order_id, ord.amount_minor, ord.placed_at, s.*
         FROM shown s
         JOIN orders ord ON ord.workspace_id = $1 AND ord.customer_id = s.customer_id
           AND ord.status = 'paid' AND ord.deleted_at IS NULL
           AND ord.placed_at > s.shown_at AND ord.placed_at <= s.shown_at + s.window_days * interval '1 day'
         WHERE NOT EXISTS (SELECT 1 FROM offer_redemptions r WHERE r.workspace_id = $1 AND r.order_id = ord.id)
         ORDER BY ord.id, s.shown_at DESC, s.item_id),
       firsts AS (
         SELECT DISTINCT ON (p.item_id) p.* FROM pairs p ORDER BY p.item_id, p.placed_at, p.order_id),
       ins AS (
         INSERT INTO offer_redemptions (workspace_id, offer_id, item_id, customer_id, source, order_id, cost_minor,
                                        redeemed_at)
         SELECT $1, f.offer_id, f.item_id, f.customer_id, 'order', f.order_id,
                ${COST_SQL('f.definition', 'f.amount_minor')}, f.placed_at
         FROM firsts f
         ON CONFLICT DO NOTHING
         RETURNING offer_id, cost_minor)
       ${ADD_TO_COUNTERS}`,
      [workspaceId],
    );
  }

  /**
   * Redemption of the offer an item showed, by the rep's outcome (offer_accepted, redeemed): once per item
   * whatever is recorded later. True when this call counted it.
   */
  async redeemItem(workspaceId: string, itemId: string, at: Date, tx: Queryable): Promise<boolean> {
    const rows = await this.returning<{ code: string }>(
      `WITH it AS (
         SELECT i.id, i.customer_id, o.id AS offer_id, o.definition
         FROM worklist_items i JOIN offers o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
         WHERE i.workspace_id = $1 AND i.id = $2),
       ins AS (
         INSERT INTO offer_redemptions (workspace_id, offer_id, item_id, customer_id, source, cost_minor, redeemed_at)
         SELECT $1, it.offer_id, it.id, it.customer_id, 'outcome', ${COST_SQL('it.definition', 'NULL::bigint')}, $3
         FROM it
         ON CONFLICT DO NOTHING
         RETURNING offer_id, cost_minor)
       ${ADD_TO_COUNTERS}`,
      [workspaceId, itemId, at],
      tx,
    );
    return rows.length > 0;
  }

  /** Region, ABC class (of the run) and bought categories of the customers. */
  facts(workspaceId: string, runId: string, customerIds: string[]): Promise<OfferFactsRow[]> {
    return this.rows<OfferFactsRow>(
      `SELECT c.id::text AS customer_id, c.region, s.abc_class,
              COALESCE((SELECT array_agg(DISTINCT l.category ORDER BY l.category)
                        FROM orders o JOIN order_lines l ON l.order_id = o.id
                        WHERE o.workspace_id = $1 AND o.customer_id = c.id AND o.status = 'paid'
                          AND o.deleted_at IS NULL AND l.category IS NOT NULL), '{}') AS categories
       FROM customers c
       LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = c.id
       WHERE c.workspace_id = $1 AND c.id = ANY ($3::bigint[])`,
      [workspaceId, runId, customerIds],
    );
  }

  /** Offers shown to the customers on list days in [day - days + 1, day], and by anyone on `day` itself. */
  showings(
    workspaceId: string,
    p: { day: string; days: number; customerIds: string[] },
  ): Promise<OfferShowingRow[]> {
    return this.rows<OfferShowingRow>(
      `SELECT i.customer_id::text AS customer_id, w.rep_id, i.offer_code AS code, w.list_date::text AS day
       FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE i.workspace_id = $1 AND i.offer_code IS NOT NULL AND i.customer_id = ANY ($4::bigint[])
         AND w.list_date > $2::date - $3::int AND w.list_date <= $2::date
       UNION
       SELECT i.customer_id::text, w.rep_id, i.offer_code, w.list_date::text
       FROM worklists w JOIN worklist_items i ON i.worklist_id = w.id
       WHERE w.workspace_id = $1 AND w.list_date = $2::date AND i.offer_code IS NOT NULL`,
      [workspaceId, p.day, p.days, p.customerIds],
    );
  }

  /**
   * Codes each of the customers redeemed, those of the records merged into it included: a merge moves the
   * redemptions it finds, but an item published for the loser before the merge can still be redeemed after it,
   * and that redemption keeps the item's (merged-away) customer.
   */
  redeemedBy(
    workspaceId: string,
    customerIds: string[],
  ): Promise<Array<{ customer_id: string; code: string }>> {
    return this.rows<{ customer_id: string; code: string }>(
      `SELECT DISTINCT COALESCE(c.merged_into_id, c.id)::text AS customer_id, o.code
       FROM customers c
       JOIN offer_redemptions r ON r.workspace_id = $1 AND r.customer_id = c.id
       JOIN offers o ON o.id = r.offer_id
       WHERE c.workspace_id = $1 AND (c.id = ANY ($2::bigint[]) OR c.merged_into_id = ANY ($2::bigint[]))`,
      [workspaceId, customerIds],
    );
  }
}
