/**
 * The four working personality types reps use to pick a talk track (domain.md §4).
 * Pure module: no framework imports.
 */

export const PERSONALITIES = ['rational', 'emotional', 'leader', 'stable'] as const;

/** rational = analytical, emotional = expressive, leader = dominant, stable = amiable. */
export type Personality = (typeof PERSONALITIES)[number];

export function isPersonality(value: unknown): value is Personality {
  return typeof value === 'string' && (PERSONALITIES as readonly string[]).includes(value);
}
