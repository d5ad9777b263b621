/**
 * The tunable side of the per-customer rules (customer-rules.ts): the thresholds of every rule with their defaults,
 * the workspace statistics a run computes once, how workspace settings override them, and their validation.
 *
 * Units: days; money in integer minor units of the workspace currency; probabilities in [0, 1].
 */
import { type CancellationPolicy, DEFAULT_CANCELLATION_POLICY } from './cancellation-rate';

export type CustomerKind = 'individual' | 'business';

/** Workspace statistics computed once per run by "prepare" and shared by every chunk job. */
export interface WorkspaceStats {
  /** median of repeat buyers' meanInterPurchaseDays, days; the cycle assumed for one-time buyers */
  medianCycleDays: number | null;
  /** optional per-kind medians (days), preferred over medianCycleDays when present and positive */
  medianCycleDaysByKind?: Partial<Record<CustomerKind, number | null>>;
  /** CLV from which a customer counts as high-CLV, minor units (e.g. percentile_disc(0.8) of clv among buyers) */
  highClvMin: number | null;
  /** typical customer value, minor units (median total spend among buyers): the unit of every value term */
  referenceValue: number | null;
}

/** Churn-risk tuning. */
export interface ChurnRiskPolicy {
  /** overdue ratio (recency / cycle) at which the overdue signal is 0.5 */
  overdueMidpoint: number;
  /** slope of the logistic on the overdue ratio */
  overdueSteepness: number;
  /** weight of 1 − pAlive against the overdue signal when pAlive is informative, 0..1 */
  pAliveWeight: number;
  /** extra risk per complaint in the last 90 days (noisy-OR), 0..1 */
  perComplaint: number;
  /** extra risk when the last survey score is a detractor (noisy-OR), 0..1 */
  detractor: number;
  /** extra risk at a full cancellation signal (noisy-OR, scaled by the signal), 0..1 */
  cancellation: number;
}

/** Maximum points of each priority term (they add up to at most 100 for any one customer). */
export interface PriorityWeights {
  valueAtRisk: number;
  expectedValue: number;
  likelyToBuy: number;
  growth: number;
  overdue: number;
  secondPurchase: number;
  complaint: number;
  /** a high cancellation rate: something goes wrong with their orders (cancellation-rate.ts) */
  cancellation: number;
  loyal: number;
  prospect: number;
}

/** Priority tuning. */
export interface PriorityPolicy {
  weights: PriorityWeights;
  /** value (in multiples of the reference value) at which a value term saturates at 1 */
  valueSaturation: number;
  /** factor on value-at-risk for churned customers (a win-back converts less often than a save) */
  churnedDiscount: number;
  /** window of the likely-to-buy term: P(at least one purchase within this many days), days */
  purchaseWindowDays: number;
  /** overdue ratio where the "due now" signal starts rising from 0 */
  dueStartRatio: number;
  /** overdue ratio where the "due now" signal reaches 1 */
  dueFullRatio: number;
  /** days after a one-time buyer's purchase during which the second purchase is worked, days */
  secondPurchaseWindowDays: number;
  /** a prospect with an interaction within this many days is warm, days */
  warmProspectDays: number;
  /** share of the prospect points a cold prospect gets, 0..1 */
  coldProspectFactor: number;
}

