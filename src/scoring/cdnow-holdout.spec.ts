/**
 * Holdout check on CDNOW: the run's own model fits and rules (fitRunModels, scoreChunkRow → scoreCustomer), fed
 * with the calibration weeks 1–39 exactly as the nightly run would see them on 1997-09-30 (days, minor units),
 * judged on weeks 40–78. Prints the table that docs/scoring-run.md quotes.
 */
import { ChunkInputRow, createChunkScorer, RunModelContext } from './chunk-scoring';
import { expectedPurchases } from './models/bg-nbd';
import {
  CALIBRATION_END_DAY,
  HOLDOUT_END_DAY,
  readCdnowPurchaseDays,
  type CdnowPurchaseDay,
} from './models/cdnow.testdata';
import { createScoringPolicy, type PriorityWeights } from './models/customer-policy';
import { fitRunModels } from './run-models';
import { allocateColumns, columnModelInputs, InputColumns, runStatistics } from './run-statistics';

interface Customer {
  id: number;
  firstDay: number;
  lastDay: number;
  transactions: number;
  /** cents */
  monetary: number;
  repeatMean: number | null;
  holdoutTransactions: number;
}

/** Calibration inputs (as score_inputs holds them) and holdout outcome per customer; days, cents. */
function summarise(days: CdnowPurchaseDay[]): Customer[] {
  const byCustomer = new Map<number, CdnowPurchaseDay[]>();
  for (const d of days) {
    const list = byCustomer.get(d.customerId) ?? [];
    list.push(d);
    byCustomer.set(d.customerId, list);
  }
  const out: Customer[] = [];
  for (const [id, list] of byCustomer) {
    list.sort((p, q) => p.day - q.day);
    const calibration = list.filter((d) => d.day <= CALIBRATION_END_DAY);
    const cents = calibration.map((d) => Math.round(d.dollars * 100));
    const monetary = cents.reduce((s, c) => s + c, 0);
    out.push({
      id,
      firstDay: calibration[0].day,
      lastDay: calibration[calibration.length - 1].day,
      transactions: calibration.length,
      monetary,
      repeatMean: calibration.length > 1 ? (monetary - cents[0]) / (calibration.length - 1) : null,
      holdoutTransactions: list.filter((d) => d.day > CALIBRATION_END_DAY && d.day <= HOLDOUT_END_DAY).length,
    });
  }
  return out.sort((p, q) => p.id - q.id);
}

/** The customers as the run's input columns (what the fit step reads from the per-run input tables). */
function columns(customers: Customer[]): InputColumns {
  const cols = allocateColumns(customers.length);
  customers.forEach((c, i) => {
    cols.customerId[i] = c.id;
    cols.transactions[i] = c.transactions;
    cols.firstDay[i] = c.firstDay;
    cols.lastDay[i] = c.lastDay;
    cols.monetary[i] = c.monetary;
    cols.firstAmount[i] = c.monetary - (c.repeatMean ?? 0) * (c.transactions - 1);
  });
  cols.length = customers.length;
  return cols;
}

