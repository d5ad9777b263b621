/**
 * What the publish report says about the customers left off the day's lists: how many by the rule that kept them
 * off, and the accounts no shift of their owner reaches, with the reps whose shifts would (docs/worklists.md, "Who
 * is left off, and why"). Pure; no framework imports: the publisher feeds it the rows of EXCLUSIONS_SQL.
 */
import { COUNTRY_TIME_ZONES } from './country-time-zones';
import { callableByRep, CustomerKind, Exclusion, RepShift } from './ranking';
import type { WorklistSettings } from './worklist-settings';

export type PublishExclusion = Exclusion | 'experiment_holdout' | 'capacity';

/** One row of EXCLUSIONS_SQL: a reason (or `eligible`) and its customers; or a `never_reachable` group. */
export interface ExclusionCount {
  reason: string;
  kind: CustomerKind | null;
  /** ISO code; '' = a country the time-zone table does not know */
  country: string | null;
  customers: number;
  /** `never_reachable`: up to 100, the highest priority first */
  ids: string[] | null;
}

export interface UnreachableAccounts {
  /** `owner_hours_never_meet`: the owner's hours never overlap the customer's business hours */
  reason: 'owner_hours_never_meet';
  customers: number;
  /** per customer kind and country, largest group first */
  groups: UnreachableGroup[];
}

/** Accounts of one kind and country that their owners cannot reach, and what to do about them. */
export interface UnreachableGroup {
  kind: CustomerKind;
  /** ISO code; null = a country the time-zone table does not know (the workspace's zone is assumed) */
  country: string | null;
  customers: number;
  /** up to 100, the highest priority first */
  customerIds: string[];
  /**
   * `assign_to_rep_in_hours`: these active reps' shifts do meet the customers' hours — a proposal only, owners
   * are never moved automatically; `no_rep_in_hours`: no rep of the workspace can reach them (change repShifts
   * or businessHours)
   */
  proposal: 'assign_to_rep_in_hours' | 'no_rep_in_hours';
  /** external ids of the reps who can reach them */
  reps: string[];
}

/** Who can reach customers of a kind in a country ('' = unknown): external ids of reps, in order. */
export type RepsReaching = (kind: CustomerKind, country: string) => string[];

/**
 * The report's exclusions: the SQL's counts by rule, the ranking's own (`rankedOut`, normally none: the rules
 * agree), and `capacity` — customers every rule allowed that did not fit on their rep's list (`listed` items);
 * and the unreachable accounts with a proposal per group.
 */
export function exclusionReport(
  counts: readonly ExclusionCount[],
  rankedOut: Readonly<Partial<Record<Exclusion, number>>>,
  listed: number,
  repsReaching: RepsReaching,
): { excluded: Partial<Record<PublishExclusion, number>>; unreachable: UnreachableAccounts } {
  const excluded: Partial<Record<PublishExclusion, number>> = { ...rankedOut };
  let eligible = 0;
  const unreachable: UnreachableAccounts = { reason: 'owner_hours_never_meet', customers: 0, groups: [] };
  for (const row of counts) {
    if (row.reason === 'eligible') eligible = row.customers;
    else if (row.reason === 'never_reachable') {
      const kind = row.kind === 'business' ? 'business' : 'individual';
      const reps = repsReaching(kind, row.country ?? '');
      unreachable.customers += row.customers;
      unreachable.groups.push({
        kind,
        country: row.country ? row.country : null,
        customers: row.customers,
        customerIds: row.ids ?? [],
        proposal: reps.length > 0 ? 'assign_to_rep_in_hours' : 'no_rep_in_hours',
        reps,
      });
    } else if (row.customers > 0) {
      const reason = row.reason as PublishExclusion;
      excluded[reason] = (excluded[reason] ?? 0) + row.customers;
    }
  }
  const ranked = Object.values(rankedOut).reduce((a, n) => a + (n ?? 0), 0);
  const capacity = eligible - ranked - listed;
  if (capacity > 0) excluded.capacity = capacity;
  unreachable.groups.sort(
    (a, b) =>
      b.customers - a.customers ||
      a.kind.localeCompare(b.kind) ||
      (a.country ?? '').localeCompare(b.country ?? ''),
  );
  return { excluded, unreachable };
}

/**
 * Which reps' shifts reach customers of a kind in a country on some day of the 7 from `listDate`: the reps an
 * unreachable account could be given to.
 */
export function repsReachingOf(
  reps: ReadonlyArray<{ externalId: string; shift: RepShift }>,
  ctx: { listDate: string; timeZone: string },
  s: Readonly<WorklistSettings>,
): RepsReaching {
  const week = callableByRep(
    reps.map((r) => ({ id: r.externalId, shift: r.shift })),
    Object.keys(COUNTRY_TIME_ZONES),
    ctx,
    s,
    7,
  );
  const byGroup = new Map<string, string[]>();
  week.repIds.forEach((rep, i) => {
    const key = `${week.kinds[i]}|${week.countries[i]}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), rep]);
  });
  return (kind, country) => [...(byGroup.get(`${kind}|${country}`) ?? [])].sort();
}
