/**
 * The priority check of a run (models/priority-check.ts) and its accuracy per value tier
 * (models/tier-accuracy.ts) with the run's own scorer: each sampled buyer is scored
 * as a chunk would score them at the split, from their purchases alone. Pure glue, no framework imports.
 *
 * What it does not see: interactions as of the split (days since the last touch, complaints, survey) are not read
 * for the sample, so the priority is judged on its purchase terms; and the model parameters, RFM and ABC cut-offs
 * and workspace statistics are the run's (fitted up to the as-of day, so they know a little of the holdout). The
 * naive rankings read only the split-time purchases. docs/models-clv.md, "Is the priority better than a naive rule?"
 */
import { type ChunkInputRow, createChunkScorer, type RunModelContext, type ScoreRow } from './chunk-scoring';
import type { ScoringPolicy } from './models/customer-policy';
import type { CountModelName, CountModelParams } from './models/count-models';
import {
  type PriorityCheck,
  priorityCheck,
  type SpendHistory,
  type SplitCustomer,
  splitSpend,
} from './models/priority-check';
import { accuracyByTier, type TierAccuracy } from './models/tier-accuracy';
import type { ValueTier } from './models/types';

/** What the run checks at the backtest's split: the priority's revenue capture and the accuracy per value tier. */
export interface SplitChecks {
  priority: PriorityCheck;
  /** null when no model was chosen (`fit` null) */
  byTier: TierAccuracy | null;
}

/**
 * Both checks on a sample's spend histories and kinds: the priority check at `horizonDays` before `cutoffDay` (day
 * numbers) and the chosen model's accuracy per value tier at `fit.horizon` before it. One scorer; a customer at a
 * split is scored once, so when the two horizons are the same (as in a run) each buyer is scored once for both.
 */
export function runSplitChecks(
  histories: SpendHistory[],
  kinds: ReadonlyArray<'individual' | 'business'>,
  opts: {
    cutoffDay: number;
    horizonDays: number;
    fit: { model: CountModelName; params: CountModelParams; horizon: number } | null;
    context: RunModelContext;
    policy: Readonly<ScoringPolicy>;
  },
): SplitChecks {
  const score = createChunkScorer(opts.context, opts.policy);
  const scored = new Map<string, ScoreRow>();
  const scoreAt = (c: SplitCustomer, splitDay: number): ScoreRow => {
    const key = `${splitDay}:${c.index}`;
    let row = scored.get(key);
    if (!row) scored.set(key, (row = score(splitRow(c, kinds))));
    return row;
  };
  const priority = priorityCheck(histories, {
    cutoffDay: opts.cutoffDay,
    horizonDays: opts.horizonDays,
    priorityOf: (c) => scoreAt(c, opts.cutoffDay - opts.horizonDays).priority,
  });
  const fit = opts.fit;
  if (!fit) return { priority, byTier: null };
  const splitDay = opts.cutoffDay - fit.horizon;
  const { customers } = splitSpend(histories, splitDay, opts.cutoffDay);
  const tiers = new Map(customers.map((c) => [c.index, scoreAt(c, splitDay).valueTier as ValueTier]));
  const byTier = accuracyByTier(histories, fit, opts.cutoffDay, (i) => {
    const tier = tiers.get(i);
    if (tier === undefined) throw new Error(`no tier at the split for sampled customer ${i}`);
    return tier;
  });
  return { priority, byTier };
}

/** A sampled customer at the split as a chunk's input row: purchases only (see above). */
function splitRow(c: SplitCustomer, kinds: ReadonlyArray<'individual' | 'business'>): ChunkInputRow {
  return {
    customer_id: String(c.index),
    kind: kinds[c.index] ?? 'individual',
    transactions: c.transactions,
    monetary: c.monetary,
    repeat_mean_minor: c.repeatMean,
    age_days: c.ageDays,
    recency_days: c.recencyDays,
    days_since_interaction: null,
    complaints_90d: 0,
    last_survey: null,
    prev_clv: null,
    prev_tier: null,
    prev_lifecycle: null,
    prev_priority: null,
  };
}
