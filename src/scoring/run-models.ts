import { DataSource } from 'typeorm';
import { fitBgNbd } from './models/bg-nbd';
import { customerLifetimeValue } from './models/clv';
import { fitGammaGamma } from './models/gamma-gamma';
import { spendEstimate } from './chunk-scoring';
import { BgNbdParams, FitReport, GammaGammaParams } from './models/types';
import { SCORE_RUN_SQL as SQL } from './score-run.sql';

/** Below these counts the probabilistic models are not fitted: RFM, ABC and the cycle rules carry the run. */
export const MIN_BUYERS_FOR_BGNBD = 30;
export const MIN_REPEATERS_FOR_BGNBD = 10;
export const MIN_REPEATERS_FOR_GAMMA_GAMMA = 20;
/** CLV percentiles are computed on at most about this many buyers (a deterministic id-modulus sample). */
const CLV_SAMPLE_TARGET = 50_000;

export interface ModelReport {
  summary: { bgNbd: 'fitted' | 'skipped' | 'rejected'; gammaGamma: 'fitted' | 'skipped' | 'rejected' };
  bgNbd?: {
    params: BgNbdParams;
    logLikelihood: number;
    converged: boolean;
    atBoundary: string[];
    warnings: string[];
    distinctRows: number;
    seconds: number;
  };
  gammaGamma?: {
    params: GammaGammaParams;
    logLikelihood: number;
    converged: boolean;
    atBoundary: string[];
    warnings: string[];
    seconds: number;
  };
  reasons: string[];
  highClvMin: number | null;
  clvSampleSize: number;
}

/**
 * Fits BG/NBD and Gamma-Gamma on the run's inputs when the data supports them and says, in the report, which
 * models were used and why. Never throws for thin or degenerate data: it falls back and explains.
 */
