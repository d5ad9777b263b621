/**
 * Ranking of one rep's daily call list. Pure; no framework imports. docs/worklists.md explains the formula.
 *
 * Input: the rep's candidates (already narrowed by set-based SQL; the same rules are re-applied here, so this
 * function is the specification) and the workspace's WorklistSettings. Output: at most `capacity` items in the
 * order the rep should work them, each with its kind, its expected value of calling today and its top reasons
 * (codes plus the facts the human text is rendered from, see reason-text.ts).
 *
 * Units: money in integer minor units of the workspace currency (values may be fractional before rounding),
 * time in days, instants as ISO 8601 strings.
 */
import type { Lifecycle, ValueTier } from '../scoring/models/types';
import { CallWindow, callWindow, Hours } from './call-window';
import { timeZoneForCountry } from './country-time-zones';
import type { Outcome } from './outcome-rules';
import type { WorklistSettings } from './worklist-settings';
import { dayBounds, daysBetween, parseClock } from './zoned-time';

export type CustomerKind = 'individual' | 'business';

/** Why an item is on the list: the group it was taken from. */
export type ItemKind = 'urgent' | 'callback' | 'pinned' | 'retry' | 'ranked' | 'prospect';

export type ReasonCode =
  | 'urgent_complaint'
  | 'urgent_large_order'
  | 'callback_due'
  | 'retry_no_answer'
  | 'pinned'
  | 'overdue_vs_cycle'
  | 'high_value_at_risk'
  | 'win_back'
  | 'high_expected_value'
  // a call-priority reason (customer_scores.reasons, models/customer-rules.ts): callValue has no term of its own for
  // it, since its expected-value term already prices the next lookaheadDays' purchases; listed so that every
  // priority code has a text and a talk-track phrase
  | 'likely_to_buy'
  | 'growth_potential'
  | 'prospect'
  | 'recent_complaint'
  // context: the score run found a high cancellation rate (a priority reason, scoring/models/cancellation-rate.ts)
  | 'high_cancellation_rate'
  | 'snooze_ended'
  | 'last_outcome'
  | 'in_portfolio';

/** One reason: its code, the money it adds to the item's value (0 for context reasons) and its facts. */
export interface Reason {
  code: ReasonCode;
  /** minor units contributed to the expected value of calling today */
  value: number;
  facts: Record<string, string | number | null>;
}

export type Exclusion =
  | 'do_not_call'
  | 'wrong_number'
  | 'snoozed'
  | 'follow_up_pending'
  | 'contacted_today'
  | 'frequency_cap'
  | 'outside_business_hours';

export interface FollowUp {
  kind: 'callback' | 'retry';
  /** ISO instant from which the follow-up is due */
  dueAt: string;
  /** retries: the number of the coming attempt (2 = second) */
  attempt: number;
  /** retries: when the last unanswered attempt happened */
  lastAttemptAt: string | null;
}

