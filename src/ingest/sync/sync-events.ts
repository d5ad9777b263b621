/**
 * The one internal shape of CRM changes, whichever path brings them (inbound webhook, pull connector): every path
 * validates and normalises into these events, and RecordSyncService applies them with the same rules.
 * Records are full snapshots, not patches: a field left out of an upsert is empty in that version.
 * Timestamps are ISO 8601 strings in UTC with millisecond precision (Date#toISOString); money is minor units.
 */

export interface ContactData {
  externalId: string;
  name: string | null;
  title: string | null;
  /** normalised (lower-case) or null */
  email: string | null;
  /** E.164 or null */
  phone: string | null;
  isPrimary: boolean;
}

export interface CustomerData {
  externalId: string;
  /** the source's last-modified time of this version */
  updatedAt: string;
  kind: 'individual' | 'business';
  name: string | null;
  email: string | null;
  phone: string | null;
  region: string | null;
  /** ISO 3166 alpha-2, upper case */
  country: string | null;
  industry: string | null;
  size: string | null;
  sourceChannel: string | null;
  ownerRepExternalId: string | null;
  createdAt: string | null;
  /** contact persons (business customers); sorted by externalId */
  contacts: ContactData[];
  /** the CRM's do-not-call flag, when it sends one: true applies it, false lifts only a CRM-set one */
  doNotCall?: boolean;
}

export interface OrderLineData {
  productCode: string;
  productName: string | null;
  category: string | null;
  /** units, up to 3 decimals */
  quantity: number;
  amountMinor: number;
}

export interface OrderData {
  externalId: string;
  customerExternalId: string;
  updatedAt: string;
  placedAt: string;
  amountMinor: number;
  /** ISO 4217, upper case */
  currency: string;
  status: 'paid' | 'refunded' | 'cancelled';
  channel: string | null;
  lines: OrderLineData[];
  /** a refund or cancellation booked as an order of its own (absent: not one; docs/scoring-run.md) */
  reversal?: boolean;
  /** the external id of the order it reverses, when the source names it */
  reversesExternalId?: string | null;
}

export const INTERACTION_KINDS = ['call', 'email', 'visit', 'campaign', 'complaint', 'survey'] as const;
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

export interface InteractionData {
  externalId: string;
  customerExternalId: string;
  occurredAt: string;
  /** occurredAt when the source has no separate modification time */
  updatedAt: string;
  kind: InteractionKind;
  outcome: string | null;
  /** survey score / NPS, 0–10 */
  score: number | null;
  note: string | null;
  repExternalId: string | null;
}

export type SyncEvent =
  | { type: 'customer.upserted'; data: CustomerData }
  | { type: 'customer.deleted'; externalId: string; at: string }
  | { type: 'customer.restored'; externalId: string; at: string }
  | { type: 'customer.merged'; winnerExternalId: string; loserExternalId: string; at: string }
  | { type: 'order.upserted'; data: OrderData }
  | { type: 'order.deleted'; externalId: string; at: string }
  | { type: 'order.restored'; externalId: string; at: string }
  | { type: 'interaction.created'; data: InteractionData };

export type SyncEventType = SyncEvent['type'];

export const SYNC_EVENT_TYPES: SyncEventType[] = [
  'customer.upserted',
  'customer.deleted',
  'customer.restored',
  'customer.merged',
  'order.upserted',
  'order.deleted',
  'order.restored',
  'interaction.created',
];

/** What one applied batch did; counts only, never record contents. */
export interface ApplyReport {
  events: number;
  customersWritten: number;
  customersStale: number;
  lifecycleApplied: number;
  merges: number;
  ordersWritten: number;
  interactionsWritten: number;
  parked: number;
  unparked: number;
  /** CRM owners not applied because Callplan owns the field (GET /v1/sync/conflicts) */
  conflicts: number;
  /** e.g. unusable phone numbers dropped from a record that was kept */
  warnings: number;
}

export function emptyReport(events = 0): ApplyReport {
  return {
    events,
    customersWritten: 0,
    customersStale: 0,
    lifecycleApplied: 0,
    merges: 0,
    ordersWritten: 0,
    interactionsWritten: 0,
    parked: 0,
    unparked: 0,
    conflicts: 0,
    warnings: 0,
  };
}
