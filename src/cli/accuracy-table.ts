import type { RunAccuracyView } from '../scoring/forecast-accuracy.service';

/** The backtest as a table for the terminal (stderr; stdout keeps the JSON). */
export function accuracyTable(view: RunAccuracyView): string {
  const pct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(1)} %`);
  const lines = [
    `run ${view.runId} (${view.asOf}): chosen ${view.chosen ?? 'none'} × ${view.scale?.toFixed(3) ?? '1'} — ${view.reason ?? ''}`,
    'model        horizon  customers  actual  predicted  aggregate    MAE    RMSE    AUC   top decile',
  ];
  for (const b of view.backtests) {
    lines.push(
      `${(b.model + (b.chosen ? ' *' : b.excluded ? ' x' : '')).padEnd(12)} ${String(b.horizonDays).padStart(6)}d ${String(b.customers).padStart(10)} ${b.actualPurchases.toFixed(0).padStart(7)} ${b.predictedPurchases.toFixed(1).padStart(10)} ${pct(b.aggregateError).padStart(10)} ${b.mae.toFixed(4)} ${b.rmse.toFixed(3)} ${b.auc === null ? '  —   ' : b.auc.toFixed(4)} ${pct(b.topDecileCapture).padStart(8)}`,
    );
  }
  const p = view.priorityCheck;
  if (p) {
    lines.push(
      `revenue of the ${p.horizonDays} days after the split brought by the top 10 % of ${p.customers} buyers: priority ${pct(p.capture.priority)} | recency ${pct(p.capture.recency)}, frequency ${pct(p.capture.frequency)}, spend ${pct(p.capture.monetary)}${p.worse ? ` — WORSE than ${p.bestNaive}` : ''}`,
    );
  }
  const t = view.byTier;
  if (t) {
    lines.push(`${t.model} at ${t.horizonDays}d by value tier at the split:`);
    for (const [name, f] of [['all', t.overall], ...Object.entries(t.tiers)] as const) {
      lines.push(
        f
          ? `  ${name.padEnd(10)} ${String(f.customers).padStart(6)} buyers ${f.actualPurchases.toFixed(0).padStart(7)} actual ${f.predictedPurchases.toFixed(1).padStart(9)} predicted ${pct(f.aggregateError).padStart(9)} MAE ${f.mae.toFixed(4)} top decile ${pct(f.topDecileCapture)}`
          : `  ${name.padEnd(10)} no buyers`,
      );
    }
  }
  const c = view.correction;
  if (c) {
    const parts = [c.expectedPurchases ? 'expected purchases' : '', c.pBuy ? 'P(buy)' : ''].filter(Boolean);
    lines.push(`learned correction: ${parts.length ? parts.join(' and ') : 'not used'} — ${c.reason}`);
  }
  const spend = view.spend;
  if (spend) {
    lines.push(`spend model: ${spend.chosen} — ${spend.reason}`);
    lines.push('spend model              order value MAE  aggregate  revenue MAE  aggregate');
    for (const c of spend.candidates) {
      const money = (v: number | null) => (v === null ? '—' : v.toFixed(0));
      lines.push(
        `${(c.model + (c.model === spend.chosen ? ' *' : c.excluded ? ' x' : '')).padEnd(24)} ${money(c.meanMae).padStart(15)} ${pct(c.meanAggregateError).padStart(10)} ${money(c.meanRevenueMae).padStart(12)} ${pct(c.meanRevenueAggregateError).padStart(10)}`,
      );
    }
  }
  return lines.join('\n');
}
