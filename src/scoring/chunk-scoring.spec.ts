import { BinaryCopyWriter } from './binary-copy';
import { writeScoreRow } from './chunk-io';
import { type ChunkInputRow, createChunkScorer, type RunModelContext } from './chunk-scoring';
import { DEFAULT_SCORING_POLICY } from './models/customer-policy';
import { bgNbdPBuy, paretoNbdPBuy } from './models/p-buy';

// CDNOW's BG/NBD (Fader, Hardie & Lee 2005: r 0.2426, α 4.414 weeks, a 0.793, b 2.426), α in days
const cdnow = { r: 0.2426, alpha: 30.898, a: 0.793, b: 2.426 };
const context = (over: Partial<RunModelContext> = {}): RunModelContext => ({
  asOf: '1997-09-30',
  horizonDays: 90,
  bgNbd: cdnow,
  gammaGamma: null,
  rfm: null,
  abc: null,
  discountRateAnnual: 0.1,
  margin: 1,
  ...over,
});
// four purchases (x = 3 repeats), the first 250 days ago, the last 130 days ago: t_x = 120, T = 250
const row = (over: Partial<ChunkInputRow> = {}): ChunkInputRow => ({
  customer_id: '42',
  kind: 'individual',
  transactions: 4,
  monetary: 12_000,
  repeat_mean_minor: 3_000,
  age_days: 250,
  recency_days: 130,
  days_since_interaction: null,
  complaints_90d: 0,
  last_survey: null,
  prev_clv: null,
  prev_tier: null,
  prev_lifecycle: null,
  ...over,
});
const summary = { x: 3, tx: 120, T: 250 };

describe('P(buy) of a scored customer', () => {
  it('is p-buy.ts over the run horizon for BG/NBD as fitted, and goes into the score row as p_buy', () => {
    const scored = createChunkScorer(context(), DEFAULT_SCORING_POLICY)(row());
    const expected = bgNbdPBuy(cdnow, 90, summary);
    expect(expected).toBeGreaterThan(0.05);
    expect(expected).toBeLessThan(scored.pAlive!);
    expect(scored.pBuy).toBe(expected);
    // the binary COPY row carries the same double as p_buy (the field after p_alive)
    const w = new BinaryCopyWriter(64);
    writeScoreRow(w, scored);
    const bytes = w.take();
    const at = bytes.indexOf(Buffer.from(new Float64Array([scored.pAlive!]).buffer).reverse());
    expect(at).toBeGreaterThan(0);
    expect([bytes.readInt32BE(at + 8), bytes.readDoubleBE(at + 12)]).toEqual([8, expected]);
  });

  it("is the chosen model's, unscaled: the correction scale multiplies purchases, not a probability", () => {
    const params = { r: 0.55, alpha: 74, s: 0.61, beta: 81.7 };
    const plain = createChunkScorer(
      context({ forecast: { model: 'pareto-nbd', params, scale: 1 } }),
      DEFAULT_SCORING_POLICY,
    )(row());
    const scaled = createChunkScorer(
      context({ forecast: { model: 'pareto-nbd', params, scale: 1.8 } }),
      DEFAULT_SCORING_POLICY,
    )(row());
    expect(plain.pBuy).toBeCloseTo(paretoNbdPBuy(params, 90, summary), 14);
    expect(scaled.pBuy).toBe(plain.pBuy);
    expect(scaled.expectedPurchases).toBeCloseTo(1.8 * plain.expectedPurchases!, 12);
  });

  it('is null without a fitted count model and for a customer who never bought', () => {
    expect(createChunkScorer(context({ bgNbd: null }), DEFAULT_SCORING_POLICY)(row()).pBuy).toBeNull();
    const prospect = row({
      transactions: 0,
      monetary: 0,
      repeat_mean_minor: null,
      age_days: null,
      recency_days: null,
    });
    expect(createChunkScorer(context(), DEFAULT_SCORING_POLICY)(prospect).pBuy).toBeNull();
  });
});
