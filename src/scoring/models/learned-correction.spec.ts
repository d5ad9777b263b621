import fc from 'fast-check';
import { splitHistories } from './backtest';
import { fitCountModelByName } from './count-models';
import {
  awaitSecondNight,
  CORRECTION_FEATURES,
  correctedPBuy,
  correctionFeatures,
  correctionFold,
  correctionLevel,
  countFactor,
  crossValidate,
  fitCorrection,
  judgeCorrection,
  learnCorrection,
} from './learned-correction';
import { plant, plantCorrectable, poisson, random } from './seasonality.testdata';

/**
 * Backtest rows of a model whose E[X] is right up to `distortion(recency ratio)`: actual ~ Poisson(E · distortion).
 * P(buy) is the Poisson one of the model's E.
 */
function rows(n: number, seed: number, distortion: (recency: number) => number) {
  const u = random(seed);
  return Array.from({ length: n }, () => {
    const x = Math.floor(6 * u());
    const T = 30 + Math.floor(300 * u());
    const tx = x > 0 ? Math.floor(T * u()) : 0;
    const s = { x, tx, T };
    const expected = (0.2 + x) * (0.3 + u());
    const pBuy = 1 - Math.exp(-expected);
    const features = correctionFeatures(s, expected, pBuy);
    return { features, expected, pBuy, actual: poisson(expected * distortion(features[2]), u) };
  });
}

