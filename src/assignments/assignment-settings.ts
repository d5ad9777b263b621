/**
 * Workspace settings of account assignment and the public pool (`workspaces.settings.assignments` and
 * `workspaces.settings.pool`), validated with defaults, and the pure rules of pool claims. No framework imports.
 *
 * Units: days are calendar days in the workspace time zone; caps and limits count accounts.
 */
import { z } from 'zod';
import { VALUE_TIERS } from '../scoring/models/types';
import type { Tier } from './rebalance';

export const TIERS: readonly Tier[] = VALUE_TIERS;

export interface AssignmentSettings {
  /** working days in the cycle a rep should get round every account in: capacity = daily capacity × this */
  workingDays: number;
  /** rebalance: relative band around each rep's fair share (0.15 = ±15 %) */
  rebalanceTolerance: number;
  /** rebalance never moves an account a manager assigned by hand within this many days */
  pinManualDays: number;
  /** rebalance moves accounts the owner contacted within this many days last */
  recentContactDays: number;
}

export interface PoolPolicy {
  enabled: boolean;
  /** days without follow-up by the owner before an account returns to the pool, per tier; null = never */
  followUpDays: Record<Tier, number | null>;
  /** the owner is reminded this many days before the release (and is always reminded at least a day before) */
  reminderDaysBefore: number;
  /** most accounts of a tier a rep may hold and still claim more of that tier; null = no cap */
  holdingCap: Record<Tier, number | null>;
  /** claims per rep per day (workspace time zone) */
  dailyClaimLimit: number;
  /** a rep cannot claim back an account that lapsed from them within this many days */
  reclaimCooldownDays: number;
  /** when the daily sweep runs (cron, workspace time zone); before the lists are published */
  sweepCron: string;
}

export const DEFAULT_ASSIGNMENT_SETTINGS: AssignmentSettings = {
  workingDays: 20,
  rebalanceTolerance: 0.15,
  pinManualDays: 30,
  recentContactDays: 30,
};

export const DEFAULT_POOL_POLICY: PoolPolicy = {
  enabled: true,
  followUpDays: { core: 30, potential: 45, general: 60 },
  reminderDaysBefore: 3,
  holdingCap: { core: 50, potential: 150, general: 500 },
  dailyClaimLimit: 20,
  reclaimCooldownDays: 30,
  sweepCron: '30 6 * * *',
};

const days = z.number().int().min(1).max(3650);
const cap = z.number().int().min(0).max(1_000_000);
const CRON = /^(\S+\s+){4}\S+$/;

const assignmentSchema = z
  .object({
    workingDays: z.number().int().min(1).max(366),
    rebalanceTolerance: z.number().min(0.01).max(1),
    pinManualDays: z.number().int().min(0).max(3650),
    recentContactDays: z.number().int().min(0).max(3650),
  })
  .partial()
  .strict();

const poolSchema = z
  .object({
    enabled: z.boolean(),
    followUpDays: z
      .object({ core: days.nullable(), potential: days.nullable(), general: days.nullable() })
      .partial()
      .strict(),
    reminderDaysBefore: z.number().int().min(1).max(365),
    holdingCap: z
      .object({ core: cap.nullable(), potential: cap.nullable(), general: cap.nullable() })
      .partial()
      .strict(),
    dailyClaimLimit: z.number().int().min(0).max(10_000),
    reclaimCooldownDays: z.number().int().min(0).max(3650),
    sweepCron: z.string().max(100).regex(CRON, 'a five-field cron expression'),
  })
  .partial()
  .strict();

export type PoolPolicyPatch = z.infer<typeof poolSchema>;

