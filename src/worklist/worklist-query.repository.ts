import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import type { Offer } from '../offers/offer-catalog';
import { ITEM_COLUMNS, LIST_HEAD_SQL, LIST_ITEMS_SQL, SCORES_KEPT } from './worklist.sql';
import type { ReasonView } from './worklist.views';

/** A list's head (LIST_HEAD_SQL): its rep, version, last customer change and item counts by state. */
export interface ListHeadRow {
  id: string;
  list_date: string;
  published_at: Date;
  score_run_id: string | null;
  capacity: number;
  version: number;
  rep_id: string;
  external_id: string;
  name: string;
  locale: string;
  /** the workspace's time zone: "today" ends at its midnight */
  timezone: string;
  customers_at: Date | null;
  counts: Record<string, number> | null;
  /** false once the scores of the list's run were dropped (the list is no longer served) */
  scores_kept: boolean;
  /** digest of the definitions of the offers on the list (they shape the body) */
  offers_digest: string | null;
}

/** An item as ITEM_COLUMNS reads it: the item, its customer, offer and scores. */
export interface ItemRow {
  id: string;
  /** bigint, as text */
  customer_id: string;
  rank: number;
  state: string;
  kind: string;
  urgent: boolean;
  priority: number;
  /** bigint, as text */
  expected_value: string | number | null;
  reasons: Array<Partial<ReasonView>> | null;
  summary: string | null;
  personality: string | null;
  talk_track: string;
  talk_track_variant: string | null;
  offer_code: string | null;
  offer_version: number | null;
  call_from: Date | null;
  call_to: Date | null;
  outcome: string | null;
  done_at: Date | null;
  snoozed_until: string | null;
  external_id: string;
  name: string | null;
  phone_enc: Buffer | null;
  email_enc: Buffer | null;
  offer: Offer | null;
  value_tier: string | null;
  lifecycle: string | null;
  rfm_segment: string | null;
  /** numeric, as text */
  clv: string | number | null;
  churn_risk: number | null;
}

/** One item with its list, rep, the customer's country, the workspace zone and every score column. */
export interface ItemDetailRow extends ItemRow {
  rep_id: string;
  list_date: string;
  score_run_id: string | null;
  rep_external_id: string;
  rep_name: string;
  locale: string;
  country: string | null;
  timezone: string;
  abc_class: string | null;
  recency_days: number | null;
  frequency: number;
  monetary: string | number;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_order_value: string | number | null;
  score_priority: number;
  /** jsonb array of LifecycleReason codes; null for runs before they were kept */
  lifecycle_reasons: string[] | null;
  do_not_call: boolean;
  scores_kept: boolean;
}

/** An item of a list with whom it is about and its stored state. */
export interface ListCustomerRow {
  id: string;
  customer_id: string;
  state: string;
}

export interface RecentOrderRow {
  external_id: string;
  placed_at: Date;
  amount_minor: string | number;
  currency: string;
  status: string;
}

export interface RecentInteractionRow {
  at: Date;
  kind: string;
  outcome: string | null;
  note: string | null;
  source: string;
}

export interface OpenFollowUpRow {
  kind: string;
  due_at: Date;
  attempt: number;
}

/** Reads of published lists: a list's head, a page of its items, one item with the customer's recent history. */
export interface PublishedListRow {
  rep_id: string;
  external_id: string;
  items: number;
}