describe('the learned correction', () => {
  it('is not used when the model is already right (the correction does not validate)', () => {
    const v = crossValidate(rows(3_000, 1, () => 1));
    const verdict = judgeCorrection(v);
    expect(verdict.count).toBe(false);
    expect(verdict.pBuy).toBe(false);
    expect(verdict.reason).toMatch(/not corrected.*not corrected/);
  });

  it('is used when the model misses a pattern the features show, and cuts the cross-fitted error', () => {
    // recent buyers buy 3× what the model says, long-silent ones a third
    const v = crossValidate(rows(3_000, 2, (r) => Math.exp(2.2 * (r - 0.5))));
    const verdict = judgeCorrection(v);
    expect(verdict.count).toBe(true);
    expect(verdict.pBuy).toBe(true);
    expect(v.corrected.mae).toBeLessThan(v.uncorrected.mae);
    expect(v.corrected.auc!).toBeGreaterThan(v.uncorrected.auc!);
    // the counts' part re-distributes: the total stays the model's (per fold, so here over all)
    expect(v.corrected.predicted).toBeCloseTo(v.uncorrected.predicted, 6);
  });

  it('moves less from one night to the next when pulled toward the previous night’s coefficients', () => {
    // each night a new sample of 2,000 from the same population, as the rotating backtest sample is
    const distortion = (r: number) => Math.exp(2.2 * (r - 0.5));
    const nights = [11, 12, 13, 14, 15, 16].map((seed) => rows(2_000, seed, distortion));
    const probe = rows(2_000, 99, distortion);
    /** the largest change of a customer's count factor between two nights' coefficients */
    const swing = (a: number[], b: number[]) =>
      Math.max(
        ...probe.map((r) =>
          Math.abs(
            Math.log(countFactor({ count: a, pBuy: null, level: 1 }, r.features)) -
              Math.log(countFactor({ count: b, pBuy: null, level: 1 }, r.features)),
          ),
        ),
      );
    let fresh = fitCorrection(nights[0]);
    let pulled = fresh;
    const freshSwings: number[] = [];
    const pulledSwings: number[] = [];
    for (const night of nights.slice(1)) {
      const f = fitCorrection(night);
      const p = fitCorrection(night, pulled);
      freshSwings.push(swing(fresh.count!, f.count!));
      pulledSwings.push(swing(pulled.count!, p.count!));
      fresh = f;
      pulled = p;
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(pulledSwings)).toBeLessThan(0.5 * mean(freshSwings));
    // and it still learns the pattern: recent buyers' factor above the long-silent ones'
    const recent = probe.filter((r) => r.features[2] > 0.9);
    const silent = probe.filter((r) => r.features[3] > 0 && r.features[2] < 0.1);
    const factor = (r: { features: number[] }) => countFactor({ ...pulled, level: 1 }, r.features);
    expect(mean(recent.map(factor))).toBeGreaterThan(2 * mean(silent.map(factor)));
  });

  it('keeps a part the previous run used while it does not lose; switching one on takes the full margin', () => {
    const v = crossValidate(rows(3_000, 2, (r) => Math.exp(2.2 * (r - 0.5))));
    const within = (share: number) => ({
      ...v,
      corrected: {
        ...v.corrected,
        mae: v.uncorrected.mae * (1 - share),
        auc: v.uncorrected.auc! + share / 10,
      },
      uncorrectedAucExpected: v.uncorrected.auc,
    });
    const small = within(0.004); // below both margins, but not a loss
    expect(judgeCorrection(small)).toMatchObject({ count: false, pBuy: false });
    const kept = judgeCorrection(small, { count: true, pBuy: true });
    expect(kept).toMatchObject({ count: true, pBuy: true });
    expect(kept.reason).toMatch(/as in the previous run/);
    const loss = within(-0.004);
    const dropped = judgeCorrection(loss, { count: true, pBuy: true });
    expect(dropped).toMatchObject({ count: false, pBuy: false });
    expect(dropped.reason).toMatch(/MAE higher than uncorrected.*AUC lower than uncorrected/);
    // the top decile: a part in use stays within a point of it, one switched on must stay within half a point
    const top = (points: number) => ({
      ...within(0.02),
      corrected: {
        ...within(0.02).corrected,
        topDecileCapture: v.uncorrected.topDecileCapture! - points / 100,
      },
    });
    expect(judgeCorrection(top(0.7)).count).toBe(false);
    expect(judgeCorrection(top(0.7), { count: true, pBuy: false }).count).toBe(true);
    expect(judgeCorrection(top(1.2), { count: true, pBuy: false })).toMatchObject({ count: false });
    expect(judgeCorrection(top(1.2), { count: true, pBuy: false }).reason).toMatch(
      /top decile more than 1 points lower/,
    );
    expect(judgeCorrection(top(0.3)).count).toBe(true);
  });

  it('switches a part on only when the previous run’s validation supported it too', () => {
    const on = { count: true, pBuy: true };
    const off = { count: false, pBuy: false };
    // no previous run of this model: nothing to hold still against, the verdict stands
    expect(awaitSecondNight(on, off, null)).toEqual({ use: on, waiting: off });
    // the previous run did not support it: tonight's support waits a night
    expect(awaitSecondNight(on, off, off)).toEqual({ use: off, waiting: on });
    // it did (used or waiting): switched on
    expect(awaitSecondNight(on, off, on)).toEqual({ use: on, waiting: off });
    expect(awaitSecondNight(on, off, { count: true, pBuy: false })).toEqual({
      use: { count: true, pBuy: false },
      waiting: { count: false, pBuy: true },
    });
    // a part in use is the guard's to keep or drop; an unsupported part never switches on
    expect(awaitSecondNight(on, on, off)).toEqual({ use: on, waiting: off });
    expect(awaitSecondNight(off, on, on)).toEqual({ use: off, waiting: off });
  });

  it('on data whose model misses a pattern: waits a night for the previous run to agree, then switches on', () => {
    // recent buyers buy more than the model says: the case the correction is for (run-models.spec.ts plants it)
    const histories = plantCorrectable().filter((_, i) => i % 3 === 0);
    const split = splitHistories(histories, 800);
    const fit = fitCountModelByName('bg-nbd', split.summaries);
    const learn = (previousSupport: { count: boolean; pBuy: boolean } | null) =>
      learnCorrection(histories, { model: 'bg-nbd', params: fit.params, horizon: 100 }, 900, {
        previousSupport,
      });
    const fresh = learn(null);
    expect(fresh.usedCount).toBe(true);
    expect(fresh.supported.count).toBe(true);
    const first = learn({ count: false, pBuy: false });
    expect(first.usedCount).toBe(false);
    expect(first.correction?.count ?? null).toBeNull();
    expect(first.supported).toEqual(fresh.supported);
    expect(first.reason).toMatch(
      /^no learned correction: expected purchases supported — waiting: the previous run's validation did not support it/,
    );
    const second = learn(first.supported);
    expect(second.usedCount).toBe(true);
    expect(second.correction).toEqual(fresh.correction);
  });

  it('says why when there are too few buyers, and learns nothing', () => {
    const histories = plant({ customers: 60, start: 0, end: 700, months: new Array(12).fill(1), seed: 3 });
    const split = splitHistories(histories, 600);
    const fit = fitCountModelByName('bg-nbd', split.summaries);
    const r = learnCorrection(histories, { model: 'bg-nbd', params: fit.params, horizon: 100 }, 700);
    expect(r.correction).toBeNull();
    expect(r.validation).toBeNull();
    expect(r.reason).toMatch(
      /no learned correction: \d+ customers and \d+ who bought .*\(needs 200 and 50\)/,
    );
  });

  it('on a backtest split of planted data: reports both sides of the validation, the same on every call', () => {
    const histories = plant({
      customers: 3_000,
      start: 0,
      end: 1_000,
      months: new Array(12).fill(1),
      seed: 4,
    });
    const split = splitHistories(histories, 900);
    const fit = fitCountModelByName('bg-nbd', split.summaries);
    const a = learnCorrection(histories, { model: 'bg-nbd', params: fit.params, horizon: 100 }, 1_000);
    const b = learnCorrection(histories, { model: 'bg-nbd', params: fit.params, horizon: 100 }, 1_000);
    expect(a).toEqual(b);
    expect(a.validation).not.toBeNull();
    expect(a.customers).toBe(split.summaries.length);
    // the guard's verdict matches the figures it reports
    expect(a.usedCount).toBe(
      a.validation!.corrected.mae <= 0.99 * a.validation!.uncorrected.mae &&
        a.validation!.corrected.topDecileCapture! >= a.validation!.uncorrected.topDecileCapture! - 0.005,
    );
  });

  it('normalises the counts’ factor so the corrected purchases sum to the uncorrected (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
          minLength: CORRECTION_FEATURES.length + 1,
          maxLength: CORRECTION_FEATURES.length + 1,
        }),
        fc.integer({ min: 1, max: 1_000 }),
        (count, seed) => {
          const data = rows(50, seed, () => 1);
          const c = { count, pBuy: null };
          const level = correctionLevel(c, data);
          const total = data.reduce((s, r) => s + r.expected * countFactor({ ...c, level }, r.features), 0);
          const plain = data.reduce((s, r) => s + r.expected, 0);
          expect(total).toBeCloseTo(plain, 6);
          // without a P(buy) part, P(buy) is the model's
          expect(correctedPBuy(c, data[0].features, data[0].pBuy)).toBe(data[0].pBuy);
        },
      ),
    );
  });

  it('splits customers into two folds of about half each, deterministically', () => {
    const folds = Array.from({ length: 10_000 }, (_, i) => correctionFold(i));
    const ones = folds.reduce<number>((s, f) => s + f, 0);
    expect(ones).toBeGreaterThan(4_800);
    expect(ones).toBeLessThan(5_200);
    expect(Array.from({ length: 10_000 }, (_, i) => correctionFold(i))).toEqual(folds);
  });
});
