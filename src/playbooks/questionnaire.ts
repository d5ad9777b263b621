/**
 * Personality questionnaire (domain.md §4) and the rule that decides which personality drives a talk track.
 * Pure module: no framework imports.
 *
 * The rep answers the questions about the customer from what they observed on calls and visits; the customer
 * never sees them. Each option adds weights to one or more of the four types.
 */
import { PERSONALITIES, type Personality, isPersonality } from './personality';

export interface QuestionnaireText {
  en: string;
  'zh-CN': string;
}

/** Points an option adds to each type; types left out get 0. Weights are non-negative. */
export type PersonalityWeights = Readonly<Partial<Record<Personality, number>>>;

export interface QuestionOption {
  id: string;
  text: QuestionnaireText;
  weights: PersonalityWeights;
}

/** The secondary dimension from domain.md §4 a question mainly probes (documentation only; not scored). */
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

export interface QuestionnaireResult {
  /** the type with the highest score; null only when nothing was answered */
  personality: Personality | null;
  /** raw weighted points per type (sum of the chosen options' weights) */
  scores: Record<Personality, number>;
  /**
   * 0..1: (answered / total questions) × (top − runner-up) / top.
   * 0 on a tie or with no answers; near 1 when every question was answered and all point to one type.
   */
  confidence: number;
  /** number of questions answered */
  answered: number;
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

/** Minimum questionnaire confidence (exclusive) for it to pick the talk track. About three consistent answers. */
export const DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE = 0.3;

export const QUESTIONNAIRE: readonly Question[] = [
  {
    id: 'first_question',
    dimension: 'focus',
    text: {
      en: 'When you present something new, what does the customer ask about first?',
      'zh-CN': '向客户介绍新产品时，对方最先问的通常是什么？',
    },
    options: [
      {
        id: 'specs',
        text: { en: 'Specifications, figures, price per unit', 'zh-CN': '参数、数据、单价' },
        weights: { rational: 2 },
      },
      {
        id: 'feel',
        text: { en: 'What it looks like and how it feels to use', 'zh-CN': '外观怎么样，用起来感觉如何' },
        weights: { emotional: 2 },
      },
      {
        id: 'standing',
        text: {
          en: 'Who else uses it and what it does for their position',
          'zh-CN': '还有谁在用，能给自己带来什么优势',
        },
        weights: { leader: 2 },
      },
      {
        id: 'assurance',
        text: {
          en: 'Guarantees, after-sales support, what happens if it goes wrong',
          'zh-CN': '有没有保障，售后怎么样，出了问题怎么办',
        },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'decision_style',
    dimension: 'decision',
    text: { en: 'How does the customer usually decide?', 'zh-CN': '客户通常怎么做决定？' },
    options: [
      {
        id: 'analyse',
        text: {
          en: 'After studying the details and comparing the options',
          'zh-CN': '仔细研究细节、反复比较之后才定',
        },
        weights: { rational: 2, stable: 1 },
      },
      {
        id: 'instinct',
        text: {
          en: 'On instinct, quickly when something appeals to them',
          'zh-CN': '凭感觉，看中了就很快拍板',
        },
        weights: { emotional: 2 },
      },
      {
        id: 'alone',
        text: { en: 'Quickly, on their own authority', 'zh-CN': '自己说了算，决定得很快' },
        weights: { leader: 2 },
      },
      {
        id: 'consult',
        text: {
          en: 'Slowly, after checking with colleagues or family',
          'zh-CN': '不急于表态，要和同事或家人商量后再定',
        },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'conversation',
    dimension: 'communication',
    text: {
      en: 'How do they talk on the phone?',
      'zh-CN': '通电话时，客户的说话方式更接近哪一种？',
    },
    options: [
      {
        id: 'precise',
        text: {
          en: 'Precise questions; asks for things in writing',
          'zh-CN': '问题问得很细，习惯让你发书面资料',
        },
        weights: { rational: 2 },
      },
      {
        id: 'warm',
        text: {
          en: 'Chatty and warm; shares stories and opinions',
          'zh-CN': '健谈热情，爱聊自己的经历和看法',
        },
        weights: { emotional: 2 },
      },
      {
        id: 'direct',
        text: { en: 'Direct and brief; steers the conversation', 'zh-CN': '开门见山，话不多，喜欢主导谈话' },
        weights: { leader: 2 },
      },
      {
        id: 'polite',
        text: { en: 'Polite and indirect; avoids saying no outright', 'zh-CN': '客气委婉，不太会直接拒绝' },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'persuaded_by',
    dimension: 'values',
    text: { en: 'What has convinced them in the past?', 'zh-CN': '过去什么最能打动这位客户？' },
    options: [
      {
        id: 'evidence',
        text: { en: 'Test results, data, side-by-side comparisons', 'zh-CN': '检测报告、数据、横向对比' },
        weights: { rational: 2 },
      },
      {
        id: 'demo',
        text: {
          en: 'A demo or sample they could see and touch',
          'zh-CN': '能亲眼看到、亲手摸到的演示或样品',
        },
        weights: { emotional: 2 },
      },
      {
        id: 'reputation',
        text: { en: 'Reputation and what market leaders choose', 'zh-CN': '品牌口碑，以及行业龙头的选择' },
        weights: { leader: 2 },
      },
      {
        id: 'track_record',
        text: { en: 'A long track record and a solid warranty', 'zh-CN': '多年的稳定表现和靠得住的质保' },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'new_things',
    dimension: 'change',
    text: {
      en: 'How do they react to a new product or a change?',
      'zh-CN': '面对新产品或变化，客户通常是什么反应？',
    },
    options: [
      {
        id: 'prove_it',
        text: { en: 'Want proof it is better before switching', 'zh-CN': '先要看到证据证明更好，才肯换' },
        weights: { rational: 2, stable: 1 },
      },
      {
        id: 'excited',
        text: { en: 'Get excited by what is new and well designed', 'zh-CN': '对新鲜、设计好的东西很感兴趣' },
        weights: { emotional: 2 },
      },
      {
        id: 'first_mover',
        text: { en: 'Want to be first, ahead of competitors', 'zh-CN': '想抢在同行前面先用上' },
        weights: { leader: 2 },
      },
      {
        id: 'prefers_known',
        text: { en: 'Prefer what they know; switch reluctantly', 'zh-CN': '更愿意用熟悉的，不轻易更换' },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'when_unhappy',
    dimension: 'conflict',
    text: { en: 'When something goes wrong, what do they do?', 'zh-CN': '出了问题时，客户通常怎么处理？' },
    options: [
      {
        id: 'documents',
        text: { en: 'Set out the facts and numbers of the problem', 'zh-CN': '把问题的来龙去脉和数据摆清楚' },
        weights: { rational: 2 },
      },
      {
        id: 'voices',
        text: { en: 'Tell you how disappointed they are', 'zh-CN': '直接表达失望和不满' },
        weights: { emotional: 2 },
      },
      {
        id: 'escalates',
        text: { en: 'Demand a fast fix; escalate if needed', 'zh-CN': '要求马上解决，必要时直接找上级' },
        weights: { leader: 2 },
      },
      {
        id: 'quiet',
        text: { en: 'Rarely complain, but quietly order less', 'zh-CN': '很少投诉，但会悄悄减少下单' },
        weights: { stable: 2 },
      },
    ],
  },
  {
    id: 'in_company',
    dimension: 'social',
    text: { en: 'In meetings or at events, the customer is…', 'zh-CN': '在会面或活动中，这位客户……' },
    options: [
      {
        id: 'reserved',
        text: { en: 'Reserved; focused on the agenda and the details', 'zh-CN': '比较内敛，关注议程和细节' },
        weights: { rational: 2 },
      },
      {
        id: 'outgoing',
        text: { en: 'Outgoing; enjoys meeting people', 'zh-CN': '外向，喜欢结识新朋友' },
        weights: { emotional: 2 },
      },
      {
        id: 'in_charge',
        text: {
          en: 'In charge; expects to be treated as the decision-maker',
          'zh-CN': '习惯掌控局面，希望被当作拍板的人',
        },
        weights: { leader: 2 },
      },
      {
        id: 'steady',
        text: { en: 'Friendly but low-key; trusts familiar faces', 'zh-CN': '随和低调，更信任熟悉的面孔' },
        weights: { stable: 2 },
      },
    ],
  },
];

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
  const scores = emptyScores();
  const primaryPicks = emptyScores();
  let answered = 0;

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
    answered += 1;
    for (const type of PERSONALITIES) scores[type] += option.weights[type] ?? 0;
    const primary = primaryOf(option.weights);
    if (primary) primaryPicks[primary] += 1;
  }

  const ranked = [...PERSONALITIES].sort(
    (a, b) =>
      scores[b] - scores[a] ||
      primaryPicks[b] - primaryPicks[a] ||
      PERSONALITIES.indexOf(a) - PERSONALITIES.indexOf(b),
  );
  const top = scores[ranked[0]];
  const runnerUp = scores[ranked[1]];
  if (answered === 0 || top <= 0) {
    return { personality: null, scores, confidence: 0, answered };
  }
  const coverage = questionnaire.length > 0 ? Math.min(1, answered / questionnaire.length) : 0;
  const confidence = coverage * ((top - runnerUp) / top);
  return { personality: ranked[0], scores, confidence, answered };
}

export type PersonalitySource = 'rep_tag' | 'questionnaire';

export interface PersonalityResolution {
  /** the personality that picks the talk track; null → the neutral track */
  personality: Personality | null;
  source: PersonalitySource | null;
  /**
   * The inferred type, offered to the rep to confirm when nothing else decided. Inference from behaviour data
   * never picks the track by itself (domain.md §4: reps learn personality by observation, questionnaire or
   * conversation); once the rep confirms, it becomes their tag.
   */
  suggestion: Personality | null;
}

export interface ResolvePersonalityInput {
  repTag?: Personality | null;
  questionnaire?: QuestionnaireResult | null;
  inferred?: Personality | null;
  /** exclusive lower bound on questionnaire confidence; default DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE */
  minConfidence?: number;
}

/**
 * Precedence: the rep's tag > the questionnaire (when its confidence is above the threshold) > null.
 * Values that are not one of the four types (e.g. stale strings from storage) are ignored, not trusted.
 */
export function resolvePersonality(input: ResolvePersonalityInput): PersonalityResolution {
  const minConfidence = input.minConfidence ?? DEFAULT_MIN_QUESTIONNAIRE_CONFIDENCE;
  if (isPersonality(input.repTag)) {
    return { personality: input.repTag, source: 'rep_tag', suggestion: null };
  }
  const q = input.questionnaire;
  if (q && isPersonality(q.personality) && Number.isFinite(q.confidence) && q.confidence > minConfidence) {
    return { personality: q.personality, source: 'questionnaire', suggestion: null };
  }
  return {
    personality: null,
    source: null,
    suggestion: isPersonality(input.inferred) ? input.inferred : null,
  };
}
