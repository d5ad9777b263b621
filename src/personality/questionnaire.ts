/**
 * Personality questionnaire (domain.md §4): 11 observations a rep answers about a customer from what they saw on
 * calls and visits (the customer never sees them), and their scoring. Pure module: no framework imports.
 *
 * Scoring (unit-tested in questionnaire.spec.ts):
 * - Primary type: each chosen option adds its weights (2 to the type it describes, sometimes 1 to a neighbour).
 *   The type with most points wins; confidence = (answered / questions) × (top − runner-up) / top — 0 on a tie,
 *   near 1 when every question was answered and all point to one type.
 * - Dimensions (social, decision, communication, values): options that say something about a dimension vote for
 *   one of its values. The value with most votes wins; confidence = (answered questions probing it / questions
 *   probing it) × (top − runner-up votes) / votes. A tie gives no value.
 */
import { PERSONALITIES, type Personality } from '../playbooks/personality';
import { type DimensionValue, TRAIT_DIMENSIONS, type TraitDimension } from './personality-profile';
import { QUESTIONNAIRE } from './questionnaire-questions';

export { QUESTIONNAIRE };

export interface QuestionnaireText {
  en: string;
  'zh-CN': string;
}

/** Points an option adds to each type; types left out get 0. Weights are non-negative. */
export type PersonalityWeights = Readonly<Partial<Record<Personality, number>>>;

/** The seeds' dimension values an option is evidence for. */
export type OptionTraits = Readonly<{ [D in TraitDimension]?: DimensionValue<D> }>;

export interface QuestionOption {
  id: string;
  text: QuestionnaireText;
  weights: PersonalityWeights;
  traits?: OptionTraits;
}

/** The aspect of behaviour a question mainly probes (documentation; the options' traits are what is scored). */
export type QuestionDimension =
  'focus' | 'decision' | 'communication' | 'values' | 'change' | 'conflict' | 'social';

export interface Question {
  id: string;
  dimension: QuestionDimension;
  text: QuestionnaireText;
  options: readonly QuestionOption[];
}

/** Answers keyed by question id, value = option id. Questions may be skipped; coverage lowers confidence. */
export type QuestionnaireAnswers = Readonly<Record<string, string>>;

export interface TraitResult {
  value: string;
  /** 0..1, see the module comment */
  confidence: number;
}

export interface QuestionnaireResult {
  /** the type with the highest score; null only when nothing was answered */
  personality: Personality | null;
  /** raw weighted points per type (sum of the chosen options' weights) */
  scores: Record<Personality, number>;
  /** 0..1, see the module comment; 0 on a tie or with no answers */
  confidence: number;
  /** number of questions answered */
  answered: number;
  /** the seeds' dimensions the answers point to (a dimension without votes, or tied, is absent) */
  traits: Partial<Record<TraitDimension, TraitResult>>;
}

export type QuestionnaireErrorCode = 'unknown_question' | 'unknown_option' | 'invalid_answer';

export class QuestionnaireError extends Error {
  constructor(
    readonly code: QuestionnaireErrorCode,
    message: string,
    readonly questionId: string,
  ) {
    super(message);
    this.name = 'QuestionnaireError';
  }
}

/**
 * Fewest answers a submitted questionnaire must have: with fewer, a rep's quick guess would pass for a considered
 * assessment (and beat an older tag, as the newest person's statement).
 */
export const QUESTIONNAIRE_MIN_ANSWERS = 6;

function emptyScores(): Record<Personality, number> {
  return { rational: 0, emotional: 0, leader: 0, stable: 0 };
}

/** The type an option leans to most; ties between an option's own weights go to the earlier type in PERSONALITIES. */
function primaryOf(weights: PersonalityWeights): Personality | null {
  let best: Personality | null = null;
  let bestWeight = 0;
  for (const type of PERSONALITIES) {
    const w = weights[type] ?? 0;
    if (w > bestWeight) {
      best = type;
      bestWeight = w;
    }
  }
  return best;
}

