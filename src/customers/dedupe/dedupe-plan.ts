/**
 * What a dedupe run does with the pairs of customers that share a contact key (pure, no I/O): a pair whose names
 * corroborate the key, with no evidence against it, is merged automatically (connected pairs form one customer,
 * the oldest record wins); a pair sharing a key alone — or a name and a phone while each has an email and they
 * share none (two people of one name on a family phone) — is proposed for review; a pair a person already
 * separated is left alone.
 */
import { anyNamesCompatible } from './name-match';

/** Why two customers were taken for one person. */
export type DuplicateReason = 'same_email_and_phone' | 'same_email' | 'same_phone' | 'linked';

/** Two live customers (a < b, ids as decimal strings) sharing at least one key. */
export interface KeyPair {
  a: string;
  b: string;
  sameEmail: boolean;
  samePhone: boolean;
  /** ms since the epoch: the CRM's created date, else when Callplan first saw the record */
  bornA: number;
  bornB: number;
  /** names of the customer and of the records merged into it */
  namesA: ReadonlyArray<string | null>;
  namesB: ReadonlyArray<string | null>;
  /** a person undid a merge of these two, or rejected them as a candidate */
  blocked: boolean;
  /**
   * both have an email (their own or of a record merged into them) and they share none: evidence against one
   * person that a shared phone and a matching name do not outweigh (default false)
   */
  emailsDiffer?: boolean;
}

export interface PlannedMerge {
  winnerId: string;
  loserId: string;
  reason: DuplicateReason;
}

export interface ReviewPair {
  a: string;
  b: string;
  sameEmail: boolean;
  samePhone: boolean;
}

export interface DedupePlan {
  /** winner ← loser, winners first by id; losers of one group all go into its oldest record */
  merges: PlannedMerge[];
  /** pairs sharing a key whose names do not corroborate it, and not already one customer by the merges */
  review: ReviewPair[];
  /**
   * corroborated merges not to make because a person separated that very pair before (an undone merge, a rejected
   * candidate); their group still forms, so no other member is merged in their place
   */
  blocked: PlannedMerge[];
}

export function reasonOf(sameEmail: boolean, samePhone: boolean): DuplicateReason {
  if (sameEmail && samePhone) return 'same_email_and_phone';
  if (sameEmail) return 'same_email';
  if (samePhone) return 'same_phone';
  return 'linked';
}

/** Plans a run from the key pairs of a workspace. */
export function planDedupe(pairs: readonly KeyPair[]): DedupePlan {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    let node = x;
    while (node !== root) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const born = new Map<string, number>();
  const direct = new Map<string, KeyPair>();
  const keyOf = (x: string, y: string) => (BigInt(x) < BigInt(y) ? `${x}|${y}` : `${y}|${x}`);
  const unconfirmed: KeyPair[] = [];
  for (const p of pairs) {
    born.set(p.a, p.bornA);
    born.set(p.b, p.bornB);
    direct.set(keyOf(p.a, p.b), p);
    const corroborated = !p.emailsDiffer && anyNamesCompatible(p.namesA, p.namesB);
    if (!corroborated) {
      if (!p.blocked) unconfirmed.push(p);
      continue;
    }
    const ra = find(p.a);
    const rb = find(p.b);
    if (ra !== rb) parent.set(ra, rb);
    if (!parent.has(p.a)) parent.set(p.a, p.a);
    if (!parent.has(p.b)) parent.set(p.b, p.b);
  }

  const groups = new Map<string, string[]>();
  for (const node of parent.keys()) {
    const r = find(node);
    const g = groups.get(r);
    if (g) g.push(node);
    else groups.set(r, [node]);
  }
  const older = (x: string, y: string) => {
    const d = (born.get(x) ?? 0) - (born.get(y) ?? 0);
    if (d !== 0) return d;
    return BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0;
  };
  const merges: PlannedMerge[] = [];
  const blocked: PlannedMerge[] = [];
  const winnerOf = new Map<string, string>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort(older);
    const [winnerId, ...losers] = members;
    for (const m of members) winnerOf.set(m, winnerId);
    for (const loserId of losers) {
      const p = direct.get(keyOf(winnerId, loserId));
      const m: PlannedMerge = {
        winnerId,
        loserId,
        reason: p ? reasonOf(p.sameEmail, p.samePhone) : 'linked',
      };
      (p?.blocked ? blocked : merges).push(m);
    }
  }
  merges.sort((x, y) => cmpId(x.winnerId, y.winnerId) || cmpId(x.loserId, y.loserId));

  // Proposed between the customers that will stand after the merges; one proposal per pair of them.
  const review = new Map<string, ReviewPair>();
  for (const p of unconfirmed) {
    const x = winnerOf.get(p.a) ?? p.a;
    const y = winnerOf.get(p.b) ?? p.b;
    if (x === y) continue;
    const [a, b] = cmpId(x, y) < 0 ? [x, y] : [y, x];
    const seen = review.get(`${a}|${b}`);
    review.set(`${a}|${b}`, {
      a,
      b,
      sameEmail: p.sameEmail || (seen?.sameEmail ?? false),
      samePhone: p.samePhone || (seen?.samePhone ?? false),
    });
  }
  return { merges, review: [...review.values()], blocked };
}

function cmpId(x: string, y: string): number {
  const a = BigInt(x);
  const b = BigInt(y);
  return a < b ? -1 : a > b ? 1 : 0;
}
