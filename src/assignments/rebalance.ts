/**
 * Rebalancing one team's accounts: pure and framework-free, deterministic (inputs are sorted by id first, every
 * tie is broken by id), so a preview and its later re-computation agree and tests run in milliseconds.
 *
 * Units: expected value in integer minor units of the workspace currency; workload in accounts; capacity in
 * calls per day. Each active rep's target share of the team's accounts and expected value is proportional to
 * their daily capacity. A rep is "within tolerance" when |accounts − target| ≤ max(tolerance × target, 1) and
 * |value − target| ≤ tolerance × target.
 *
 * What it guarantees (see rebalance.spec.ts):
 * - accounts only ever go to active reps of the account's own team (or back to the team pool when the team has
 *   no eligible rep); an account moves at most once, from its current owner;
 * - existing relationships are kept where possible: nothing moves while everyone is within tolerance, pinned
 *   accounts never move for balance, and among the accounts of an overloaded rep the ones without recent
 *   contact and of lower tier move first; an orphan goes back to its previous owner when they have room;
 * - every balancing move strictly reduces the team's total out-of-tolerance penalty, so it terminates, and on
 *   teams of many small accounts it ends within tolerance.
 */

export type Tier = 'core' | 'potential' | 'general';

export interface RebalanceRep {
  id: string;
  teamId: string | null;
  active: boolean;
  /** calls per day; the rep's share of the team's accounts and value is proportional to it */
  dailyCapacity: number;
}

export interface RebalanceAccount {
  id: string;
  /** current owner; null = in the team pool */
  ownerId: string | null;
  /** the team the account belongs to: its owner's team, or the pool's */
  teamId: string | null;
  tier: Tier;
  /** expected value (CLV of the current score snapshot), minor units, ≥ 0 */
  expectedValue: number;
  /** the owner contacted the customer recently: moving it would break a live relationship */
  contactedRecently?: boolean;
  /** placed deliberately by a manager (recent manual assignment): never moved for balance */
  pinned?: boolean;
  /** the owner before the current one: preferred when the account needs a new home */
  previousOwnerId?: string | null;
}

export interface RebalanceOptions {
  teamId: string;
  /** relative band around each rep's targets, e.g. 0.15 = ±15 % */
  tolerance: number;
  /** 'full' places orphans and balances; 'orphans' only finds a home for accounts without an eligible owner */
  mode: 'full' | 'orphans';
  /** stop after this many moves (default: no limit beyond one move per account) */
  maxMoves?: number;
}

export type MoveReason =
  /** the owner is inactive (or no longer an eligible rep of this team) */
  | 'owner_inactive'
  /** an orphan that went back to the rep who owned it before */
  | 'previous_owner'
  /** an account from the team pool */
  | 'from_pool'
  /** the donor carried too much expected value */
  | 'balance_value'
  /** the donor carried too many accounts */
  | 'balance_workload'
  /** the team has no active rep: the account returns to the team pool */
  | 'no_eligible_rep';

export interface Fill {
  accounts: number;
  value: number;
  /** accounts / target accounts (1 = exactly the fair share) */
  accountFill: number;
  /** value / target value */
  valueFill: number;
}

export interface RebalanceMove {
  accountId: string;
  fromRepId: string | null;
  /** null = back to the team pool */
  toRepId: string | null;
  reason: MoveReason;
  tier: Tier;
  expectedValue: number;
  /** the donor's and recipient's load just before this move (recipient's absent when going to the pool) */
  from: Fill | null;
  to: Fill | null;
  contactedRecently: boolean;
}

export interface RepLoad {
  repId: string;
  eligible: boolean;
  dailyCapacity: number;
  accounts: number;
  value: number;
  targetAccounts: number;
  targetValue: number;
  withinTolerance: boolean;
}

export interface RebalanceResult {
  moves: RebalanceMove[];
  before: RepLoad[];
  after: RepLoad[];
  /** every eligible rep ends within tolerance */
  withinTolerance: boolean;
  totals: { accounts: number; value: number };
}

const TIER_RANK: Record<Tier, number> = { general: 0, potential: 1, core: 2 };
const EPS = 1e-12;

