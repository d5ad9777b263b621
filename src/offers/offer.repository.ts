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

/**
 * Which order redeems which shown offer (issue 14), as CTEs ending in `shown` (the items in scope) and `desired`
 * (item → order → cost): a paid order, not deleted and not reversed in full by the reversals that name it, redeems
 * the offer of the latest item shown to the same person before it within the offer's attribution window (last
 * touch), and an item takes the earliest such order. Items redeemed by a rep's outcome are taken. A person is the
 * customer record after merges (`COALESCE(merged_into_id, id)`), so an offer shown to a record merged away since
 * is redeemed by the winner's orders. Terms (window, cost) are those of the version the item showed.
 * The answer depends only on the data, not on the order in which orders arrived or how often it runs: a replayed
 * order changes nothing, an earlier order arriving late takes the item from a later one.
 * `scoped`: $2 = order ids; only the people of those orders and of their current redemptions are looked at.
 */
const ATTRIBUTION_SQL = (scoped: boolean) => `
  ${
    scoped
      ? `people AS (
           SELECT COALESCE(c.merged_into_id, c.id) AS person FROM orders o JOIN customers c ON c.id = o.customer_id
           WHERE o.workspace_id = $1 AND o.id = ANY ($2::bigint[])
           UNION
           SELECT COALESCE(c.merged_into_id, c.id) FROM offer_redemptions r JOIN customers c ON c.id = r.customer_id
           WHERE r.workspace_id = $1 AND r.order_id = ANY ($2::bigint[])),
         records AS (
           SELECT person AS id, person FROM people
           UNION
           SELECT c.id, p.person FROM people p JOIN customers c ON c.merged_into_id = p.person AND c.workspace_id = $1),
         items AS (
           SELECT i.id, i.customer_id, i.created_at, i.offer_code, i.offer_version, r.person FROM records r
           JOIN worklist_items i ON i.workspace_id = $1 AND i.customer_id = r.id
           WHERE i.offer_code IS NOT NULL AND i.created_at > now() - interval '366 days'),`
      : `items AS (
           SELECT i.id, i.customer_id, i.created_at, i.offer_code, i.offer_version,
                  COALESCE(c.merged_into_id, c.id) AS person
           FROM worklist_items i JOIN customers c ON c.id = i.customer_id
           WHERE i.workspace_id = $1 AND i.offer_code IS NOT NULL AND i.created_at > now() - interval '366 days'),`
  }
  shown AS (
    SELECT i.id AS item_id, i.customer_id, i.person, i.created_at AS shown_at, o.id AS offer_id,
           COALESCE(v.definition, o.definition) AS definition
    FROM items i
    JOIN offers o ON o.workspace_id = $1 AND o.code = i.offer_code
    LEFT JOIN offer_versions v ON v.workspace_id = $1 AND v.offer_id = o.id AND v.version = i.offer_version),
  free AS (
    SELECT s.*, COALESCE((s.definition->>'attributionDays')::int, ${DEFAULT_ATTRIBUTION_DAYS}) AS window_days
    FROM shown s
    WHERE NOT EXISTS (SELECT 1 FROM offer_redemptions r
                      WHERE r.workspace_id = $1 AND r.item_id = s.item_id AND r.source = 'outcome')),
  buyers AS (
    SELECT DISTINCT f.person AS id, f.person FROM free f
    UNION
    SELECT c.id, f.person FROM (SELECT DISTINCT person FROM free) f
    JOIN customers c ON c.merged_into_id = f.person AND c.workspace_id = $1),
  paid AS (
    SELECT ord.id AS order_id, ord.amount_minor, ord.placed_at, b.person
    FROM buyers b
    JOIN orders ord ON ord.workspace_id = $1 AND ord.customer_id = b.id
    WHERE ord.status = 'paid' AND ord.deleted_at IS NULL AND NOT ord.reversal
      AND ord.amount_minor > COALESCE((
            SELECT sum(rv.amount_minor) FROM orders rv
            WHERE rv.workspace_id = $1 AND rv.customer_id = ord.customer_id AND rv.reversal
              AND rv.deleted_at IS NULL AND rv.source = ord.source AND rv.reverses_external_id = ord.external_id), 0)),
  pairs AS (
    SELECT DISTINCT ON (p.order_id) p.order_id, p.amount_minor, p.placed_at, f.item_id, f.customer_id, f.offer_id,
           f.definition
    FROM paid p
    JOIN free f ON f.person = p.person AND p.placed_at > f.shown_at
      AND p.placed_at <= f.shown_at + f.window_days * interval '1 day'
    ORDER BY p.order_id, f.shown_at DESC, f.item_id),
  desired AS (
    SELECT DISTINCT ON (p.item_id) p.item_id, p.order_id, p.customer_id, p.offer_id, p.placed_at,
           ${COST_SQL('p.definition', 'p.amount_minor')} AS cost_minor
    FROM pairs p ORDER BY p.item_id, p.placed_at, p.order_id)`;

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
   * Releases the order redemptions that attribution no longer supports (ATTRIBUTION_SQL): the order was refunded,
   * cancelled, deleted, fully reversed or moved to another customer, an earlier order of the customer now takes
   * the item, or its cost changed. The counters go down by exactly the rows deleted. `orderIds`: the customers
   * of these orders (and of their redemptions) only; null: every item of the last 366 days.
   */
  releaseStaleRedemptions(
    workspaceId: string,
    orderIds: string[] | null,
    tx?: Queryable,
  ): Promise<Array<{ code: string; n: number }>> {
    return this.returning<{ code: string; n: number }>(
      `WITH ${ATTRIBUTION_SQL(orderIds !== null)},
       del AS (
         DELETE FROM offer_redemptions r
         WHERE r.workspace_id = $1 AND r.source = 'order' AND r.item_id IN (SELECT item_id FROM shown)
           AND NOT EXISTS (SELECT 1 FROM desired d
                           WHERE d.item_id = r.item_id AND d.order_id = r.order_id AND d.cost_minor = r.cost_minor)
         RETURNING offer_id, cost_minor)
       UPDATE offers o SET redemptions_used = o.redemptions_used - a.n, redeemed_minor = o.redeemed_minor - a.cost
       FROM (SELECT offer_id, count(*)::int AS n, sum(cost_minor)::bigint AS cost FROM del GROUP BY offer_id) a
       WHERE o.workspace_id = $1 AND o.id = a.offer_id
       RETURNING o.code, a.n`,
      orderIds === null ? [workspaceId] : [workspaceId, orderIds],
      tx,
    );
  }

  /**
   * Releases the redemptions (by orders and by outcomes) of the items on a day's lists, which are about to be
   * deleted (a replacing publish, an unpublish): the counters go down by exactly the rows deleted, which the items'
   * foreign key would otherwise delete behind their back.
   */
  releaseListDay(
    workspaceId: string,
    listDate: string,
    tx: Queryable,
  ): Promise<Array<{ code: string; n: number }>> {
    return this.returning<{ code: string; n: number }>(
      `WITH del AS (
         DELETE FROM offer_redemptions r
         USING worklist_items i JOIN worklists w ON w.id = i.worklist_id
         WHERE r.workspace_id = $1 AND i.workspace_id = $1 AND w.workspace_id = $1 AND w.list_date = $2
           AND r.item_id = i.id
         RETURNING r.offer_id, r.cost_minor)
       UPDATE offers o SET redemptions_used = o.redemptions_used - a.n, redeemed_minor = o.redeemed_minor - a.cost
       FROM (SELECT offer_id, count(*)::int AS n, sum(cost_minor)::bigint AS cost FROM del GROUP BY offer_id) a
       WHERE o.workspace_id = $1 AND o.id = a.offer_id
       RETURNING o.code, a.n`,
      [workspaceId, listDate],
      tx,
    );
  }

  /**
   * Inserts the order redemptions ATTRIBUTION_SQL calls for that are not there yet and adds them to the counters;
   * run after releaseStaleRedemptions. Returns the new redemptions per offer code. `orderIds` as there.
   */
  attributeOrders(
    workspaceId: string,
    orderIds: string[] | null = null,
    tx?: Queryable,
  ): Promise<Array<{ code: string; n: number }>> {
    return this.returning<{ code: string; n: number }>(
      `WITH ${ATTRIBUTION_SQL(orderIds !== null)},
       ins AS (
         INSERT INTO offer_redemptions (workspace_id, offer_id, item_id, customer_id, source, order_id, cost_minor,
                                        redeemed_at)
         SELECT $1, d.offer_id, d.item_id, d.customer_id, 'order', d.order_id, d.cost_minor, d.placed_at
         FROM desired d
         ON CONFLICT DO NOTHING
         RETURNING offer_id, cost_minor)
       ${ADD_TO_COUNTERS}`,
      orderIds === null ? [workspaceId] : [workspaceId, orderIds],
      tx,
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

  /**
   * Offers shown to the customers on list days in [day - days + 1, day], and by anyone on `day` itself. A showing
   * counts for the person: an item of a record merged away since counts as the winner's (`customer_id` is the
   * record after merges), so the winner's caps see what was shown to either record.
   */
  showings(
    workspaceId: string,
    p: { day: string; days: number; customerIds: string[] },
  ): Promise<OfferShowingRow[]> {
    return this.rows<OfferShowingRow>(
      `SELECT COALESCE(c.merged_into_id, c.id)::text AS customer_id, w.rep_id, i.offer_code AS code,
              w.list_date::text AS day
       FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id JOIN customers c ON c.id = i.customer_id
       WHERE i.workspace_id = $1 AND i.offer_code IS NOT NULL
         AND i.customer_id IN (SELECT x.id FROM customers x WHERE x.workspace_id = $1
                                 AND (x.id = ANY ($4::bigint[]) OR x.merged_into_id = ANY ($4::bigint[])))
         AND w.list_date > $2::date - $3::int AND w.list_date <= $2::date
       UNION
       SELECT COALESCE(c.merged_into_id, c.id)::text, w.rep_id, i.offer_code, w.list_date::text
       FROM worklists w JOIN worklist_items i ON i.worklist_id = w.id JOIN customers c ON c.id = i.customer_id
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
