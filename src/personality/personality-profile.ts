/**
 * A customer's personality profile from its history of observations: which value counts for the primary type and
 * for each of the seeds' dimensions (domain.md §4), and how much it is still worth. Pure; no framework imports.
 *
 * Rules (docs/architecture.md "Personality"):
 * - Precedence: a person's statement — a rep's tag or a questionnaire — beats a guess — a CRM import or an
 *   inference — whatever their confidences or ages. Among a person's statements the newest counts (a rep who takes
 *   the questionnaire after tagging, or tags after it, changed their mind). Among guesses the one with the highest
 *   current confidence counts, the newer on a tie.
 * - Decay: confidence halves every HALF_LIFE_DAYS[source] days after the observation. A guess whose current
 *   confidence falls below MIN_GUESS_CONFIDENCE no longer counts (it stays in the history); a person's statement
 *   keeps counting, its shown confidence falling as a hint to check it again.
 */
import { PERSONALITIES, type Personality } from '../playbooks/personality';

/** The primary type and the seeds' secondary dimensions. */
export const DIMENSIONS = ['type', 'social', 'decision', 'communication', 'values'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The values each dimension takes (domain.md §4). */
export const DIMENSION_VALUES = {
  type: PERSONALITIES,
  social: ['extrovert', 'introvert', 'neutral'],
  decision: ['rational', 'emotional', 'neutral'],
  communication: ['direct', 'indirect', 'neutral'],
  values: ['practical', 'value_driven'],
} as const satisfies Record<Dimension, readonly string[]>;

export type DimensionValue<D extends Dimension> = (typeof DIMENSION_VALUES)[D][number];
export type TraitDimension = Exclude<Dimension, 'type'>;
export const TRAIT_DIMENSIONS: readonly TraitDimension[] = ['social', 'decision', 'communication', 'values'];

export const SOURCES = ['rep_tag', 'questionnaire', 'crm_import', 'inferred'] as const;
export type Source = (typeof SOURCES)[number];

/** Sources that are a person's own judgement (they beat every guess). */
export const PERSON_SOURCES: readonly Source[] = ['rep_tag', 'questionnaire'];

/**
 * Days for a source's confidence to halve. A person's view of a customer is good for about a year; a CRM value of
 * unknown age and author for half that; an inference from behaviour for a quarter (behaviour moves on).
 */
export const HALF_LIFE_DAYS: Readonly<Record<Source, number>> = {
  rep_tag: 365,
  questionnaire: 365,
  crm_import: 180,
  inferred: 90,
};

/** Below this current confidence a guess no longer counts: a CRM import at 0.6 after ~461 days, an inference at 0.5 after ~210. */
export const MIN_GUESS_CONFIDENCE = 0.1;

/** The confidence given to a CRM's personality: it was set by someone, somewhen, for unknown reasons. */
export const CRM_IMPORT_CONFIDENCE = 0.6;

/** A rep's tag when they give no confidence of their own. */
export const REP_TAG_CONFIDENCE = 1;

const DAY_MS = 86_400_000;

export interface Observation {
  id: string;
  dimension: Dimension;
  value: string;
  source: Source;
  /** 0..1 as recorded */
  confidence: number;
  actor: { kind: string; id: string | null };
  observedAt: Date;
}

export interface ProfileValue {
  value: string;
  source: Source;
  /** 0..1, decayed to `asOf` */
  confidence: number;
  /** 0..1 as recorded */
  recordedConfidence: number;
  actor: { kind: string; id: string | null };
  observedAt: Date;
  observationId: string;
}

export type Profile = Record<Dimension, ProfileValue | null>;

export function isPersonSource(source: Source): boolean {
  return PERSON_SOURCES.includes(source);
}

/** The confidence left at `asOf`: recorded × 0.5^(age in days / half-life). A future observation is not boosted. */
export function decayedConfidence(
  o: Pick<Observation, 'source' | 'confidence' | 'observedAt'>,
  asOf: Date,
): number {
  const ageDays = Math.max(0, (asOf.getTime() - o.observedAt.getTime()) / DAY_MS);
  return o.confidence * Math.pow(0.5, ageDays / HALF_LIFE_DAYS[o.source]);
}

export function isDimensionValue(dimension: Dimension, value: unknown): boolean {
  return typeof value === 'string' && (DIMENSION_VALUES[dimension] as readonly string[]).includes(value);
}

/** The observation that counts for one dimension at `asOf`, or null. Values a dimension does not know are ignored. */
export function winningObservation(observations: readonly Observation[], dimension: Dimension, asOf: Date) {
  let person: Observation | null = null;
  let guess: { o: Observation; c: number } | null = null;
  for (const o of observations) {
    if (o.dimension !== dimension || !isDimensionValue(dimension, o.value)) continue;
    if (isPersonSource(o.source)) {
      if (!person || newer(o, person)) person = o;
      continue;
    }
    const c = decayedConfidence(o, asOf);
    if (c < MIN_GUESS_CONFIDENCE) continue;
    if (!guess || c > guess.c || (c === guess.c && newer(o, guess.o))) guess = { o, c };
  }
  return person ?? guess?.o ?? null;
}

/** The profile at `asOf`: the counting value of each dimension with its source, decayed confidence, who and when. */
export function resolveProfile(observations: readonly Observation[], asOf: Date): Profile {
  const profile = {} as Profile;
  for (const dimension of DIMENSIONS) {
    const o = winningObservation(observations, dimension, asOf);
    profile[dimension] = o
      ? {
          value: o.value,
          source: o.source,
          confidence: decayedConfidence(o, asOf),
          recordedConfidence: o.confidence,
          actor: o.actor,
          observedAt: o.observedAt,
          observationId: o.id,
        }
      : null;
  }
  return profile;
}

/** The effective primary type (what `customers.personality` holds), or null. */
export function effectiveType(profile: Profile): Personality | null {
  return (profile.type?.value as Personality | undefined) ?? null;
}

/** Later observed, then later recorded (ids grow): two statements in one request are ordered by id. */
function newer(a: Observation, b: Observation): boolean {
  const dt = a.observedAt.getTime() - b.observedAt.getTime();
  if (dt !== 0) return dt > 0;
  return BigInt(a.id) > BigInt(b.id);
}