/** Thresholds of every rule plus the workspace statistics; see DEFAULT_SCORING_POLICY for the defaults. */
export interface ScoringPolicy {
  /** floor on any purchase cycle, days (two purchases a day apart must not make 3 days "overdue") */
  minCycleDays: number;
  /** cycle assumed for one-time buyers when the workspace has no median cycle, days */
  fallbackCycleDays: number;
  /** new = first purchase within this many days */
  newWithinDays: number;
  /** active while recency ≤ this × cycle; beyond it at-risk */
  activeCycleMultiple: number;
  /** churned needs recency > this × cycle; also the zero-frequency horizon */
  churnCycleMultiple: number;
  /** at-risk when an informative pAlive is below this */
  atRiskPAlive: number;
  /** churned needs an informative pAlive below this (or none) */
  churnPAlive: number;
  /** churned needs no purchase and no interaction for more than this many days */
  churnNoTouchDays: number;
  /** loyal needs at least this many transactions (purchase days) */
  loyalMinTransactions: number;
  /** loyal allows at most this many complaints in 90 days */
  loyalMaxComplaints90d: number;
  /** survey scores at or below this are detractors (NPS: 0–6) */
  detractorMaxSurveyScore: number;
  /** high frequency needs an F score of at least this */
  highFrequencyMinFScore: number;
  /** cold start (no F score): high frequency needs at least this many transactions */
  highFrequencyMinTransactions: number;
  /** zero frequency = no purchase within max(cycle × churnCycleMultiple, this), days */
  zeroFrequencyMinDays: number;
  /** core via CLV (or cold-start F) needs an M score of at least this */
  coreMinMScore: number;
  /** cold start (no CLV): core also needs an F score of at least this */
  coreColdStartMinFScore: number;
  /** horizon of clv and expectedPurchases, days */
  clvHorizonDays: number;
  /** potential when clv ≥ this × current value over the same horizon */
  potentialClvRatio: number;
  /** potential when clv ≥ (1 + this) × previousClv */
  potentialClvGrowth: number;
  /** potential "engaged, low spend": R and F scores at least this … */
  potentialEngagedMinScore: number;
  /** … and M score at most this */
  potentialEngagedMaxMScore: number;
  /** potential "strong start": first purchase within this many days … */
  strongStartDays: number;
  /** … and M score at least this */
  strongStartMinMScore: number;
  /** reference value used when the workspace has none, minor units */
  fallbackReferenceValue: number;
  /** the cancellation rate's shrinkage and thresholds (cancellation-rate.ts) */
  cancellation: CancellationPolicy;
  churnRisk: ChurnRiskPolicy;
  priority: PriorityPolicy;
  workspace: WorkspaceStats;
}

/** Defaults (days, minor units, probabilities); workspace statistics empty, i.e. the cold-start fallbacks. */
export const DEFAULT_SCORING_POLICY: Readonly<ScoringPolicy> = deepFreeze({
  minCycleDays: 7,
  fallbackCycleDays: 90,
  newWithinDays: 30,
  activeCycleMultiple: 1.5,
  churnCycleMultiple: 3,
  atRiskPAlive: 0.5,
  churnPAlive: 0.1,
  churnNoTouchDays: 90,
  loyalMinTransactions: 4,
  loyalMaxComplaints90d: 0,
  detractorMaxSurveyScore: 6,
  highFrequencyMinFScore: 4,
  highFrequencyMinTransactions: 4,
  zeroFrequencyMinDays: 90,
  coreMinMScore: 4,
  coreColdStartMinFScore: 4,
  clvHorizonDays: 365,
  potentialClvRatio: 1.5,
  potentialClvGrowth: 0.2,
  potentialEngagedMinScore: 4,
  potentialEngagedMaxMScore: 2,
  strongStartDays: 90,
  strongStartMinMScore: 4,
  fallbackReferenceValue: 10_000,
  cancellation: { ...DEFAULT_CANCELLATION_POLICY },
  churnRisk: {
    overdueMidpoint: 2,
    overdueSteepness: 2,
    pAliveWeight: 0.5,
    perComplaint: 0.15,
    detractor: 0.1,
    cancellation: 0.2,
  },
  priority: {
    weights: {
      valueAtRisk: 20,
      expectedValue: 20,
      likelyToBuy: 20,
      growth: 10,
      overdue: 10,
      secondPurchase: 10,
      complaint: 10,
      cancellation: 5,
      loyal: 5,
      prospect: 8,
    },
    valueSaturation: 50,
    churnedDiscount: 0.5,
    purchaseWindowDays: 90,
    dueStartRatio: 0.8,
    dueFullRatio: 1.2,
    secondPurchaseWindowDays: 60,
    warmProspectDays: 30,
    coldProspectFactor: 0.25,
  },
  workspace: { medianCycleDays: null, highClvMin: null, referenceValue: null },
});