/** One customer a rep could call, with everything the rules need. */
export interface WorklistCandidate {
  /** bigint id as a decimal string */
  customerId: string;
  customerKind: CustomerKind;
  /** ISO 3166-1 alpha-2; null = unknown (the workspace zone is assumed) */
  country: string | null;
  valueTier: ValueTier;
  lifecycle: Lifecycle;
  /** days since the last paid order on the score run's as-of day; null for prospects */
  recencyDays: number | null;
  /** purchase days */
  frequency: number;
  /** total spend, minor units */
  monetary: number;
  /** the customer's own mean days between purchase days; null unless they bought on ≥ 2 days */
  ownCycleDays: number | null;
  /** days from the first purchase day to the score run's as-of day; null unless they bought on ≥ 2 days */
  firstPurchaseAgeDays: number | null;
  pAlive: number | null;
  /** BG/NBD expected purchases over the run's horizon */
  expectedPurchases: number | null;
  /** Gamma-Gamma expected order value, minor units */
  expectedOrderValue: number | null;
  /** predicted value over the run's horizon, minor units */
  clv: number | null;
  /** 0..1 */
  churnRisk: number;
  /** days since the last interaction of any kind, if within prospects.warmDays; else null */
  daysSinceInteraction: number | null;
  doNotCall: boolean;
  wrongNumber: boolean;
  /** first day the customer may be listed again; null = not snoozed */
  snoozedUntil: string | null;
  /** calls and visits within the longest cap window (and today), newest first */
  recentContacts: ReadonlyArray<{ at: string; completed: boolean }>;
  /** the earliest open follow-up */
  followUp: FollowUp | null;
  pin: { note: string | null } | null;
  /** last complaint within 90 days (ISO instant) */
  lastComplaintAt: string | null;
  /** the last recorded outcome within 90 days */
  lastOutcome: { outcome: Outcome; at: string } | null;
  /** a snooze that ended within snoozeEndedReasonDays before the list date */
  endedSnooze: { until: string; reason: string | null } | null;
  /** the score run found a high cancellation rate (its priority reasons say `high_cancellation_rate`) */
  highCancellationRate?: boolean;
}

export interface RankingContext {
  /** the list's day, 'YYYY-MM-DD' in `timeZone` */
  listDate: string;
  /** the workspace's (and its reps') time zone */
  timeZone: string;
  /** the score run's as-of day: recencies are measured from it */
  scoredAsOf: string;
  /** horizon of clv and expectedPurchases, days */
  horizonDays: number;
  /** typical customer value (median spend of buyers), minor units: the prospect value when not configured */
  referenceValue: number;
  /** the rep's daily capacity */
  capacity: number;
  /** the rep's shift; default: settings.repHours in `timeZone` (repShiftOf) */
  shift?: RepShift;
}

/** A rep's working hours on a list day: clock times 'HH:MM' in an IANA zone. */
export interface RepShift {
  timeZone: string;
  start: string;
  end: string;
}

/** A rep's shift: their own (settings.repShifts, by external id) or repHours in the workspace's zone. */
export function repShiftOf(
  repExternalId: string | null,
  workspaceZone: string,
  s: Readonly<WorklistSettings>,
): RepShift {
  const own = repExternalId === null ? undefined : s.repShifts[repExternalId];
  return own
    ? { timeZone: own.timeZone ?? workspaceZone, start: own.start, end: own.end }
    : { timeZone: workspaceZone, start: s.repHours.start, end: s.repHours.end };
}

export interface RankedItem {
  customerId: string;
  /** 1-based position in the list */
  rank: number;
  kind: ItemKind;
  /** expected value of calling today, minor units (rounded) */
  value: number;
  /** lead reason first, at most settings.maxReasons */
  reasons: Reason[];
  /** when the customer can be called on the list's day (rep's shift ∩ customer's business hours) */
  callWindow: CallWindow | null;
}

export interface RankingResult {
  items: RankedItem[];
  excluded: Partial<Record<Exclusion, number>>;
}

/** The money behind calling one customer today, split into terms (largest first). */
export interface CallValue {
  value: number;
  terms: Reason[];
}

// ---------------------------------------------------------------------------------------------------------------
// Value

function finiteNonNeg(x: number | null | undefined): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0;
}

function clamp01(x: number): number {
  if (!(x > 0)) return 0;
  return x > 1 ? 1 : x;
}

/** "Due now" strength from days silent / cycle: 0 up to startRatio, 1 from fullRatio to fadeRatio, then fades. */
export function dueSignal(ratio: number, due: WorklistSettings['due']): number {
  if (!(ratio > due.startRatio)) return 0;
  if (ratio < due.fullRatio) return (ratio - due.startRatio) / (due.fullRatio - due.startRatio);
  if (ratio <= due.fadeRatio) return 1;
  return due.fadeRatio / ratio;
}

