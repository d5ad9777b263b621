/**
 * The run's spend choice (issue 13 item 4) on CDNOW weeks 1–39, as a run at 1997-09-30 makes it: the spend
 * backtest inside the calibration chooses, the chosen model is fitted on the run's repeat buyers and used for the
 * scores and the high-CLV cut-off; and the fallback when the run's Gamma-Gamma fit is rejected.
 */
import { type ChunkInputRow, createChunkScorer, type RunModelContext } from './chunk-scoring';
import { backtest } from './models/backtest';
import { CALIBRATION_END_DAY, readCdnowPurchaseDays } from './models/cdnow.testdata';
import { createScoringPolicy } from './models/customer-policy';
import { fitSpendModel, spendOrderValue } from './models/spend-models';
import { fitRunModels } from './run-models';
import { chooseRunSpend } from './run-spend';
import { historyColumns } from './history-columns.testdata';
import { columnModelInputs, runStatistics } from './run-statistics';

function cdnowCalibration() {
  const byCustomer = new Map<number, Map<number, number>>();
  for (const d of readCdnowPurchaseDays()) {
    if (d.day > CALIBRATION_END_DAY) continue;
    const days = byCustomer.get(d.customerId) ?? new Map<number, number>();
    days.set(d.day, Math.round(d.dollars * 100));
    byCustomer.set(d.customerId, days);
  }
  const histories = [...byCustomer.keys()]
    .sort((a, b) => a - b)
    .map((id) => {
      const m = byCustomer.get(id)!;
      const days = [...m.keys()].sort((a, b) => a - b);
      return { days, amounts: days.map((d) => m.get(d)!) };
    });
  return { histories, cols: historyColumns(histories) };
}

describe('the run’s spend model, chosen by the self-backtest on CDNOW weeks 1–39', () => {
  const { histories, cols } = cdnowCalibration();
  const stats = runStatistics(cols, CALIBRATION_END_DAY, { abcCutA: 0.7, abcCutB: 0.9 });
  const opts = {
    horizonDays: 273,
    buyers: stats.buyers,
    repeaters: stats.repeaters,
    discountRateAnnual: 0.1,
  };
  const input = {
    histories: histories.map((h) => ({ days: h.days })),
    spend: { amounts: histories.map((h) => h.amounts), kinds: histories.map(() => 'individual' as const) },
    cutoffDay: CALIBRATION_END_DAY,
  };
  const models = fitRunModels(columnModelInputs(cols, CALIBRATION_END_DAY), opts, input);
  const choice = models.report.spendChoice!;

  it('reports every candidate’s backtest figures, the choice and why', () => {
    expect(choice.candidates.map((c) => c.model)).toEqual([
      'own-mean',
      'gamma-gamma',
      'gamma-gamma-winsorised',
      'log-normal',
    ]);
    for (const c of choice.candidates) {
      expect(c.horizons).toHaveLength(choice.horizons.length);
      expect(c.meanMae).toBeGreaterThan(0);
      expect(c.meanRevenueMae).toBeGreaterThan(0);
    }
    // on CDNOW the log-normal's backtest MAE is lowest by more than the tie share (docs/models-clv.md "Spend")
    expect(choice.chosen).toBe('log-normal');
    expect(choice.backtestChoice).toBe('log-normal');
    expect(choice.countModel).toBe(models.report.choice!.chosen);
    expect(models.report.reasons.join('\n')).toMatch(
      /spend model chosen by the self-backtest: log-normal shrinkage/,
    );
  });

  it('fits the chosen model on the run’s repeat buyers and scores with it', () => {
    const rows = columnModelInputs(cols, CALIBRATION_END_DAY).gammaGammaRows();
    expect(models.spend).toEqual(fitSpendModel('log-normal', rows).model);
    expect(choice.model).toEqual(models.spend);
    const context: RunModelContext = {
      asOf: '1997-09-30',
      horizonDays: 273,
      bgNbd: models.bgNbd,
      gammaGamma: models.gammaGamma,
      rfm: stats.rfm,
      abc: stats.abc,
      discountRateAnnual: 0.1,
      margin: 1,
      forecast: models.forecast,
      spend: models.spend,
    };
    const policy = createScoringPolicy({
      medianCycleDays: stats.medianCycleDays,
      referenceValue: stats.medianMonetary,
      highClvMin: models.highClvMin,
    });
    const row: ChunkInputRow = {
      customer_id: '1',
      kind: 'individual',
      transactions: 3,
      monetary: 9_000,
      repeat_mean_minor: 2_500,
      age_days: 200,
      recency_days: 20,
      days_since_interaction: null,
      complaints_90d: 0,
      last_survey: null,
      prev_clv: null,
      prev_tier: null,
      prev_lifecycle: null,
    };
    const scored = createChunkScorer(context, policy)(row);
    expect(scored.expectedOrderValue).toBe(Math.round(spendOrderValue(models.spend!, 2, 2_500, 3_000)));
    // without a chosen spend model the same customer gets Gamma-Gamma's order value (fitted on CDNOW)
    const legacy = createChunkScorer({ ...context, spend: null }, policy)(row);
    expect(legacy.expectedOrderValue).not.toBe(scored.expectedOrderValue);
  });

  it('falls back to the next best usable candidate when the run’s Gamma-Gamma fit is rejected', () => {
    const countBacktest = backtest(input.histories, {
      cutoffDay: CALIBRATION_END_DAY,
      horizons: choice.horizons,
      unitDays: 7,
    });
    const rows = columnModelInputs(cols, CALIBRATION_END_DAY).gammaGammaRows();
    const run = chooseRunSpend({
      rows,
      sample: histories,
      cutoffDay: CALIBRATION_END_DAY,
      countBacktest,
      gammaGamma: null,
      gammaGammaRejection: 'q=1.000 at its bound',
    });
    // the backtest's own pick is the log-normal: the rejected run fit does not matter
    expect(run!.model.model).toBe('log-normal');
    const onlyGammaGamma = chooseRunSpend({
      rows,
      sample: histories,
      cutoffDay: CALIBRATION_END_DAY,
      countBacktest: { ...countBacktest, horizons: choice.horizons },
      gammaGamma: null,
      gammaGammaRejection: 'q=1.000 at its bound',
      models: ['own-mean', 'gamma-gamma'],
    });
    expect(onlyGammaGamma!.report.backtestChoice).toBe('gamma-gamma');
    expect(onlyGammaGamma!.model).toEqual({ model: 'own-mean' });
    expect(onlyGammaGamma!.report.reason).toMatch(
      /Gamma-Gamma fitted on the run's repeat buyers is not used \(q=1\.000 at its bound\); using own mean/,
    );
  });
});
