import type { ScoreRow } from './chunk-scoring';
import { BinaryCopyWriter } from './binary-copy';
import fc from 'fast-check';
import { codesJson, historyLine, jsonNumber, reasonsJson, writeScoreRow } from './chunk-io';

describe('chunk COPY text', () => {
  it('writes score rows in binary COPY format and history lines with \\N for null', () => {
    const row: ScoreRow = {
      customerId: '7',
      recencyDays: null,
      frequency: 0,
      monetary: 0,
      rScore: null,
      fScore: null,
      mScore: null,
      rfmSegment: null,
      abcClass: null,
      valueTier: 'general',
      frequencyClass: 'zero',
      lifecycle: 'prospect',
      pAlive: 0.5,
      pBuy: 0.25,
      expectedPurchases: null,
      expectedOrderValue: null,
      clv: null,
      churnRisk: 0,
      priority: 2,
      reasons: [{ code: 'prospect', weight: 2 }],
      lifecycleReasons: ['no_purchase'],
    };
    const w = new BinaryCopyWriter(16);
    writeScoreRow(w, row);
    const b = w.take();
    expect(b.readInt16BE(0)).toBe(21);
    expect([b.readInt32BE(2), b.readBigInt64BE(6)]).toEqual([8, 7n]); // customer_id
    expect(b.readInt32BE(14)).toBe(-1); // recency_days NULL
    // after the texts 'general', 'zero', 'prospect' (byte 89): p_alive, then p_buy, as SCORE_COLUMNS lists them
    expect([b.readInt32BE(89), b.readDoubleBE(93), b.readInt32BE(101), b.readDoubleBE(105)]).toEqual([
      8, 0.5, 8, 0.25,
    ]);
    const json = JSON.stringify(row.lifecycleReasons);
    expect(b.subarray(b.length - json.length).toString()).toBe(json);
    expect(b[b.length - json.length - 1]).toBe(1); // jsonb version
    const reasons = JSON.stringify(row.reasons);
    const end = b.length - json.length - 5; // before the last field's length and version
    expect(b.subarray(end - reasons.length, end).toString()).toBe(reasons);
    expect(historyLine('r', 'w', row)).toBe('r\t7\tw\tg\tp\t2\t\\N\n');
  });

  it("builds the reasons' JSON character for character as JSON.stringify", () => {
    // every weight a priority term can get (0.01 steps up to 100 points) and then some
    const differ: number[] = [];
    for (let k = 0; k <= 1_000_000; k++) if (jsonNumber(k / 100) !== JSON.stringify(k / 100)) differ.push(k);
    expect(differ).toEqual([]);
    for (const v of [
      0,
      -0,
      -1.5,
      1e-7,
      5e-324,
      999_999.99,
      1e6,
      1e21,
      123_456_789.12,
      NaN,
      Infinity,
      0.1 + 0.2,
    ])
      expect(jsonNumber(v)).toBe(JSON.stringify(v));
    fc.assert(
      fc.property(
        fc.array(fc.record({ code: fc.string(), weight: fc.double() }), { maxLength: 10 }),
        fc.array(fc.string(), { maxLength: 8 }),
        (reasons, codes) => {
          expect(reasonsJson(reasons)).toBe(JSON.stringify(reasons));
          expect(codesJson(codes)).toBe(JSON.stringify(codes));
        },
      ),
    );
  });
});