interface Load {
  n: number;
  v: number;
  /** target accounts and value */
  N: number;
  V: number;
}

interface Held {
  a: RebalanceAccount;
  /** how disposable the account is for its holder: 0 = moved in by this proposal, then by contact and tier */
  cls: number;
}
const CLASSES = 7;
/** Weight of the pull towards each rep's exact target, which steers moves out of the band's edges. */
const CENTRE_WEIGHT = 0.1;

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byValue = (x: Held, y: Held) => x.a.expectedValue - y.a.expectedValue || byId(x.a, y.a);

/** Proposes moves that give every account of `options.teamId` an eligible owner and balance the team. */
export function rebalance(
  repsIn: readonly RebalanceRep[],
  accountsIn: readonly RebalanceAccount[],
  options: RebalanceOptions,
): RebalanceResult {
  if (!(options.tolerance >= 0 && options.tolerance <= 10))
    throw new RangeError('tolerance must be in [0, 10]');
  const team = new TeamState(repsIn, accountsIn, options);
  const before = team.snapshot();
  team.placeOrphans();
  if (options.mode === 'full') team.balance();
  const after = team.snapshot();
  const beforeById = new Map(before.map((l) => [l.repId, l]));
  const fill = (id: string | null): Fill | null => {
    const l = id === null ? undefined : beforeById.get(id);
    if (!l || !l.eligible) return null;
    return {
      accounts: l.accounts,
      value: l.value,
      accountFill: ratio(l.accounts, l.targetAccounts),
      valueFill: ratio(l.value, l.targetValue),
    };
  };
  const moves: RebalanceMove[] = team.changes().map(({ a, to, reason }) => ({
    accountId: a.id,
    fromRepId: a.ownerId,
    toRepId: to,
    reason,
    tier: a.tier,
    expectedValue: a.expectedValue,
    from: fill(a.ownerId),
    to: fill(to),
    contactedRecently: a.contactedRecently ?? false,
  }));
  return {
    moves,
    before,
    after,
    withinTolerance: after.filter((r) => r.eligible).every((r) => r.withinTolerance),
    totals: team.totals,
  };
}

/** The mutable working state of one run; private to this module. */
class TeamState {
  readonly totals: { accounts: number; value: number };
  private readonly reps: RebalanceRep[];
  private readonly accounts: RebalanceAccount[];
  private readonly eligible: RebalanceRep[];
  private readonly eligibleIds: Set<string>;
  private readonly tol: number;
  private readonly unitV: number;
  private readonly maxMoves: number;
  private readonly loads = new Map<string, Load>();
  private readonly holder = new Map<string, string | null>();
  /** per eligible rep, per class, the movable accounts it holds sorted by (value, id) */
  private readonly lists = new Map<string, Held[][]>();
  private readonly balanceReason = new Map<string, MoveReason>();
  private changed = 0;
  /** every rep that owned an account of the team at the start */
  private readonly owners = new Set<string>();

  constructor(repsIn: readonly RebalanceRep[], accountsIn: readonly RebalanceAccount[], o: RebalanceOptions) {
    this.reps = [...repsIn].sort(byId);
    this.accounts = accountsIn
      .filter((a) => a.teamId !== null && a.teamId === o.teamId)
      .map((a) => ({
        ...a,
        expectedValue: Number.isFinite(a.expectedValue) ? Math.max(0, a.expectedValue) : 0,
      }))
      .sort(byId);
    this.eligible = this.reps.filter((r) => r.active && r.teamId === o.teamId);
    this.eligibleIds = new Set(this.eligible.map((r) => r.id));
    this.tol = o.tolerance;
    this.maxMoves = o.maxMoves ?? Number.POSITIVE_INFINITY;
    const totalN = this.accounts.length;
    const totalV = this.accounts.reduce((s, a) => s + a.expectedValue, 0);
    this.totals = { accounts: totalN, value: totalV };
    this.unitV = totalN > 0 && totalV > 0 ? totalV / totalN : 1;
    const capSum = this.eligible.reduce((s, r) => s + Math.max(0, r.dailyCapacity), 0);
    for (const r of this.eligible) {
      const share = capSum > 0 ? Math.max(0, r.dailyCapacity) / capSum : 1 / this.eligible.length;
      this.loads.set(r.id, { n: 0, v: 0, N: totalN * share, V: totalV * share });
      this.lists.set(
        r.id,
        Array.from({ length: CLASSES }, () => []),
      );
    }
    for (const a of this.accounts) {
      const owner = a.ownerId !== null && this.eligibleIds.has(a.ownerId) ? a.ownerId : null;
      this.holder.set(a.id, a.ownerId);
      if (a.ownerId !== null) this.owners.add(a.ownerId);
      if (owner === null) continue;
      const l = this.loads.get(owner)!;
      l.n += 1;
      l.v += a.expectedValue;
      if (!a.pinned) this.lists.get(owner)![this.classOf(a, owner)].push({ a, cls: this.classOf(a, owner) });
    }
    for (const classes of this.lists.values()) for (const list of classes) list.sort(byValue);
  }