/**
 * A prospect: never bought, as the scoring run decided (lifecycle `prospect`: no paid order and no refund). A
 * customer whose only orders are refunds has no paid order either but is not one: they bought before (lifecycle
 * churned or at_risk, `refunds_only`) and compete with the customers, where nothing bought values them at 0.
 */
export function isProspect(c: Pick<WorklistCandidate, 'lifecycle'>): boolean {
  return c.lifecycle === 'prospect';
}

/**
 * Expected value of calling a customer today (minor units), the sum of
 * - overdue:   w.overdue × due(days silent / own cycle) × expected order value — the order that is due now;
 * - at risk:   w.valueAtRisk × churn risk × value at stake (× winBackFactor when churned), where the value at
 *              stake is max(CLV, their historic spend rate over the horizon: spend × H / max(tenure, H));
 * - expected:  w.expectedValue × expected purchases × expected order value over the next lookaheadDays;
 * - growth:    w.growth × (CLV − value at their current pace), when positive.
 * Prospects: w.prospect × prospect value × (1 when warm, else coldFactor). The SQL pre-ranking in
 * worklist.sql.ts computes the same numbers; an integration test checks that they agree.
 */
export function callValue(
  c: WorklistCandidate,
  ctx: Pick<RankingContext, 'listDate' | 'scoredAsOf' | 'horizonDays' | 'referenceValue'>,
  s: Readonly<WorklistSettings>,
): CallValue {
  const w = s.weights;
  if (isProspect(c)) {
    const warm = c.daysSinceInteraction !== null;
    const base = s.prospects.valueMinor ?? finiteNonNeg(ctx.referenceValue);
    const value = w.prospect * base * (warm ? 1 : s.prospects.coldFactor);
    return {
      value,
      terms: [{ code: 'prospect', value, facts: { daysSinceInteraction: c.daysSinceInteraction } }],
    };
  }
  const { horizon, eov, cycle, risk, near, daysSilent, pace, clv, stake, churned } = customerFeatures(
    c,
    ctx,
    s,
  );
  const overdue = cycle !== null ? w.overdue * dueSignal(daysSilent / cycle, s.due) * eov : 0;
  const atRisk = w.valueAtRisk * risk * stake * (churned ? s.winBackFactor : 1);
  const expected = w.expectedValue * near;
  const growth = w.growth * Math.max(0, clv - pace);
  const value = overdue + atRisk + expected + growth;

  const terms: Reason[] = [
    {
      code: 'overdue_vs_cycle',
      value: overdue,
      facts: { cycleDays: cycle === null ? null : Math.round(cycle), daysSilent: Math.round(daysSilent) },
    },
    {
      code: churned ? 'win_back' : 'high_value_at_risk',
      value: atRisk,
      facts: { atRiskMinor: Math.round(risk * stake), daysSilent: Math.round(daysSilent) },
    },
    {
      code: 'high_expected_value',
      value: expected,
      facts: { valueMinor: Math.round(near), days: Math.min(s.lookaheadDays, horizon) },
    },
    {
      code: 'growth_potential',
      value: growth,
      facts: { clvMinor: Math.round(clv), paceMinor: Math.round(pace) },
    },
  ];
  terms.sort((a, b) => b.value - a.value);
  return { value, terms };
}

/**
 * The customer quantities the value terms are made of (minor units, days): expected order value, own cycle,
 * churn risk, purchases expected over the lookahead, days silent, historic spend pace, CLV and value at stake.
 */
