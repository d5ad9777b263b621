import {
  decayedConfidence,
  effectiveType,
  HALF_LIFE_DAYS,
  MIN_GUESS_CONFIDENCE,
  type Observation,
  resolveProfile,
  type Source,
} from './personality-profile';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
let nextId = 0;

function obs(source: Source, value: string, daysAgo: number, extra: Partial<Observation> = {}): Observation {
  return {
    id: String(++nextId),
    dimension: 'type',
    value,
    source,
    confidence: source === 'crm_import' ? 0.6 : 1,
    actor: { kind: 'rep', id: '1' },
    observedAt: new Date(NOW.getTime() - daysAgo * DAY),
    ...extra,
  };
}

describe('decayedConfidence', () => {
  it('halves every half-life of the source', () => {
    for (const source of ['rep_tag', 'questionnaire', 'crm_import', 'inferred'] as const) {
      const half = HALF_LIFE_DAYS[source];
      expect(decayedConfidence(obs(source, 'rational', 0, { confidence: 0.8 }), NOW)).toBeCloseTo(0.8, 10);
      expect(decayedConfidence(obs(source, 'rational', half, { confidence: 0.8 }), NOW)).toBeCloseTo(0.4, 10);
      expect(decayedConfidence(obs(source, 'rational', 2 * half, { confidence: 0.8 }), NOW)).toBeCloseTo(
        0.2,
        10,
      );
    }
  });

  it('does not grow for an observation dated after asOf', () => {
    expect(decayedConfidence(obs('inferred', 'stable', -30, { confidence: 0.5 }), NOW)).toBe(0.5);
  });
});

describe('resolveProfile: precedence', () => {
  it("a rep's tag beats a newer, confident CRM import", () => {
    const profile = resolveProfile(
      [obs('rep_tag', 'leader', 200, { confidence: 0.3 }), obs('crm_import', 'stable', 0, { confidence: 1 })],
      NOW,
    );
    expect(profile.type).toMatchObject({ value: 'leader', source: 'rep_tag', recordedConfidence: 0.3 });
    expect(effectiveType(profile)).toBe('leader');
  });

  it('a questionnaire beats an inference; the newest person statement counts', () => {
    const q = obs('questionnaire', 'rational', 30, { confidence: 0.7 });
    const inferred = obs('inferred', 'emotional', 1, { confidence: 0.9 });
    expect(resolveProfile([q, inferred], NOW).type?.source).toBe('questionnaire');
    const laterTag = obs('rep_tag', 'stable', 10);
    expect(resolveProfile([q, inferred, laterTag], NOW).type).toMatchObject({
      value: 'stable',
      source: 'rep_tag',
    });
    const laterQuestionnaire = obs('questionnaire', 'leader', 5, { confidence: 0.5 });
    expect(resolveProfile([q, laterTag, laterQuestionnaire], NOW).type?.value).toBe('leader');
  });

  it('orders two person statements of the same instant by id', () => {
    const a = obs('rep_tag', 'stable', 0);
    const b = obs('rep_tag', 'leader', 0);
    expect(resolveProfile([b, a], NOW).type?.value).toBe('leader');
  });

  it('among guesses the higher current confidence wins', () => {
    const oldImport = obs('crm_import', 'stable', 360, { confidence: 0.6 }); // 0.15 now
    const freshInference = obs('inferred', 'emotional', 0, { confidence: 0.4 });
    expect(resolveProfile([oldImport, freshInference], NOW).type).toMatchObject({
      value: 'emotional',
      source: 'inferred',
    });
  });

  it('resolves each dimension on its own and ignores values a dimension does not know', () => {
    const profile = resolveProfile(
      [
        obs('crm_import', 'rational', 0),
        obs('rep_tag', 'introvert', 3, { dimension: 'social' }),
        obs('questionnaire', 'practical', 2, { dimension: 'values', confidence: 0.5 }),
        obs('rep_tag', 'analytical', 0), // not one of the four types: ignored
        obs('rep_tag', 'stable', 1, { dimension: 'social' }), // a type is not a social value
      ],
      NOW,
    );
    expect(profile.type).toMatchObject({ value: 'rational', source: 'crm_import' });
    expect(profile.social).toMatchObject({ value: 'introvert', source: 'rep_tag' });
    expect(profile.values?.confidence).toBeCloseTo(0.5 * Math.pow(0.5, 2 / 365), 10);
    expect(profile.decision).toBeNull();
    expect(profile.communication).toBeNull();
  });
});

describe('resolveProfile: decay', () => {
  it('a guess stops counting once its confidence decays below the floor', () => {
    // 0.6 × 0.5^(d/180) < 0.1 ⇔ d > 180 × log2(6) ≈ 465.3
    const days = Math.ceil(180 * Math.log2(0.6 / MIN_GUESS_CONFIDENCE));
    expect(resolveProfile([obs('crm_import', 'stable', days - 1)], NOW).type?.value).toBe('stable');
    expect(resolveProfile([obs('crm_import', 'stable', days)], NOW).type).toBeNull();
  });

  it("a person's statement keeps counting, its confidence shown decayed", () => {
    const profile = resolveProfile([obs('rep_tag', 'leader', 3 * 365), obs('crm_import', 'stable', 0)], NOW);
    expect(profile.type).toMatchObject({ value: 'leader', recordedConfidence: 1 });
    expect(profile.type?.confidence).toBeCloseTo(0.125, 10);
  });

  it('an empty history gives an empty profile', () => {
    expect(resolveProfile([], NOW)).toEqual({
      type: null,
      social: null,
      decision: null,
      communication: null,
      values: null,
    });
  });
});
