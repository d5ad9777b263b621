import { createWriteStream } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { AppError } from '../common/app-error';
import { safeCsvText } from '../common/csv-cell';
import { ScoreExportRepository } from './score-export.repository';

export const SCORE_EXPORT_COLUMNS = [
  'customer_external_id',
  'recency_days',
  'frequency',
  'monetary',
  'r_score',
  'f_score',
  'm_score',
  'rfm_segment',
  'abc_class',
  'value_tier',
  'lifecycle',
  'p_alive',
  'p_buy',
  'expected_purchases',
  'expected_order_value',
  'clv',
  'churn_risk',
  'priority',
] as const;

/**
 * Writes the workspace's current score snapshot as CSV (money in major units), page by page with flat memory. Text
 * cells go through safeCsvText: an external id from the CRM such as `=HYPERLINK(…)` must not run as a formula in the
 * spreadsheet it is opened in; numbers stay numbers.
 */
@Injectable()
export class ScoreExportService {
  constructor(private readonly scores: ScoreExportRepository) {}

  async exportCsv(workspaceId: string, file: string): Promise<{ rows: number; runId: string }> {
    const ws = await this.scores.currentScores(workspaceId);
    if (!ws?.current_score_run_id)
      throw new AppError('no_scores', 'this workspace has no completed score run yet');
    const runId = ws.current_score_run_id;
    const exp =
      new Intl.NumberFormat('en', { style: 'currency', currency: ws.currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    const csv = stringify({ header: true, columns: [...SCORE_EXPORT_COLUMNS] });
    const out = createWriteStream(file);
    const done = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
    csv.pipe(out);
    const money = (v: string | null) => (v === null ? '' : (Number(v) / 10 ** exp).toFixed(exp));
    const num = (v: number | null, digits: number) => (v === null ? '' : v.toFixed(digits));
    let after = '0';
    let rows = 0;
    for (;;) {
      const page = await this.scores.scorePage(runId, after);
      if (page.length === 0) break;
      for (const r of page) {
        const ok = csv.write([
          safeCsvText(r.external_id),
          r.recency_days ?? '',
          r.frequency,
          money(r.monetary),
          r.r_score ?? '',
          r.f_score ?? '',
          r.m_score ?? '',
          safeCsvText(r.rfm_segment ?? ''),
          safeCsvText(r.abc_class ?? ''),
          safeCsvText(r.value_tier),
          safeCsvText(r.lifecycle),
          num(r.p_alive, 6),
          num(r.p_buy, 6),
          num(r.expected_purchases, 6),
          money(r.expected_order_value),
          money(r.clv),
          num(r.churn_risk, 4),
          num(r.priority, 2),
        ]);
        if (!ok) await new Promise((res) => csv.once('drain', res));
      }
      rows += page.length;
      after = page[page.length - 1].customer_id;
    }
    csv.end();
    await done;
    return { rows, runId };
  }
}
