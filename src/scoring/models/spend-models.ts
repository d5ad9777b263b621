/**
 * The spend candidates a run chooses among by its self-backtest (issue 13 item 4; spend-backtest.ts): the
 * customer's own mean (the baseline), Gamma-Gamma, Gamma-Gamma fitted on winsorised spend, and the log-normal
 * shrinkage of lognormal-spend.ts. Each is fitted on repeat buyers' (x, mean repeat spend) rows and gives an
 * expected order value per customer from (x, mean repeat spend, mean of all orders) by arithmetic alone, so a chunk
 * scores a customer without refitting anything. Pure; docs/models-clv.md "Spend".
 */
import { expectedOrderValue, fitGammaGamma, type SpendSummary } from './gamma-gamma';
import { fitLogNormalSpend, type LogNormalSpendParams, logNormalOrderValue } from './lognormal-spend';
import type { FitReport, GammaGammaParams } from './types';

/** Simplest first: a tie in the backtest goes to the earlier one. */
export const SPEND_MODELS = ['own-mean', 'gamma-gamma', 'gamma-gamma-winsorised', 'log-normal'] as const;
export type SpendModelName = (typeof SPEND_MODELS)[number];

/** A fitted spend model: what a chunk needs to give every customer an expected order value. */
export type SpendModel =
  | { model: 'own-mean' }
  | { model: 'gamma-gamma'; params: GammaGammaParams }
  | { model: 'gamma-gamma-winsorised'; params: GammaGammaParams; cap: number }
  | { model: 'log-normal'; params: LogNormalSpendParams };

/** Repeat buyers' mean spend is capped at this weighted percentile before the winsorised Gamma-Gamma fit. */
export const WINSOR_PERCENTILE = 0.99;
/** A Gamma-Gamma fit whose population mean p·v/(q−1) lies outside this band around the observed mean is not used. */
export const GAMMA_GAMMA_PLAUSIBLE_BAND = { lower: 0.2, upper: 5 } as const;

export interface SpendFit {
  /** null: the fit was rejected (see `rejected`) */
  model: SpendModel | null;
  rejected: string | null;
  warnings: string[];
}

export function spendLabel(name: SpendModelName): string {
  return {
    'own-mean': 'own mean',
    'gamma-gamma': 'Gamma-Gamma',
    'gamma-gamma-winsorised': `Gamma-Gamma on spend capped at the ${100 * WINSOR_PERCENTILE}th percentile`,
    'log-normal': 'log-normal shrinkage',
  }[name];
}

/** Fits one candidate on repeat buyers' rows; a fit that cannot be trusted comes back rejected, with the reason. */
export function fitSpendModel(name: SpendModelName, rows: SpendSummary[]): SpendFit {
  switch (name) {
    case 'own-mean':
      return { model: { model: 'own-mean' }, rejected: null, warnings: [] };
    case 'gamma-gamma': {
      const fit = fitGammaGamma(rows);
      const rejected = gammaGammaRejection(fit, rows);
      return {
        model: rejected ? null : { model: name, params: fit.params },
        rejected,
        warnings: fit.warnings,
      };
    }
    case 'gamma-gamma-winsorised': {
      const cap = winsorCap(rows, WINSOR_PERCENTILE);
      const capped = rows.map((r) => ({ ...r, mean: Math.min(r.mean, cap) }));
      const fit = fitGammaGamma(capped);
      const rejected = gammaGammaRejection(fit, capped);
      return {
        model: rejected ? null : { model: name, params: fit.params, cap },
        rejected,
        warnings: fit.warnings,
      };
    }
    case 'log-normal': {
      const fit = fitLogNormalSpend(rows);
      const rejected =
        Number.isFinite(fit.logLikelihood) && fit.converged
          ? null
          : `the fit did not converge: ${fit.warnings.join('; ') || 'no repeat buyers'}`;
      return {
        model: rejected ? null : { model: name, params: fit.params },
        rejected,
        warnings: fit.warnings,
      };
    }
  }
}

/**
 * Expected order value of a customer (money, the fit's unit): x repeat purchases with mean `repeatMean` (null: no
 * repeat), `ownMean` the mean of all their orders. A one-time buyer's single order counts as one observation
 * (not the bare population mean). The winsorised fit only shapes the population: each customer's own mean is
 * used uncapped, so the biggest spenders keep their rank.
 */
export function spendOrderValue(
  m: SpendModel,
  x: number,
  repeatMean: number | null,
  ownMean: number,
): number {
  const repeat = x > 0 && repeatMean !== null;
  switch (m.model) {
    case 'own-mean':
      return repeat ? repeatMean : ownMean;
    case 'gamma-gamma':
    case 'gamma-gamma-winsorised':
      // Gamma-Gamma's mean of a negative (net refunded) spend is not defined: such a customer keeps their own
      return repeat
        ? repeatMean >= 0
          ? expectedOrderValue(m.params, x, repeatMean)
          : repeatMean
        : ownMean >= 0
          ? expectedOrderValue(m.params, 1, ownMean)
          : ownMean;
    case 'log-normal':
      // ln of a spend ≤ 0 is not defined: the population's order value, as for a customer with no spend
      return repeat
        ? logNormalOrderValue(m.params, x, repeatMean)
        : logNormalOrderValue(m.params, 1, ownMean);
  }
}

/**
 * Why a Gamma-Gamma fit is not used (null: it is): no convergence, q at its bound, or a population mean
 * p·v/(q−1) — what every sparse customer shrinks towards — outside GAMMA_GAMMA_PLAUSIBLE_BAND × the observed mean
 * repeat spend (with q near 1, very heavy tails, it explodes).
 */
export function gammaGammaRejection(fit: FitReport<GammaGammaParams>, rows: SpendSummary[]): string | null {
  let weight = 0;
  let spend = 0;
  for (const r of rows) {
    if (!(r.x > 0 && r.mean > 0)) continue;
    const w = r.weight ?? 1;
    weight += w;
    spend += w * r.mean;
  }
  const observedMean = spend / Math.max(1, weight);
  const { p, q, v } = fit.params;
  const populationMean = q > 1 ? (p * v) / (q - 1) : Infinity;
  const plausible =
    populationMean >= GAMMA_GAMMA_PLAUSIBLE_BAND.lower * observedMean &&
    populationMean <= GAMMA_GAMMA_PLAUSIBLE_BAND.upper * observedMean;
  if (Number.isFinite(fit.logLikelihood) && fit.converged && !fit.atBoundary.includes('q') && plausible)
    return null;
  return `q=${q.toFixed(3)}, implied mean spend ${Math.round(populationMean)} vs observed ${Math.round(observedMean)}: ${fit.warnings.join('; ') || 'implausible population mean'}`;
}

/** The weighted `percentile` of repeat buyers' mean spend (rows with x > 0 and mean > 0); +Infinity without any. */
export function winsorCap(rows: SpendSummary[], percentile: number): number {
  const used = rows
    .filter((r) => r.x > 0 && r.mean > 0 && (r.weight ?? 1) > 0)
    .sort((p, q) => p.mean - q.mean);
  const total = used.reduce((s, r) => s + (r.weight ?? 1), 0);
  if (total === 0) return Infinity;
  let seen = 0;
  for (const r of used) {
    seen += r.weight ?? 1;
    if (seen >= percentile * total) return r.mean;
  }
  return used[used.length - 1].mean;
}