  /** Orphans (pool accounts and accounts of ineligible owners), largest first, each where it hurts least. */
  placeOrphans(): void {
    const orphans = this.accounts
      .filter((a) => a.ownerId === null || !this.eligibleIds.has(a.ownerId))
      .sort((a, b) => b.expectedValue - a.expectedValue || byId(a, b));
    for (const a of orphans) {
      if (this.changed >= this.maxMoves) return;
      if (this.eligible.length === 0) {
        if (a.ownerId !== null) this.transfer(a, null);
        continue;
      }
      const prev = a.previousOwnerId ?? null;
      if (prev !== null && this.eligibleIds.has(prev)) {
        const l = this.loads.get(prev)!;
        if (this.penalty(l.n + 1, l.v + a.expectedValue, l).total <= EPS) {
          this.transfer(a, prev);
          continue;
        }
      }
      let best: { id: string; delta: number; fill: number } | null = null;
      for (const r of this.eligible) {
        const l = this.loads.get(r.id)!;
        const delta = this.penalty(l.n + 1, l.v + a.expectedValue, l).total - this.penalty(l.n, l.v, l).total;
        const fill = this.combinedFill(r.id);
        if (
          best === null ||
          delta < best.delta - EPS ||
          (Math.abs(delta - best.delta) <= EPS && fill < best.fill - EPS)
        ) {
          best = { id: r.id, delta, fill };
        }
      }
      this.transfer(a, best!.id);
    }
  }

  /** Single moves from heavier to lighter reps while they reduce the penalty; value swaps when none does. */
  balance(): void {
    if (this.eligible.length < 2) return;
    while (this.changed < this.maxMoves && this.eligible.some((r) => this.penaltyOf(r.id).total > EPS)) {
      if (this.singleMove()) continue;
      if (this.changed + 2 <= this.maxMoves && this.swap()) continue;
      break;
    }
  }

  /** Accounts whose holder differs from their owner, with the reason. */
  changes(): Array<{ a: RebalanceAccount; to: string | null; reason: MoveReason }> {
    const out: Array<{ a: RebalanceAccount; to: string | null; reason: MoveReason }> = [];
    for (const a of this.accounts) {
      const to = this.holder.get(a.id) ?? null;
      if (to === a.ownerId) continue;
      let reason: MoveReason;
      if (a.ownerId === null) reason = 'from_pool';
      else if (!this.eligibleIds.has(a.ownerId)) {
        reason =
          to === null ? 'no_eligible_rep' : to === a.previousOwnerId ? 'previous_owner' : 'owner_inactive';
      } else reason = this.balanceReason.get(a.id) ?? 'balance_workload';
      out.push({ a, to, reason });
    }
    return out;
  }

