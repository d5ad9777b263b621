import {
  COUNT_MODELS,
  type CountModelParams,
  type FittedCountModel,
  horizonPredictor,
  modelExpectedPurchases,
  modelPBuy,
} from './count-models';
import type { RepeatSummary } from './types';

/** Summaries in days with many repeated (x, T) pairs, as a backtest split has. */
function summaries(): RepeatSummary[] {
  const out: RepeatSummary[] = [];
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < 600; i++) {
    const T = 7 * Math.floor(next() * 40) + Math.floor(next() * 3);
    const x = Math.floor(next() * 6);
    const tx = x === 0 ? 0 : Math.floor(next() * (T + 1));
    out.push({ x, tx, T });
  }
  out.push({ x: 2, tx: 10.5, T: 30.25 }); // non-integer times are computed without the memo
  return out;
}

const PARAMS: Record<string, CountModelParams> = {
  'bg-nbd': { r: 0.24, alpha: 4.41 * 7, a: 0.79, b: 2.43 },
  'mbg-nbd': { r: 0.53, alpha: 6.18 * 7, a: 0.89, b: 1.61 },
  'pareto-nbd': { r: 0.55, alpha: 10.58 * 7, s: 0.61, beta: 11.67 * 7 },
};

describe('horizonPredictor', () => {
  it.each(COUNT_MODELS)('%s: the per-customer figures to the bit, with and without a rate scale', (model) => {
    const fitted: FittedCountModel = { model, params: PARAMS[model] };
    for (const h of [0, 28, 91]) {
      const predictor = horizonPredictor(fitted, h);
      for (const s of summaries()) {
        expect(Object.is(predictor.expected(s), modelExpectedPurchases(fitted, h, s))).toBe(true);
        expect(Object.is(predictor.pBuy(s), modelPBuy(fitted, h, s))).toBe(true);
        const scale = 0.8 + (s.T % 5) / 10;
        expect(Object.is(predictor.pBuy(s, scale), modelPBuy(fitted, h, s, scale))).toBe(true);
      }
    }
  });

  it('rejects what the per-customer functions reject', () => {
    const fitted: FittedCountModel = { model: 'pareto-nbd', params: PARAMS['pareto-nbd'] };
    expect(() => horizonPredictor(fitted, -1)).toThrow(RangeError);
    expect(() => horizonPredictor(fitted, 28).pBuy({ x: 1, tx: 2, T: 9 }, 0)).toThrow(RangeError);
    expect(() => horizonPredictor(fitted, 28).expected({ x: 1, tx: 10, T: 9 })).toThrow(RangeError);
  });
});
