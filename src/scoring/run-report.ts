/**
 * Pure pieces of a run's report and history: per-chunk statistics (class counts, moves since the previous run,
 * the most important movers), their merge in finalize, and the rule that decides which customers get a history
 * row. Chunk jobs compute these as they score, so finalize never scans the million score rows again.
 * No framework imports.
 */
import type { ChunkInputRow, ScoreRow } from './chunk-scoring';
import type { Lifecycle, ValueTier } from './models/types';

export type MoveKind = 'promotions' | 'demotions' | 'newlyAtRisk' | 'newlyChurned';
export const MOVE_KINDS: readonly MoveKind[] = ['promotions', 'demotions', 'newlyAtRisk', 'newlyChurned'];

/** One customer who moved, for the report (the full list is in score_history, see docs/scoring-run.md). */
export interface MoveExample {
  customerId: string;
  /** filled in by finalize for the few customers listed */
  externalId?: string | null;
  from: string;
  to: string;
  priority: number;
}

export interface RunStats {
  customers: number;
  tiers: Record<string, number>;
  lifecycles: Record<string, number>;
  frequencyClasses: Record<string, number>;
  abc: Record<string, number>;
  /** counts of customers scored in both runs whose tier rose / fell, who became at risk / churned */
  moves: Record<MoveKind, number>;
  /** the highest-priority movers of each kind, at most MOVE_EXAMPLES each */
  topMoves: Record<MoveKind, MoveExample[]>;
  historyRows: number;
  /** where a chunk's time went: reading its inputs, scoring in the worker, writing rows (seconds) */
  seconds?: { read: number; score: number; write: number };
}

/** Movers listed per kind in the report. */
export const MOVE_EXAMPLES = 10;
/** A history row is written when priority moved by at least this many points … */
export const HISTORY_PRIORITY_STEP = 5;
/** … or CLV by at least this share (or tier / lifecycle changed, or the customer is new to scoring). */
export const HISTORY_CLV_CHANGE = 0.1;
/** Every this many runs (and whenever there is no previous run) the history gets a full snapshot. */
export const HISTORY_SNAPSHOT_EVERY_RUNS = 30;

const TIER_RANK: Record<ValueTier, number> = { general: 0, potential: 1, core: 2 };

/** The moves of one customer between the previous run and this one (none when not scored in the previous). */
export function movesOf(
  previous: { tier: ValueTier | null; lifecycle: Lifecycle | null },
  now: { tier: string; lifecycle: string },
): MoveKind[] {
  if (previous.tier === null || previous.lifecycle === null) return [];
  const moves: MoveKind[] = [];
  const before = TIER_RANK[previous.tier];
  const after = TIER_RANK[now.tier as ValueTier];
  if (after > before) moves.push('promotions');
  if (after < before) moves.push('demotions');
  if (now.lifecycle === 'at_risk' && previous.lifecycle !== 'at_risk') moves.push('newlyAtRisk');
  if (now.lifecycle === 'churned' && previous.lifecycle !== 'churned') moves.push('newlyChurned');
  return moves;
}

/**
 * Whether a customer gets a history row in a delta run: new to scoring, tier or lifecycle changed, priority moved
 * by ≥ HISTORY_PRIORITY_STEP points or CLV by ≥ HISTORY_CLV_CHANGE. Unchanged customers keep their last row.
 */
export function historyChanged(input: ChunkInputRow, score: ScoreRow): boolean {
  if (input.prev_tier === null || input.prev_lifecycle === null) return true;
  if (input.prev_tier !== score.valueTier || input.prev_lifecycle !== score.lifecycle) return true;
  if (Math.abs(score.priority - (input.prev_priority ?? 0)) >= HISTORY_PRIORITY_STEP) return true;
  const before = input.prev_clv;
  const after = score.clv;
  if ((before === null) !== (after === null)) return true;
  if (before !== null && after !== null) {
    const scale = Math.max(Math.abs(before), Math.abs(after));
    if (scale > 0 && Math.abs(after - before) >= HISTORY_CLV_CHANGE * scale) return true;
  }
  return false;
}

export function emptyStats(): RunStats {
  return {
    customers: 0,
    tiers: {},
    lifecycles: {},
    frequencyClasses: {},
    abc: {},
    moves: { promotions: 0, demotions: 0, newlyAtRisk: 0, newlyChurned: 0 },
    topMoves: { promotions: [], demotions: [], newlyAtRisk: [], newlyChurned: [] },
    historyRows: 0,
  };
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

const byPriority = (a: MoveExample, b: MoveExample) =>
  b.priority - a.priority || Number(a.customerId) - Number(b.customerId);

/** Adds one scored customer to `stats` (mutates and returns it). */
export function addToStats(stats: RunStats, input: ChunkInputRow, score: ScoreRow): RunStats {
  stats.customers++;
  bump(stats.tiers, score.valueTier);
  bump(stats.lifecycles, score.lifecycle);
  bump(stats.frequencyClasses, score.frequencyClass);
  bump(stats.abc, score.abcClass ?? '-');
  const previous = { tier: input.prev_tier, lifecycle: input.prev_lifecycle };
  for (const kind of movesOf(previous, { tier: score.valueTier, lifecycle: score.lifecycle })) {
    stats.moves[kind]++;
    const list = stats.topMoves[kind];
    const tierMove = kind === 'promotions' || kind === 'demotions';
    const example: MoveExample = {
      customerId: score.customerId,
      from: (tierMove ? input.prev_tier : input.prev_lifecycle) as string,
      to: tierMove ? score.valueTier : score.lifecycle,
      priority: score.priority,
    };
    if (list.length < MOVE_EXAMPLES || byPriority(example, list[list.length - 1]) < 0) {
      list.push(example);
      list.sort(byPriority);
      if (list.length > MOVE_EXAMPLES) list.pop();
    }
  }
  return stats;
}

/** The run's statistics from its chunks' (order does not matter). */
export function mergeStats(parts: RunStats[]): RunStats {
  const total = emptyStats();
  for (const p of parts) {
    total.customers += p.customers;
    for (const dim of ['tiers', 'lifecycles', 'frequencyClasses', 'abc'] as const) {
      for (const [k, n] of Object.entries(p[dim])) bump(total[dim], k, n);
    }
    for (const kind of MOVE_KINDS) {
      total.moves[kind] += p.moves[kind];
      total.topMoves[kind].push(...p.topMoves[kind]);
    }
    total.historyRows += p.historyRows;
    if (p.seconds) {
      const t = (total.seconds ??= { read: 0, score: 0, write: 0 });
      t.read += p.seconds.read;
      t.score += p.seconds.score;
      t.write += p.seconds.write;
    }
  }
  for (const kind of MOVE_KINDS) {
    total.topMoves[kind] = total.topMoves[kind].sort(byPriority).slice(0, MOVE_EXAMPLES);
  }
  return total;
}