export async function fitRunModels(
  db: Pick<DataSource, 'query'>,
  opts: {
    runId: string;
    asOf: string;
    horizonDays: number;
    buyers: number;
    repeaters: number;
    discountRateAnnual: number;
  },
): Promise<{
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  highClvMin: number | null;
  report: ModelReport;
}> {
  const reasons: string[] = [];
  let bgNbd: BgNbdParams | null = null;
  let gammaGamma: GammaGammaParams | null = null;
  const report: ModelReport = {
    summary: { bgNbd: 'skipped', gammaGamma: 'skipped' },
    reasons,
    highClvMin: null,
    clvSampleSize: 0,
  };

  if (opts.buyers < MIN_BUYERS_FOR_BGNBD || opts.repeaters < MIN_REPEATERS_FOR_BGNBD) {
    reasons.push(
      `BG/NBD not fitted: ${opts.buyers} buyers and ${opts.repeaters} repeat buyers (needs ${MIN_BUYERS_FOR_BGNBD} and ${MIN_REPEATERS_FOR_BGNBD}); lifecycle and priority use each customer's own cycle and RFM instead`,
    );
  } else {
    const t0 = Date.now();
    const rows: Array<{ x: number; tx: number; t: number; weight: number }> = await db.query(SQL.bgNbdRows, [
      opts.runId,
      opts.asOf,
    ]);
    const fit: FitReport<BgNbdParams> = fitBgNbd(
      rows.map((r) => ({ x: Number(r.x), tx: Number(r.tx), T: Number(r.t), weight: r.weight })),
    );
    report.bgNbd = { ...pick(fit), distinctRows: rows.length, seconds: (Date.now() - t0) / 1000 };
    if (Number.isFinite(fit.logLikelihood) && fit.converged) {
      bgNbd = fit.params;
      report.summary.bgNbd = 'fitted';
      if (fit.atBoundary.length)
        reasons.push(
          `BG/NBD fitted with parameters on a bound (${fit.atBoundary.join(', ')}): ${fit.warnings.join('; ')}`,
        );
    } else {
      report.summary.bgNbd = 'rejected';
      reasons.push(
        `BG/NBD fit rejected (converged=${fit.converged}): ${fit.warnings.join('; ') || 'non-finite likelihood'}`,
      );
    }
  }

  if (opts.repeaters < MIN_REPEATERS_FOR_GAMMA_GAMMA) {
    reasons.push(
      `Gamma-Gamma not fitted: ${opts.repeaters} repeat buyers (needs ${MIN_REPEATERS_FOR_GAMMA_GAMMA}); expected order value = the customer's own mean`,
    );
  } else {
    const t0 = Date.now();
    const rows: Array<{ x: number; mean: number; weight: number }> = await db.query(SQL.gammaGammaRows, [
      opts.runId,
    ]);
    const fit = fitGammaGamma(rows.map((r) => ({ x: Number(r.x), mean: Number(r.mean), weight: r.weight })));
    report.gammaGamma = { ...pick(fit), seconds: (Date.now() - t0) / 1000 };
    // The population mean p·v/(q−1) is what every sparse customer shrinks towards; with q near 1 (very heavy tails)
    // it explodes, so such a fit is not used. Sanity band: within 0.2–5× the observed mean repeat spend.
    const weightTotal = rows.reduce((n, r) => n + r.weight, 0);
    const observedMean =
      rows.reduce((sum, r) => sum + Number(r.mean) * r.weight, 0) / Math.max(1, weightTotal);
    const populationMean = fit.params.q > 1 ? (fit.params.p * fit.params.v) / (fit.params.q - 1) : Infinity;
    const plausible = populationMean >= 0.2 * observedMean && populationMean <= 5 * observedMean;
    if (Number.isFinite(fit.logLikelihood) && fit.converged && !fit.atBoundary.includes('q') && plausible) {
      gammaGamma = fit.params;
      report.summary.gammaGamma = 'fitted';
    } else {
      report.summary.gammaGamma = 'rejected';
      reasons.push(
        `Gamma-Gamma fit not used (q=${fit.params.q.toFixed(3)}, implied mean spend ${Math.round(populationMean)} vs observed ${Math.round(observedMean)}): ${fit.warnings.join('; ') || 'implausible population mean'}; expected order value = the customer's own mean`,
      );
    }
  }

  let highClvMin: number | null = null;
  if (bgNbd) {
    const modulus = Math.max(1, Math.ceil(opts.buyers / CLV_SAMPLE_TARGET));
    const sample: Array<{
      x: number;
      tx: number;
      t: number;
      repeat_mean_minor: number | null;
      monetary: string;
      transactions: number;
    }> = await db.query(SQL.clvSample, [opts.runId, opts.asOf, modulus]);
    const clvs = sample
      .map((s) => {
        const summary = { x: Number(s.x), tx: Number(s.tx), T: Number(s.t) };
        const own = Number(s.monetary) / s.transactions;
        const eov = gammaGamma ? spendEstimate(gammaGamma, summary.x, s.repeat_mean_minor, own) : own;
        return customerLifetimeValue({
          bgnbd: bgNbd as BgNbdParams,
          summary,
          expectedOrderValue: eov,
          horizon: opts.horizonDays,
          periodLength: 30,
          discountRatePerPeriod: Math.pow(1 + opts.discountRateAnnual, 30 / 365) - 1,
          margin: 1, // revenue basis, as the rules compare CLV with spend
        });
      })
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    if (clvs.length > 0) highClvMin = clvs[Math.min(clvs.length - 1, Math.ceil(0.8 * clvs.length) - 1)];
    report.clvSampleSize = clvs.length;
  }
  report.highClvMin = highClvMin;
  return { bgNbd, gammaGamma, highClvMin, report };
}

function pick<P>(fit: FitReport<P>) {
  return {
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    converged: fit.converged,
    atBoundary: fit.atBoundary,
    warnings: fit.warnings,
  };
}
