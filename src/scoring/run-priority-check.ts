/**
 * The priority check of a run (models/priority-check.ts) with the run's own scorer: each sampled buyer is scored
 * as a chunk would score them at the split, from their purchases alone. Pure glue, no framework imports.
 *
 * What it does not see: interactions as of the split (days since the last touch, complaints, survey) are not read
 * for the sample, so the priority is judged on its purchase terms; and the model parameters, RFM and ABC cut-offs
 * and workspace statistics are the run's (fitted up to the as-of day, so they know a little of the holdout). The
 * naive rankings read only the split-time purchases. docs/models-clv.md, "Is the priority better than a naive rule?"
 */
import { type ChunkInputRow, createChunkScorer, type RunModelContext } from './chunk-scoring';
import type { ScoringPolicy } from './models/customer-policy';
import { type PriorityCheck, priorityCheck, type SpendHistory } from './models/priority-check';

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
    priorityOf: (c) => {
      const row: ChunkInputRow = {
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
      return score(row).priority;
    },
  });
}