/** The option chosen for each answered question; throws QuestionnaireError for an unknown id or a non-string. */
function chosenOptions(
  answers: QuestionnaireAnswers,
  byId: ReadonlyMap<string, Question>,
): Array<{ question: Question; option: QuestionOption }> {
  const chosen: Array<{ question: Question; option: QuestionOption }> = [];
  // Sorted so that the first error reported does not depend on key order.
  for (const questionId of Object.keys(answers).sort()) {
    const question = byId.get(questionId);
    if (!question) {
      throw new QuestionnaireError(
        'unknown_question',
        `Unknown questionnaire question id '${questionId}' (known: ${[...byId.keys()].join(', ')})`,
        questionId,
      );
    }
    const optionId: unknown = answers[questionId];
    if (typeof optionId !== 'string') {
      throw new QuestionnaireError(
        'invalid_answer',
        `Answer to question '${questionId}' must be an option id string, got ${typeof optionId}`,
        questionId,
      );
    }
    const option = question.options.find((o) => o.id === optionId);
    if (!option) {
      throw new QuestionnaireError(
        'unknown_option',
        `Unknown option '${optionId}' for question '${questionId}' (known: ${question.options.map((o) => o.id).join(', ')})`,
        questionId,
      );
    }
    chosen.push({ question, option });
  }
  return chosen;
}

function probes(question: Question, dimension: TraitDimension): boolean {
  return question.options.some((o) => o.traits?.[dimension] !== undefined);
}

/** The dimension values the chosen options vote for (see the module comment). */
function scoreTraits(
  chosen: ReadonlyArray<{ question: Question; option: QuestionOption }>,
  questionnaire: readonly Question[],
): QuestionnaireResult['traits'] {
  const traits: QuestionnaireResult['traits'] = {};
  for (const dimension of TRAIT_DIMENSIONS) {
    const probing = questionnaire.filter((q) => probes(q, dimension)).length;
    const answeredProbing = chosen.filter((c) => probes(c.question, dimension)).length;
    const votes = new Map<string, number>();
    for (const { option } of chosen) {
      const value = option.traits?.[dimension];
      if (value !== undefined) votes.set(value, (votes.get(value) ?? 0) + 1);
    }
    const ranked = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (ranked.length === 0 || probing === 0) continue;
    const top = ranked[0][1];
    const runnerUp = ranked[1]?.[1] ?? 0;
    if (top === runnerUp) continue;
    const total = ranked.reduce((sum, [, n]) => sum + n, 0);
    traits[dimension] = {
      value: ranked[0][0],
      confidence: (answeredProbing / probing) * ((top - runnerUp) / total),
    };
  }
  return traits;
}

/**
 * Scores the answers. Throws QuestionnaireError for an unknown question or option id.
 * Ties on the top score go to the type that was the main pick of more answers, then to the earlier type in
 * PERSONALITIES (rational, emotional, leader, stable); a tie always has confidence 0.
 */
export function scoreQuestionnaire(
  answers: QuestionnaireAnswers,
  questionnaire: readonly Question[] = QUESTIONNAIRE,
): QuestionnaireResult {
  const byId = new Map(questionnaire.map((q) => [q.id, q]));
  const chosen = chosenOptions(answers, byId);
  const scores = emptyScores();
  const primaryPicks = emptyScores();
  for (const { option } of chosen) {
    for (const type of PERSONALITIES) scores[type] += option.weights[type] ?? 0;
    const primary = primaryOf(option.weights);
    if (primary) primaryPicks[primary] += 1;
  }
  const answered = chosen.length;
  const traits = scoreTraits(chosen, questionnaire);

  const ranked = [...PERSONALITIES].sort(
    (a, b) =>
      scores[b] - scores[a] ||
      primaryPicks[b] - primaryPicks[a] ||
      PERSONALITIES.indexOf(a) - PERSONALITIES.indexOf(b),
  );
  const top = scores[ranked[0]];
  const runnerUp = scores[ranked[1]];
  if (answered === 0 || top <= 0) {
    return { personality: null, scores, confidence: 0, answered, traits };
  }
  const coverage = questionnaire.length > 0 ? Math.min(1, answered / questionnaire.length) : 0;
  const confidence = coverage * ((top - runnerUp) / top);
  return { personality: ranked[0], scores, confidence, answered, traits };
}