/** Settings that do not describe a valid policy; `issues` name the field. */
export class SettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid settings: ${issues.join('; ')}`);
  }
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, prefix: string): T {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((i) => `${[prefix, ...i.path].join('.')}: ${i.message}`));
  }
  return result.data;
}

/** The assignment settings of a workspace (`settings.assignments`) over the defaults. */
export function assignmentSettings(settings: Record<string, unknown> | null | undefined): AssignmentSettings {
  return { ...DEFAULT_ASSIGNMENT_SETTINGS, ...parse(assignmentSchema, settings?.assignments, 'assignments') };
}

/** The pool policy of a workspace (`settings.pool`) over the defaults. */
export function poolPolicy(settings: Record<string, unknown> | null | undefined): PoolPolicy {
  return mergePool(DEFAULT_POOL_POLICY, parse(poolSchema, settings?.pool, 'pool'));
}

/** Validates a partial change to the pool policy and returns the stored form (current stored ∪ patch). */
export function patchPoolSettings(stored: unknown, patch: unknown): PoolPolicyPatch {
  const current = parse(poolSchema, stored, 'pool');
  const change = parse(poolSchema, patch, 'pool');
  const next: PoolPolicyPatch = {
    ...current,
    ...change,
    followUpDays: { ...current.followUpDays, ...change.followUpDays },
    holdingCap: { ...current.holdingCap, ...change.holdingCap },
  };
  mergePool(DEFAULT_POOL_POLICY, next);
  return next;
}

function mergePool(base: PoolPolicy, p: PoolPolicyPatch): PoolPolicy {
  const merged: PoolPolicy = {
    ...base,
    ...p,
    followUpDays: { ...base.followUpDays, ...p.followUpDays },
    holdingCap: { ...base.holdingCap, ...p.holdingCap },
  };
  const tooLate = TIERS.filter((t) => {
    const d = merged.followUpDays[t];
    return d !== null && d <= merged.reminderDaysBefore;
  });
  if (tooLate.length) {
    throw new SettingsError(
      tooLate.map(
        (t) => `pool.followUpDays.${t}: must be more than reminderDaysBefore (${merged.reminderDaysBefore})`,
      ),
    );
  }
  return merged;
}

// ---- claims ------------------------------------------------------------------------------------------

export interface ClaimCandidate {
  id: string;
  tier: Tier;
  /** when this account last lapsed from the claiming rep to the pool, if ever */
  lapsedFromMeAt: Date | null;
}

export type ClaimVerdict =
  | { ok: true }
  | {
      ok: false;
      code: 'pool_disabled' | 'daily_claim_limit' | 'holding_cap' | 'reclaim_cooldown';
      message: string;
      details: Record<string, unknown>;
    };

/**
 * Whether a rep may claim these pool accounts now, all or nothing: the daily claim limit, the holding cap of each
 * tier (accounts already held plus those claimed) and the cooldown on accounts that lapsed from them.
 */
export function judgeClaim(input: {
  policy: PoolPolicy;
  /** accounts the rep holds now, per tier */
  holdings: Record<Tier, number>;
  /** claims the rep made today */
  claimedToday: number;
  candidates: readonly ClaimCandidate[];
  now: Date;
}): ClaimVerdict {
  const { policy, holdings, claimedToday, candidates, now } = input;
  if (!policy.enabled) {
    return { ok: false, code: 'pool_disabled', message: 'the public pool is switched off', details: {} };
  }
  if (claimedToday + candidates.length > policy.dailyClaimLimit) {
    return {
      ok: false,
      code: 'daily_claim_limit',
      message: `at most ${policy.dailyClaimLimit} claims a day`,
      details: {
        limit: policy.dailyClaimLimit,
        claimedToday,
        remaining: Math.max(0, policy.dailyClaimLimit - claimedToday),
      },
    };
  }
  for (const tier of TIERS) {
    const cap = policy.holdingCap[tier];
    const adding = candidates.filter((c) => c.tier === tier).length;
    if (cap !== null && adding > 0 && holdings[tier] + adding > cap) {
      return {
        ok: false,
        code: 'holding_cap',
        message: `at most ${cap} ${tier} accounts per rep`,
        details: { tier, cap, held: holdings[tier], requested: adding },
      };
    }
  }
  const cooldownMs = policy.reclaimCooldownDays * 86_400_000;
  const cooling = candidates.filter(
    (c) => c.lapsedFromMeAt !== null && now.getTime() - c.lapsedFromMeAt.getTime() < cooldownMs,
  );
  if (cooling.length) {
    const until = new Date(Math.max(...cooling.map((c) => c.lapsedFromMeAt!.getTime())) + cooldownMs);
    return {
      ok: false,
      code: 'reclaim_cooldown',
      message: `accounts that lapsed from you can be claimed back after ${policy.reclaimCooldownDays} days`,
      details: { customerIds: cooling.map((c) => c.id), until: until.toISOString() },
    };
  }
  return { ok: true };
}
