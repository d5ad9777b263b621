import fc from 'fast-check';
import { PERSONALITIES, type Personality } from '../playbooks/personality';
import { DIMENSION_VALUES, TRAIT_DIMENSIONS } from './personality-profile';
import { QUESTIONNAIRE, type Question, QuestionnaireError, scoreQuestionnaire } from './questionnaire';

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
  it('has 10–12 questions with unique ids, texts in en and zh-CN, and non-negative weights', () => {
    expect(QUESTIONNAIRE.length).toBeGreaterThanOrEqual(10);
    expect(QUESTIONNAIRE.length).toBeLessThanOrEqual(12);
    expect(new Set(QUESTIONNAIRE.map((q) => q.id)).size).toBe(QUESTIONNAIRE.length);
    for (const q of QUESTIONNAIRE) {
      expect(q.text.en.length).toBeGreaterThan(0);
      expect(q.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(new Set(q.options.map((o) => o.id)).size).toBe(q.options.length);
      for (const o of q.options) {
        expect(o.text.en.length).toBeGreaterThan(0);
        expect(o.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
        for (const w of Object.values(o.weights)) expect(w).toBeGreaterThanOrEqual(0);
        for (const [dimension, value] of Object.entries(o.traits ?? {})) {
          expect(DIMENSION_VALUES[dimension as keyof typeof DIMENSION_VALUES]).toContain(value);
        }
      }
    }
  });

  it("probes each of the seeds' dimensions with at least three questions", () => {
    for (const dimension of TRAIT_DIMENSIONS) {
      const probing = QUESTIONNAIRE.filter((q) => q.options.some((o) => o.traits?.[dimension]));
      expect(probing.length).toBeGreaterThanOrEqual(3);
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
    // rational 8 vs emotional 6 with 7 of 11 answered: (7 / 11) × (8 − 6) / 8
    expect(split.scores).toMatchObject({ rational: 8, emotional: 6 });
    expect(split.confidence).toBeCloseTo((7 / 11) * (2 / 8), 5);
    const two = scoreQuestionnaire({ first_question: 'specs', conversation: 'precise' });
    expect(two.personality).toBe('rational');
    expect(two.confidence).toBeCloseTo(2 / QUESTIONNAIRE.length, 5);
    const three = scoreQuestionnaire({
      first_question: 'specs',
      conversation: 'precise',
      persuaded_by: 'evidence',
    });
    expect(three.confidence).toBeCloseTo(3 / QUESTIONNAIRE.length, 5);
  });

  it('returns no personality for no answers', () => {
    expect(scoreQuestionnaire({})).toEqual({
      personality: null,
      scores: { rational: 0, emotional: 0, leader: 0, stable: 0 },
      confidence: 0,
      answered: 0,
      traits: {},
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

describe("scoreQuestionnaire: the seeds' dimensions", () => {
  it('reads a consistent leader as direct, extrovert and value-driven', () => {
    const result = scoreQuestionnaire(answersFor('leader'));
    expect(result.traits.communication?.value).toBe('direct');
    expect(result.traits.social?.value).toBe('extrovert');
    expect(result.traits.values?.value).toBe('value_driven');
    // decision: alone, bottom_line → neutral twice (and nothing else votes)
    expect(result.traits.decision).toEqual({ value: 'neutral', confidence: 1 });
  });

  it('reads a consistent stable as indirect and practical', () => {
    const result = scoreQuestionnaire(answersFor('stable'));
    expect(result.traits.communication?.value).toBe('indirect');
    expect(result.traits.values?.value).toBe('practical');
  });

  it('weighs a dimension by how many of its questions were answered and how split the votes are', () => {
    // social is probed by conversation, in_company and small_talk
    const one = scoreQuestionnaire({ in_company: 'reserved' });
    expect(one.traits.social).toEqual({ value: 'introvert', confidence: 1 / 3 });
    const split = scoreQuestionnaire({
      in_company: 'reserved',
      small_talk: 'agenda_first',
      conversation: 'warm',
    });
    // introvert 2 vs extrovert 1 of 3 votes, all three questions answered: 1 × (2 − 1) / 3
    expect(split.traits.social?.value).toBe('introvert');
    expect(split.traits.social?.confidence).toBeCloseTo(1 / 3, 10);
  });

  it('gives no value on a tie or without votes', () => {
    const tie = scoreQuestionnaire({ in_company: 'reserved', small_talk: 'chats' });
    expect(tie.traits.social).toBeUndefined();
    expect(scoreQuestionnaire({ new_things: 'excited' }).traits).toEqual({});
  });
});