/** Partial overrides of a policy (nested objects merge key by key). */
export type ScoringPolicyOverrides = Partial<
  Omit<ScoringPolicy, 'churnRisk' | 'priority' | 'workspace' | 'cancellation'>
> & {
  cancellation?: Partial<CancellationPolicy>;
  churnRisk?: Partial<ChurnRiskPolicy>;
  priority?: Partial<Omit<PriorityPolicy, 'weights'>> & { weights?: Partial<PriorityWeights> };
};

/** A validated policy: defaults, then `overrides` (workspace settings), with this run's workspace statistics. */
export function createScoringPolicy(
  workspace: Partial<WorkspaceStats>,
  overrides: ScoringPolicyOverrides = {},
  base: Readonly<ScoringPolicy> = DEFAULT_SCORING_POLICY,
): ScoringPolicy {
  const { churnRisk, priority, cancellation, ...flat } = overrides;
  const policy: ScoringPolicy = {
    ...base,
    ...flat,
    cancellation: { ...base.cancellation, ...cancellation },
    churnRisk: { ...base.churnRisk, ...churnRisk },
    priority: {
      ...base.priority,
      ...priority,
      weights: { ...base.priority.weights, ...priority?.weights },
    },
    workspace: { ...base.workspace, ...workspace },
  };
  validateScoringPolicy(policy);
  return policy;
}

/** Throws RangeError listing every invalid setting of `policy` (call once per run, not per customer). */
export function validateScoringPolicy(policy: Readonly<ScoringPolicy>): void {
  const checks = new PolicyChecks();
  checkRuleThresholds(checks, policy);
  checkChurnRisk(checks, policy.churnRisk);
  checkCancellation(checks, policy.cancellation);
  checkPriority(checks, policy);
  checkWorkspaceStats(checks, policy.workspace);
  if (checks.errors.length > 0) throw new RangeError(`Invalid scoring policy: ${checks.errors.join('; ')}`);
}

/** Collects the message of every failed check, so one error lists every invalid setting. */
class PolicyChecks {
  readonly errors: string[] = [];

  check(ok: boolean, message: string): void {
    if (!ok) this.errors.push(message);
  }

  positive(name: string, v: number): void {
    this.check(Number.isFinite(v) && v > 0, `${name} must be > 0`);
  }

  nonNegative(name: string, v: number): void {
    this.check(Number.isFinite(v) && v >= 0, `${name} must be ≥ 0`);
  }

  unit(name: string, v: number): void {
    this.check(Number.isFinite(v) && v >= 0 && v <= 1, `${name} must be in [0, 1]`);
  }

  score(name: string, v: number): void {
    this.check(Number.isInteger(v) && v >= 1 && v <= 5, `${name} must be an integer score 1..5`);
  }
}

/** The thresholds of the classification rules (days, multiples, probabilities, R/F/M scores). */
function checkRuleThresholds(c: PolicyChecks, policy: Readonly<ScoringPolicy>): void {
  for (const name of [
    'minCycleDays',
    'fallbackCycleDays',
    'newWithinDays',
    'activeCycleMultiple',
    'churnCycleMultiple',
    'churnNoTouchDays',
    'zeroFrequencyMinDays',
    'clvHorizonDays',
    'potentialClvRatio',
    'strongStartDays',
    'fallbackReferenceValue',
  ] as const) {
    c.positive(name, policy[name]);
  }
  c.check(
    policy.activeCycleMultiple < policy.churnCycleMultiple,
    'activeCycleMultiple must be < churnCycleMultiple',
  );
  c.unit('atRiskPAlive', policy.atRiskPAlive);
  c.unit('churnPAlive', policy.churnPAlive);
  c.check(policy.churnPAlive <= policy.atRiskPAlive, 'churnPAlive must be ≤ atRiskPAlive');
  c.nonNegative('loyalMinTransactions', policy.loyalMinTransactions);
  c.nonNegative('loyalMaxComplaints90d', policy.loyalMaxComplaints90d);
  c.nonNegative('highFrequencyMinTransactions', policy.highFrequencyMinTransactions);
  c.nonNegative('potentialClvGrowth', policy.potentialClvGrowth);
  c.check(
    Number.isFinite(policy.detractorMaxSurveyScore) &&
      policy.detractorMaxSurveyScore >= 0 &&
      policy.detractorMaxSurveyScore <= 10,
    'detractorMaxSurveyScore must be in [0, 10]',
  );
  c.score('highFrequencyMinFScore', policy.highFrequencyMinFScore);
  c.score('coreMinMScore', policy.coreMinMScore);
  c.score('coreColdStartMinFScore', policy.coreColdStartMinFScore);
  c.score('potentialEngagedMinScore', policy.potentialEngagedMinScore);
  c.score('potentialEngagedMaxMScore', policy.potentialEngagedMaxMScore);
  c.score('strongStartMinMScore', policy.strongStartMinMScore);
}

