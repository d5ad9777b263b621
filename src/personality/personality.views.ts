import {
  apiSchema,
  arr,
  bigId,
  bool,
  described,
  instant,
  int,
  nullable,
  num,
  obj,
  oneOfValues,
  str,
} from '../common/api-schema';
import { PERSONALITIES } from '../playbooks/personality';
import { DIMENSION_VALUES, DIMENSIONS, SOURCES, TRAIT_DIMENSIONS } from './personality-profile';

const source = oneOfValues(
  SOURCES,
  "rep_tag and questionnaire are a person's; crm_import and inferred are guesses",
);
const actor = obj(
  { kind: oneOfValues(['rep', 'api_key', 'crm', 'csv', 'system']), id: nullable(str) },
  { description: 'who stated it: a rep id, an API key id, the CRM/CSV import, or system (migrated data)' },
);
const unit = { type: 'number', minimum: 0, maximum: 1 } as const;
const text = obj({ en: str, 'zh-CN': str });

const ProfileValueView = apiSchema(
  'PersonalityProfileValue',
  obj({
    value: str,
    source,
    confidence: described(
      unit,
      'recorded confidence decayed to asOf (halves every halfLifeDays of its source)',
    ),
    recordedConfidence: unit,
    actor,
    observedAt: instant,
  }),
);

/** The profile's fields, for a customer and for a contact person alike. */
const profileFields = {
  customerId: bigId,
  asOf: instant,
  type: described(nullable(oneOfValues(PERSONALITIES)), 'the effective primary type (customers.personality)'),
  profile: obj(Object.fromEntries(DIMENSIONS.map((d) => [d, nullable(ProfileValueView)]))),
  history: arr(
    obj({
      id: bigId,
      dimension: oneOfValues(DIMENSIONS),
      value: str,
      source,
      confidence: unit,
      currentConfidence: unit,
      actor,
      observedAt: instant,
      counts: described(bool, 'this observation is the profile value of its dimension'),
    }),
    'newest first, at most 100',
  ),
  rules: obj({
    halfLifeDays: obj(Object.fromEntries(SOURCES.map((s) => [s, num]))),
    minGuessConfidence: num,
  }),
};

export const PersonalityProfileView = apiSchema('PersonalityProfile', obj(profileFields));

/** A contact person's own profile: `type` is the contact's effective type (talk tracks use it when calling them). */
export const ContactPersonalityProfileView = apiSchema(
  'ContactPersonalityProfile',
  obj({
    ...profileFields,
    type: described(nullable(oneOfValues(PERSONALITIES)), "the contact's effective primary type"),
    contact: obj({
      id: bigId,
      name: nullable(str),
      title: nullable(str),
      isPrimary: described(bool, 'the contact published talk tracks address (docs/playbooks.md)'),
    }),
  }),
);

export const QuestionnaireView = apiSchema(
  'PersonalityQuestionnaire',
  obj({
    questions: arr(obj({ id: str, text, options: arr(obj({ id: str, text })) })),
    minAnswers: int,
  }),
);

const questionnaireResult = obj({
  type: nullable(oneOfValues(PERSONALITIES)),
  confidence: unit,
  answered: int,
  scores: obj(Object.fromEntries(PERSONALITIES.map((p) => [p, num]))),
  traits: obj(
    Object.fromEntries(
      TRAIT_DIMENSIONS.map((d) => [d, obj({ value: oneOfValues(DIMENSION_VALUES[d]), confidence: unit })]),
    ),
    { optional: TRAIT_DIMENSIONS },
  ),
});

export const QuestionnaireAnswerView = apiSchema(
  'PersonalityQuestionnaireAnswer',
  obj({ result: questionnaireResult, personality: PersonalityProfileView }),
);

export const ContactPersonalityAnswerView = apiSchema(
  'ContactPersonalityQuestionnaireAnswer',
  obj({ result: questionnaireResult, personality: ContactPersonalityProfileView }),
);

/** The PUT body, documented (the service's parser checks it: 422 invalid_personality with field paths). */
export const PersonalityTagBody = obj(
  {
    ...Object.fromEntries(DIMENSIONS.map((d) => [d, oneOfValues(DIMENSION_VALUES[d])])),
    confidence: described(unit, 'how sure the rep is; default 1'),
  },
  { optional: [...DIMENSIONS, 'confidence'], example: { type: 'leader', communication: 'direct' } },
);

export const QuestionnaireAnswersBody = obj(
  {
    answers: {
      type: 'object',
      additionalProperties: str,
      description: 'question id → option id; at least minAnswers of them',
    },
  },
  { example: { answers: { first_question: 'specs', decision_style: 'analyse' } } },
);