@Injectable()
export class WorklistQueryRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** LIST_HEAD_SQL (worklist.sql.ts); `date` null is today in the workspace zone. */
  /** The lists published for a date, one per rep, with their item counts, in rep order. */
  publishedLists(workspaceId: string, date: string): Promise<PublishedListRow[]> {
    return this.rows<PublishedListRow>(
      `SELECT w.rep_id, r.external_id, count(i.id)::int AS items
       FROM worklists w JOIN reps r ON r.id = w.rep_id LEFT JOIN worklist_items i ON i.worklist_id = w.id
       WHERE w.workspace_id = $1 AND w.list_date = $2 GROUP BY 1, 2 ORDER BY r.external_id`,
      [workspaceId, date],
    );
  }

  listHead(workspaceId: string, repId: string, date: string | null): Promise<ListHeadRow | undefined> {
    return this.first<ListHeadRow>(LIST_HEAD_SQL, [workspaceId, repId, date]);
  }

  /** LIST_ITEMS_SQL (worklist.sql.ts): a page of a list whose head listHead read in the workspace. */
  listItems(
    worklistId: string,
    page: {
      scoreRunId: string | null;
      state: 'open' | 'all';
      afterRank: number | null;
      limit: number;
      /** items the reader sees as reassigned: left out of the open list */
      reassigned: readonly string[];
    },
  ): Promise<ItemRow[]> {
    // @crossTenant items of a list whose head listHead read in the workspace
    return this.rows<ItemRow>(LIST_ITEMS_SQL, [
      worklistId,
      page.scoreRunId,
      page.state,
      page.afterRank,
      page.limit,
      page.reassigned,
    ]);
  }

  /** Every item of a list with its customer and stored state (a list holds at most a rep's capacity). */
  listCustomers(worklistId: string): Promise<ListCustomerRow[]> {
    // @crossTenant items of a list whose head listHead read in the workspace
    return this.rows<ListCustomerRow>(
      `SELECT id, customer_id::text AS customer_id, state FROM worklist_items WHERE worklist_id = $1 ORDER BY rank`,
      [worklistId],
    );
  }

  item(workspaceId: string, itemId: string): Promise<ItemDetailRow | undefined> {
    return this.first<ItemDetailRow>(
      `SELECT ${ITEM_COLUMNS}, w.rep_id, w.list_date::text AS list_date, w.score_run_id,
              rp.external_id AS rep_external_id, rp.name AS rep_name, rp.locale, c.country::text AS country,
              ws.timezone, s.abc_class, s.recency_days, s.frequency, s.monetary, s.p_alive, s.expected_purchases,
              s.expected_order_value, s.priority AS score_priority, s.lifecycle_reasons,
              ${SCORES_KEPT} AS scores_kept,
              EXISTS (SELECT 1 FROM contact_suppressions x WHERE x.workspace_id = i.workspace_id
                      AND x.customer_id = i.customer_id AND x.kind = 'do_not_call') AS do_not_call
       FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id
       JOIN reps rp ON rp.id = w.rep_id
       JOIN workspaces ws ON ws.id = i.workspace_id
       JOIN customers c ON c.id = i.customer_id
       LEFT JOIN offer_versions o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
         AND o.version = i.offer_version
       LEFT JOIN customer_scores s ON s.run_id = w.score_run_id AND s.customer_id = i.customer_id
       WHERE i.id = $1 AND i.workspace_id = $2`,
      [itemId, workspaceId],
    );
  }

  /** The customer's five latest orders, any status. */
  recentOrders(workspaceId: string, customerId: string): Promise<RecentOrderRow[]> {
    return this.rows<RecentOrderRow>(
      `SELECT external_id, placed_at, amount_minor, currency, status FROM orders
         WHERE workspace_id = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY placed_at DESC LIMIT 5`,
      [workspaceId, customerId],
    );
  }

  /** The customer's eight latest touches: CRM interactions and worklist calls together. */
  recentInteractions(workspaceId: string, customerId: string): Promise<RecentInteractionRow[]> {
    return this.rows<RecentInteractionRow>(
      `(SELECT occurred_at AS at, kind, outcome, note, 'crm' AS source FROM interactions
          WHERE workspace_id = $1 AND customer_id = $2 ORDER BY occurred_at DESC LIMIT 8)
         UNION ALL
         (SELECT occurred_at, 'worklist_call', outcome, notes, 'worklist' FROM worklist_outcomes
          WHERE workspace_id = $1 AND customer_id = $2 ORDER BY occurred_at DESC LIMIT 8)
         ORDER BY at DESC LIMIT 8`,
      [workspaceId, customerId],
    );
  }

  /** The customer's first open follow-up by due time, if any. */
  openFollowUp(workspaceId: string, customerId: string): Promise<OpenFollowUpRow | undefined> {
    return this.first<OpenFollowUpRow>(
      `SELECT kind, due_at, attempt FROM worklist_follow_ups
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL ORDER BY due_at LIMIT 1`,
      [workspaceId, customerId],
    );
  }
}
