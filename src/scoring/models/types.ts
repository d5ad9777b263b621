/**
 * Shared shapes of the pure scoring models. No framework imports here or in any file of models/.
 *
 * Units: time in days (fractional allowed for the CDNOW tests, which use weeks — the maths does not care),
 * money in integer minor units of the workspace currency unless a name says otherwise.
 */

/** BG/NBD calibration summary of one customer (Fader, Hardie & Lee 2005). */
export interface RepeatSummary {
  /** number of repeat transactions (distinct purchase days after the first) */
  x: number;
  /** time of the last repeat transaction since the first purchase (0 when x = 0) */
  tx: number;
  /** time from the first purchase to the as-of date */
  T: number;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

/** Outcome of a model fit: never throws on bad data, never returns NaN; says what happened instead. */
export interface FitReport<P> {
  params: P;
  logLikelihood: number;
  converged: boolean;
  iterations: number;
  /** parameters that ended on a bound, e.g. ['b'] when nobody seems to drop out */
  atBoundary: string[];
  /** human-readable notes for the run report */
  warnings: string[];
}

/** Value tiers, most valuable first: the one list every menu, schema and check iterates. */
export const VALUE_TIERS = ['core', 'potential', 'general'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];
export type FrequencyClass = 'high' | 'low' | 'zero';
/** Lifecycle stages in the order a customer moves through them. */
export const LIFECYCLES = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];
export type AbcClass = 'A' | 'B' | 'C';
export type RfmSegment =
  | 'champions'
  | 'loyal'
  | 'potential_loyalist'
  | 'new'
  | 'promising'
  | 'needs_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cant_lose'
  | 'hibernating'
  | 'lost';
