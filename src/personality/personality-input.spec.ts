import { parseAnswers, parseTag } from './personality-input';
import { QUESTIONNAIRE } from './questionnaire';

describe('parseTag', () => {
  it('accepts a type, dimensions and a confidence', () => {
    expect(parseTag({ type: 'leader', social: 'introvert', confidence: 0.7 })).toEqual({
      input: { values: { type: 'leader', social: 'introvert' }, confidence: 0.7 },
      issues: [],
    });
    expect(parseTag({ values: 'value_driven' }).input).toEqual({ values: { values: 'value_driven' } });
  });

  it('names every refused field by its path', () => {
    const { input, issues } = parseTag({ type: 'analytical', social: 3, confidence: 1.5, mood: 'x' });
    expect(input).toBeUndefined();
    expect(issues.map((i) => i.path).sort()).toEqual(['confidence', 'mood', 'social', 'type']);
    expect(issues.find((i) => i.path === 'type')?.message).toBe(
      'must be one of rational, emotional, leader, stable',
    );
  });

  it('refuses an empty statement and a non-object', () => {
    expect(parseTag({ confidence: 0.5 }).issues).toEqual([
      { path: '(body)', message: 'name at least one of type, social, decision, communication, values' },
    ]);
    expect(parseTag([]).issues[0].path).toBe('(body)');
  });
});

describe('parseAnswers', () => {
  const six = Object.fromEntries(QUESTIONNAIRE.slice(0, 6).map((q) => [q.id, q.options[0].id]));

  it('accepts six or more known answers', () => {
    expect(parseAnswers({ answers: six })).toEqual({ answers: six, issues: [] });
  });

  it('names unknown questions and options by path, and too few answers', () => {
    const { answers, issues } = parseAnswers({
      answers: { first_question: 'colour', q99: 'a', in_company: 4 },
    });
    expect(answers).toBeUndefined();
    expect(issues.map((i) => i.path)).toEqual([
      'answers.first_question',
      'answers.q99',
      'answers.in_company',
      'answers',
    ]);
    expect(issues[3].message).toBe('answer at least 6 of the 11 questions (got 3)');
  });

  it('refuses a missing answers object and unknown fields', () => {
    expect(parseAnswers({ answer: six }).issues.map((i) => i.path)).toEqual(['answer', 'answers']);
  });
});
