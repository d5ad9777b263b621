import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { reversalsSql } from './customer-summary.sql';
import type { BacktestResult } from './models/backtest';

/** One purchase day of a customer in the self-backtest's sample. */
export interface PurchaseDayRow {
  customer_id: string;
  /** days since 1970-01-01, local */
  day: number;
  /** the day's spend net of reversals, minor units */
  amount: number;
  kind: 'individual' | 'business';
}

/** One row of score_run_accuracy as the API serves it. */
export interface AccuracyRow {
  model: string;
  horizon_days: number;
  chosen: boolean;
  excluded: boolean;
  customers: number;
  actual: number;
  predicted: number;
  aggregate_error: number | null;
  mae: number;
  rmse: number;
  auc: number | null;
  top_decile_capture: number | null;
  calibration: Array<{ decile: number; customers: number; predicted: number; actual: number }>;
  params: Record<string, number>;
  degenerate: string[];
  scale: number;
}

/** The self-backtest's SQL: the purchase days of a sample of customers, and the stored figures per run. */
@Injectable()
export class ForecastAccuracyRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Distinct local purchase days (days since 1970-01-01) of the given customers before `cutoff`, counted as the
   * customer summaries count them (paid, not deleted, in the workspace currency, not given back in full by a
   * reversal before the cutoff), with the day's spend net of what reversals gave back on its orders (minor units)
   * and the customer's kind, in (customer, day) order. Runs inside the caller's transaction (it sets the zone for
   * the day arithmetic). The customers' kinds come from a second statement by primary key: joined to the orders,
   * the planner hashed all of the workspace's customers (or, told the ids, scanned all of its orders) — 0.5 s at
   * 100k customers and growing with the workspace, for a sample whose size does not.
   */
  async purchaseDays(
    client: PoolClient,
    workspaceId: string,
    q: { timezone: string; currency: string; cutoff: string; customerIds: number[] },
    /** called once the main statement is on its way to the database (the fit step then computes while it runs) */
    onSent?: () => void,
  ): Promise<PurchaseDayRow[]> {
    await client.query(`SELECT set_config('TimeZone', $1, true)`, [q.timezone]);
    const reversals = reversalsSql({
      workspace: '$1',
      currency: '$2',
      cutoff: '$3',
      customers: 'AND customer_id = ANY($4::bigint[])',
    });
    // Customer by customer through orders_customer_idx, whatever the planner expects: a sample of ≤ 2,500 buyers
    // is ~0.1 % of a large workspace's orders, but its estimate for `customer_id = ANY(…)` comes from n_distinct,
    // which ANALYZE's sample underestimates on a big table — at 3M customers / 30M orders it expected 1.4M rows and
    // scanned every order (4.2 s instead of 0.08 s). OFFSET 0 keeps the lateral lookup from being flattened into a
    // join the planner could turn back into that scan.
    const daysRead = client.query<Omit<PurchaseDayRow, 'kind'>>(
      `WITH ${reversals}
       SELECT o.customer_id, (o.placed_at::date - DATE '1970-01-01') AS day,
              sum(o.amount_minor - COALESCE(n.amount, 0))::float8 AS amount
       FROM (SELECT DISTINCT unnest($4::bigint[]) AS customer_id) s
       CROSS JOIN LATERAL (
         SELECT o.id, o.customer_id, o.placed_at, o.amount_minor FROM orders o
         WHERE o.customer_id = s.customer_id AND o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL
           AND o.currency = $2 AND o.placed_at < $3::timestamptz
         OFFSET 0
       ) o
       LEFT JOIN reversed n ON n.order_id = o.id
       WHERE n.amount IS NULL OR n.amount < o.amount_minor
       GROUP BY o.customer_id, day
       ORDER BY o.customer_id, day`,
      [workspaceId, q.currency, q.cutoff, q.customerIds],
    );
    onSent?.();
    const days = await daysRead;
    const kinds = await client.query<{ id: string; kind: PurchaseDayRow['kind'] }>(
      `SELECT id, kind FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`,
      [workspaceId, q.customerIds],
    );
    const kindOf = new Map(kinds.rows.map((c) => [c.id, c.kind]));
    // an order's customer is in its workspace (the join this replaces dropped any other)
    return days.rows.flatMap((r) => {
      const kind = kindOf.get(r.customer_id);
      return kind ? [{ ...r, kind }] : [];
    });
  }

  /** Stores the run's backtest figures (a re-delivered fit step writes the same rows again). */
  async save(workspaceId: string, runId: string, result: BacktestResult): Promise<void> {
    const rows = result.candidates.flatMap((c) =>
      c.horizons.map((h) => ({
        model: c.model,
        horizon_days: h.horizon,
        chosen: c.model === result.chosen,
        excluded: c.excluded,
        customers: h.metrics.customers,
        actual: h.metrics.actual,
        predicted: h.metrics.predicted,
        aggregate_error: h.metrics.aggregateError,
        mae: h.metrics.mae,
        rmse: h.metrics.rmse,
        auc: h.metrics.auc,
        top_decile_capture: h.metrics.topDecileCapture,
        calibration: h.metrics.calibration,
        params: h.params,
        degenerate: h.degenerate,
        scale: c.scale,
      })),
    );
    if (rows.length === 0) return;
    // one statement; a re-delivered fit step (same data, same horizons) overwrites its own rows
    await this.exec(
      `INSERT INTO score_run_accuracy (workspace_id, run_id, model, horizon_days, chosen, excluded, customers, actual,
         predicted, aggregate_error, mae, rmse, auc, top_decile_capture, calibration, params, degenerate, scale)
       SELECT $1, $2, r.model, r.horizon_days, r.chosen, r.excluded, r.customers, r.actual, r.predicted,
              r.aggregate_error, r.mae, r.rmse, r.auc, r.top_decile_capture, r.calibration, r.params,
              ARRAY(SELECT jsonb_array_elements_text(r.degenerate)), r.scale
       FROM jsonb_to_recordset($3::jsonb) AS r(model text, horizon_days int, chosen boolean, excluded boolean,
         customers int, actual float8, predicted float8, aggregate_error float8, mae float8, rmse float8,
         auc float8, top_decile_capture float8, calibration jsonb, params jsonb, degenerate jsonb, scale float8)
       ON CONFLICT (run_id, model, horizon_days) DO UPDATE SET
         chosen = EXCLUDED.chosen, excluded = EXCLUDED.excluded, customers = EXCLUDED.customers,
         actual = EXCLUDED.actual, predicted = EXCLUDED.predicted, aggregate_error = EXCLUDED.aggregate_error,
         mae = EXCLUDED.mae, rmse = EXCLUDED.rmse, auc = EXCLUDED.auc,
         top_decile_capture = EXCLUDED.top_decile_capture, calibration = EXCLUDED.calibration,
         params = EXCLUDED.params, degenerate = EXCLUDED.degenerate, scale = EXCLUDED.scale`,
      [workspaceId, runId, JSON.stringify(rows)],
    );
  }

  /** The run's backtest figures, chosen model first, then by model and horizon. */
  list(workspaceId: string, runId: string): Promise<AccuracyRow[]> {
    return this.rows<AccuracyRow>(
      `SELECT model, horizon_days, chosen, excluded, customers, actual, predicted, aggregate_error, mae, rmse, auc,
              top_decile_capture, calibration, params, degenerate, scale
       FROM score_run_accuracy WHERE workspace_id = $1 AND run_id = $2
       ORDER BY chosen DESC, array_position(ARRAY['bg-nbd', 'mbg-nbd', 'pareto-nbd'], model), horizon_days`,
      [workspaceId, runId],
    );
  }
}
