/**
 * Rows of the candidate query (worklist.sql.ts) and their mapping to the pure ranking's WorklistCandidate.
 * Pure; no framework imports.
 */
import type { Lifecycle, RfmSegment, ValueTier } from '../scoring/models/types';
import { isOutcome } from './outcome-rules';
import type { CustomerKind, WorklistCandidate } from './ranking';

export interface CandidateRow {
  rep_id: string;
  customer_id: string;
  kind: CustomerKind;
  country: string | null;
  value_tier: ValueTier;
  lifecycle: Lifecycle;
  recency_days: number | null;
  frequency: number;
  monetary: number;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_order_value: number | null;
  clv: number | null;
  churn_risk: number;
  own_cycle: number | null;
  first_age: number | null;
  fu_kind: 'callback' | 'retry' | null;
  fu_due: Date | null;
  fu_attempt: number | null;
  fu_created: Date | null;
  pinned: boolean;
  pin_note: string | null;
  contacts: Array<{ at: string; completed: boolean }> | null;
  days_since_interaction: number | null;
  prospect: boolean;
  /** the SQL pre-rank value (equal to callValue) */
  value: number;
  rn: number;
  customer_name: string | null;
  customer_external_id: string;
  personality: string | null;
  rfm_segment: RfmSegment | null;
  score_priority?: number | null;
  last_order_minor: string | null;
  last_order_currency: string | null;
  last_complaint_at: Date | null;
  last_complaint_note: string | null;
  last_outcome: string | null;
  last_outcome_at: Date | null;
  /** the score run gave the customer a high cancellation rate (a priority reason, scoring/models/cancellation-rate.ts) */
  high_cancellation_rate?: boolean;
  snooze_until: string | null;
  snooze_reason: string | null;
}

const iso = (d: Date | string | null): string | null =>
  d === null ? null : d instanceof Date ? d.toISOString() : new Date(d).toISOString();

const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** The candidate as the pure ranking sees it. Rows already passed the SQL contact rules. */
export function toCandidate(row: CandidateRow): WorklistCandidate {
  return {
    customerId: String(row.customer_id),
    customerKind: row.kind === 'business' ? 'business' : 'individual',
    country: row.country ? row.country.trim() : null,
    valueTier: row.value_tier,
    lifecycle: row.lifecycle,
    recencyDays: numOrNull(row.recency_days),
    frequency: Number(row.frequency),
    monetary: Number(row.monetary),
    ownCycleDays: numOrNull(row.own_cycle),
    firstPurchaseAgeDays: numOrNull(row.first_age),
    pAlive: numOrNull(row.p_alive),
    expectedPurchases: numOrNull(row.expected_purchases),
    expectedOrderValue: numOrNull(row.expected_order_value),
    clv: numOrNull(row.clv),
    churnRisk: Number(row.churn_risk),
    daysSinceInteraction: numOrNull(row.days_since_interaction),
    doNotCall: false,
    wrongNumber: false,
    snoozedUntil: null,
    recentContacts: (row.contacts ?? []).map((c) => ({ at: iso(c.at) as string, completed: !!c.completed })),
    followUp:
      row.fu_kind && row.fu_due
        ? {
            kind: row.fu_kind,
            dueAt: iso(row.fu_due) as string,
            attempt: row.fu_attempt ?? 1,
            lastAttemptAt: row.fu_kind === 'retry' ? iso(row.fu_created) : null,
          }
        : null,
    pin: row.pinned ? { note: row.pin_note } : null,
    lastComplaintAt: iso(row.last_complaint_at),
    lastOutcome:
      row.last_outcome && isOutcome(row.last_outcome) && row.last_outcome_at
        ? { outcome: row.last_outcome, at: iso(row.last_outcome_at) as string }
        : null,
    endedSnooze: row.snooze_until ? { until: row.snooze_until, reason: row.snooze_reason } : null,
    highCancellationRate: row.high_cancellation_rate === true,
  };
}
