import fc from 'fast-check';
import type { ScoreRow } from './chunk-scoring';
import { escapeCopy, historyLine, parseChunkLine, scoreLine, unescapeCopy } from './chunk-io';

describe('chunk COPY text', () => {
  it('escapes and unescapes any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const escaped = escapeCopy(s);
        expect(escaped).not.toMatch(/[\t\n\r]/);
        expect(unescapeCopy(escaped)).toBe(s);
      }),
    );
  });

  it('parses a chunk line, nulls included', () => {
    const line = '42\tcus-1\\t2\tbusiness\t3\t15000\t2500.5\t100\t7\t\\N\t1\t\\N\t30000\tcore\tloyal\t55.5';
    expect(parseChunkLine(line.split('\t'))).toEqual({
      customer_id: '42',
      external_id: 'cus-1\t2',
      kind: 'business',
      transactions: 3,
      monetary: 15000,
      repeat_mean_minor: 2500.5,
      age_days: 100,
      recency_days: 7,
      days_since_interaction: null,
      complaints_90d: 1,
      last_survey: null,
      prev_clv: 30000,
      prev_tier: 'core',
      prev_lifecycle: 'loyal',
      prev_priority: 55.5,
    });
  });

  it('writes score and history lines with \\N for null and escaped JSON', () => {
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
      pAlive: null,
      expectedPurchases: null,
      expectedOrderValue: null,
      clv: null,
      churnRisk: 0,
      priority: 2,
      reasons: [{ code: 'prospect', weight: 2 }],
    };
    const fields = scoreLine(row).replace(/\n$/, '').split('\t');
    expect(fields).toHaveLength(19);
    expect(fields.slice(0, 4)).toEqual(['7', '\\N', '0', '0']);
    expect(JSON.parse(unescapeCopy(fields[18]))).toEqual(row.reasons);
    expect(historyLine('r', 'w', row)).toBe('r\t7\tw\tg\tp\t2\t\\N\n');
  });
});
