/**
 * The bodies of the personality writes, checked at the edge: every problem with its field path, so a client can
 * point at the field (422 invalid_personality). Pure; no framework imports.
 */
import { DIMENSION_VALUES, DIMENSIONS, type Dimension } from './personality-profile';
import { QUESTIONNAIRE, type Question, QUESTIONNAIRE_MIN_ANSWERS } from './questionnaire';

export interface FieldIssue {
  path: string;
  message: string;
}

/** A rep's or manager's statement: one or more dimensions, optionally how sure they are. */
export interface PersonalityTagInput {
  values: Partial<Record<Dimension, string>>;
  /** 0..1; absent → REP_TAG_CONFIDENCE */
  confidence?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseTag(body: unknown): { input?: PersonalityTagInput; issues: FieldIssue[] } {
  if (!isObject(body)) return { issues: [{ path: '(body)', message: 'must be a JSON object' }] };
  const issues: FieldIssue[] = [];
  const values: PersonalityTagInput['values'] = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'confidence') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
        issues.push({ path: 'confidence', message: 'must be a number from 0 to 1' });
      continue;
    }
    if (!(DIMENSIONS as readonly string[]).includes(key)) {
      issues.push({
        path: key,
        message: `unknown field; known: ${[...DIMENSIONS, 'confidence'].join(', ')}`,
      });
      continue;
    }
    const dimension = key as Dimension;
    const allowed = DIMENSION_VALUES[dimension] as readonly string[];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      issues.push({ path: key, message: `must be one of ${allowed.join(', ')}` });
      continue;
    }
    values[dimension] = value;
  }
  if (issues.length === 0 && Object.keys(values).length === 0)
    issues.push({ path: '(body)', message: `name at least one of ${DIMENSIONS.join(', ')}` });
  if (issues.length) return { issues };
  const confidence = body.confidence as number | undefined;
  return { input: confidence === undefined ? { values } : { values, confidence }, issues };
}

/** Questionnaire answers `{ answers: { questionId: optionId } }`; at least QUESTIONNAIRE_MIN_ANSWERS of them. */
export function parseAnswers(
  body: unknown,
  questionnaire: readonly Question[] = QUESTIONNAIRE,
): { answers?: Record<string, string>; issues: FieldIssue[] } {
  if (!isObject(body)) return { issues: [{ path: '(body)', message: 'must be a JSON object' }] };
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(body))
    if (key !== 'answers') issues.push({ path: key, message: 'unknown field; known: answers' });
  const answers = body.answers;
  if (!isObject(answers)) {
    issues.push({ path: 'answers', message: 'must be an object of question id → option id' });
    return { issues };
  }
  const byId = new Map(questionnaire.map((q) => [q.id, q]));
  for (const [questionId, optionId] of Object.entries(answers)) {
    const question = byId.get(questionId);
    if (!question) {
      issues.push({ path: `answers.${questionId}`, message: 'unknown question' });
    } else if (typeof optionId !== 'string' || !question.options.some((o) => o.id === optionId)) {
      issues.push({
        path: `answers.${questionId}`,
        message: `must be one of ${question.options.map((o) => o.id).join(', ')}`,
      });
    }
  }
  const count = Object.keys(answers).length;
  if (count < Math.min(QUESTIONNAIRE_MIN_ANSWERS, questionnaire.length))
    issues.push({
      path: 'answers',
      message: `answer at least ${QUESTIONNAIRE_MIN_ANSWERS} of the ${questionnaire.length} questions (got ${count})`,
    });
  if (issues.length) return { issues };
  return { answers: answers as Record<string, string>, issues };
}
