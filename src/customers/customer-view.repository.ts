import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

/** A customer id resolved to the live record it stands for (itself, or the winner it was merged into). */
export interface CustomerRootRow {
  id: string;
  owner_rep_id: string | null;
}

export interface CustomerRecordRow {
  kind: string;
  name: string | null;
  email_enc: Buffer | null;
  phone_enc: Buffer | null;
  region: string | null;
  country: string | null;
  industry: string | null;
  owner_rep_id: string | null;
  owner_external_id: string | null;
  owner_name: string | null;
  owner_set_by: string | null;
  owner_set_at: Date | null;
  personality: string | null;
  personality_set_by: string | null;
  personality_set_at: Date | null;
  source_created_at: Date | null;
  created_at: Date;
  deleted_at: Date | null;
  erased_at: Date | null;
}

/** A change of a tracked field (customer_field_history, written by the provenance trigger). */
export interface FieldHistoryRow {
  field: string;
  old_value: string | null;
  new_value: string | null;
  old_source: string | null;
  old_at: Date | null;
  new_source: string;
  new_at: Date | null;
}

export interface SourceIdRow {
  id: string;
  source: string;
  external_id: string;
}

export interface ContactRow {
  name: string | null;
  title: string | null;
  email_enc: Buffer | null;
  phone_enc: Buffer | null;
}

export interface OrderTotalsRow {
  count: number;
  paid: number;
  first_at: Date | null;
  last_at: Date | null;
}

export interface RevenueRow {
  currency: string;
  amount: string;
}

export interface InteractionTotalsRow {
  count: number;
  last_at: Date | null;
}

/** The customer's row of the workspace's current score run. */
export interface CurrentScoreRow {
  run_id: string;
  as_of: string;
  horizon_days: number;
  recency_days: number | null;
  frequency: number;
  monetary: string | number;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_segment: string | null;
  abc_class: string | null;
  value_tier: string;
  frequency_class: string;
  lifecycle: string;
  p_alive: number | null;
  /** null: no count model, never bought, or a run before the column */
  p_buy: number | null;
  expected_purchases: number | null;
  clv: string | number | null;
  churn_risk: number;
  priority: number;
  reasons: unknown;
  lifecycle_reasons: string[] | null;
}

/** The reads of the one customer view. */
@Injectable()
export class CustomerViewRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  root(workspaceId: string, customerId: string): Promise<CustomerRootRow | undefined> {
    return this.first<CustomerRootRow>(
      `SELECT r.id, r.owner_rep_id FROM customers c JOIN customers r ON r.id = COALESCE(c.merged_into_id, c.id)
     WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, customerId],
    );
  }

  record(workspaceId: string, rootId: string): Promise<CustomerRecordRow | undefined> {
    return this.first<CustomerRecordRow>(
      `SELECT c.*, r.external_id AS owner_external_id, r.name AS owner_name
         FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, rootId],
    );
  }

  /** The customer's own source id and those of the records merged into it. */
  /** The latest changes of the customer's tracked fields (owner, personality), newest first. */
  fieldHistory(workspaceId: string, rootId: string, limit: number): Promise<FieldHistoryRow[]> {
    return this.rows(
      `SELECT field, old_value, new_value, old_source, old_at, new_source, new_at FROM customer_field_history
       WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id DESC LIMIT $3`,
      [workspaceId, rootId, limit],
    );
  }

  sourceIds(workspaceId: string, rootId: string): Promise<SourceIdRow[]> {
    return this.rows<SourceIdRow>(
      `SELECT id::text, source, external_id FROM customers
         WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2) ORDER BY id`,
      [workspaceId, rootId],
    );
  }

  contacts(workspaceId: string, rootId: string): Promise<ContactRow[]> {
    return this.rows<ContactRow>(
      `SELECT name, title, email_enc, phone_enc FROM contacts
         WHERE workspace_id = $1 AND customer_id = $2 ORDER BY is_primary DESC, id LIMIT 50`,
      [workspaceId, rootId],
    );
  }

  async orderTotals(rootId: string): Promise<OrderTotalsRow> {
    const [row] = await this.rows<OrderTotalsRow>(
      // @crossTenant orders of a customer whose workspace root() already checked
      `SELECT count(*)::int AS count, count(*) FILTER (WHERE status = 'paid')::int AS paid,
                min(placed_at) AS first_at, max(placed_at) AS last_at
         FROM orders WHERE customer_id = $1 AND deleted_at IS NULL`,
      [rootId],
    );
    return row;
  }

  paidRevenue(rootId: string): Promise<RevenueRow[]> {
    return this.rows<RevenueRow>(
      // @crossTenant orders of a customer whose workspace root() already checked
      `SELECT currency, sum(amount_minor)::text AS amount FROM orders
         WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'paid' GROUP BY currency ORDER BY currency`,
      [rootId],
    );
  }

  async interactionTotals(rootId: string): Promise<InteractionTotalsRow> {
    const [row] = await this.rows<InteractionTotalsRow>(
      // @crossTenant interactions of a customer whose workspace root() already checked
      `SELECT count(*)::int AS count, max(occurred_at) AS last_at FROM interactions WHERE customer_id = $1`,
      [rootId],
    );
    return row;
  }

  currentScores(workspaceId: string, rootId: string): Promise<CurrentScoreRow | undefined> {
    return this.first<CurrentScoreRow>(
      // @crossTenant reached through the workspace row (w.id = $1) and its current run
      `SELECT s.*, sr.as_of, sr.horizon_days FROM workspaces w
         JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = $2
         JOIN score_runs sr ON sr.id = s.run_id
         WHERE w.id = $1`,
      [workspaceId, rootId],
    );
  }
}
