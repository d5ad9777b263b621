import { inferTypeFromNotes, MAX_INFERRED_CONFIDENCE } from './inference';

describe('inferTypeFromNotes', () => {
  it('guesses from notes in both languages, weakly', () => {
    const guess = inferTypeFromNotes([
      'Asked for the spec sheet and a comparison with last year',
      '要求提供检测报告和单价对比',
      'Wants the figures by Friday',
      'Loved the new colour',
    ]);
    expect(guess).toMatchObject({
      type: 'rational',
      notes: { rational: 3, emotional: 1, leader: 0, stable: 0 },
    });
    // min(0.5, 0.1 × 3) × (3 − 1) / 3
    expect(guess?.confidence).toBeCloseTo(0.2, 10);
  });

  it('counts a note once per type and matches English cues as whole words only', () => {
    expect(inferTypeFromNotes(['data data data', 'nothing here'])).toBeNull();
    // "boss" inside "embossed", "cost" inside "costume": no cue
    expect(inferTypeFromNotes(['embossed costume', 'embossed costume'])).toBeNull();
  });

  it('needs two notes for the top type and no tie', () => {
    expect(inferTypeFromNotes(['warranty matters'])).toBeNull();
    expect(inferTypeFromNotes(['warranty matters', '质保多久', 'the boss decides', '老板拍板'])).toBeNull();
    expect(inferTypeFromNotes(['warranty matters', '质保多久'])?.type).toBe('stable');
  });

  it('never exceeds the cap, however many notes agree', () => {
    const many = Array.from({ length: 40 }, () => '售后和质保最重要');
    expect(inferTypeFromNotes(many)?.confidence).toBe(MAX_INFERRED_CONFIDENCE);
    expect(inferTypeFromNotes([])).toBeNull();
  });
});
