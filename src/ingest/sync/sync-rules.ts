/**
 * The decision rules of CRM sync, pure and framework-free. They make the final state a function of the SET of
 * events seen, not of their order or number:
 * - data is a last-writer-wins register: the version with the newest source `updatedAt` wins; equal instants are
 *   broken by the record digest (a keyed hash of the normalised record), so two different records of the same
 *   instant resolve the same way everywhere;
 * - deletion is a separate register of delete/restore events: the newest wins, and at the same instant a delete
 *   beats a restore. Upserts never touch it, so a late update cannot resurrect a deleted record — only a newer
 *   restore can;
 * - orders and interactions whose customer is unknown are parked with their newest version and applied when the
 *   customer arrives (nothing is dropped; a parked version older than what is stored is simply stale).
 * The SQL in record-sync.sql.ts mirrors these comparisons so that concurrent writers agree too.
 */

/** A record version: source modification time (ISO, UTC) and the record digest (hex) as the tie-breaker. */
export interface Version {
  at: string;
  digest: string;
}

/** One delete-or-restore: the source time it happened, and which of the two it was. */
export interface Lifecycle {
  at: string;
  deleted: boolean;
}

function time(iso: string): number {
  return Date.parse(iso);
}

/** Orders versions: negative when `a` is older. A missing version (never synced) is older than any version. */
export function compareVersions(a: Version | null, b: Version | null): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  const dt = time(a.at) - time(b.at);
  if (dt !== 0) return dt;
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

/** Whether `candidate` replaces `current` (strictly newer: the same version twice changes nothing). */
export function isNewerVersion(candidate: Version, current: Version | null): boolean {
  return compareVersions(candidate, current) > 0;
}

/** Orders lifecycle events: the newer wins; at the same instant a delete beats a restore ("a delete is final"). */
export function compareLifecycles(a: Lifecycle | null, b: Lifecycle | null): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  const dt = time(a.at) - time(b.at);
  if (dt !== 0) return dt;
  return Number(a.deleted) - Number(b.deleted);
}

/** Whether a delete/restore event changes the stored deletion state. */
export function lifecycleWins(candidate: Lifecycle, current: Lifecycle | null): boolean {
  return compareLifecycles(candidate, current) > 0;
}

export function newerLifecycle(a: Lifecycle | null, b: Lifecycle | null): Lifecycle | null {
  return compareLifecycles(a, b) >= 0 ? a : b;
}

/** JSON with object keys sorted at every level: the same record always serialises to the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

/** Keeps, per key, the item with the newest version (input order does not matter). */
export function newestByKey<T>(
  items: T[],
  key: (t: T) => string,
  version: (t: T) => Version,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const current = out.get(k);
    if (!current || isNewerVersion(version(item), version(current))) out.set(k, item);
  }
  return out;
}

/** Keeps, per key, the winning delete/restore event. */
export function newestLifecycleByKey(
  items: Array<{ key: string; lifecycle: Lifecycle }>,
): Map<string, Lifecycle> {
  const out = new Map<string, Lifecycle>();
  for (const { key, lifecycle } of items) {
    const current = out.get(key) ?? null;
    if (lifecycleWins(lifecycle, current)) out.set(key, lifecycle);
  }
  return out;
}

/**
 * What is known of one order or interaction: its newest data version (with the customer it belongs to) and its
 * newest delete/restore. A state may have either part only (a delete for a record never seen is a tombstone).
 */
export interface ChildState<D> {
  externalId: string;
  data: D | null;
  customerExternalId: string | null;
  version: Version | null;
  lifecycle: Lifecycle | null;
}

/** Groups states by record (the batch's own and those taken out of parking). */
export function groupChildStates<D>(states: Array<ChildState<D>>): Map<string, Array<ChildState<D>>> {
  const out = new Map<string, Array<ChildState<D>>>();
  for (const s of states) {
    const list = out.get(s.externalId);
    if (list) list.push(s);
    else out.set(s.externalId, [s]);
  }
  return out;
}