function checkChurnRisk(c: PolicyChecks, churn: Readonly<ChurnRiskPolicy>): void {
  c.check(Number.isFinite(churn.overdueMidpoint), 'churnRisk.overdueMidpoint must be finite');
  c.positive('churnRisk.overdueSteepness', churn.overdueSteepness);
  c.unit('churnRisk.pAliveWeight', churn.pAliveWeight);
  c.unit('churnRisk.perComplaint', churn.perComplaint);
  c.unit('churnRisk.detractor', churn.detractor);
  c.unit('churnRisk.cancellation', churn.cancellation);
}

function checkCancellation(c: PolicyChecks, p: Readonly<CancellationPolicy>): void {
  c.unit('cancellation.priorRate', p.priorRate);
  c.nonNegative('cancellation.priorOrders', p.priorOrders);
  c.check(
    Number.isFinite(p.threshold) && p.threshold >= 0 && p.threshold < 1,
    'cancellation.threshold must be in [0, 1)',
  );
  c.check(
    Number.isFinite(p.fullRate) && p.fullRate > p.threshold && p.fullRate <= 1,
    'cancellation.fullRate must be in (threshold, 1]',
  );
}

function checkPriority(c: PolicyChecks, policy: Readonly<ScoringPolicy>): void {
  const p = policy.priority;
  for (const [name, w] of Object.entries(p.weights)) c.nonNegative(`priority.weights.${name}`, w);
  c.positive('priority.valueSaturation', p.valueSaturation);
  c.unit('priority.churnedDiscount', p.churnedDiscount);
  c.positive('priority.purchaseWindowDays', p.purchaseWindowDays);
  c.nonNegative('priority.dueStartRatio', p.dueStartRatio);
  c.check(
    Number.isFinite(p.dueFullRatio) && p.dueFullRatio > p.dueStartRatio,
    'priority.dueFullRatio must be > dueStartRatio',
  );
  c.check(p.dueFullRatio <= policy.churnCycleMultiple, 'priority.dueFullRatio must be ≤ churnCycleMultiple');
  c.nonNegative('priority.secondPurchaseWindowDays', p.secondPurchaseWindowDays);
  c.nonNegative('priority.warmProspectDays', p.warmProspectDays);
  c.unit('priority.coldProspectFactor', p.coldProspectFactor);
}

/** The run's workspace statistics: unknown (null) or a finite number ≥ 0. */
function checkWorkspaceStats(c: PolicyChecks, ws: Readonly<WorkspaceStats>): void {
  for (const [name, v] of [
    ['medianCycleDays', ws.medianCycleDays],
    ['highClvMin', ws.highClvMin],
    ['referenceValue', ws.referenceValue],
    ['medianCycleDaysByKind.individual', ws.medianCycleDaysByKind?.individual ?? null],
    ['medianCycleDaysByKind.business', ws.medianCycleDaysByKind?.business ?? null],
  ] as const) {
    c.check(
      v === null || (Number.isFinite(v) && v >= 0),
      `workspace.${name} must be null or a finite number ≥ 0`,
    );
  }
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) {
    if (v !== null && typeof v === 'object') deepFreeze(v as object);
  }
  return Object.freeze(o);
}