function customerFeatures(
  c: WorklistCandidate,
  ctx: Pick<RankingContext, 'listDate' | 'scoredAsOf' | 'horizonDays'>,
  s: Readonly<WorklistSettings>,
) {
  const horizon = Math.max(1, ctx.horizonDays);
  const eov =
    c.expectedOrderValue !== null
      ? finiteNonNeg(c.expectedOrderValue)
      : c.frequency > 0
        ? finiteNonNeg(c.monetary) / c.frequency
        : 0;
  const cycle =
    c.ownCycleDays !== null && c.frequency >= 2 && Number.isFinite(c.ownCycleDays)
      ? Math.max(s.minCycleDays, c.ownCycleDays)
      : null;
  const risk = clamp01(c.churnRisk);
  const purchases =
    c.expectedPurchases !== null
      ? finiteNonNeg(c.expectedPurchases)
      : cycle !== null
        ? (horizon / cycle) * (1 - risk)
        : 0;
  const near = (purchases * eov * Math.min(s.lookaheadDays, horizon)) / horizon;
  const offset = Math.max(0, daysBetween(ctx.scoredAsOf, ctx.listDate));
  const daysSilent = finiteNonNeg(c.recencyDays) + offset;
  // tenure: days since the first purchase (one-time buyers: since their only one); a short history is never
  // extrapolated beyond what the customer has actually spent
  const tenure =
    c.frequency >= 2 && c.firstPurchaseAgeDays !== null
      ? finiteNonNeg(c.firstPurchaseAgeDays) + offset
      : daysSilent;
  const pace = (finiteNonNeg(c.monetary) * horizon) / Math.max(tenure, horizon);
  const clv = finiteNonNeg(c.clv);
  const stake = Math.max(clv, pace);
  const churned = c.lifecycle === 'churned';
  return { horizon, eov, cycle, risk, near, daysSilent, pace, clv, stake, churned };
}

// ---------------------------------------------------------------------------------------------------------------
// Constraints

interface DayContext {
  dayStart: number;
  dayEnd: number;
}

function capWindowStart(day: DayContext, perDays: number): number {
  // "at most maxCalls per perDays days" counts the list day and the perDays − 1 days before it
  return day.dayStart - (perDays - 1) * 86_400_000;
}

/** Why a candidate cannot be on the list today, or null. Callbacks and pins are exempt from caps. */
export function exclusionOf(
  c: WorklistCandidate,
  ctx: Pick<RankingContext, 'listDate' | 'timeZone' | 'shift'>,
  s: Readonly<WorklistSettings>,
  day: DayContext = dayContext(ctx),
  window: () => CallWindow | null = () => windowFor(c, ctx, s),
): Exclusion | null {
  if (c.doNotCall) return 'do_not_call';
  if (c.wrongNumber) return 'wrong_number';
  if (c.snoozedUntil !== null && c.snoozedUntil > ctx.listDate) return 'snoozed';
  if (c.followUp && Date.parse(c.followUp.dueAt) >= day.dayEnd) return 'follow_up_pending';
  const contacts = c.recentContacts.map((k) => ({ at: Date.parse(k.at), completed: k.completed }));
  if (contacts.some((k) => k.at >= day.dayStart && k.at < day.dayEnd)) return 'contacted_today';
  const callbackDue = c.followUp?.kind === 'callback';
  if (!callbackDue && !c.pin) {
    const cap = s.contactCaps[c.valueTier] ?? s.contactCaps.general;
    const from = capWindowStart(day, cap.perDays);
    const made = contacts.filter((k) => k.completed && k.at >= from && k.at < day.dayEnd).length;
    if (made >= cap.maxCalls) return 'frequency_cap';
  }
  if (!callbackDue && window() === null) return 'outside_business_hours';
  return null;
}

function dayContext(ctx: Pick<RankingContext, 'listDate' | 'timeZone'>): DayContext {
  const { start, end } = dayBounds(ctx.listDate, ctx.timeZone);
  return { dayStart: start.getTime(), dayEnd: end.getTime() };
}

function hoursOf(s: Readonly<WorklistSettings>, kind: CustomerKind): Hours {
  const h = s.businessHours[kind] ?? s.businessHours.individual;
  return { start: parseClock(h.start), end: parseClock(h.end), days: h.days };
}

