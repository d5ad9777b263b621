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
import { type ChunkInputRow, createChunkScorer, type RunModelContext } from './chunk-scoring';
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

/** The check at `horizonDays` before `cutoffDay` (day numbers) on a sample's spend histories and kinds. */
export function runPriorityCheck(
  histories: SpendHistory[],
  kinds: ReadonlyArray<'individual' | 'business'>,
  opts: { cutoffDay: number; horizonDays: number; context: RunModelContext; policy: Readonly<ScoringPolicy> },
): PriorityCheck {
  const score = createChunkScorer(opts.context, opts.policy);
  return priorityCheck(histories, {
    cutoffDay: opts.cutoffDay,
    horizonDays: opts.horizonDays,
    priorityOf: (c) => score(splitRow(c, kinds)).priority,
  });
}

/**
 * The chosen model's accuracy per value tier at `fit.horizon` before `cutoffDay` (models/tier-accuracy.ts), each
 * buyer's tier as the run's scorer puts it at the split.
 */
export function runTierAccuracy(
  histories: SpendHistory[],
  kinds: ReadonlyArray<'individual' | 'business'>,
  opts: {
    cutoffDay: number;
    fit: { model: CountModelName; params: CountModelParams; horizon: number };
    context: RunModelContext;
    policy: Readonly<ScoringPolicy>;
  },
): TierAccuracy {
  const score = createChunkScorer(opts.context, opts.policy);
  const { customers } = splitSpend(histories, opts.cutoffDay - opts.fit.horizon, opts.cutoffDay);
  const tiers = new Map(customers.map((c) => [c.index, score(splitRow(c, kinds)).valueTier as ValueTier]));
  return accuracyByTier(histories, opts.fit, opts.cutoffDay, (i) => {
    const tier = tiers.get(i);
    if (tier === undefined) throw new Error(`no tier at the split for sampled customer ${i}`);
    return tier;
  });
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
