import type { RunAccuracyView, TierFigures } from '../scoring/forecast-accuracy.service';
import { accuracyTable } from './accuracy-table';

const figures = (customers: number, mae: number): TierFigures => ({
  customers,
  actualPurchases: customers,
  predictedPurchases: customers * 0.9,
  aggregateError: -0.1,
  mae,
  rmse: mae * 1.5,
  auc: 0.8,
  topDecileCapture: 0.4,
});

const view: RunAccuracyView = {
  runId: 'r1',
  asOf: '2026-11-24',
  status: 'completed',
  chosen: 'bg-nbd',
  scale: 1,
  reason: 'lowest mean backtest MAE',
  note: null,
  backtests: [],
  priorityCheck: null,
  byTier: {
    model: 'bg-nbd',
    horizonDays: 90,
    overall: figures(300, 0.5),
    tiers: { core: figures(40, 1.25), potential: null, general: figures(260, 0.4) },
  },
  correction: {
    used: false,
    expectedPurchases: false,
    pBuy: false,
    supported: { expectedPurchases: true, pBuy: false },
    reason:
      "no learned correction: expected purchases supported — waiting: the previous run's validation did not support it, …",
    horizonDays: 90,
    customers: 300,
    buyers: 120,
    validation: null,
  },
  spend: null,
};

describe('score accuracy, the terminal table', () => {
  it('prints the chosen model per value tier at the split, and a tier without buyers as such', () => {
    const lines = accuracyTable(view).split('\n');
    expect(lines).toContain('bg-nbd at 90d by value tier at the split:');
    expect(lines.find((l) => l.trimStart().startsWith('core'))).toMatch(
      /^ {2}core +40 buyers .*MAE 1\.2500 top decile 40\.0 %$/,
    );
    expect(lines.find((l) => l.trimStart().startsWith('potential'))).toBe('  potential  no buyers');
    expect(lines.find((l) => l.trimStart().startsWith('all'))).toMatch(/300 buyers .* -10\.0 % MAE 0\.5000/);
  });

  it('says what the learned correction does, a part waiting for a second night included', () => {
    expect(accuracyTable(view)).toMatch(/^learned correction: not used — .*waiting: the previous run/m);
    const used = {
      ...view,
      correction: { ...view.correction!, used: true, expectedPurchases: true, pBuy: true },
    };
    expect(accuracyTable(used)).toMatch(/^learned correction: expected purchases and P\(buy\) — /m);
  });
});
