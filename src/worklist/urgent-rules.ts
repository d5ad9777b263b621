/**
 * Which CRM events justify inserting an urgent item into today's list. Pure; no framework imports.
 * A complaint always does; an order does when the customer is at risk or churned and the order is large: at least
 * urgent.largeOrderMinMinor and at least urgent.largeOrderFactor × their usual order value.
 */
import type { UrgentEventPayload } from '../queue/jobs';
import type { Lifecycle } from '../scoring/models/types';
import type { Reason } from './ranking';
import type { WorklistSettings } from './worklist-settings';

/** A complaint or an order, as the urgent job carries it. */
export type UrgentEvent = UrgentEventPayload;

export interface UrgentCustomer {
  lifecycle: Lifecycle | null;
  /** expected order value, or spend / purchase days when unknown; minor units */
  usualOrderMinor: number | null;
}

/** The urgent reason the event gives, or null when the event is not urgent. */
export function urgentReason(
  ev: UrgentEvent,
  c: UrgentCustomer,
  s: Readonly<WorklistSettings>,
): Reason | null {
  if (ev.kind === 'complaint') {
    return { code: 'urgent_complaint', value: 0, facts: { at: ev.at, note: ev.note ?? null } };
  }
  if (c.lifecycle !== 'at_risk' && c.lifecycle !== 'churned') return null;
  const usual = c.usualOrderMinor !== null && c.usualOrderMinor > 0 ? c.usualOrderMinor : 0;
  const threshold = Math.max(s.urgent.largeOrderMinMinor, s.urgent.largeOrderFactor * usual);
  if (!(ev.amountMinor >= threshold)) return null;
  return {
    code: 'urgent_large_order',
    value: 0,
    facts: { at: ev.at, amountMinor: ev.amountMinor, lifecycle: c.lifecycle },
  };
}