/** Area under the ROC curve of `score` for `positive` (rank-sum, ties count one half). */
function auc(score: number[], positive: boolean[]): number {
  const order = score.map((s, i) => ({ s, p: positive[i] })).sort((a, b) => a.s - b.s);
  let rankSumPositive = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && order[j].s === order[i].s) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (order[k].p) rankSumPositive += averageRank;
    i = j;
  }
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  return (rankSumPositive - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

describe('CDNOW holdout: the run fitted on weeks 1–39, judged on weeks 40–78', () => {
  const asOf = CALIBRATION_END_DAY;
  const holdoutDays = HOLDOUT_END_DAY - CALIBRATION_END_DAY;
  const customers = summarise(readCdnowPurchaseDays());
  const buyers = customers.length;
  const repeaters = customers.filter((c) => c.transactions > 1).length;
  let table = '';
  let results: Record<string, number> = {};
  /** the priority terms that fire on CDNOW (no complaints, prospects or first purchases within 60 days there) */
  const terms: Array<[keyof PriorityWeights, string]> = [
    ['valueAtRisk', 'high_value_at_risk / win_back'],
    ['expectedValue', 'high_expected_value'],
    ['likelyToBuy', 'likely_to_buy'],
    ['growth', 'growth_potential'],
    ['overdue', 'overdue_vs_cycle'],
    ['loyal', 'loyal_champion'],
  ];
  const termAuc: Record<string, { alone: number; without: number }> = {};

  beforeAll(() => {
    // exactly the fit step of a run (steps/fit.step.ts): statistics and models from the input columns
    const cols = columns(customers);
    const stats = runStatistics(cols, asOf, { abcCutA: 0.7, abcCutB: 0.9 });
    expect(stats).toMatchObject({ customers: buyers, buyers, repeaters });
    const models = fitRunModels(columnModelInputs(cols, asOf), {
      horizonDays: 365,
      buyers,
      repeaters,
      discountRateAnnual: 0.1,
    });
    expect(models.report.summary).toEqual({ bgNbd: 'fitted', gammaGamma: 'fitted' });
    const bgNbd = models.bgNbd!;
    const context: RunModelContext = {
      asOf: '1997-09-30',
      horizonDays: 365,
      bgNbd,
      gammaGamma: models.gammaGamma,
      rfm: stats.rfm,
      abc: stats.abc,
      discountRateAnnual: 0.1,
      margin: 1,
    };
    const workspace = {
      medianCycleDays: stats.medianCycleDays,
      referenceValue: stats.medianMonetary,
      highClvMin: models.highClvMin,
    };
    const policy = createScoringPolicy(workspace, { clvHorizonDays: 365 });
    const score = createChunkScorer(context, policy);
    const rows: ChunkInputRow[] = customers.map((c) => ({
      customer_id: String(c.id),
      kind: 'individual',
      transactions: c.transactions,
      monetary: c.monetary,
      repeat_mean_minor: c.repeatMean,
      age_days: asOf - c.firstDay,
      recency_days: asOf - c.lastDay,
      days_since_interaction: null,
      complaints_90d: 0,
      last_survey: null,
      prev_clv: null,
      prev_tier: null,
      prev_lifecycle: null,
    }));
    const scored = rows.map(score);

    const predicted = customers.map((c) =>
      expectedPurchases(bgNbd, holdoutDays, {
        x: c.transactions - 1,
        tx: c.lastDay - c.firstDay,
        T: asOf - c.firstDay,
      }),
    );
    const actual = customers.map((c) => c.holdoutTransactions);
    const bought = actual.map((n) => n > 0);
    const totalPredicted = predicted.reduce((s, v) => s + v, 0);
    const totalActual = actual.reduce((s, v) => s + v, 0);
    const mae = predicted.reduce((s, v, i) => s + Math.abs(v - actual[i]), 0) / customers.length;

    results = {
      totalPredicted,
      totalActual,
      mae,
      priority: auc(
        scored.map((s) => s.priority),
        bought,
      ),
      recency: auc(
        customers.map((c) => -(asOf - c.lastDay)),
        bought,
      ),
      frequency: auc(
        customers.map((c) => c.transactions),
        bought,
      ),
      expectedPurchases: auc(predicted, bought),
      pAlive: auc(
        scored.map((s) => s.pAlive ?? 1),
        bought,
      ),
      churnRiskInverse: auc(
        scored.map((s) => -s.churnRisk),
        bought,
      ),
      clv: auc(
        scored.map((s) => s.clv ?? 0),
        bought,
      ),
    };
    // each term alone (every other weight 0) and priority without it (its weight 0): which terms rank buyers
    const weights = policy.priority.weights;
    const priorityAuc = (w: Partial<PriorityWeights>): number => {
      const scorer = createChunkScorer(
        context,
        createScoringPolicy(workspace, { clvHorizonDays: 365, priority: { weights: w } }),
      );
      return auc(
        rows.map((r) => scorer(r).priority),
        bought,
      );
    };
    for (const [key, code] of terms) {
      const none = Object.fromEntries(Object.keys(weights).map((k) => [k, 0])) as Partial<PriorityWeights>;
      termAuc[code] = {
        alone: priorityAuc({ ...none, [key]: weights[key] }),
        without: priorityAuc({ [key]: 0 }),
      };
    }
    const f = (v: number) => v.toFixed(3);
    table = [
      `CDNOW holdout (${buyers} customers; fit on weeks 1-39, judged on weeks 40-78 = ${holdoutDays} days)`,
      `BG/NBD (days${models.report.bgNbd?.resolution === 'week' ? ', week rows' : ''}): r=${bgNbd.r.toFixed(4)} alpha=${bgNbd.alpha.toFixed(3)} a=${bgNbd.a.toFixed(4)} b=${bgNbd.b.toFixed(4)}`,
      `repeat transactions in the holdout: predicted ${totalPredicted.toFixed(1)}, actual ${totalActual} (${(((totalPredicted - totalActual) / totalActual) * 100).toFixed(1)} %)`,
      `per-customer MAE: ${mae.toFixed(3)}`,
      `AUC of "buys in the holdout" (${bought.filter(Boolean).length} buyers):`,
      `  priority (scoreCustomer)      ${f(results.priority)}`,
      `  plain recency (last purchase) ${f(results.recency)}`,
      `  plain frequency (purchases)   ${f(results.frequency)}`,
      `  for reference: E[X(holdout)] ${f(results.expectedPurchases)}, P(alive) ${f(results.pAlive)}, ` +
        `1 - churn risk ${f(results.churnRiskInverse)}, CLV ${f(results.clv)}`,
      `  priority term (max points)             alone   priority without it`,
      ...terms.map(
        ([key, code]) =>
          `  ${`${code} (${weights[key]})`.padEnd(38)} ${f(termAuc[code].alone)}   ${f(termAuc[code].without)}`,
      ),
    ].join('\n');
    console.log(table);
  });

  it('counts the 1,882 holdout repeat transactions and predicts them within 15 %', () => {
    expect(results.totalActual).toBe(1882);
    expect(Math.abs(results.totalPredicted - 1882) / 1882).toBeLessThan(0.15);
    expect(results.mae).toBeLessThan(0.85);
  });

  it('ranks future buyers far better than chance', () => {
    expect(results.priority).toBeGreaterThan(0.7);
  });

  // The gate of the issue: priority must rank holdout buyers at least as well as the plain recency and frequency
  // rankings (within 0.01). It did not (0.728) while priority weighed only money — value at risk lifts valuable
  // customers *because* they are unlikely to buy unprompted, and high_expected_value weighs an order's value as
  // much as its probability; likely_to_buy (P(a purchase within 90 days)) closed the gap. docs/scoring-run.md
  // ("Holdout check") has the figures and the per-term table this test prints.
  it('ranks future buyers at least as well as plain recency and plain frequency', () => {
    const tolerance = 0.01;
    expect(results.priority).toBeGreaterThanOrEqual(Math.max(results.recency, results.frequency) - tolerance);
  });
});