function newestVersion<D>(states: Array<ChildState<D>>): ChildState<D> | null {
  let best: ChildState<D> | null = null;
  for (const s of states) if (!best || compareVersions(s.version, best.version) > 0) best = s;
  return best;
}

/** The stored row of an order or interaction, as far as the rules need it. */
export interface StoredChild {
  version: Version | null;
  lifecycle: Lifecycle | null;
}

export type ParkReason = 'unknown_customer' | 'not_yet_created';

export interface ChildPlan<D> {
  /** data versions to write (newer than the stored row, customer resolved) */
  writes: Array<{ state: ChildState<D>; customerId: string }>;
  /** delete/restore events for rows that exist (or are written in this batch) */
  lifecycles: Array<{ externalId: string; lifecycle: Lifecycle }>;
  /** versions that wait for their customer, or tombstones of records not seen yet */
  park: Array<{ state: ChildState<D>; reason: ParkReason }>;
  /** data versions neither written nor parked (replays, out-of-order deliveries) */
  stale: number;
}

/**
 * Decides, for each record, what happens to its candidate versions (this batch's and the parked ones):
 * - the newest version whose customer resolves is written if it is newer than the stored row;
 * - for each customer that is not known yet, the newest version naming it is parked if it is newer than what is
 *   written or stored: when that customer arrives, that version competes again. So the row always ends as the
 *   newest version whose customer exists, whatever the order in which versions and customers arrived;
 * - the winning delete/restore applies to the row, or is parked as a tombstone while there is no row.
 * `customers` maps a customer external id to the surviving customer id (merges already followed).
 */
export function planChildren<D>(
  groups: Map<string, Array<ChildState<D>>>,
  customers: Map<string, string>,
  stored: Map<string, StoredChild>,
): ChildPlan<D> {
  const plan: ChildPlan<D> = { writes: [], lifecycles: [], park: [], stale: 0 };
  const resolves = (s: ChildState<D>) => s.customerExternalId !== null && customers.has(s.customerExternalId);
  for (const [externalId, states] of groups) {
    const row = stored.get(externalId) ?? null;
    const versions = states.filter((s) => s.data !== null && s.version !== null);
    const newestResolvable = newestVersion(versions.filter(resolves));
    const write =
      newestResolvable && (!row || isNewerVersion(newestResolvable.version as Version, row.version))
        ? newestResolvable
        : null;
    if (write) {
      plan.writes.push({
        state: { ...write, lifecycle: null },
        customerId: customers.get(write.customerExternalId as string) as string,
      });
    }
    const base = write?.version ?? row?.version ?? null;
    const waiting = new Map<string, ChildState<D>>();
    for (const v of versions) {
      if (resolves(v)) continue;
      const ref = v.customerExternalId ?? '';
      const current = waiting.get(ref);
      if (!current || compareVersions(v.version, current.version) > 0) waiting.set(ref, v);
    }
    let parkedData = 0;
    for (const v of waiting.values()) {
      if (!isNewerVersion(v.version as Version, base)) continue;
      plan.park.push({ state: { ...v, lifecycle: null }, reason: 'unknown_customer' });
      parkedData++;
    }
    plan.stale += versions.length - (write ? 1 : 0) - parkedData;
    let lifecycle: Lifecycle | null = null;
    for (const s of states) lifecycle = newerLifecycle(lifecycle, s.lifecycle);
    if (!lifecycle) continue;
    if (row !== null || write !== null) {
      if (!row || lifecycleWins(lifecycle, row.lifecycle)) plan.lifecycles.push({ externalId, lifecycle });
    } else {
      plan.park.push({
        state: { externalId, data: null, customerExternalId: null, version: null, lifecycle },
        reason: 'not_yet_created',
      });
    }
  }
  return plan;
}
