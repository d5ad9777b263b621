/**
 * Deterministic per-customer rules: value tier, frequency class, lifecycle, churn risk and call priority.
 *
 * Pure functions of one customer's features plus a ScoringPolicy (customer-policy.ts) that carries the tunable
 * thresholds and the workspace statistics computed once by the "prepare" step (median purchase cycle, CLV
 * cut-off, reference value).
 * Every rule works with the probabilistic models absent (pAlive, expectedPurchases, clv all null): it then falls
 * back to R/F/M and the customer's own purchase cycle. docs/scoring.md explains each rule and default.
 *
 * Units: days; money in integer minor units of the workspace currency; probabilities in [0, 1].
 */
import { type CancellationHistory, cancellationSignal, NO_CANCELLATIONS } from './cancellation-rate';
import { rfmSegment as segmentOf } from './rfm';
import type { AbcClass, FrequencyClass, Lifecycle, RfmSegment, ValueTier } from './types';
import type { CustomerKind, ScoringPolicy } from './customer-policy';

export type { CustomerKind } from './customer-policy';

/** Features of one customer as the nightly run computes them (days, minor units). */
export interface CustomerFeatures {
  customerKind: CustomerKind;
  /** days since the first counted purchase; null = no purchase */
  firstPurchaseAgeDays: number | null;
  /** days since the last counted purchase; null = no purchase */
  recencyDays: number | null;
  /** distinct purchase days, refunds and cancellations excluded */
  transactions: number;
  /** total spend, minor units */
  monetary: number;
  /** mean order value, minor units */
  avgOrderValue: number;
  /** the customer's own mean days between purchase days; null when fewer than 2 transactions */
  meanInterPurchaseDays: number | null;
  /** days since the last interaction of any kind (call, email, visit, campaign, complaint, survey) */
  daysSinceLastInteraction: number | null;
  /**
   * days since the last two-way contact: a call or visit that reached someone, a reply, a call logged as reached;
   * null = none. Only these delay "churned" (an email click does not).
   */
  daysSinceTwoWayContact: number | null;
  /** refunded orders (any currency): with no counted purchase, they show the customer bought before the history */
  refundedOrders: number;
  /**
   * orders placed and undone (refunded, cancelled, given back in full) with their value, for the cancellation
   * rate (cancellation-rate.ts); absent: none
   */
  cancellations?: CancellationHistory;
  /** complaints in the last 90 days */
  complaints90d: number;
  /** last survey score, 0–10 (NPS style) */
  lastSurveyScore: number | null;
  /** BG/NBD P(alive); null when the model is not fitted */
  pAlive: number | null;
  /** BG/NBD expected purchases over the CLV horizon */
  expectedPurchases: number | null;
  /** Gamma-Gamma expected order value, minor units */
  expectedOrderValue: number | null;
  /** predicted CLV over the horizon, minor units */
  clv: number | null;
  /** CLV of the previous run, minor units */
  previousClv: number | null;
  previousTier: ValueTier | null;
  previousLifecycle: Lifecycle | null;
  /** RFM scores 1–5 from workspace cut-offs; null for prospects or when not computed */
  rScore: number | null;
  fScore: number | null;
  mScore: number | null;
  abcClass: AbcClass | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Purchase cycle

/** Where a cycle came from: the customer's own purchases, the workspace median, or the policy default. */
export type CycleSource = 'own' | 'workspace' | 'default';

/** The purchase cycle a customer is measured against, days. */
export interface PurchaseCycle {
  days: number;
  source: CycleSource;
}

/**
 * Purchase cycle in days: own mean inter-purchase days for repeat buyers, else the workspace median (per kind when
 * given), else policy.fallbackCycleDays; never below policy.minCycleDays. Null for prospects.
 */
export function purchaseCycle(f: CustomerFeatures, policy: Readonly<ScoringPolicy>): PurchaseCycle | null {
  return cycleOf(clean(f), policy);
}

/** Recency divided by the purchase cycle (1 = exactly one cycle since the last purchase); null for prospects. */
export function overdueRatio(f: CustomerFeatures, policy: Readonly<ScoringPolicy>): number | null {
  const c = clean(f);
  const cycle = cycleOf(c, policy);
  return cycle === null || c.recencyDays === null ? null : c.recencyDays / cycle.days;
}

// ---------------------------------------------------------------------------------------------------------------
// Classes

/** A class with the reason codes that put the customer there. */
export interface Classification<T, R extends string> {
  value: T;
  reasons: R[];
}

export type ValueTierReason =
  | 'no_purchase'
  | 'abc_a'
  | 'high_clv_high_m'
  | 'high_m_high_f'
  | 'clv_above_current'
  | 'clv_rising'
  | 'engaged_low_spend'
  | 'strong_start'
  | 'no_core_or_growth_signal'
  | 'promoted'
  | 'demoted';

export type FrequencyReason =
  | 'no_purchase'
  | 'lapsed'
  | 'high_f_score'
  | 'many_transactions'
  | 'single_purchase'
  | 'low_f_score'
  | 'few_transactions';

export type LifecycleReason =
  | 'no_purchase'
  | 'refunds_only'
  | 'far_overdue_vs_cycle'
  | 'very_low_p_alive'
  | 'no_two_way_contact'
  | 'two_way_contact_delays_churn'
  | 'first_purchase_recent'
  | 'overdue_vs_cycle'
  | 'low_p_alive'
  | 'within_cycle'
  | 'repeat_buyer'
  | 'few_purchases'
  | 'no_recent_complaint'
  | 'recent_complaint'
  | 'not_detractor'
  | 'no_survey'
  | 'detractor'
  | 'high_cancellation_rate'
  | 'reactivated';

/**
 * Value tier: core = ABC A, or high CLV (≥ workspace.highClvMin) with M ≥ coreMinMScore (cold start without CLV:
 * high M and high F); potential = not core but room to grow (CLV well above current value, CLV rising, engaged with
 * low spend, or a strong start); general otherwise. Prospects are general.
 */
export function valueTier(
  f: CustomerFeatures,
  policy: Readonly<ScoringPolicy>,
): Classification<ValueTier, ValueTierReason> {
  return tierOf(clean(f), policy);
}

/**
 * Frequency class: zero = no purchase ever or none within max(cycle × churnCycleMultiple, zeroFrequencyMinDays)
 * days; high = at least 2 purchase days and F ≥ highFrequencyMinFScore (cold start: transactions ≥
 * highFrequencyMinTransactions); low otherwise.
 */
export function frequencyClass(
  f: CustomerFeatures,
  policy: Readonly<ScoringPolicy>,
): Classification<FrequencyClass, FrequencyReason> {
  const c = clean(f);
  return frequencyOf(c, policy, basisOf(c, policy));
}

/**
 * Lifecycle, first match wins: prospect (never bought: no counted purchase and no refund) → refunds only (no
 * counted purchase, but a refunded order: churned, or at_risk after a two-way contact within churnNoTouchDays) →
 * churned (recency > churnCycleMultiple × own cycle, pAlive uninformative or < churnPAlive, no purchase or two-way
 * contact for > churnNoTouchDays) → new (first purchase within newWithinDays) → at_risk (recency >
 * activeCycleMultiple × cycle or pAlive < atRiskPAlive; `two_way_contact_delays_churn` when only a recent two-way
 * contact kept it from churned) → loyal (≥ loyalMinTransactions, no recent complaint, not a detractor, no high
 * cancellation rate) → active. At risk, active and loyal say `high_cancellation_rate` when the rate is high.
 * Interactions that are not two-way (emails sent, opened or clicked, campaigns, surveys) never delay churn.
 */
export function lifecycle(
  f: CustomerFeatures,
  policy: Readonly<ScoringPolicy>,
): Classification<Lifecycle, LifecycleReason> {
  const c = clean(f);
  return lifecycleOf(c, policy, basisOf(c, policy));
}

/**
 * Churn risk in [0, 1]: logistic of the overdue ratio (recency / cycle), averaged with 1 − pAlive when pAlive is
 * informative (repeat buyers only: BG/NBD gives P(alive) = 1 to every one-time buyer), then raised noisy-OR by
 * recent complaints, a detractor survey and a high cancellation rate (churnRisk.cancellation × its signal). 0 for
 * prospects; refunds only: 1 (0.5 after a recent two-way contact).
 */
export function churnRisk(f: CustomerFeatures, policy: Readonly<ScoringPolicy>): number {
  const c = clean(f);
  return churnRiskOf(c, policy, basisOf(c, policy));
}

// ---------------------------------------------------------------------------------------------------------------
// Priority

export type PriorityCode =
  | 'high_value_at_risk'
  | 'win_back'
  | 'high_expected_value'
  | 'likely_to_buy'
  | 'growth_potential'
  | 'overdue_vs_cycle'
  | 'second_purchase_window'
  | 'recent_complaint'
  | 'high_cancellation_rate'
  | 'loyal_champion'
  | 'prospect';

/** One term of the priority: its code and the points (0..100 scale) it contributed. */
export interface PriorityReason {
  code: PriorityCode;
  weight: number;
}

/** Call priority, 0..100, with its terms sorted by points, largest first. */
export interface Priority {
  score: number;
  reasons: PriorityReason[];
}

/** The classes priority() depends on (as computed by lifecycle(), churnRisk() and rfmSegment()). */
export interface PriorityInputs {
  lifecycle: Lifecycle;
  churnRisk: number;
  rfmSegment: RfmSegment | null;
}

/**
 * Call priority 0..100 = expected value of contacting now: the sum of weighted terms, each in [0, 1] — value at
 * stake × churn risk, expected purchase value, probability of a purchase within the purchase window, CLV growth,
 * due/overdue against the own cycle, second-purchase window, recent complaint, high cancellation rate, loyal
 * champion, prospect. Value
 * terms use log(1 + value / reference value), so one whale does not flatten the list. Points are rounded to 0.01.
 */
export function priority(
  f: CustomerFeatures,
  derived: PriorityInputs,
  policy: Readonly<ScoringPolicy>,
): Priority {
  const c = clean(f);
  return priorityOf(c, derived, policy, basisOf(c, policy));
}

/** Everything the rules say about one customer. */
export interface ScoredCustomer {
  valueTier: ValueTier;
  frequencyClass: FrequencyClass;
  lifecycle: Lifecycle;
  /** 0..1 */
  churnRisk: number;
  /** 0..100 */
  priority: number;
  /** priority terms, largest first */
  reasons: PriorityReason[];
  /** null for prospects or when R/F/M scores are missing */
  rfmSegment: RfmSegment | null;
  classReasons: {
    valueTier: ValueTierReason[];
    frequencyClass: FrequencyReason[];
    lifecycle: LifecycleReason[];
  };
  /** cycle the customer was measured against, days; null for prospects */
  cycleDays: number | null;
  cycleSource: CycleSource | null;
  /** recency / cycle; null for prospects */
  overdueRatio: number | null;
}

/** All classes, churn risk and priority of one customer (days, minor units). */
export function scoreCustomer(f: CustomerFeatures, policy: Readonly<ScoringPolicy>): ScoredCustomer {
  const c = clean(f);
  // the cycle, overdue ratio and cancellation signal once: each rule below needs some of them
  const basis = basisOf(c, policy);
  const tier = tierOf(c, policy);
  const freq = frequencyOf(c, policy, basis);
  const life = lifecycleOf(c, policy, basis);
  const risk = churnRiskOf(c, policy, basis);
  const segment =
    isBuyer(c) && c.rScore !== null && c.fScore !== null && c.mScore !== null
      ? segmentOf(c.rScore, c.fScore, c.mScore)
      : null;
  const prio = priorityOf(c, { lifecycle: life.value, churnRisk: risk, rfmSegment: segment }, policy, basis);
  const cycle = basis.cycle;
  return {
    valueTier: tier.value,
    frequencyClass: freq.value,
    lifecycle: life.value,
    churnRisk: risk,
    priority: prio.score,
    reasons: prio.reasons,
    rfmSegment: segment,
    classReasons: { valueTier: tier.reasons, frequencyClass: freq.reasons, lifecycle: life.reasons },
    cycleDays: cycle?.days ?? null,
    cycleSource: cycle?.source ?? null,
    overdueRatio: basis.ratio,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Implementation (on cleaned features)

/** Features after clean(): finite, non-negative, probabilities and scores in range, buyers with both dates. */
type Clean = CustomerFeatures;

const TIER_RANK: Record<ValueTier, number> = { general: 0, potential: 1, core: 2 };
const DAYS_PER_YEAR = 365;

function isBuyer(c: Clean): c is Clean & { recencyDays: number; firstPurchaseAgeDays: number } {
  return c.transactions >= 1 && c.recencyDays !== null && c.firstPurchaseAgeDays !== null;
}

/** BG/NBD P(alive) is 1 for every customer without repeat purchases, so it only informs for repeat buyers. */
function informativePAlive(c: Clean): number | null {
  return c.transactions >= 2 ? c.pAlive : null;
}

function cycleOf(c: Clean, policy: Readonly<ScoringPolicy>): PurchaseCycle | null {
  if (!isBuyer(c)) return null;
  let days: number;
  let source: CycleSource;
  const byKind = policy.workspace.medianCycleDaysByKind?.[c.customerKind] ?? null;
  if (c.transactions >= 2 && c.meanInterPurchaseDays !== null && c.meanInterPurchaseDays > 0) {
    days = c.meanInterPurchaseDays;
    source = 'own';
  } else if (byKind !== null && byKind > 0) {
    days = byKind;
    source = 'workspace';
  } else if (policy.workspace.medianCycleDays !== null && policy.workspace.medianCycleDays > 0) {
    days = policy.workspace.medianCycleDays;
    source = 'workspace';
  } else {
    days = policy.fallbackCycleDays;
    source = 'default';
  }
  return { days: Math.max(days, policy.minCycleDays), source };
}

/** What several rules need of one customer: computed once per customer (basisOf), not once per rule. */
interface Basis {
  cycle: PurchaseCycle | null;
  /** recency / cycle; null for prospects */
  ratio: number | null;
  /** the cancellation signal (cancels) */
  cancel: number;
}

function basisOf(c: Clean, policy: Readonly<ScoringPolicy>): Basis {
  const cycle = cycleOf(c, policy);
  return {
    cycle,
    ratio: cycle === null || c.recencyDays === null ? null : c.recencyDays / cycle.days,
    cancel: cancels(c, policy),
  };
}

/** A prospect: never bought — no counted purchase and no refunded order either. */
export function neverBought(f: Pick<CustomerFeatures, 'transactions' | 'refundedOrders'>): boolean {
  return !(f.transactions >= 1) && !(f.refundedOrders >= 1);
}

/** No counted purchase, but refunded orders: bought before the CRM's history (or only what they returned). */
function refundsOnly(c: Clean): boolean {
  return !isBuyer(c) && c.refundedOrders >= 1;
}

/** Whether a two-way contact (a call that reached them, a reply) lies within churnNoTouchDays. */
function recentTwoWay(c: Clean, policy: Readonly<ScoringPolicy>): boolean {
  return c.daysSinceTwoWayContact !== null && c.daysSinceTwoWayContact <= policy.churnNoTouchDays;
}

/** The cancellation signal of a buyer, 0..1 (cancellation-rate.ts); 0 without a counted purchase. */
function cancels(c: Clean, policy: Readonly<ScoringPolicy>): number {
  return isBuyer(c) ? cancellationSignal(c.cancellations ?? NO_CANCELLATIONS, policy.cancellation) : 0;
}

function isDetractor(c: Clean, policy: Readonly<ScoringPolicy>): boolean {
  return c.lastSurveyScore !== null && c.lastSurveyScore <= policy.detractorMaxSurveyScore;
}

function referenceValue(policy: Readonly<ScoringPolicy>): number {
  const ref = policy.workspace.referenceValue;
  return ref !== null && ref > 0 ? ref : policy.fallbackReferenceValue;
}

/** Spend so far expressed over the CLV horizon: total spend per year of tenure (tenure at least a year). */
function currentValueOverHorizon(c: Clean, policy: Readonly<ScoringPolicy>): number {
  const tenure = Math.max(c.firstPurchaseAgeDays ?? 0, DAYS_PER_YEAR);
  return (c.monetary * policy.clvHorizonDays) / tenure;
}

function tierOf(c: Clean, policy: Readonly<ScoringPolicy>): Classification<ValueTier, ValueTierReason> {
  if (!isBuyer(c)) return { value: 'general', reasons: ['no_purchase'] };
  const reasons: ValueTierReason[] = [];
  const { rScore: r, fScore: f, mScore: m, clv } = c;
  const highClvMin = policy.workspace.highClvMin;

  if (c.abcClass === 'A') reasons.push('abc_a');
  if (clv !== null && highClvMin !== null) {
    if (clv >= highClvMin && m !== null && m >= policy.coreMinMScore) reasons.push('high_clv_high_m');
  } else if (m !== null && f !== null && m >= policy.coreMinMScore && f >= policy.coreColdStartMinFScore) {
    reasons.push('high_m_high_f');
  }
  let value: ValueTier = 'core';
  if (reasons.length === 0) {
    const minClv = referenceValue(policy);
    if (clv !== null && clv >= minClv) {
      if (clv >= policy.potentialClvRatio * currentValueOverHorizon(c, policy)) {
        reasons.push('clv_above_current');
      }
      if (
        c.previousClv !== null &&
        c.previousClv > 0 &&
        clv >= (1 + policy.potentialClvGrowth) * c.previousClv
      ) {
        reasons.push('clv_rising');
      }
    }
    if (
      r !== null &&
      f !== null &&
      m !== null &&
      r >= policy.potentialEngagedMinScore &&
      f >= policy.potentialEngagedMinScore &&
      m <= policy.potentialEngagedMaxMScore
    ) {
      reasons.push('engaged_low_spend');
    }
    if (c.firstPurchaseAgeDays <= policy.strongStartDays && m !== null && m >= policy.strongStartMinMScore) {
      reasons.push('strong_start');
    }
    value = reasons.length > 0 ? 'potential' : 'general';
    if (value === 'general') reasons.push('no_core_or_growth_signal');
  }
  if (c.previousTier !== null && TIER_RANK[value] !== TIER_RANK[c.previousTier]) {
    reasons.push(TIER_RANK[value] > TIER_RANK[c.previousTier] ? 'promoted' : 'demoted');
  }
  return { value, reasons };
}

function frequencyOf(
  c: Clean,
  policy: Readonly<ScoringPolicy>,
  basis: Basis,
): Classification<FrequencyClass, FrequencyReason> {
  const cycle = basis.cycle;
  if (!isBuyer(c) || cycle === null) return { value: 'zero', reasons: ['no_purchase'] };
  const lapseDays = Math.max(cycle.days * policy.churnCycleMultiple, policy.zeroFrequencyMinDays);
  if (c.recencyDays > lapseDays) return { value: 'zero', reasons: ['lapsed'] };
  if (c.transactions < 2) return { value: 'low', reasons: ['single_purchase'] };
  if (c.fScore !== null) {
    return c.fScore >= policy.highFrequencyMinFScore
      ? { value: 'high', reasons: ['high_f_score'] }
      : { value: 'low', reasons: ['low_f_score'] };
  }
  return c.transactions >= policy.highFrequencyMinTransactions
    ? { value: 'high', reasons: ['many_transactions'] }
    : { value: 'low', reasons: ['few_transactions'] };
}

function lifecycleOf(
  c: Clean,
  policy: Readonly<ScoringPolicy>,
  basis: Basis,
): Classification<Lifecycle, LifecycleReason> {
  const ratio = basis.ratio;
  if (refundsOnly(c)) {
    return recentTwoWay(c, policy)
      ? { value: 'at_risk', reasons: ['refunds_only', 'two_way_contact_delays_churn'] }
      : { value: 'churned', reasons: ['refunds_only', 'no_two_way_contact'] };
  }
  if (!isBuyer(c) || ratio === null) return { value: 'prospect', reasons: ['no_purchase'] };
  const pAlive = informativePAlive(c);

  // churned: far past their own cycle, P(alive) gone (or uninformative), and no purchase or two-way contact
  // within churnNoTouchDays (recency is past it already: the cycle is at least minCycleDays × churnCycleMultiple)
  const farOverdue = ratio > policy.churnCycleMultiple && (pAlive === null || pAlive < policy.churnPAlive);
  const quiet = c.recencyDays > policy.churnNoTouchDays;
  if (farOverdue && quiet && !recentTwoWay(c, policy)) {
    const reasons: LifecycleReason[] = ['far_overdue_vs_cycle'];
    if (pAlive !== null) reasons.push('very_low_p_alive');
    reasons.push('no_two_way_contact');
    return { value: 'churned', reasons };
  }
  const contactDelaysChurn = farOverdue && quiet;

  const wasLapsed = c.previousLifecycle === 'at_risk' || c.previousLifecycle === 'churned';
  if (c.firstPurchaseAgeDays <= policy.newWithinDays) {
    return withReactivation(wasLapsed, 'new', ['first_purchase_recent']);
  }

  const overdue = ratio > policy.activeCycleMultiple;
  const lowPAlive = pAlive !== null && pAlive < policy.atRiskPAlive;
  if (overdue || lowPAlive) {
    const reasons: LifecycleReason[] = [];
    if (overdue) reasons.push('overdue_vs_cycle');
    if (lowPAlive) reasons.push('low_p_alive');
    if (contactDelaysChurn) reasons.push('two_way_contact_delays_churn');
    if (basis.cancel > 0) reasons.push('high_cancellation_rate');
    return { value: 'at_risk', reasons };
  }

  const reasons: LifecycleReason[] = ['within_cycle'];
  const repeat = c.transactions >= policy.loyalMinTransactions;
  const calm = c.complaints90d <= policy.loyalMaxComplaints90d;
  const detractor = isDetractor(c, policy);
  reasons.push(repeat ? 'repeat_buyer' : 'few_purchases');
  reasons.push(calm ? 'no_recent_complaint' : 'recent_complaint');
  reasons.push(detractor ? 'detractor' : c.lastSurveyScore === null ? 'no_survey' : 'not_detractor');
  const cancelling = basis.cancel > 0;
  if (cancelling) reasons.push('high_cancellation_rate');
  return withReactivation(
    wasLapsed,
    repeat && calm && !detractor && !cancelling ? 'loyal' : 'active',
    reasons,
  );
}

/** A lifecycle with 'reactivated' added when the customer was at risk or churned in the previous run. */
function withReactivation(
  wasLapsed: boolean,
  value: Lifecycle,
  reasons: LifecycleReason[],
): Classification<Lifecycle, LifecycleReason> {
  return { value, reasons: wasLapsed ? [...reasons, 'reactivated'] : reasons };
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function churnRiskOf(c: Clean, policy: Readonly<ScoringPolicy>, basis: Basis): number {
  // refunds only: nothing bought that still counts; a recent two-way contact keeps some hope
  if (refundsOnly(c)) return recentTwoWay(c, policy) ? 0.5 : 1;
  const ratio = basis.ratio;
  if (ratio === null) return 0;
  const cr = policy.churnRisk;
  const overdue = logistic(cr.overdueSteepness * (ratio - cr.overdueMidpoint));
  const pAlive = informativePAlive(c);
  const base = pAlive === null ? overdue : cr.pAliveWeight * (1 - pAlive) + (1 - cr.pAliveWeight) * overdue;
  const complaint = 1 - Math.pow(1 - cr.perComplaint, c.complaints90d);
  const detractor = isDetractor(c, policy) ? cr.detractor : 0;
  const cancelling = cr.cancellation * basis.cancel;
  return clamp01(1 - (1 - base) * (1 - complaint) * (1 - detractor) * (1 - cancelling));
}

/** The unit of the value terms: the reference value and log(1 + saturation), once per customer. */
interface ValueScale {
  reference: number;
  logSaturation: number;
}

function valueScaleOf(policy: Readonly<ScoringPolicy>): ValueScale {
  return { reference: referenceValue(policy), logSaturation: Math.log1p(policy.priority.valueSaturation) };
}

/** log(1 + v / ref) / log(1 + saturation), capped to [0, 1]: value on a log scale in units of the reference. */
function valueNorm(v: number, scale: ValueScale): number {
  if (!(v > 0)) return 0;
  const x = Math.log1p(v / scale.reference) / scale.logSaturation;
  return clamp01(x);
}

/** "Due now" signal from the overdue ratio: 0 before dueStart, 1 from dueFull to the churn multiple, then fades. */
function dueSignal(ratio: number, policy: Readonly<ScoringPolicy>): number {
  const { dueStartRatio, dueFullRatio } = policy.priority;
  if (ratio <= dueStartRatio) return 0;
  if (ratio < dueFullRatio) return (ratio - dueStartRatio) / (dueFullRatio - dueStartRatio);
  if (ratio <= policy.churnCycleMultiple) return 1;
  return policy.churnCycleMultiple / ratio;
}

function priorityOf(
  c: Clean,
  derived: PriorityInputs,
  policy: Readonly<ScoringPolicy>,
  basis: Basis,
): Priority {
  const w = policy.priority.weights;
  const terms = new PriorityTerms();

  if (refundsOnly(c)) {
    // not a prospect (no first-order pitch) and nothing bought to value: only a complaint lifts them
    if (c.complaints90d > 0) terms.add('recent_complaint', w.complaint, 0.5);
    return terms.finish();
  }
  if (!isBuyer(c)) {
    const warm =
      c.daysSinceLastInteraction !== null && c.daysSinceLastInteraction <= policy.priority.warmProspectDays;
    terms.add('prospect', w.prospect, warm ? 1 : policy.priority.coldProspectFactor);
    if (c.complaints90d > 0) terms.add('recent_complaint', w.complaint, 0.5);
    return terms.finish();
  }

  const risk = clamp01(Number.isFinite(derived.churnRisk) ? derived.churnRisk : 0);
  const cycle = basis.cycle;
  const ratio = basis.ratio ?? 0;
  const scale = valueScaleOf(policy);
  const current = currentValueOverHorizon(c, policy);
  const stake = valueNorm(Math.max(c.clv ?? 0, current), scale);
  // lift a term by the value at stake, but keep half of it for everyone: timing matters for small customers too
  const scaled = 0.5 + 0.5 * stake;

  const churned = derived.lifecycle === 'churned';
  terms.add(
    churned ? 'win_back' : 'high_value_at_risk',
    w.valueAtRisk,
    stake * risk * (churned ? policy.priority.churnedDiscount : 1),
  );

  // purchases expected over the horizon: the BG/NBD forecast, or in cold start what the own cycle predicts,
  // discounted by the churn risk (one-time buyers in cold start have no cycle of their own: none)
  let purchases = 0;
  let expected = 0;
  if (c.expectedPurchases !== null) {
    purchases = c.expectedPurchases;
    expected = purchases * (c.expectedOrderValue ?? c.avgOrderValue);
  } else if (cycle !== null && cycle.source === 'own') {
    purchases = (policy.clvHorizonDays / cycle.days) * (1 - risk);
    expected = purchases * c.avgOrderValue;
  }
  terms.add('high_expected_value', w.expectedValue, valueNorm(expected, scale));
  // how likely an order is soon, whatever it is worth: the value terms weigh money, and on their own they rank a
  // valuable customer who will not buy above a modest one who will (CDNOW holdout, docs/scoring-run.md). The
  // horizon's purchases at their average rate give the purchases expected in the window; P(at least one) as for
  // a Poisson count. BG/NBD's expected purchases already discount a one-time buyer's P(alive) = 1 by their low
  // purchase rate, so that P(alive) never lifts this term on its own.
  const inWindow = (purchases * policy.priority.purchaseWindowDays) / policy.clvHorizonDays;
  terms.add('likely_to_buy', w.likelyToBuy, 1 - Math.exp(-inWindow));

  if (c.clv !== null) {
    terms.add('growth_potential', w.growth, valueNorm(c.clv - Math.max(c.previousClv ?? 0, current), scale));
  }
  if (cycle !== null && cycle.source === 'own') {
    terms.add('overdue_vs_cycle', w.overdue, dueSignal(ratio, policy) * scaled);
  }
  if (c.transactions === 1 && c.firstPurchaseAgeDays <= policy.priority.secondPurchaseWindowDays) {
    terms.add('second_purchase_window', w.secondPurchase, 0.5 + 0.5 * valueNorm(c.monetary, scale));
  }
  if (c.complaints90d > 0) terms.add('recent_complaint', w.complaint, scaled);
  const cancelling = basis.cancel;
  if (cancelling > 0) terms.add('high_cancellation_rate', w.cancellation, cancelling * scaled);
  if (derived.lifecycle === 'loyal' || derived.rfmSegment === 'champions') {
    terms.add('loyal_champion', w.loyal, scaled);
  }
  return terms.finish();
}

/** The priority's terms as they are added: points summed in that order, the reasons with points ≥ 0.01. */
class PriorityTerms {
  private total = 0;
  private readonly reasons: PriorityReason[] = [];

  add(code: PriorityCode, maxPoints: number, strength: number): void {
    const points = maxPoints * clamp01(strength);
    this.total += points;
    const weight = round2(points);
    if (weight > 0) this.reasons.push({ code, weight });
  }

  /** The score and the reasons, largest first (a customer's codes are distinct: the order is total). */
  finish(): Priority {
    const reasons = this.reasons;
    // insertion sort: at most ten terms, already close to sorted
    for (let i = 1; i < reasons.length; i++) {
      const r = reasons[i];
      let j = i - 1;
      for (; j >= 0 && comesBefore(r, reasons[j]); j--) reasons[j + 1] = reasons[j];
      reasons[j + 1] = r;
    }
    return { score: round2(Math.min(100, Math.max(0, this.total))), reasons };
  }
}

/** Larger points first, then by code (code point order: as localeCompare for these lowercase snake_case codes). */
function comesBefore(a: PriorityReason, b: PriorityReason): boolean {
  return a.weight > b.weight || (a.weight === b.weight && a.code < b.code);
}

function clamp01(x: number): number {
  if (!(x > 0)) return 0; // also maps NaN to 0
  return x > 1 ? 1 : x;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function nonNegOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.max(0, v);
}

function nonNeg(v: number): number {
  return Number.isFinite(v) ? Math.max(0, v) : 0;
}

function scoreOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.min(5, Math.max(1, Math.round(v)));
}

/**
 * Defensive normalisation so that no input makes a rule return NaN: non-finite numbers become null (or 0),
 * negatives 0, probabilities and scores are clamped, and a buyer's first purchase is never after the last.
 */
function clean(f: CustomerFeatures): Clean {
  const transactions = Math.floor(nonNeg(f.transactions));
  let recencyDays = nonNegOrNull(f.recencyDays);
  let firstPurchaseAgeDays = nonNegOrNull(f.firstPurchaseAgeDays);
  if (transactions >= 1 && (recencyDays !== null || firstPurchaseAgeDays !== null)) {
    recencyDays ??= firstPurchaseAgeDays;
    firstPurchaseAgeDays = Math.max(firstPurchaseAgeDays ?? 0, recencyDays ?? 0);
  } else {
    recencyDays = null;
    firstPurchaseAgeDays = null;
  }
  const survey = nonNegOrNull(f.lastSurveyScore);
  const pAlive = nonNegOrNull(f.pAlive);
  return {
    customerKind: f.customerKind === 'business' ? 'business' : 'individual',
    firstPurchaseAgeDays,
    recencyDays,
    transactions,
    monetary: nonNeg(f.monetary),
    avgOrderValue: nonNeg(f.avgOrderValue),
    meanInterPurchaseDays: nonNegOrNull(f.meanInterPurchaseDays),
    daysSinceLastInteraction: nonNegOrNull(f.daysSinceLastInteraction),
    daysSinceTwoWayContact: nonNegOrNull(f.daysSinceTwoWayContact ?? null),
    refundedOrders: Math.floor(nonNeg(f.refundedOrders ?? 0)),
    cancellations: f.cancellations ?? NO_CANCELLATIONS,
    complaints90d: Math.floor(nonNeg(f.complaints90d)),
    lastSurveyScore: survey === null ? null : Math.min(10, survey),
    pAlive: pAlive === null ? null : Math.min(1, pAlive),
    expectedPurchases: nonNegOrNull(f.expectedPurchases),
    expectedOrderValue: nonNegOrNull(f.expectedOrderValue),
    clv: nonNegOrNull(f.clv),
    previousClv: nonNegOrNull(f.previousClv),
    previousTier: f.previousTier,
    previousLifecycle: f.previousLifecycle,
    rScore: scoreOrNull(f.rScore),
    fScore: scoreOrNull(f.fScore),
    mScore: scoreOrNull(f.mScore),
    abcClass: f.abcClass,
  };
}