function windowFor(
  c: Pick<WorklistCandidate, 'country' | 'customerKind'>,
  ctx: Pick<RankingContext, 'listDate' | 'timeZone' | 'shift'>,
  s: Readonly<WorklistSettings>,
): CallWindow | null {
  const shift = ctx.shift ?? repShiftOf(null, ctx.timeZone, s);
  return callWindow({
    // the list's day is a day in the rep's own zone (a Sydney rep's Tuesday)
    day: ctx.listDate,
    repTimeZone: shift.timeZone,
    repHours: { start: parseClock(shift.start), end: parseClock(shift.end) },
    // an unknown country: the workspace's zone
    customerTimeZone: timeZoneForCountry(c.country, ctx.timeZone),
    customerHours: hoursOf(s, c.customerKind),
    minMinutes: s.minCallWindowMinutes,
  });
}

/**
 * Countries (plus null for unknown) whose customers of each kind can be called on the list's day: the set form
 * of the business-hours rule, handed to the candidate SQL so that it filters millions of rows in the database.
 */
export function callableCountries(
  countries: readonly string[],
  ctx: Pick<RankingContext, 'listDate' | 'timeZone' | 'shift'>,
  s: Readonly<WorklistSettings>,
): Record<CustomerKind, { countries: string[]; unknownCallable: boolean }> {
  const out = {} as Record<CustomerKind, { countries: string[]; unknownCallable: boolean }>;
  for (const kind of ['business', 'individual'] as const) {
    out[kind] = {
      countries: countries.filter((country) => windowFor({ country, customerKind: kind }, ctx, s) !== null),
      unknownCallable: windowFor({ country: null, customerKind: kind }, ctx, s) !== null,
    };
  }
  return out;
}

/** ISO day `n` days after `day` ('YYYY-MM-DD'). */
function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Countries (plus null for unknown) whose customers of each kind the reps' shift reaches on at least one of the
 * seven days from the list's day: the others are accounts no rep can reach — the owner's hours never meet the
 * customer's business hours (a UK team and Australian offices). Flagged in the publish report.
 */
export function reachableCountries(
  countries: readonly string[],
  ctx: Pick<RankingContext, 'listDate' | 'timeZone' | 'shift'>,
  s: Readonly<WorklistSettings>,
): Record<CustomerKind, { countries: string[]; unknownCallable: boolean }> {
  const week = Array.from({ length: 7 }, (_, i) =>
    callableCountries(countries, { ...ctx, listDate: addDays(ctx.listDate, i) }, s),
  );
  const out = {} as Record<CustomerKind, { countries: string[]; unknownCallable: boolean }>;
  for (const kind of ['business', 'individual'] as const) {
    const reached = new Set(week.flatMap((d) => d[kind].countries));
    out[kind] = {
      countries: countries.filter((c) => reached.has(c)),
      unknownCallable: week.some((d) => d[kind].unknownCallable),
    };
  }
  return out;
}

/**
 * The set form of the business-hours rule per rep, for the candidate SQL: one (rep, kind, country) triple per
 * country (upper-case ISO code; '' = a country the time-zone table does not know) whose customers of that kind
 * the rep's shift reaches — on the list's day (`days` 1), or on some day of the coming week (`days` 7).
 */
