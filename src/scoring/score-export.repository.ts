import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

/** The workspace's current snapshot and its currency. */
export interface CurrentScoresRow {
  current_score_run_id: string | null;
  currency: string;
}

/** One customer's scores as the CSV export writes them (money in minor units, as text: bigint). */
export interface ScoreExportRow {
  customer_id: string;
  external_id: string;
  recency_days: number | null;
  frequency: number;
  monetary: string | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_segment: string | null;
  abc_class: string | null;
  value_tier: string;
  lifecycle: string;
  p_alive: number | null;
  p_buy: number | null;
  expected_purchases: number | null;
  expected_order_value: string | null;
  clv: string | null;
  churn_risk: number | null;
  priority: number | null;
}

/** Reads of the score export (score-export.service.ts). */
@Injectable()
export class ScoreExportRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  currentScores(workspaceId: string): Promise<CurrentScoresRow | undefined> {
    return this.first<CurrentScoresRow>(
      `SELECT current_score_run_id, currency FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
  }

  /** Up to 10,000 scores of the run after customer id `after`, in customer id order (keyset pages). */
  scorePage(runId: string, after: string): Promise<ScoreExportRow[]> {
    return this.rows<ScoreExportRow>(
      // @crossTenant the run is the workspace's current snapshot (currentScores)
      `SELECT s.customer_id, c.external_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score,
              s.rfm_segment, s.abc_class, s.value_tier, s.lifecycle, s.p_alive, s.p_buy, s.expected_purchases,
              s.expected_order_value, s.clv, s.churn_risk, s.priority
       FROM customer_scores s JOIN customers c ON c.id = s.customer_id
       WHERE s.run_id = $1 AND s.customer_id > $2 ORDER BY s.customer_id LIMIT 10000`,
      [runId, after],
    );
  }
}
