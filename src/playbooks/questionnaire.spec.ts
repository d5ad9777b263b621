import fc from 'fast-check';
import { PERSONALITIES, type Personality } from './personality';
import {
  DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE,
  QUESTIONNAIRE,
  type Question,
  QuestionnaireError,
  type QuestionnaireResult,
  resolvePersonality,
  scoreQuestionnaire,
} from './questionnaire';

/** The option of each question whose main weight is `type`. */
function answersFor(type: Personality, questions = QUESTIONNAIRE): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const q of questions) {
    const option = q.options.find((o) => (o.weights[type] ?? 0) === 2);
    if (option) answers[q.id] = option.id;
  }
  return answers;
}

function errorOf(fn: () => unknown): QuestionnaireError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QuestionnaireError);
    return err as QuestionnaireError;
  }
  throw new Error('expected an error');
}

describe('QUESTIONNAIRE', () => {
  it('has 6–8 questions with unique ids, texts in en and zh-CN, and non-negative weights', () => {
    expect(QUESTIONNAIRE.length).toBeGreaterThanOrEqual(6);
    expect(QUESTIONNAIRE.length).toBeLessThanOrEqual(8);
    expect(new Set(QUESTIONNAIRE.map((q) => q.id)).size).toBe(QUESTIONNAIRE.length);
    for (const q of QUESTIONNAIRE) {
      expect(q.text.en.length).toBeGreaterThan(0);
      expect(q.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(new Set(q.options.map((o) => o.id)).size).toBe(q.options.length);
      for (const o of q.options) {
        expect(o.text.en.length).toBeGreaterThan(0);
        expect(o.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
        for (const w of Object.values(o.weights)) expect(w).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('lets every question point to every type', () => {
    for (const q of QUESTIONNAIRE) {
      for (const type of PERSONALITIES) {
        expect(q.options.some((o) => (o.weights[type] ?? 0) === 2)).toBe(true);
      }
    }
  });
});

describe('scoreQuestionnaire', () => {
  it.each(PERSONALITIES)('recognises a consistent %s profile with high confidence', (type) => {
    const result = scoreQuestionnaire(answersFor(type));
    expect(result.personality).toBe(type);
    expect(result.answered).toBe(QUESTIONNAIRE.length);
    expect(result.confidence).toBeGreaterThan(0.8);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('returns raw weighted points', () => {
    const result = scoreQuestionnaire({ decision_style: 'analyse', first_question: 'feel' });
    expect(result.scores).toEqual({ rational: 2, emotional: 2, leader: 0, stable: 1 });
  });

  it('breaks a tie deterministically and gives it confidence 0', () => {
    const a = scoreQuestionnaire({ first_question: 'feel', conversation: 'precise' });
    const b = scoreQuestionnaire({ conversation: 'precise', first_question: 'feel' });
    expect(a).toEqual(b);
    expect(a.personality).toBe('rational');
    expect(a.confidence).toBe(0);
  });

  it('breaks a tie first by the number of answers that mainly picked each type', () => {
    const questions: Question[] = ['q1', 'q2', 'q3'].map((id) => ({
      id,
      dimension: 'focus',
      text: { en: id, 'zh-CN': '问题' },
      options: [
        { id: 'r4', text: { en: 'x', 'zh-CN': '答' }, weights: { rational: 4 } },
        { id: 's2', text: { en: 'y', 'zh-CN': '答' }, weights: { stable: 2 } },
      ],
    }));
    // rational 4 (one main pick) vs stable 4 (two main picks): stable wins although rational comes first.
    const result = scoreQuestionnaire({ q1: 'r4', q2: 's2', q3: 's2' }, questions);
    expect(result.scores.rational).toBe(4);
    expect(result.scores.stable).toBe(4);
    expect(result.personality).toBe('stable');
    expect(result.confidence).toBe(0);
  });

  it('lowers confidence for a split profile and for few answers', () => {
    const split = scoreQuestionnaire({
      first_question: 'specs',
      conversation: 'precise',
      persuaded_by: 'evidence',
      when_unhappy: 'documents',
      new_things: 'excited',
      in_company: 'outgoing',
      decision_style: 'instinct',
    });
    expect(split.personality).toBe('rational');
    expect(split.confidence).toBeCloseTo(0.25, 5);
    const two = scoreQuestionnaire({ first_question: 'specs', conversation: 'precise' });
    expect(two.personality).toBe('rational');
    expect(two.confidence).toBeCloseTo(2 / QUESTIONNAIRE.length, 5);
    expect(two.confidence).toBeLessThan(DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE);
    const three = scoreQuestionnaire({
      first_question: 'specs',
      conversation: 'precise',
      persuaded_by: 'evidence',
    });
    expect(three.confidence).toBeGreaterThan(DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE);
  });

  it('returns no personality for no answers', () => {
    expect(scoreQuestionnaire({})).toEqual({
      personality: null,
      scores: { rational: 0, emotional: 0, leader: 0, stable: 0 },
      confidence: 0,
      answered: 0,
    });
  });

  it('names an unknown question id', () => {
    const err = errorOf(() => scoreQuestionnaire({ first_question: 'specs', q99: 'a' }));
    expect(err.code).toBe('unknown_question');
    expect(err.questionId).toBe('q99');
    expect(err.message).toContain("'q99'");
    expect(err.message).toContain('first_question');
  });

  it('names an unknown option id and its question', () => {
    const err = errorOf(() => scoreQuestionnaire({ first_question: 'colour' }));
    expect(err.code).toBe('unknown_option');
    expect(err.message).toContain("'colour'");
    expect(err.message).toContain("'first_question'");
    expect(err.message).toContain('specs, feel, standing, assurance');
  });

  it('rejects a non-string answer', () => {
    const answers = { first_question: 3 } as unknown as Record<string, string>;
    expect(errorOf(() => scoreQuestionnaire(answers)).code).toBe('invalid_answer');
  });

  it('is a pure, order-independent function with confidence in [0, 1] (property)', () => {
    const arbAnswers = fc
      .subarray([...QUESTIONNAIRE])
      .chain((qs) =>
        fc.tuple(...qs.map((q) => fc.constantFrom(...q.options.map((o) => [q.id, o.id] as const)))),
      );
    fc.assert(
      fc.property(arbAnswers, (pairs) => {
        const answers = Object.fromEntries(pairs);
        const reversed = Object.fromEntries([...pairs].reverse());
        const result = scoreQuestionnaire(answers);
        expect(scoreQuestionnaire(reversed)).toEqual(result);
        expect(result.confidence).toBeGreaterThanOrEqual(0);
        expect(result.confidence).toBeLessThanOrEqual(1);
        expect(result.answered).toBe(pairs.length);
        if (pairs.length === 0) {
          expect(result.personality).toBeNull();
        } else {
          const max = Math.max(...Object.values(result.scores));
          expect(result.personality).not.toBeNull();
          expect(result.scores[result.personality!]).toBe(max);
        }
      }),
    );
  });
});

describe('resolvePersonality', () => {
  const q = (personality: Personality | null, confidence: number): QuestionnaireResult => ({
    personality,
    confidence,
    scores: { rational: 0, emotional: 0, leader: 0, stable: 0 },
    answered: 7,
  });

  it("prefers the rep's tag over everything", () => {
    expect(
      resolvePersonality({ repTag: 'leader', questionnaire: q('stable', 0.9), inferred: 'emotional' }),
    ).toEqual({
      personality: 'leader',
      source: 'rep_tag',
      suggestion: null,
    });
  });

  it('uses the questionnaire when its confidence is above the threshold', () => {
    expect(
      resolvePersonality({ repTag: null, questionnaire: q('stable', 0.31), inferred: 'emotional' }),
    ).toEqual({
      personality: 'stable',
      source: 'questionnaire',
      suggestion: null,
    });
    expect(
      resolvePersonality({ questionnaire: q('stable', 0.5), minConfidence: 0.6 }).personality,
    ).toBeNull();
  });

  it('returns null at or below the threshold; inference is only a suggestion', () => {
    const atThreshold = q('stable', DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE);
    expect(resolvePersonality({ questionnaire: atThreshold, inferred: 'emotional' })).toEqual({
      personality: null,
      source: null,
      suggestion: 'emotional',
    });
    expect(resolvePersonality({})).toEqual({ personality: null, source: null, suggestion: null });
  });

  it('ignores values that are not one of the four types', () => {
    const stale = 'dominant' as unknown as Personality;
    expect(resolvePersonality({ repTag: stale, questionnaire: q('rational', 0.9) }).source).toBe(
      'questionnaire',
    );
    expect(resolvePersonality({ questionnaire: q(stale, 0.9), inferred: stale })).toEqual({
      personality: null,
      source: null,
      suggestion: null,
    });
    expect(resolvePersonality({ questionnaire: q('rational', Number.NaN) }).personality).toBeNull();
  });
});