  snapshot(): RepLoad[] {
    const counts = new Map<string, { n: number; v: number }>();
    for (const a of this.accounts) {
      const owner = this.holder.get(a.id) ?? null;
      if (owner === null) continue;
      const c = counts.get(owner) ?? { n: 0, v: 0 };
      c.n += 1;
      c.v += a.expectedValue;
      counts.set(owner, c);
    }
    return this.reps
      .filter((r) => this.eligibleIds.has(r.id) || this.owners.has(r.id))
      .map((r) => {
        const c = counts.get(r.id) ?? { n: 0, v: 0 };
        const l = this.loads.get(r.id);
        return {
          repId: r.id,
          eligible: this.eligibleIds.has(r.id),
          dailyCapacity: r.dailyCapacity,
          accounts: c.n,
          value: c.v,
          targetAccounts: l ? round2(l.N) : 0,
          targetValue: l ? round2(l.V) : 0,
          withinTolerance: l ? this.penalty(c.n, c.v, l).total <= EPS : c.n === 0,
        };
      });
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * A rep's penalty at (n accounts, v value): `viol` is the squared relative excess beyond the tolerance band
   * (0 inside it) and decides when to stop; `g` adds a small pull towards the exact target, which decides
   * which move to make (without it, reps stall at the band's edges, where any move breaks the other dimension).
   */
  private penalty(n: number, v: number, l: Load) {
    const sn = Math.max(l.N, 1);
    const sv = Math.max(l.V, this.unitV);
    const en = Math.max(0, Math.abs(n - l.N) - Math.max(this.tol * l.N, 1)) / sn;
    const ev = Math.max(0, Math.abs(v - l.V) - this.tol * l.V) / sv;
    const viol = en * en + ev * ev;
    const cn = (n - l.N) / sn;
    const cv = (v - l.V) / sv;
    return { en2: en * en, ev2: ev * ev, total: viol, g: viol + CENTRE_WEIGHT * (cn * cn + cv * cv) };
  }

  private penaltyOf(id: string) {
    const l = this.loads.get(id)!;
    return this.penalty(l.n, l.v, l);
  }

  private combinedFill(id: string): number {
    const l = this.loads.get(id)!;
    return (l.n / Math.max(l.N, 1) + l.v / Math.max(l.V, this.unitV)) / 2;
  }

  private classOf(a: RebalanceAccount, holder: string): number {
    if (holder !== a.ownerId) return 0;
    return 1 + (a.contactedRecently ? 3 : 0) + TIER_RANK[a.tier];
  }

  /** Reps by combined fill, lightest first (ties by id). */
  private byFill(): string[] {
    return this.eligible
      .map((r) => ({ id: r.id, f: this.combinedFill(r.id) }))
      .sort((a, b) => a.f - b.f || (a.id < b.id ? -1 : 1))
      .map((x) => x.id);
  }

  private transfer(a: RebalanceAccount, to: string | null, reason?: MoveReason): void {
    const from = this.holder.get(a.id) ?? null;
    if (from !== null && this.loads.has(from)) {
      const l = this.loads.get(from)!;
      l.n -= 1;
      l.v -= a.expectedValue;
      if (!a.pinned) {
        const list = this.lists.get(from)![this.classOf(a, from)];
        const i = lowerBound(list, a.expectedValue, a.id);
        if (list[i]?.a.id === a.id) list.splice(i, 1);
      }
    }
    if (to !== null) {
      const l = this.loads.get(to)!;
      l.n += 1;
      l.v += a.expectedValue;
      if (!a.pinned) {
        const cls = this.classOf(a, to);
        const list = this.lists.get(to)![cls];
        list.splice(lowerBound(list, a.expectedValue, a.id), 0, { a, cls });
      }
    }
    if (from === a.ownerId && to !== a.ownerId) this.changed += 1;
    else if (from !== a.ownerId && to === a.ownerId) this.changed -= 1;
    this.holder.set(a.id, to);
    if (reason) this.balanceReason.set(a.id, reason);
  }

  /** Pairs (donor, recipient), heaviest donor and lightest recipient first, at least one of them out of band. */
  private pairs(): Array<[string, string]> {
    const order = this.byFill();
    const outside = new Set(this.eligible.filter((r) => this.penaltyOf(r.id).total > EPS).map((r) => r.id));
    const out: Array<[string, string]> = [];
    for (const d of [...order].reverse()) {
      for (const r of order) if (r !== d && (outside.has(d) || outside.has(r))) out.push([d, r]);
    }
    return out;
  }

  /**
   * One account from donor to recipient. The pair's change in penalty is convex in the moved value, so per
   * class the best account is one of the two whose values bracket the continuous optimum.
   */
  private singleMove(): boolean {
    for (const [d, r] of this.pairs()) {
      const ld = this.loads.get(d)!;
      const lr = this.loads.get(r)!;
      const pd = this.penaltyOf(d);
      const pr = this.penaltyOf(r);
      const gain = (x: number) =>
        this.penalty(ld.n - 1, ld.v - x, ld).g + this.penalty(lr.n + 1, lr.v + x, lr).g - pd.g - pr.g;
      const ideal = argminConvex(gain, 0, Math.max(0, ld.v));
      for (const list of this.lists.get(d)!) {
        let best: { h: Held; g: number } | null = null;
        for (const h of bracket(list, ideal)) {
          const g = gain(h.a.expectedValue);
          if (g < -EPS && (best === null || g < best.g - EPS)) best = { h, g };
        }
        if (best) {
          const x = best.h.a.expectedValue;
          const nd = this.penalty(ld.n - 1, ld.v - x, ld);
          const nr = this.penalty(lr.n + 1, lr.v + x, lr);
          const dn = nd.en2 + nr.en2 - pd.en2 - pr.en2;
          const dv = nd.ev2 + nr.ev2 - pd.ev2 - pr.ev2;
          this.transfer(best.h.a, r, dv < dn ? 'balance_value' : 'balance_workload');
          return true;
        }
      }
    }
    return false;
  }

  /** Exchanges an account of a donor for one of a recipient with a better-fitting value (counts unchanged). */
  private swap(): boolean {
    for (const [d, r] of this.pairs()) {
      const ld = this.loads.get(d)!;
      const lr = this.loads.get(r)!;
      const current = this.penaltyOf(d).g + this.penaltyOf(r).g;
      const gain = (delta: number) =>
        this.penalty(ld.n, ld.v - delta, ld).g + this.penalty(lr.n, lr.v + delta, lr).g - current;
      const ideal = argminConvex(gain, -lr.v, ld.v);
      const theirs = this.lists
        .get(r)!
        .flat()
        .sort((x, y) => byValue(x, y) || x.cls - y.cls);
      if (theirs.length === 0) continue;
      for (const list of this.lists.get(d)!) {
        let best: { y: Held; z: Held; g: number } | null = null;
        for (const y of list) {
          for (const z of bracket(theirs, y.a.expectedValue - ideal)) {
            const g = gain(y.a.expectedValue - z.a.expectedValue);
            if (g < -EPS && (best === null || g < best.g - EPS)) best = { y, z, g };
          }
        }
        if (best) {
          this.transfer(best.y.a, r, 'balance_value');
          this.transfer(best.z.a, d, 'balance_value');
          return true;
        }
      }
    }
    return false;
  }
}

/** Minimum of a convex function on [lo, hi] (ternary search). */
function argminConvex(f: (x: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 80 && hi - lo > 1e-6; i += 1) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    if (f(m1) <= f(m2)) hi = m2;
    else lo = m1;
  }
  return (lo + hi) / 2;
}

/** The (at most two) accounts of a value-sorted list whose values bracket `target`, lowest id per value. */
function bracket(list: Held[], target: number): Held[] {
  if (list.length === 0) return [];
  const k = lowerBound(list, target, '');
  const out: Held[] = [];
  if (k > 0) out.push(list[lowerBound(list, list[k - 1].a.expectedValue, '')]);
  if (k < list.length) out.push(list[k]);
  return out;
}

/** First index whose (value, id) is ≥ (value, id). */
function lowerBound(list: Held[], value: number, id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = list[mid].a;
    if (m.expectedValue < value || (m.expectedValue === value && m.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function ratio(x: number, target: number): number {
  if (target > 0) return Math.round((x / target) * 1000) / 1000;
  return x > 0 ? Number.POSITIVE_INFINITY : 1;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
