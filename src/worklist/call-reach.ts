/**
 * Whether an account's owner can ever call it: the owner's shift against the customer's business hours over the
 * coming week and — when it cannot — which reps' shifts would meet them. The customer view shows it
 * (call-reach.module.ts); the publish report says the same in bulk (publish-report.ts). Pure; no framework imports.
 */
import { COUNTRY_TIME_ZONES } from './country-time-zones';
import { CustomerKind, reachableCountries, repShiftOf } from './ranking';
import type { WorklistSettings } from './worklist-settings';

export interface CallReach {
  ownerReaches: boolean;
  reason: 'owner_hours_never_meet' | null;
  proposal: 'assign_to_rep_in_hours' | 'no_rep_in_hours' | null;
  /** external ids of the reps whose shifts meet the customer's hours (when the owner's do not) */
  reps: string[];
}

/**
 * The reach of an account owned by `ownerExternalId` on the 7 days from `listDate` ('YYYY-MM-DD' in the workspace
 * zone), with `reps` the workspace's active reps (external ids).
 */
export function callReach(
  customer: { kind: CustomerKind; country: string | null },
  ownerExternalId: string,
  reps: readonly string[],
  ctx: { listDate: string; timeZone: string },
  s: Readonly<WorklistSettings>,
): CallReach {
  const country = customer.country?.trim().toUpperCase() ?? '';
  const known = country in COUNTRY_TIME_ZONES;
  const reaches = (rep: string) => {
    const shift = repShiftOf(rep, ctx.timeZone, s);
    const week = reachableCountries(known ? [country] : [], { ...ctx, shift }, s)[customer.kind];
    return known ? week.countries.length > 0 : week.unknownCallable;
  };
  if (reaches(ownerExternalId)) return { ownerReaches: true, reason: null, proposal: null, reps: [] };
  const others = reps.filter((r) => r !== ownerExternalId && reaches(r)).sort();
  return {
    ownerReaches: false,
    reason: 'owner_hours_never_meet',
    proposal: others.length > 0 ? 'assign_to_rep_in_hours' : 'no_rep_in_hours',
    reps: others,
  };
}