export function callableByRep(
  reps: ReadonlyArray<{ id: string; shift: RepShift }>,
  countries: readonly string[],
  ctx: Pick<RankingContext, 'listDate' | 'timeZone'>,
  s: Readonly<WorklistSettings>,
  days: 1 | 7,
): { repIds: string[]; kinds: CustomerKind[]; countries: string[] } {
  const out = { repIds: [] as string[], kinds: [] as CustomerKind[], countries: [] as string[] };
  const byShift = new Map<string, ReturnType<typeof callableCountries>>();
  for (const rep of reps) {
    const key = `${rep.shift.timeZone}|${rep.shift.start}|${rep.shift.end}`;
    let sets = byShift.get(key);
    if (!sets) {
      const repCtx = { ...ctx, shift: rep.shift };
      sets = days === 1 ? callableCountries(countries, repCtx, s) : reachableCountries(countries, repCtx, s);
      byShift.set(key, sets);
    }
    for (const kind of ['business', 'individual'] as const) {
      const reached = [...sets[kind].countries, ...(sets[kind].unknownCallable ? [''] : [])];
      for (const country of reached) {
        out.repIds.push(rep.id);
        out.kinds.push(kind);
        out.countries.push(country);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The list

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

interface Scored {
  c: WorklistCandidate;
  kind: ItemKind;
  value: number;
  terms: Reason[];
  window: CallWindow | null;
}

function byValue(a: Scored, b: Scored): number {
  return b.value - a.value || compareIds(a.c.customerId, b.c.customerId);
}

/**
 * Interleaves prospects into customers so that the first n items hold ⌊n × share⌋ prospects (every 5th item at
 * 0.2); when one side runs out the other fills the rest.
 */
export function mixProspects<T>(
  customers: readonly T[],
  prospects: readonly T[],
  slots: number,
  share: number,
): T[] {
  const out: T[] = [];
  let ci = 0;
  let pi = 0;
  for (let pos = 1; out.length < slots && (ci < customers.length || pi < prospects.length); pos += 1) {
    const wantProspect = pi < Math.floor(pos * share + 1e-9);
    if ((wantProspect && pi < prospects.length) || ci >= customers.length) out.push(prospects[pi++]);
    else out.push(customers[ci++]);
  }
  return out;
}

function leadReason(x: Scored, day: DayContext): Reason | null {
  const c = x.c;
  if (x.kind === 'callback' && c.followUp) {
    return {
      code: 'callback_due',
      value: 0,
      facts: { at: c.followUp.dueAt, overdue: Date.parse(c.followUp.dueAt) < day.dayStart ? 1 : 0 },
    };
  }
  if (x.kind === 'retry' && c.followUp) {
    return {
      code: 'retry_no_answer',
      value: 0,
      facts: { lastAttemptAt: c.followUp.lastAttemptAt, attempt: c.followUp.attempt },
    };
  }
  if (x.kind === 'pinned' && c.pin) return { code: 'pinned', value: 0, facts: { note: c.pin.note } };
  return null;
}

/** The item's reasons: its lead reason, value terms worth ≥ 5% of its value, then context, capped at `max`. */
export function reasonsFor(x: Scored, day: DayContext, max: number, maxAttempts: number): Reason[] {
  const out: Reason[] = [];
  const lead = leadReason(x, day);
  if (lead) {
    if (lead.code === 'retry_no_answer') lead.facts.maxAttempts = maxAttempts;
    out.push(lead);
  }
  for (const t of x.terms) {
    if (t.value > 0 && t.value >= 0.05 * x.value) out.push({ ...t, facts: { ...t.facts } });
  }
  const c = x.c;
  if (c.lastComplaintAt) out.push({ code: 'recent_complaint', value: 0, facts: { at: c.lastComplaintAt } });
  if (c.highCancellationRate) out.push({ code: 'high_cancellation_rate', value: 0, facts: {} });
  if (c.endedSnooze) {
    out.push({
      code: 'snooze_ended',
      value: 0,
      facts: { until: c.endedSnooze.until, reason: c.endedSnooze.reason },
    });
  }
  if (c.lastOutcome && !lead) {
    out.push({
      code: 'last_outcome',
      value: 0,
      facts: { outcome: c.lastOutcome.outcome, at: c.lastOutcome.at },
    });
  }
  if (out.length === 0) {
    out.push({
      code: 'in_portfolio',
      value: 0,
      facts: { daysSilent: c.recencyDays === null ? null : Math.round(c.recencyDays) },
    });
  }
  return out.slice(0, max);
}

/**
 * The rep's list for the day. Order: callbacks due (by time), manager pins, no-answer retries due (each group by
 * value), then customers by expected value with prospects mixed in at prospects.share; cut at capacity.
 * Deterministic: the same candidates in any order give the same list.
 */
export function rankWorklist(
  candidates: readonly WorklistCandidate[],
  ctx: RankingContext,
  s: Readonly<WorklistSettings>,
): RankingResult {
  const day = dayContext(ctx);
  const { groups, excluded } = groupCandidates(candidates, ctx, s, day);
  groups.callback.sort(
    (a, b) =>
      Date.parse(a.c.followUp!.dueAt) - Date.parse(b.c.followUp!.dueAt) ||
      compareIds(a.c.customerId, b.c.customerId),
  );
  for (const k of ['pinned', 'retry', 'ranked', 'prospect'] as const) groups[k].sort(byValue);

  const capacity = Math.max(0, Math.floor(ctx.capacity));
  const head = [...groups.callback, ...groups.pinned, ...groups.retry].slice(0, capacity);
  const rest = mixProspects(groups.ranked, groups.prospect, capacity - head.length, s.prospects.share);
  const items = [...head, ...rest].map((x, i): RankedItem => ({
    customerId: x.c.customerId,
    rank: i + 1,
    kind: x.kind,
    value: Math.round(x.value),
    reasons: reasonsFor(x, day, s.maxReasons, s.followUps.maxAttempts),
    callWindow: x.window,
  }));
  return { items, excluded };
}

/**
 * Drops duplicates and candidates a contact rule excludes (counted by rule), values the others and sorts them
 * into their kind's group, with the call window of their country (callbacks: from the time asked for).
 */
function groupCandidates(
  candidates: readonly WorklistCandidate[],
  ctx: RankingContext,
  s: Readonly<WorklistSettings>,
  day: DayContext,
): { groups: Record<ItemKind, Scored[]>; excluded: Partial<Record<Exclusion, number>> } {
  const excluded: Partial<Record<Exclusion, number>> = {};
  const windows = new Map<string, CallWindow | null>();
  const windowOf = (c: WorklistCandidate) => {
    const key = `${c.customerKind}|${c.country ?? ''}`;
    if (!windows.has(key)) windows.set(key, windowFor(c, ctx, s));
    return windows.get(key) ?? null;
  };
  const seen = new Set<string>();
  const groups: Record<ItemKind, Scored[]> = {
    urgent: [],
    callback: [],
    pinned: [],
    retry: [],
    ranked: [],
    prospect: [],
  };
  for (const c of candidates) {
    if (seen.has(c.customerId)) continue;
    seen.add(c.customerId);
    const why = exclusionOf(c, ctx, s, day, () => windowOf(c));
    if (why) {
      excluded[why] = (excluded[why] ?? 0) + 1;
      continue;
    }
    const { value, terms } = callValue(c, ctx, s);
    const due = c.followUp !== null && Date.parse(c.followUp.dueAt) < day.dayEnd;
    const kind = kindOf(c, due);
    let window = windowOf(c);
    if (kind === 'callback' && c.followUp) {
      const from = Math.max(Date.parse(c.followUp.dueAt), day.dayStart);
      window = { from: new Date(from), to: new Date(from + Math.max(15, s.minCallWindowMinutes) * 60_000) };
    }
    groups[kind].push({ c, kind, value, terms, window });
  }
  return { groups, excluded };
}

/** Callbacks due first, then pins, retries due, and the rest by whether they ever bought. */
function kindOf(c: WorklistCandidate, due: boolean): ItemKind {
  return due && c.followUp?.kind === 'callback'
    ? 'callback'
    : c.pin
      ? 'pinned'
      : due && c.followUp?.kind === 'retry'
        ? 'retry'
        : isProspect(c)
          ? 'prospect'
          : 'ranked';
}
