import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import type { OrderHistory } from './customer-facts';

/** One row of ORDER_HISTORY_SQL; bigints come back as text. */
export interface OrderHistoryRow {
  customer_id: string;
  order_count: number;
  order_days: number;
  first_day: string;
  first_minor: string;
  last_day: string;
  last_minor: string;
  favourite_category: string | null;
  last_products: string[] | null;
}

/**
 * $1 workspace, $2 customer ids, $3 IANA zone, $4 list day, $5 currency. Paid orders in the workspace currency up
 * to the end of the list day, days in the workspace zone (the worklist's own-cycle query counts the same orders).
 * The favourite category is the one with the most spend on order lines; the last products are the lines of the
 * last buying day, largest amount first.
 */
const ORDER_HISTORY_SQL = `
  WITH o AS (
    SELECT o.id, o.customer_id, o.placed_at, o.amount_minor, (o.placed_at AT TIME ZONE $3)::date AS day
    FROM orders o
    WHERE o.workspace_id = $1 AND o.customer_id = ANY ($2::bigint[]) AND o.status = 'paid'
      AND o.deleted_at IS NULL AND o.currency = $5
      AND o.placed_at < (($4::date + 1)::timestamp AT TIME ZONE $3)
  ),
  agg AS (
    SELECT o.customer_id, count(*)::int AS order_count, count(DISTINCT o.day)::int AS order_days,
           min(o.day) AS first_day, max(o.day) AS last_day,
           (array_agg(o.amount_minor ORDER BY o.placed_at, o.id))[1] AS first_minor,
           (array_agg(o.amount_minor ORDER BY o.placed_at DESC, o.id DESC))[1] AS last_minor
    FROM o GROUP BY o.customer_id
  ),
  lines AS (
    SELECT o.customer_id, o.day, NULLIF(btrim(l.category), '') AS category,
           COALESCE(NULLIF(btrim(l.product_name), ''), l.product_code) AS product, l.amount_minor
    FROM o JOIN order_lines l ON l.order_id = o.id AND l.workspace_id = $1
  ),
  cat AS (
    SELECT DISTINCT ON (customer_id) customer_id, category
    FROM lines WHERE category IS NOT NULL
    GROUP BY customer_id, category
    ORDER BY customer_id, sum(amount_minor) DESC, category
  ),
  lastp AS (
    SELECT p.customer_id, (array_agg(p.product ORDER BY p.amount DESC, p.product))[1:3] AS products
    FROM (
      SELECT l.customer_id, l.product, sum(l.amount_minor) AS amount
      FROM lines l JOIN agg a ON a.customer_id = l.customer_id AND l.day = a.last_day
      GROUP BY l.customer_id, l.product
    ) p GROUP BY p.customer_id
  )
  SELECT a.customer_id::text AS customer_id, a.order_count, a.order_days, a.first_day::text AS first_day,
         a.first_minor::text AS first_minor, a.last_day::text AS last_day, a.last_minor::text AS last_minor,
         cat.category AS favourite_category, lastp.products AS last_products
  FROM agg a
  LEFT JOIN cat ON cat.customer_id = a.customer_id
  LEFT JOIN lastp ON lastp.customer_id = a.customer_id`;

/** Customers' order histories for the fact builder (customer-facts.ts): one statement for a whole call list. */
@Injectable()
export class CustomerFactsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * The order history of each customer by id (as text). A customer without a paid order up to `listDate` is not
   * in the map: the caller treats them as never having bought.
   */
  async orderHistories(
    workspaceId: string,
    customerIds: readonly string[],
    on: { listDate: string; timeZone: string; currency: string },
    tx?: Queryable,
  ): Promise<Map<string, OrderHistory>> {
    const histories = new Map<string, OrderHistory>();
    if (customerIds.length === 0) return histories;
    const rows = await this.rows<OrderHistoryRow>(
      ORDER_HISTORY_SQL,
      [workspaceId, customerIds, on.timeZone, on.listDate, on.currency],
      tx,
    );
    for (const r of rows) histories.set(r.customer_id, toOrderHistory(r, on.currency));
    return histories;
  }
}

/** The typed history of a row. */
export function toOrderHistory(r: OrderHistoryRow, currency: string): OrderHistory {
  return {
    orderCount: Number(r.order_count),
    orderDays: Number(r.order_days),
    firstOrderDay: r.first_day,
    firstOrderMinor: Number(r.first_minor),
    lastOrderDay: r.last_day,
    lastOrderMinor: Number(r.last_minor),
    currency,
    favouriteCategory: r.favourite_category,
    lastProducts: r.last_products ?? [],
  };
}
