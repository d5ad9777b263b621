/**
 * "Can the owner ever call this account?" on the customer view. The worklist room knows shifts and business hours
 * and imports this room, so it answers through this token instead of an import (src/worklist/call-reach.module.ts
 * provides it; without it — a process without the worklist room — the view says null).
 */
export const CALL_REACH_LOOKUP = Symbol('CALL_REACH_LOOKUP');

export interface CallReachView {
  /** the owner's shift meets the customer's business hours on at least one of the coming 7 days */
  ownerReaches: boolean;
  /** `owner_hours_never_meet` when it does not */
  reason: 'owner_hours_never_meet' | null;
  /** `assign_to_rep_in_hours` (a proposal: owners are never moved automatically) or `no_rep_in_hours` */
  proposal: 'assign_to_rep_in_hours' | 'no_rep_in_hours' | null;
  /** external ids of the active reps whose shifts meet the customer's hours, when the owner's do not */
  reps: string[];
}

export interface CallReachLookup {
  /** The reach of an owned customer today, or null when the workspace's settings cannot say. */
  reachOf(
    workspaceId: string,
    customer: { kind: string; country: string | null; ownerExternalId: string },
  ): Promise<CallReachView | null>;
}
